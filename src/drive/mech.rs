//! The mechanism's clock and seek curve.
//!
//! Inside the drive time runs in integer picoseconds and the platter's
//! angle in units of 2^-32 of a turn, converted into each other with
//! DiskSim's own fixed-point arithmetic: the angle is advanced from the
//! time elapsed (`rotate`, truncating to 2^-24 turn) and a wait computed
//! from the angle to go (`rottime`, from its top 20 bits). Exact angles
//! would drift from DiskSim's by about 1.8 ns per sector read (its angle
//! lags the geometry by 1 288 units per sector), enough after a few
//! thousand requests to turn a near miss into a full revolution; with
//! DiskSim's arithmetic every response matches it to the nanosecond.

use super::spec::SeekSpec;

/// The spindle: one revolution in picoseconds, and DiskSim's fixed-point
/// conversions between time and angle (`dm_rotate`, `dm_rottime`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    /// One revolution [ps].
    period_ps: u64,
}

impl Clock {
    pub fn new(rpm: f64) -> Clock {
        // DiskSim: `dm_time_dtoi(60000 / rpm)`, a revolution in whole ps.
        Clock { period_ps: (60e12 / rpm) as u64 }
    }
    #[cfg(test)]
    pub fn period_ps(&self) -> u64 {
        self.period_ps
    }
    /// One revolution [ps].
    pub fn period(&self) -> u64 {
        self.period_ps
    }
    /// How far the platter turns in `ps` [angle units], truncated to
    /// 2^-24 of a turn as DiskSim's `dm_rotate` does.
    pub fn rotate(&self, ps: u64) -> u32 {
        let ps = ps % self.period_ps;
        (((u128::from(ps) << 24) / u128::from(self.period_ps)) << 8) as u32
    }
    /// Time to turn through `angle` [ps], from its top 20 bits, as
    /// DiskSim's `dm_rottime`.
    pub fn rottime(&self, angle: u32) -> u64 {
        ((u128::from(angle >> 12) * u128::from(self.period_ps)) >> 20) as u64
    }
}

/// Milliseconds as whole picoseconds (DiskSim's `dm_time_dtoi`).
pub(crate) fn ms_to_ps(ms: f64) -> u64 {
    (ms * 1e9).max(0.0) as u64
}

/// Seek time against distance, in picoseconds.
#[derive(Clone, Debug)]
pub(crate) enum Seek {
    /// `(distance, ps)` points, distances increasing.
    Table(Vec<(u64, i64)>),
    /// `a + b·√d` up to `split`, `c + e·d` beyond [ms].
    TwoRegime { split: u32, a: f64, b: f64, c: f64, e: f64 },
}

impl Seek {
    pub fn new(spec: &SeekSpec) -> Seek {
        match spec {
            SeekSpec::Table { points_cyl_ms } => {
                Seek::Table(points_cyl_ms.iter().map(|&(d, ms)| (u64::from(d), ms_to_ps(ms) as i64)).collect())
            }
            &SeekSpec::TwoRegime { split_cylinders, short_a_ms, short_b_ms, long_c_ms, long_e_ms } => {
                Seek::TwoRegime { split: split_cylinders, a: short_a_ms, b: short_b_ms, c: long_c_ms, e: long_e_ms }
            }
        }
    }

    /// Time to move the arm `dist` cylinders [ps]; zero for no move.
    pub fn time_ps(&self, dist: u32) -> u64 {
        if dist == 0 {
            return 0;
        }
        match self {
            Seek::Table(points) => {
                let d = u64::from(dist);
                // DiskSim's `dm_mech_g1_seek_extracted`: exact point, else the
                // segment whose upper end is the first point at or past `d`
                // (the last segment past the end), in integer picoseconds.
                let i = points.partition_point(|&(pd, _)| pd < d);
                if let Some(&(pd, t)) = points.get(i)
                    && pd == d
                {
                    return t.max(0) as u64;
                }
                let i = i.clamp(1, points.len() - 1);
                let (d1, t1) = points[i - 1];
                let (d2, t2) = points[i];
                let (d, d1, d2) = (d as i64, d1 as i64, d2 as i64);
                let t = t1 + (d - d1) * (t2 - t1) / (d2 - d1);
                t.max(0) as u64
            }
            &Seek::TwoRegime { split, a, b, c, e } => {
                let d = f64::from(dist);
                let ms = if dist <= split { a + b * d.sqrt() } else { c + e * d };
                ms_to_ps(ms)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_interpolates_in_integer_picoseconds() {
        let s = Seek::new(&SeekSpec::Table { points_cyl_ms: vec![(1, 0.831), (2, 1.003), (1500, 4.757), (1600, 4.833)] });
        assert_eq!(s.time_ps(0), 0);
        assert_eq!(s.time_ps(1), 831_000_000);
        // DiskSim's log: distance 1503 seeks 4.759280 ms.
        assert_eq!(s.time_ps(1503), 4_759_280_000);
        // Past the last point: the last segment extended.
        assert_eq!(s.time_ps(1700), 4_909_000_000);
    }

    #[test]
    fn clock_is_disksims_fixed_point() {
        let c = Clock::new(10045.0);
        assert_eq!(c.period_ps(), 5_973_120_955);
        // One sector of a 254-sector track: DiskSim reads one in 0.023515 ms
        // and 254 in 5.972756 ms (probed with disksim-closedloop).
        let width = (1u64 << 32) / 254;
        assert_eq!(c.rottime(width as u32), 23_514_788);
        assert_eq!(254 * c.rottime(width as u32), 5_972_756_152);
        // ...and turns its angle 1 288 units less than the sector is wide.
        assert_eq!(width - u64::from(c.rotate(23_514_788)), 1288);
        assert_eq!(c.rotate(0), 0);
        assert_eq!(c.rotate(c.period_ps()), 0);
    }
}
