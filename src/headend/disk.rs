//! One disk drive of a server module's array (FIG. 2): the formula disk's
//! mechanical service time, and the queue of reads waiting for a disk
//! (either model).
//!
//! The formula disk (`headend.disk.model: formula`, the SimPy peer's
//! model) has a seek curve, a uniform random rotational latency and zoned
//! media rate, and leaves out track and cylinder skews, command overheads
//! and caches; beside a 2 s extent that understates the disk time by about
//! a third (issue 17). The validated drive (`src/drive/`) has them all. The queue is a `Vec` in arrival order searched linearly, so every
//! tie falls to the earlier arrival and steady state allocates nothing.

use crate::engine::{SimDuration, SimTime};

/// A zone-table argument that cannot describe a drive.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DiskParamError {
    #[error("disk parameter `{field}` = {value} is out of range")]
    Invalid { field: &'static str, value: f64 },
}

/// `Ok`, or the first `(field, value, valid)` that is not valid.
fn first_invalid(checks: &[(&'static str, f64, bool)]) -> Result<(), DiskParamError> {
    match checks.iter().find(|c| !c.2) {
        Some(&(field, value, _)) => Err(DiskParamError::Invalid { field, value }),
        None => Ok(()),
    }
}

/// Seek time against distance, after Ruemmler & Wilkes (1994): the arm
/// accelerates through short seeks (a + b·√d) and coasts through long ones
/// (c + e·d).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeekCurve {
    /// Longest seek still in the square-root regime [cylinders].
    pub split_cylinders: u32,
    /// Constant term of the short regime; it and the coefficients below are
    /// finite and not negative [ms].
    pub short_a_ms: f64,
    /// Coefficient of √d in the short regime [ms/√cylinder].
    pub short_b_ms: f64,
    /// Constant term of the long regime [ms].
    pub long_c_ms: f64,
    /// Coefficient of d in the long regime [ms/cylinder].
    pub long_e_ms: f64,
}

impl SeekCurve {
    /// Seagate Cheetah 9LP (ST39102, 6 962 cylinders). The manual gives
    /// single-cylinder 0.831 ms, average 5.4 ms and full stroke 10.627 ms.
    /// Taking the average as the seek of a third of the stroke (d = 2320,
    /// linear regime), the line through (2320, 5.4) and (6961, 10.627) has
    /// e = 5.227 / 4641 = 0.0011263 ms/cyl and c = 10.627 − 6961·e = 2.787 ms.
    /// At the split d = 1000 it gives 3.913 ms; a square-root regime meeting
    /// it there and giving 0.831 ms at d = 1 has b = (3.913 − 0.831) /
    /// (√1000 − 1) = 0.10065 and a = 0.831 − b = 0.7304 ms. The curve is thus
    /// continuous, and concave: its slope drops at the split (b / 2√1000 =
    /// 0.0016 > e), which `DiskParams::expected_service_time` relies on.
    pub fn cheetah_9lp() -> SeekCurve {
        SeekCurve { split_cylinders: 1000, short_a_ms: 0.7304, short_b_ms: 0.10065, long_c_ms: 2.787, long_e_ms: 0.001_126_3 }
    }

    /// Time to move the arm `distance` cylinders; zero for no move.
    pub fn seek_time(&self, distance: u32) -> SimDuration {
        let d = f64::from(distance);
        let ms = match distance {
            0 => 0.0,
            _ if distance <= self.split_cylinders => self.short_a_ms + self.short_b_ms * d.sqrt(),
            _ => self.long_c_ms + self.long_e_ms * d,
        };
        // Only an unvalidated curve goes negative (or NaN, which `max` also
        // maps to zero); a wrong duration beats a panic mid-run.
        SimDuration::from_millis_f64(ms.max(0.0))
    }
}

/// Zones whose media rates a `ZoneTable` keeps precomputed. Drives have
/// tens of zones; a table of more computes the rates of the later zones per
/// call, as every zone's rate was computed before.
const RATE_TABLE_ZONES: usize = 32;

/// Zoned recording: outer tracks (low cylinder numbers) hold more sectors,
/// so at constant spindle speed they pass more bytes per second. Equal-width
/// zones, rates spaced linearly from zone 0 (outer) to the last (inner).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZoneTable {
    /// Cylinders on the drive, at least one [cylinders].
    cylinders: u32,
    /// Number of zones, 1 ..= `cylinders`.
    zones: u32,
    /// Media rate of zone 0 [bytes/s].
    outer: f64,
    /// Media rate of the last zone [bytes/s].
    inner: f64,
    /// `zone_rate` of zones 0 .. min(`zones`, `RATE_TABLE_ZONES`), the same
    /// f64 values computed once instead of per read; zero past them
    /// [bytes/s]. A function of the fields above, so the derived
    /// `PartialEq` still compares tables by their parameters.
    rates: [f64; RATE_TABLE_ZONES],
}

/// Media rate of zone `zone` of `zones`, spaced linearly from `outer` to
/// `inner` [bytes/s]. Out of line: reads find it in the table.
#[cold]
fn zone_rate(zones: u32, outer: f64, inner: f64, zone: u32) -> f64 {
    if zones == 1 {
        return outer;
    }
    let step = f64::from(zone) / f64::from(zones - 1);
    outer + (inner - outer) * step
}

impl ZoneTable {
    /// A table of `zones` zones over `cylinders`, `outer` and `inner` being
    /// the rates of the first and last zone [bytes/s]; or the first argument
    /// that cannot describe one.
    pub fn new(cylinders: u32, zones: u32, outer: f64, inner: f64) -> Result<Self, DiskParamError> {
        first_invalid(&[
            ("cylinders", f64::from(cylinders), cylinders >= 1),
            ("zones", f64::from(zones), (1..=cylinders).contains(&zones)),
            ("outer_bytes_per_s", outer, outer.is_finite() && outer > 0.0),
            ("inner_bytes_per_s", inner, inner.is_finite() && inner > 0.0),
        ])?;
        Ok(ZoneTable::raw(cylinders, zones, outer, inner))
    }

    /// Cheetah 9LP: 6 962 cylinders in 8 zones, 21.8 MB/s outer to 14.3 MB/s inner.
    pub fn cheetah_9lp() -> ZoneTable {
        ZoneTable::raw(6962, 8, 21.8e6, 14.3e6)
    }

    /// Unchecked; only for arguments known to be valid.
    fn raw(cylinders: u32, zones: u32, outer: f64, inner: f64) -> ZoneTable {
        let mut rates = [0.0; RATE_TABLE_ZONES];
        for (z, rate) in (0..zones).zip(&mut rates) {
            *rate = zone_rate(zones, outer, inner, z);
        }
        ZoneTable { cylinders, zones, outer, inner, rates }
    }

    pub fn cylinders(&self) -> u32 {
        self.cylinders
    }

    /// The zone holding `cylinder`; cylinders past the last count as the last.
    pub fn zone_of(&self, cylinder: u32) -> u32 {
        let c = u64::from(cylinder.min(self.cylinders - 1));
        // c < cylinders, so the quotient is < zones and the cast cannot truncate.
        (c * u64::from(self.zones) / u64::from(self.cylinders)) as u32
    }

    /// Media rate at `cylinder` [bytes/s].
    pub fn rate_at(&self, cylinder: u32) -> f64 {
        if self.zones == 1 {
            return self.outer;
        }
        // A table load instead of two int-to-float conversions, a division,
        // a subtraction, a multiplication and an addition per read.
        let z = self.zone_of(cylinder);
        match self.rates.get(z as usize) {
            Some(&rate) => rate,
            None => zone_rate(self.zones, self.outer, self.inner, z),
        }
    }

    /// Time to read `bytes` starting at `cylinder`, all at that cylinder's
    /// rate: an extent spans a few tracks, a zone hundreds of cylinders.
    pub fn transfer_time(&self, bytes: u64, cylinder: u32) -> SimDuration {
        transfer_at(bytes, self.rate_at(cylinder))
    }

    /// `transfer_time(bytes, _)` in each zone, computed once for a read size
    /// that recurs (a module's whole extent).
    pub fn transfer_table(&self, bytes: u64) -> TransferTable {
        let mut by_zone = [SimDuration::ZERO; RATE_TABLE_ZONES];
        for (t, &rate) in by_zone.iter_mut().zip(&self.rates).take(self.zones as usize) {
            // The rate `transfer_time` finds at every cylinder of the zone.
            *t = transfer_at(bytes, rate);
        }
        TransferTable { bytes, by_zone }
    }

    /// `transfer_time(bytes, cylinder)`, from `table` when it was made for
    /// `bytes`.
    #[inline]
    pub fn transfer_time_in(&self, table: &TransferTable, bytes: u64, cylinder: u32) -> SimDuration {
        if bytes == table.bytes {
            let zone = if self.zones == 1 { 0 } else { self.zone_of(cylinder) };
            if let Some(&t) = table.by_zone.get(zone as usize) {
                return t;
            }
        }
        self.transfer_time(bytes, cylinder)
    }
}

/// Time to read `bytes` at `rate` [bytes/s]: the one formula behind
/// `transfer_time` and `transfer_table`, so the table holds the same values.
fn transfer_at(bytes: u64, rate: f64) -> SimDuration {
    SimDuration::from_secs_f64(bytes as f64 / rate)
}

/// The transfer time of one read size in every zone (`ZoneTable::transfer_table`).
/// Nearly every read is a module's whole extent, so it finds its transfer
/// time here instead of computing it: a division and a rounding less on the
/// path from a dispatch to its completion time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransferTable {
    /// The read size the table is for [bytes].
    bytes: u64,
    /// Transfer time of `bytes` in zones 0 .. min(zones, RATE_TABLE_ZONES) [ns].
    by_zone: [SimDuration; RATE_TABLE_ZONES],
}

/// The mechanical parameters of one drive. The fields are public and
/// unchecked here: the scenario validator checks them against the rules in
/// their docs, with the scenario path in its error. The spindle speed is
/// set once, by `new`, which precomputes the revolution from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiskParams {
    /// Cylinders on the drive; must equal `zones.cylinders()` [cylinders].
    pub cylinders: u32,
    /// Spindle speed, finite and positive [rev/min].
    rpm: f64,
    pub seek: SeekCurve,
    pub zones: ZoneTable,
    /// `revolution()` precomputed; `None` for a speed that gives no duration
    /// (60 / rpm negative or not finite), whose reads take the per-call path
    /// and fail there as they always did.
    rev: Option<Revolution>,
}

/// One revolution of the platters, computed once: it was recomputed (a
/// division, a rounding to the ns and a conversion back to seconds) on
/// every read.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Revolution {
    /// 60 / rpm seconds, rounded to the ns [ns].
    duration: SimDuration,
    /// `duration.as_secs_f64()` [s].
    secs: f64,
}

impl Revolution {
    fn of(rpm: f64) -> Option<Revolution> {
        let secs = 60.0 / rpm;
        if !(secs.is_finite() && secs >= 0.0) {
            return None;
        }
        let duration = SimDuration::from_secs_f64(secs);
        Some(Revolution { duration, secs: duration.as_secs_f64() })
    }
}

/// The parts of one read's service time, kept apart for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ServiceTime {
    /// Arm movement [ns].
    pub seek: SimDuration,
    /// Wait for the first sector to come under the head [ns].
    pub rotation: SimDuration,
    /// Reading the bytes off the media [ns].
    pub transfer: SimDuration,
}

impl ServiceTime {
    pub fn total(&self) -> SimDuration {
        self.seek + self.rotation + self.transfer
    }
}

impl DiskParams {
    /// A drive of `cylinders` cylinders at `rpm` rev/min.
    pub fn new(cylinders: u32, rpm: f64, seek: SeekCurve, zones: ZoneTable) -> DiskParams {
        DiskParams { cylinders, rpm, seek, zones, rev: Revolution::of(rpm) }
    }

    /// Seagate Cheetah 9LP (ST39102): 6 962 cylinders at 10 045 rpm.
    pub fn cheetah_9lp() -> DiskParams {
        DiskParams::new(6962, 10_045.0, SeekCurve::cheetah_9lp(), ZoneTable::cheetah_9lp())
    }

    /// Spindle speed [rev/min].
    pub fn rpm(&self) -> f64 {
        self.rpm
    }

    /// One revolution of the platters, 60 / rpm seconds.
    pub fn revolution(&self) -> SimDuration {
        match &self.rev {
            Some(rev) => rev.duration,
            None => self.uncached_revolution(),
        }
    }

    /// `revolution()` computed from `rpm`, for a speed with no duration.
    #[cold]
    fn uncached_revolution(&self) -> SimDuration {
        SimDuration::from_secs_f64(60.0 / self.rpm)
    }

    /// Service time of a read of `bytes` at `to_cyl` with the head at
    /// `from_cyl`, waiting `revs` of a revolution for the first sector
    /// (usually a uniform draw in [0, 1); clamped to [0, 1]).
    pub fn service_time(&self, from_cyl: u32, to_cyl: u32, revs: f64, bytes: u64) -> ServiceTime {
        self.with_transfer(from_cyl, to_cyl, revs, self.zones.transfer_time(bytes, to_cyl))
    }

    /// `service_time`, taking the transfer time from `table` when it was made
    /// for `bytes` (the same value, computed once).
    #[inline]
    pub fn service_time_in(&self, table: &TransferTable, from_cyl: u32, to_cyl: u32, revs: f64, bytes: u64) -> ServiceTime {
        self.with_transfer(from_cyl, to_cyl, revs, self.zones.transfer_time_in(table, bytes, to_cyl))
    }

    #[inline]
    fn with_transfer(&self, from_cyl: u32, to_cyl: u32, revs: f64, transfer: SimDuration) -> ServiceTime {
        // The precomputed revolution and zone rates (same f64 values, same
        // operations after them) took this from 146 to 122 instructions a
        // call on peer-simpy (one zone) and from 173 to 138 on default
        // (Cheetah, 8 zones), callgrind; 60 k calls a run.
        let revolution_s = match &self.rev {
            Some(rev) => rev.secs,
            None => self.uncached_revolution().as_secs_f64(),
        };
        let rotation = revolution_s * revs.clamp(0.0, 1.0);
        ServiceTime { seek: self.seek.seek_time(from_cyl.abs_diff(to_cyl)), rotation: SimDuration::from_secs_f64(rotation), transfer }
    }

    /// What admission control budgets for a read of `bytes` at `cylinder`:
    /// the seek of a third of the stroke, a full revolution and the transfer
    /// at that cylinder's rate. It errs high against the mean: a third of
    /// the stroke is the mean distance between two uniform random cylinders
    /// and the seek curve is concave, so (Jensen) its seek is at least the
    /// mean seek, and elevator order shortens seeks further; a revolution is
    /// twice the mean rotational latency. It is no worst-case bound: a
    /// full-stroke seek alone exceeds the seek allowance.
    pub fn expected_service_time(&self, bytes: u64, cylinder: u32) -> SimDuration {
        let seek = self.seek.seek_time(self.cylinders.saturating_sub(1) / 3);
        seek + self.revolution() + self.zones.transfer_time(bytes, cylinder)
    }
}

/// The order in which a disk serves its pending reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    /// Arrival order.
    Fifo,
    /// Earliest deadline first; equal deadlines in arrival order.
    Edf,
    /// Earliest deadline window first, elevator order within the window
    /// (Reddy & Wyllie 1993).
    ScanEdf,
}

/// One pending read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskRequest {
    /// Time by which the read must finish for its stream not to starve [ns].
    pub deadline: SimTime,
    /// Cylinder the read starts at [cylinders].
    pub cylinder: u32,
    /// Length of the read [bytes].
    pub bytes: u64,
    /// Time the read was queued [ns].
    pub issued: SimTime,
    /// Opaque id the model uses to find the read again.
    pub tag: u64,
}

/// SCAN-EDF deadline window when none is given [ns]: about two extent reads
/// of a Cheetah 9LP, so reads due close together share one sweep.
pub const DEFAULT_SCAN_WINDOW: SimDuration = SimDuration(100_000_000);

/// The reads waiting for one disk.
#[derive(Clone, Debug)]
pub struct RequestQueue {
    discipline: Discipline,
    /// SCAN-EDF deadline window, at least 1 ns [ns].
    scan_window: u64,
    /// Pending reads in arrival order from `head` on; removal keeps that
    /// order, so the lower index always wins a tie. A `Vec`, not a ring:
    /// with a few reads queued they stay in the first cache lines of the
    /// storage, where a `VecDeque`'s head and tail walk the whole of it
    /// (metro at 50 k streams ran ~30 % slower on one: its disk queues are
    /// out of cache).
    pending: Vec<DiskRequest>,
    /// Entries before `head` have been served. Taking the front advances it
    /// instead of moving the rest down (a `memmove` call every ~8 periods on
    /// peer-simpy, under ~1.8 % of its samples; wall time -1.3 and -1.8 %,
    /// medians of 120 interleaved runs); the storage is reset when the
    /// queue empties and compacted when the served part is half of it.
    head: usize,
    /// SCAN-EDF sweep direction: towards higher cylinders when true.
    sweep_up: bool,
}

impl RequestQueue {
    pub fn new(discipline: Discipline) -> RequestQueue {
        RequestQueue::with_scan_window(discipline, DEFAULT_SCAN_WINDOW)
    }

    /// A queue with SCAN-EDF window `window`; zero is taken as 1 ns, so only
    /// reads with equal deadlines share a sweep.
    pub fn with_scan_window(discipline: Discipline, window: SimDuration) -> RequestQueue {
        RequestQueue {
            discipline,
            scan_window: window.0.max(1),
            // Queues hold tens of reads, so this storage is rarely regrown.
            pending: Vec::with_capacity(32),
            head: 0,
            sweep_up: true,
        }
    }

    pub fn push(&mut self, req: DiskRequest) {
        // A disk that never catches up never empties its queue: drop the
        // served part once it is half the storage (each pending read moves
        // at most once for as many reads served).
        if self.head >= 16 && self.head * 2 >= self.pending.len() {
            self.pending.drain(..self.head);
            self.head = 0;
        }
        self.pending.push(req);
    }

    /// The pending reads, in arrival order.
    fn live(&self) -> &[DiskRequest] {
        &self.pending[self.head..]
    }

    /// Removes and returns the read at `i` of `live()`.
    fn take(&mut self, i: usize) -> DiskRequest {
        let req = if i == 0 {
            self.head += 1;
            self.pending[self.head - 1]
        } else {
            self.pending.remove(self.head + i)
        };
        if self.head == self.pending.len() {
            self.pending.clear();
            self.head = 0;
        }
        req
    }

    /// Starts loading the pending reads (see `engine::prefetch`).
    pub fn prefetch(&self) {
        if let Some(first) = self.live().first() {
            crate::engine::prefetch(first);
        }
    }

    pub fn len(&self) -> usize {
        self.pending.len() - self.head
    }

    pub fn is_empty(&self) -> bool {
        self.head == self.pending.len()
    }

    /// Pending reads in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = &DiskRequest> {
        self.live().iter()
    }

    /// Removes and returns the read to serve next with the head at
    /// `head_cylinder`, or `None` if the queue is empty.
    pub fn pop_next(&mut self, head_cylinder: u32) -> Option<DiskRequest> {
        let i = match self.discipline {
            Discipline::Fifo => (!self.is_empty()).then_some(0),
            // `min_by_key` keeps the first of equal keys: arrival order.
            Discipline::Edf => (0..self.len()).min_by_key(|&i| self.live()[i].deadline),
            Discipline::ScanEdf => self.pick_scan_edf(head_cylinder),
        }?;
        Some(self.take(i))
    }

    /// `push(req)` then `pop_next(head_cylinder)` on an empty queue: `req`
    /// itself, without a trip through the queue's storage. SCAN-EDF still
    /// takes the trip, as its sweep may turn round for a lone read.
    pub fn serve_alone(&mut self, req: DiskRequest, head_cylinder: u32) -> DiskRequest {
        debug_assert!(self.is_empty());
        if self.discipline != Discipline::ScanEdf {
            return req;
        }
        self.pending.push(req);
        self.pop_next(head_cylinder).unwrap_or(req)
    }

    /// Removes the earliest-queued read tagged `tag` (its stream ended or
    /// moved); `None` if there is none.
    pub fn remove_tag(&mut self, tag: u64) -> Option<DiskRequest> {
        let i = self.live().iter().position(|r| r.tag == tag)?;
        Some(self.take(i))
    }

    /// Removes every pending read, in arrival order (the disk failed). The
    /// queue keeps its storage.
    pub fn drain_all(&mut self) -> Vec<DiskRequest> {
        let drained = self.pending.drain(self.head..).collect();
        self.pending.clear();
        self.head = 0;
        drained
    }

    /// Among the reads in the earliest deadline window, the index of the
    /// nearest at or beyond the head in the sweep direction, reversing the
    /// sweep if there is none that way.
    fn pick_scan_edf(&mut self, head: u32) -> Option<usize> {
        let w = self.scan_window;
        let earliest = self.live().iter().map(|r| r.deadline.0 / w).min()?;
        // Every cylinder is on one side of the head or the other, so if the
        // first pass finds nothing the reversed second pass does.
        for _ in 0..2 {
            let mut best: Option<(usize, u32)> = None;
            for (i, r) in self.live().iter().enumerate() {
                let ahead = match self.sweep_up {
                    true => r.cylinder.checked_sub(head),
                    false => head.checked_sub(r.cylinder),
                };
                // Strictly nearer only: an equal distance keeps the earlier arrival.
                if let Some(d) = ahead
                    && r.deadline.0 / w == earliest
                    && best.is_none_or(|(_, bd)| d < bd)
                {
                    best = Some((i, d));
                }
            }
            if let Some((i, _)) = best {
                return Some(i);
            }
            self.sweep_up = !self.sweep_up;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Discipline::*;
    use super::*;

    fn assert_ms(d: SimDuration, ms: f64, tol: f64) {
        assert!((d.as_millis_f64() - ms).abs() <= tol, "{d} vs {ms} ms");
    }

    #[test]
    fn cheetah_seek_curve_at_hand_computed_distances() {
        let s = SeekCurve::cheetah_9lp();
        assert_eq!(s.seek_time(0), SimDuration::ZERO);
        // d=1:    0.7304 + 0.10065·1          = 0.83105 ms (manual: 0.831)
        // d=1000: 0.7304 + 0.10065·31.6227766 = 0.7304 + 3.1828325 = 3.9132325 ms
        // d=1001: 2.787 + 0.0011263·1001 = 2.787 + 1.1274263 = 3.9144263 ms
        // d=6961: 2.787 + 0.0011263·6961 = 2.787 + 7.8401743 = 10.6271743 ms (manual: 10.627)
        let want = [(1, 0.83105), (1000, 3.91323), (1001, 3.91443)];
        for (d, ms) in want.into_iter().chain([(6961, 10.62717)]) {
            assert_ms(s.seek_time(d), ms, 1e-5);
        }
    }

    #[test]
    fn peer_seek_curve_matches_the_simpy_model() {
        let mut s = SeekCurve::cheetah_9lp();
        (s.short_a_ms, s.short_b_ms, s.long_c_ms, s.long_e_ms) = (1.0, 0.06, 2.5, 0.00035);
        // d = split is still short: 1.0 + 0.06·31.6227766 = 2.8973666 ms.
        assert_ms(s.seek_time(1000), 2.89737, 1e-5);
        // 2.5 + 0.00035·20000 = 2.5 + 7.0 = 9.5 ms.
        assert_ms(s.seek_time(20_000), 9.5, 1e-6);
    }

    #[test]
    fn zone_rates_and_transfer_times() {
        let z = ZoneTable::cheetah_9lp();
        // zone = c·8 / 6962: 870·8 = 6960 → 0; 871·8 = 6968 → 1; past the end → 7.
        assert_eq!([870, 871, 6961, 9999].map(|c| z.zone_of(c)), [0, 1, 7, 7]);
        // Zone 1 of 0..=7: 21.8e6 − 7.5e6/7 = 21.8e6 − 1.0714286e6 = 20.7285714e6.
        assert_eq!(z.rate_at(0), 21.8e6);
        assert!((z.rate_at(871) - 20.728_571_4e6).abs() < 1.0);
        assert!((z.rate_at(6961) - 14.3e6).abs() < 1e-6);
        // 937 556 B / 21.8e6 B/s = 0.043007156 s; / 14.3e6 B/s = 0.065563357 s.
        assert_ms(z.transfer_time(937_556, 0), 43.007156, 1e-6);
        assert_ms(z.transfer_time(937_556, 6961), 65.563357, 1e-6);
        // A single zone runs at the outer rate everywhere.
        let single = ZoneTable::new(100, 1, 5e6, 1e6);
        assert_eq!(single.map(|z| z.rate_at(99)), Ok(5e6));
    }

    #[test]
    fn transfer_table_gives_what_transfer_time_computes() {
        // Cheetah (8 zones), one zone, more zones than the rate table keeps,
        // and a zone per cylinder; at every cylinder and past the last, for
        // the table's size and for other sizes (short last extents).
        let tables = [
            ZoneTable::cheetah_9lp(),
            ZoneTable::raw(20_000, 1, 40e6, 40e6),
            ZoneTable::raw(1_000, 40, 30e6, 10e6),
            ZoneTable::raw(50, 50, 25e6, 12e6),
        ];
        for z in tables {
            let t = z.transfer_table(937_556);
            for c in (0..z.cylinders() + 3).step_by(7) {
                for bytes in [937_556, 937_744, 188, 0] {
                    assert_eq!(z.transfer_time_in(&t, bytes, c), z.transfer_time(bytes, c), "{z:?} cylinder {c}, {bytes} B");
                }
            }
        }
        // 937 556 B / 21.8e6 B/s = 43.007156 ms in the outer zone, from the table.
        let z = ZoneTable::cheetah_9lp();
        assert_ms(z.transfer_time_in(&z.transfer_table(937_556), 937_556, 0), 43.007156, 1e-6);
    }

    #[test]
    fn bad_zone_tables_are_errors_not_panics() {
        assert!(ZoneTable::new(0, 1, 1e6, 1e6).is_err());
        assert!(ZoneTable::new(10, 11, 1e6, 1e6).is_err());
        assert!(ZoneTable::new(10, 2, 1e6, f64::NAN).is_err());
        let err = ZoneTable::new(10, 0, 1e6, 1e6).unwrap_err();
        assert_eq!(err.to_string(), "disk parameter `zones` = 0 is out of range");
    }

    #[test]
    fn revolution_and_service_time_sum_their_parts() {
        let p = DiskParams::cheetah_9lp();
        // 60 / 10 045 s = 5.97312095 ms, rounded to 5 973 121 ns.
        assert_eq!(p.revolution(), SimDuration(5_973_121));
        let t = p.service_time(1000, 0, 0.5, 937_556);
        // Seek of 1000 cylinders 3.91323 ms (above); half of 5.97312 ms is
        // 2.98656 ms; transfer at cylinder 0 is 43.00716 ms; sum 49.90695 ms.
        assert_ms(t.seek, 3.91323, 1e-5);
        assert_ms(t.rotation, 2.98656, 1e-5);
        assert_ms(t.transfer, 43.007156, 1e-6);
        assert_eq!(t.total(), t.seek + t.rotation + t.transfer);
        assert_ms(t.total(), 49.90695, 1e-4);
        // Admission estimate: 6961 / 3 = 2320 cylinders, 2.787 + 0.0011263·2320
        // = 5.400016 ms; + 5.973121 + 43.007156 = 54.380293 ms.
        assert_ms(p.expected_service_time(937_556, 0), 54.380293, 1e-5);
    }

    /// The formulas the precomputed tables replaced, as they were computed
    /// per read; the reference the tables must equal bit for bit.
    mod per_call {
        use super::*;

        pub fn rate_at(z: &ZoneTable, cylinder: u32) -> f64 {
            if z.zones == 1 {
                return z.outer;
            }
            let step = f64::from(z.zone_of(cylinder)) / f64::from(z.zones - 1);
            z.outer + (z.inner - z.outer) * step
        }

        pub fn transfer_time(z: &ZoneTable, bytes: u64, cylinder: u32) -> SimDuration {
            SimDuration::from_secs_f64(bytes as f64 / rate_at(z, cylinder))
        }

        pub fn revolution(p: &DiskParams) -> SimDuration {
            SimDuration::from_secs_f64(60.0 / p.rpm)
        }

        pub fn service_time(p: &DiskParams, from_cyl: u32, to_cyl: u32, revs: f64, bytes: u64) -> ServiceTime {
            let rotation = revolution(p).as_secs_f64() * revs.clamp(0.0, 1.0);
            ServiceTime {
                seek: p.seek.seek_time(from_cyl.abs_diff(to_cyl)),
                rotation: SimDuration::from_secs_f64(rotation),
                transfer: transfer_time(&p.zones, bytes, to_cyl),
            }
        }

        pub fn expected_service_time(p: &DiskParams, bytes: u64, cylinder: u32) -> SimDuration {
            let seek = p.seek.seek_time(p.cylinders.saturating_sub(1) / 3);
            seek + revolution(p) + transfer_time(&p.zones, bytes, cylinder)
        }
    }

    /// A random drive: spindle speeds over the validator's range, zone
    /// tables from one zone to one zone per cylinder (past the precomputed
    /// zones too), the peer's and the Cheetah's seek curves.
    fn random_drive(rng: &mut crate::engine::RngStream) -> DiskParams {
        let span = if rng.chance(0.5) { 200 } else { 30_000 };
        let cylinders = 1 + rng.below(span) as u32;
        let zones = match rng.below(4) {
            0 => 1,
            1 => cylinders,
            _ => 1 + rng.below(u64::from(cylinders.min(64))) as u32,
        };
        let outer = 1e6 + rng.uniform() * 1e8;
        let inner = if rng.chance(0.2) { outer } else { 1e6 + rng.uniform() * 1e8 };
        let zones = ZoneTable::new(cylinders, zones, outer, inner).unwrap();
        let rpm = match rng.below(4) {
            0 => [3_600.0, 5_400.0, 7_200.0, 10_000.0, 10_045.0, 15_000.0][rng.below(6) as usize],
            1 => 1.0 + rng.uniform() * 1e6,
            _ => 1.0 + rng.uniform() * 20_000.0,
        };
        let mut seek = SeekCurve::cheetah_9lp();
        if rng.chance(0.5) {
            (seek.short_a_ms, seek.short_b_ms, seek.long_c_ms, seek.long_e_ms) = (1.0, 0.06, 2.5, 0.00035);
        }
        DiskParams::new(cylinders, rpm, seek, zones)
    }

    #[test]
    fn rate_table_equals_the_per_call_formula_at_every_cylinder() {
        let mut rng = crate::engine::RngStreams::new(5).stream("zones");
        let mut tables = vec![ZoneTable::cheetah_9lp(), ZoneTable::new(20_000, 1, 40e6, 40e6).unwrap()];
        tables.push(ZoneTable::new(100, 100, 21.8e6, 14.3e6).unwrap());
        for zones in [2, 31, 32, 33, 64] {
            tables.push(ZoneTable::new(5_000, zones, 21.8e6, 14.3e6).unwrap());
        }
        tables.extend((0..300).map(|_| random_drive(&mut rng).zones));
        for z in tables {
            for c in (0..z.cylinders + 3).chain([u32::MAX]) {
                assert_eq!(z.rate_at(c).to_bits(), per_call::rate_at(&z, c).to_bits(), "{z:?} at {c}");
            }
        }
    }

    #[test]
    fn service_times_equal_the_per_call_formulas() {
        let mut rng = crate::engine::RngStreams::new(6).stream("service");
        let mut drives = vec![DiskParams::cheetah_9lp()];
        drives.extend((0..500).map(|_| random_drive(&mut rng)));
        for p in drives {
            assert_eq!(p.revolution(), per_call::revolution(&p));
            for i in 0..400 {
                let past_end = u64::from(p.cylinders) + 2;
                let (from, to) = (rng.below(past_end) as u32, rng.below(past_end) as u32);
                let revs = match i % 10 {
                    0 => [0.0, 1.0, -0.5, 1.5, 0.5, f64::MIN_POSITIVE][rng.below(6) as usize],
                    _ => rng.uniform(),
                };
                let bytes = rng.below(if i % 2 == 0 { 2_000_000 } else { 1 << 40 });
                assert_eq!(p.service_time(from, to, revs, bytes), per_call::service_time(&p, from, to, revs, bytes));
                let expected = per_call::expected_service_time(&p, bytes, to);
                assert_eq!(p.expected_service_time(bytes, to), expected);
            }
        }
    }

    #[test]
    fn a_revolution_is_precomputed_for_every_speed_that_has_one() {
        let p = DiskParams::cheetah_9lp();
        let p = DiskParams::new(p.cylinders, 7_200.0, p.seek, p.zones);
        // 60 / 7 200 s = 8.333333 ms.
        assert_eq!(p.revolution(), SimDuration(8_333_333));
        assert_eq!(p.service_time(5, 9, 0.25, 1_000), per_call::service_time(&p, 5, 9, 0.25, 1_000));
        // A speed with no revolution builds without panicking; its reads take
        // the per-call path, which fails on it as it always did.
        for rpm in [0.0, -0.0, -1.0, f64::NAN] {
            assert!(DiskParams::new(10, rpm, p.seek, p.zones).rev.is_none());
        }
        // rpm = ∞ does give one, exactly zero: 60 / ∞ = 0 s.
        let p = DiskParams::new(10, f64::INFINITY, SeekCurve::cheetah_9lp(), ZoneTable::cheetah_9lp());
        assert_eq!(p.revolution(), SimDuration::ZERO);
    }

    /// `q` with `(tag, deadline [ms], cylinder)` reads pushed in that order.
    fn queue(discipline: Discipline, reads: &[(u64, u64, u32)]) -> RequestQueue {
        let mut q = RequestQueue::new(discipline);
        for &(tag, ms, cylinder) in reads {
            let (deadline, issued, bytes) = (SimTime(ms * 1_000_000), SimTime::ZERO, 1);
            q.push(DiskRequest { deadline, cylinder, bytes, issued, tag });
        }
        q
    }

    /// Tags in service order, the head moving to each served cylinder.
    fn order(q: &mut RequestQueue, mut head: u32) -> Vec<u64> {
        let mut tags = Vec::new();
        while let Some(r) = q.pop_next(head) {
            head = r.cylinder;
            tags.push(r.tag);
        }
        tags
    }

    #[test]
    fn fifo_is_arrival_order_and_edf_ties_by_arrival() {
        // Deadlines 30, 10, 30, 20. FIFO ignores them; EDF takes 10 (tag 1),
        // 20 (tag 3), then the two 30s in arrival order: tag 0 before tag 2.
        let reads = [(0, 30, 5), (1, 10, 1), (2, 30, 9), (3, 20, 2)];
        assert_eq!(order(&mut queue(Fifo, &reads), 0), [0, 1, 2, 3]);
        assert_eq!(order(&mut queue(Edf, &reads), 0), [1, 3, 0, 2]);
    }

    #[test]
    fn scan_edf_sweeps_the_earliest_window_and_reverses() {
        // Window 100 ms: tags 0, 1, 2, 4 are due in window 0, tag 3 in window 1.
        let reads = [(0, 50, 800), (1, 20, 300), (2, 90, 600), (3, 150, 510)];
        let reads = [&reads[..], &[(4, 60, 600)]].concat();
        // Head 500 sweeping up window 0: 600 (tags 2 and 4 tie; 2 came first
        // though 4 is due sooner), 600 (tag 4), 800 (tag 0); nothing is left
        // above 800, so reverse down to 300 (tag 1). Tag 3 at 510 was nearest
        // at the start but waits for its window; down from 300 finds nothing,
        // so the sweep reverses up to 510.
        let mut q = queue(ScanEdf, &reads);
        assert_eq!(order(&mut q, 500), [2, 4, 0, 1, 3]);
        assert!(q.sweep_up);
        // Plain EDF on the same reads: 20, 50, 60, 90, 150 ms.
        assert_eq!(order(&mut queue(Edf, &reads), 500), [1, 0, 4, 2, 3]);
    }

    #[test]
    fn a_lone_read_is_served_as_push_then_pop_would_serve_it() {
        // Head at 500; one read at 300 (behind a sweep going up) and one at
        // 700. Whatever the discipline, the read comes back and the queue
        // stays empty; SCAN-EDF turns its sweep down for the read at 300,
        // as a push and a pop would.
        for discipline in [Fifo, Edf, ScanEdf] {
            for cylinder in [300, 700] {
                let read = DiskRequest { deadline: SimTime(10), cylinder, bytes: 1, issued: SimTime::ZERO, tag: 4 };
                let mut alone = RequestQueue::new(discipline);
                let mut twin = RequestQueue::new(discipline);
                assert_eq!(alone.serve_alone(read, 500), read);
                twin.push(read);
                assert_eq!(twin.pop_next(500), Some(read));
                assert!(alone.is_empty());
                assert_eq!(alone.sweep_up, twin.sweep_up, "{discipline:?} at {cylinder}");
                assert_eq!(alone.sweep_up, discipline != ScanEdf || cylinder > 500);
            }
        }
    }

    /// The queue against a plain `Vec` that removes by shifting (what it
    /// kept before it had a head index), under random pushes, pops and
    /// removals that keep it short, let it grow past compaction, and drain
    /// it, for every discipline.
    #[test]
    fn served_front_and_compaction_keep_every_discipline_s_order() {
        let mut rng = crate::engine::RngStreams::new(3).stream("queue");
        for discipline in [Fifo, Edf, ScanEdf] {
            let mut q = RequestQueue::new(discipline);
            let mut reference: Vec<DiskRequest> = Vec::new();
            let mut next_tag = 0;
            for step in 0..20_000 {
                // Phases of mostly pushing, then of mostly serving.
                let push_odds = if (step / 500) % 2 == 0 { 6 } else { 3 };
                match rng.below(10) {
                    k if k < push_odds => {
                        let (deadline, cylinder) = (SimTime(rng.below(1_000)), rng.below(100) as u32);
                        let req = DiskRequest { deadline, cylinder, bytes: 1, issued: SimTime::ZERO, tag: next_tag };
                        next_tag += 1;
                        q.push(req);
                        reference.push(req);
                        // Served entries never outnumber the pending ones
                        // (beyond the first 16) once a push has compacted.
                        assert!(q.head < 16 || q.head * 2 < q.pending.len(), "served entries pile up");
                    }
                    9 if !reference.is_empty() => {
                        let tag = reference[rng.below(reference.len() as u64) as usize].tag;
                        let i = reference.iter().position(|r| r.tag == tag).expect("present");
                        assert_eq!(q.remove_tag(tag), Some(reference.remove(i)));
                    }
                    _ => {
                        let head = rng.below(100) as u32;
                        let mut twin = RequestQueue::new(discipline);
                        twin.sweep_up = q.sweep_up;
                        for r in &reference {
                            twin.pending.push(*r);
                        }
                        let expected = twin.pop_next(head);
                        if let Some(e) = expected {
                            let i = reference.iter().position(|r| r.tag == e.tag).expect("present");
                            reference.remove(i);
                        }
                        assert_eq!(q.pop_next(head), expected, "{discipline:?} step {step}");
                    }
                }
                assert_eq!(q.len(), reference.len());
                assert!(q.iter().eq(reference.iter()));
            }
            assert_eq!(q.drain_all(), reference);
            assert!(q.is_empty() && q.pending.is_empty());
        }
    }

    #[test]
    fn remove_tag_and_drain_keep_arrival_order() {
        let mut q = queue(Edf, &[(7, 30, 5), (8, 10, 1), (9, 2, 9)]);
        assert_eq!(q.remove_tag(8).map(|r| r.cylinder), Some(1));
        assert_eq!((q.remove_tag(8), q.len()), (None, 2));
        assert_eq!(q.iter().map(|r| r.tag).collect::<Vec<_>>(), [7, 9]);
        let cap = q.pending.capacity();
        let drained: Vec<u64> = q.drain_all().iter().map(|r| r.tag).collect();
        assert_eq!(drained, [7, 9]);
        assert!(q.is_empty() && q.pending.capacity() == cap);
    }
}
