//! The mechanism's clock and seek curve.
//!
//! Inside the drive time runs in *ticks*, 2^-32 of a revolution: the
//! platter's angle at tick `t` is `t mod 2^32`, exactly, so rotational
//! latency follows from when the head arrives and nothing is drawn at
//! random. A tick is 1.4 ps at 10 045 rpm; nanoseconds convert in and out
//! with one rounding each, and the drive keeps its own tick-exact clock
//! between requests so back-to-back sequential reads lose no revolution.

use super::spec::SeekSpec;

/// Converts between nanoseconds and ticks for one spindle speed.
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
    /// `ps` picoseconds in ticks, rounded.
    pub fn ps_to_ticks(&self, ps: u64) -> u64 {
        ((u128::from(ps) * (1u128 << 32) + u128::from(self.period_ps) / 2) / u128::from(self.period_ps)) as u64
    }
    pub fn ns_to_ticks(&self, ns: u64) -> u64 {
        self.ps_to_ticks(ns.saturating_mul(1000))
    }
    pub fn ms_to_ticks(&self, ms: f64) -> u64 {
        self.ps_to_ticks(ms_to_ps(ms))
    }
    /// `ticks` in nanoseconds, rounded.
    pub fn ticks_to_ns(&self, ticks: u64) -> u64 {
        let den = 1000u128 << 32;
        ((u128::from(ticks) * u128::from(self.period_ps) + den / 2) / den) as u64
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
    fn clock_round_trips() {
        let c = Clock::new(10045.0);
        assert_eq!(c.ticks_to_ns(1 << 32), c.period_ps().div_ceil(1000));
        assert_eq!(c.ticks_to_ns(c.ns_to_ticks(123_456_789)), 123_456_789);
    }
}
