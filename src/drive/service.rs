//! The drive in motion: where the head is, what the cache holds, and what
//! one command costs from the instant it arrives.

use super::layout::Layout;
use super::mech::{Clock, Seek, ms_to_ps};
use super::spec::{DriveSpec, ReadAhead};
use crate::engine::{SimDuration, SimTime};

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
}

/// How a read met the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheHit {
    /// Nothing cached (or no cache): the media served it all.
    Miss,
    /// The first blocks were cached; the media served the rest.
    Partial,
    /// Every block was cached: no mechanical activity.
    Whole,
}

/// The timing of one command. `end - start == overhead + seek + rotation +
/// transfer` exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// When the drive took the command (the call's `now`, or the previous
    /// command's completion if that is later).
    pub start: SimTime,
    /// When the last byte reached the host and the drive reported completion.
    pub end: SimTime,
    /// Command processing before the arm moved (for a whole cache hit: the
    /// hit overhead).
    pub overhead: SimDuration,
    /// Moving the arm (and switching heads) to the first block's track.
    pub seek: SimDuration,
    /// Waiting for the first block to come round.
    pub rotation: SimDuration,
    /// From the first block under the head to completion: media transfer
    /// with its head and cylinder switches, and the host bus where slower.
    pub transfer: SimDuration,
    /// When the mechanism falls idle: `end`, or later while read-ahead goes
    /// on. A command arriving earlier stops the read-ahead.
    pub idle_at: SimTime,
    pub cache: CacheHit,
}

/// A request the drive cannot serve.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("blocks {lbn}..{} are not all on the drive (capacity {capacity} sectors)", lbn + u64::from(*sectors))]
pub struct OutOfRange {
    pub lbn: u64,
    pub sectors: u32,
    pub capacity: u64,
}

/// A pass of the head over contiguous sectors of one track.
#[derive(Clone, Copy, Debug)]
struct Run {
    /// When the arm began moving towards this run's track [ps].
    seek_start: u64,
    /// When it got there [ps].
    arrive: u64,
    /// When its first sector came under the head [ps].
    start: u64,
    lbn: u64,
    count: u64,
    /// Time per sector [ps].
    width: u64,
    /// Angle the platter turns per sector, as DiskSim counts it.
    turn: u32,
    /// The platter's angle (and when it was last set) before the run's
    /// seek, and at its first sector.
    before: (u32, u64),
    theta: u32,
    cylinder: u32,
    head: u32,
}

/// One buffer segment: the blocks `[start, end)`.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: u64,
    end: u64,
    /// Last use, for LRU replacement.
    used: u64,
}

/// Read-ahead still going on after a command completed.
#[derive(Clone, Debug)]
struct Prefetch {
    seg: usize,
    runs: Vec<Run>,
}

/// A disk drive: DiskSim's model of geometry, mechanism, cache and bus,
/// with integer-time state. Deterministic: the same calls give the same
/// answers.
#[derive(Clone, Debug)]
pub struct Drive {
    layout: Layout,
    seek: Seek,
    clock: Clock,
    head_switch_ps: u64,
    write_settle_ps: u64,
    /// Overheads [ps]: hit/miss after read/write, write after read/write, per request.
    ovh_read_hit: [u64; 2],
    ovh_read_miss: [u64; 2],
    ovh_write: [u64; 2],
    ovh_write_back: [u64; 2],
    ovh_per_request: u64,
    ovh_complete: [u64; 2],
    /// Host bus time per sector [ps]; 0 = free.
    bus_sector: u64,
    cache: Option<(u64, ReadAhead, u64)>,
    write_back: bool,
    segments: Vec<Segment>,
    max_segments: usize,
    // state
    cylinder: u32,
    head: u32,
    last_was_read: bool,
    /// Completion of the last command [ps].
    busy_until: u64,
    /// The platter's angle as last set, and when [ps].
    theta: u32,
    theta_at: u64,
    prefetch: Option<Prefetch>,
    uses: u64,
    /// Tick-exact instants the drive last handed out, with their ns value.
    anchors: [(u64, u64); 2],
}

impl Drive {
    /// A drive at rest: head on cylinder 0, surface 0, platter angle 0 at
    /// time 0, cache empty. `spec` must have passed `DriveSpec::validate`.
    pub fn from_spec(spec: &DriveSpec) -> Drive {
        let clock = Clock::new(spec.rpm);
        let t = ms_to_ps;
        let o = &spec.overhead;
        let (cache, max_segments) = match &spec.cache {
            Some(c) => (Some((c.segment_sectors, c.read_ahead, c.max_read_ahead_sectors)), c.segments as usize),
            None => (None, 0),
        };
        Drive {
            layout: Layout::new(spec),
            seek: Seek::new(&spec.seek),
            head_switch_ps: ms_to_ps(spec.head_switch_ms),
            write_settle_ps: ms_to_ps(spec.write_settle_ms),
            ovh_read_hit: [t(o.read_hit_after_write_ms), t(o.read_hit_after_read_ms)],
            ovh_read_miss: [t(o.read_miss_after_write_ms), t(o.read_miss_after_read_ms)],
            ovh_write: [t(o.write_after_write_ms), t(o.write_after_read_ms)],
            ovh_write_back: [t(o.write_back_after_write_ms), t(o.write_back_after_read_ms)],
            ovh_per_request: t(o.per_request_ms),
            ovh_complete: [t(o.read_completion_ms), t(o.write_completion_ms)],
            bus_sector: spec.bus.as_ref().map_or(0, |b| t(b.sector_ms)),
            cache,
            write_back: spec.cache.as_ref().is_some_and(|c| c.write_back),
            segments: Vec::new(),
            max_segments,
            cylinder: 0,
            head: 0,
            last_was_read: false,
            busy_until: 0,
            theta: 0,
            theta_at: 0,
            prefetch: None,
            uses: 0,
            anchors: [(0, 0); 2],
            clock,
        }
    }

    /// Blocks on the drive [sectors].
    pub fn capacity_sectors(&self) -> u64 {
        self.layout.capacity
    }

    /// Cylinder and surface of `lbn`, or `None` past the end.
    pub fn locate(&self, lbn: u64) -> Option<(u32, u32, u32)> {
        (lbn < self.layout.capacity).then(|| {
            let (_, p) = self.layout.ltop(lbn);
            (p.cylinder, p.head, p.sector)
        })
    }

    /// What a scheduler budgets for a read of `sectors` blocks from `lbn`
    /// on a cold cache: command overheads, the seek of a third of the
    /// stroke, a full revolution, and the media transfer from the first
    /// block with its head and cylinder switches (computed, not guessed),
    /// the host bus where slower. Like the formula disk's budget it errs
    /// high against the mean: a third of the stroke is the mean distance
    /// between two random cylinders and the seek curve is concave; a
    /// revolution is twice the mean latency. `None` past the end.
    pub fn expected_service(&self, lbn: u64, sectors: u32) -> Option<SimDuration> {
        let n = u64::from(sectors);
        if n == 0 || lbn.checked_add(n).is_none_or(|e| e > self.layout.capacity) {
            return None;
        }
        let (zi, p) = self.layout.ltop(lbn);
        // Head on the first block's track with that block just arriving.
        let runs = self.plan_from((p.cylinder, p.head), (self.layout.angle(zi, p), 0), 0, lbn, lbn + n, false);
        let last = runs[runs.len() - 1];
        let media = last.start + last.count * last.width;
        let transfer = if self.bus_sector > runs[0].width { n * self.bus_sector } else { media + self.bus_sector };
        let last_cyl = self.layout.ltop(self.layout.capacity - 1).1.cylinder;
        let seek = self.seek.time_ps(last_cyl / 3);
        let ovh = self.ovh_per_request + self.ovh_read_miss[1] + self.ovh_complete[0];
        let ps = ovh + seek + self.clock.period() + transfer;
        Some(SimDuration(ps.div_ceil(1000)))
    }

    /// Cylinder the head is on.
    pub fn cylinder(&self) -> u32 {
        self.cylinder
    }

    /// Reads `sectors` blocks from `lbn`; see `service_op`.
    pub fn service(&mut self, now: SimTime, lbn: u64, sectors: u32) -> Result<Service, OutOfRange> {
        self.service_op(now, Op::Read, lbn, sectors)
    }

    /// Serves one command arriving at `now` and advances the drive's state
    /// (head, cache, angle follows from time). Commands are served one at a
    /// time: one arriving before the previous completed starts at that
    /// completion. Read-ahead in progress at the start is cut short.
    /// Writes take the mechanical path of reads plus the settling delay and
    /// end when both the media and the bus are done (no write-back cache).
    pub fn service_op(&mut self, now: SimTime, op: Op, lbn: u64, sectors: u32) -> Result<Service, OutOfRange> {
        let n = u64::from(sectors);
        if n == 0 || lbn.checked_add(n).is_none_or(|e| e > self.layout.capacity) {
            return Err(OutOfRange { lbn, sectors, capacity: self.layout.capacity });
        }
        let t0 = self.to_ps(now).max(self.busy_until);
        self.stop_prefetch(t0);
        self.uses += 1;
        let after = usize::from(self.last_was_read);
        self.last_was_read = op == Op::Read;
        let end_req = lbn + n;

        // Cache lookup (reads only).
        let mut hit = CacheHit::Miss;
        let mut seg_idx = None;
        if op == Op::Read && self.cache.is_some() {
            if let Some(i) = self.segments.iter().position(|s| s.start <= lbn && lbn < s.end) {
                hit = if end_req <= self.segments[i].end { CacheHit::Whole } else { CacheHit::Partial };
                seg_idx = Some(i);
            }
        } else if op == Op::Write {
            self.segments.retain(|s| s.end <= lbn || s.start >= end_req);
        }
        let ovh = self.ovh_per_request
            + match (op, hit) {
                (Op::Write, _) if self.write_back => self.ovh_write_back[after],
                (Op::Write, _) => self.ovh_write[after],
                (Op::Read, CacheHit::Miss) => self.ovh_read_miss[after],
                (Op::Read, _) => self.ovh_read_hit[after],
            };
        let t_cmd = t0 + ovh;
        let complete = self.ovh_complete[usize::from(op == Op::Write)];

        if hit == CacheHit::Whole {
            let end = t_cmd + n * self.bus_sector + complete;
            if let Some(i) = seg_idx {
                self.segments[i].used = self.uses;
            }
            self.busy_until = end;
            return Ok(self.finish(t0, t_cmd, t_cmd, t_cmd, end, end, hit));
        }

        if op == Op::Write && self.write_back {
            return Ok(self.write_back(t0, t_cmd, lbn, n, complete));
        }

        // The media part: [from, end_req), then read-ahead to `target`.
        let cached = match (hit, seg_idx) {
            (CacheHit::Partial, Some(i)) => self.segments[i].end - lbn,
            _ => 0,
        };
        let from = lbn + cached;
        let seg_start = seg_idx.map_or(lbn, |i| self.segments[i].start);
        let target = if op == Op::Read { self.read_ahead_target(seg_start, end_req) } else { end_req };
        let runs = self.plan(t_cmd, from, target, op == Op::Write);
        let first = runs[0];
        let seek_end = first.arrive;
        let mut media_end = t_cmd;
        let mut bus = t_cmd + cached * self.bus_sector;
        let mut split = runs.len();
        for (k, r) in runs.iter().enumerate() {
            if r.lbn >= end_req {
                split = k;
                break;
            }
            let count = r.count.min(end_req - r.lbn);
            media_end = r.start + count * r.width;
            if self.bus_sector > 0 {
                let (w, b) = (r.width, self.bus_sector);
                bus = (bus + count * b).max(r.start + (w + count * b).max(count * w + b));
            }
        }
        let end = match op {
            Op::Read if self.bus_sector > 0 => bus,
            Op::Read => media_end.max(t_cmd),
            Op::Write => media_end.max(t_cmd + n * self.bus_sector),
        } + complete;
        let last = runs[runs.len() - 1];
        let idle = (last.start + last.count * last.width).max(end);
        self.cylinder = last.cylinder;
        self.head = last.head;
        self.theta = last.theta.wrapping_add((last.count as u32).wrapping_mul(last.turn));
        self.theta_at = last.start + last.count * last.width;
        self.busy_until = end;

        if op == Op::Read && self.cache.is_some() {
            let size = self.cache.map_or(0, |c| c.0);
            let i = match seg_idx {
                Some(i) => i,
                None if self.segments.len() < self.max_segments => {
                    self.segments.push(Segment { start: lbn, end: lbn, used: 0 });
                    self.segments.len() - 1
                }
                None => self.segments.iter().enumerate().min_by_key(|(_, s)| s.used).map_or(0, |(i, _)| i),
            };
            // What the media has read by the completion; read-ahead adds the rest as it goes.
            let reached = runs[..split].last().map_or(end_req, |r| r.lbn + r.count).max(end_req);
            let start = if seg_idx.is_some() { self.segments[i].start } else { lbn };
            self.segments[i] = Segment { start: start.max(reached.saturating_sub(size)), end: reached, used: self.uses };
            let rest = runs[split..].to_vec();
            let mut tail = rest;
            // A run straddling the request's end: its read-ahead part.
            if split > 0 {
                let r = runs[split - 1];
                if r.lbn + r.count > end_req {
                    let done = end_req - r.lbn;
                    let theta = r.theta.wrapping_add((done as u32).wrapping_mul(r.turn));
                    tail.insert(0, Run { lbn: end_req, count: r.count - done, start: r.start + done * r.width, theta, ..r });
                    self.segments[i].end = end_req;
                }
            }
            if !tail.is_empty() {
                self.prefetch = Some(Prefetch { seg: i, runs: tail });
            }
        }
        Ok(self.finish(t0, t_cmd, seek_end, first.start, end, idle, hit))
    }

    /// A write into a write-back cache: complete when the data is in, the
    /// media written behind it. The head sets off at once and writes as the
    /// data comes; the bus being the slower, the last block goes down when
    /// the head next passes it after its data arrived.
    fn write_back(&mut self, t0: u64, t_cmd: u64, lbn: u64, n: u64, complete: u64) -> Service {
        let bus_end = t_cmd + n * self.bus_sector;
        let end = bus_end + complete;
        let runs = self.plan(t_cmd, lbn, lbn + n, true);
        let last = runs[runs.len() - 1];
        let mut theta = last.theta.wrapping_add((last.count as u32).wrapping_mul(last.turn));
        let mut at = last.start + last.count * last.width;
        if bus_end > at - last.width {
            let (zi, p) = self.layout.ltop(lbn + n - 1);
            theta = theta.wrapping_add(self.clock.rotate(bus_end.saturating_sub(at)));
            let wait = self.clock.rottime(self.layout.angle(zi, p).wrapping_sub(theta));
            theta = theta.wrapping_add(self.clock.rotate(wait)).wrapping_add(last.turn);
            at = bus_end.max(at) + wait + last.width;
        }
        (self.cylinder, self.head, self.theta, self.theta_at) = (last.cylinder, last.head, theta, at);
        self.busy_until = end;
        self.finish(t0, t_cmd, t_cmd, t_cmd, end, at.max(end), CacheHit::Miss)
    }

    /// The passes of the head reading (or writing) `[from, to)` starting at
    /// `t` [ps] from the current head position, without moving it.
    fn plan(&self, t: u64, from: u64, to: u64, write: bool) -> Vec<Run> {
        self.plan_from((self.cylinder, self.head), (self.theta, self.theta_at), t, from, to, write)
    }

    /// `plan` with the head on `(cylinder, surface)` and the platter at
    /// angle `theta.0` at `theta.1` [ps].
    fn plan_from(&self, (mut cyl, mut head): (u32, u32), theta: (u32, u64), mut t: u64, from: u64, to: u64, write: bool) -> Vec<Run> {
        let (mut theta, mut theta_at) = theta;
        let mut runs = Vec::new();
        let mut lbn = from;
        while lbn < to {
            let (zi, p) = self.layout.ltop(lbn);
            let count = self.layout.run_len(zi, lbn, to - lbn);
            let (seek_start, before) = (t, (theta, theta_at));
            let mut ps = self.seek.time_ps(cyl.abs_diff(p.cylinder));
            if head != p.head {
                ps = ps.max(self.head_switch_ps);
            }
            if write && ps > 0 {
                ps += self.write_settle_ps;
            }
            t += ps;
            let arrive = t;
            // DiskSim's seek-done: turn the platter by the time since its
            // angle was last set, wait for the first block's angle, turn by
            // the wait.
            theta = theta.wrapping_add(self.clock.rotate(t.saturating_sub(theta_at)));
            let wait = self.clock.rottime(self.layout.angle(zi, p).wrapping_sub(theta));
            t += wait;
            theta = theta.wrapping_add(self.clock.rotate(wait));
            let sector = self.layout.zones[zi].width;
            let (width, turn) = (self.clock.rottime(sector), self.clock.rotate(self.clock.rottime(sector)));
            runs.push(Run { seek_start, arrive, start: t, lbn, count, width, turn, before, theta, cylinder: p.cylinder, head: p.head });
            // Sector by sector, as DiskSim's controller (each turn truncated).
            t += count * width;
            theta = theta.wrapping_add((count as u32).wrapping_mul(turn));
            theta_at = t;
            (cyl, head) = (p.cylinder, p.head);
            lbn += count;
        }
        runs
    }

    /// Where read-ahead after a read of `..end_req` stops, the segment
    /// holding the data from `seg_start`.
    fn read_ahead_target(&self, seg_start: u64, end_req: u64) -> u64 {
        let Some((size, policy, max)) = self.cache else { return end_req };
        let cap = self.layout.capacity;
        let capped = |t: u64| if max > 0 { t.min(end_req + max) } else { t };
        let t = match policy {
            ReadAhead::None => end_req,
            ReadAhead::TrackEnd => capped(self.layout.track_bounds(end_req - 1).1),
            ReadAhead::CylinderEnd => capped(self.layout.cylinder_bounds(end_req - 1).1),
            ReadAhead::SegmentEnd => capped(seg_start + size),
            ReadAhead::NextTrack if end_req >= cap => end_req,
            ReadAhead::NextTrack => {
                let (first, end) = self.layout.track_bounds(end_req);
                if seg_start < first {
                    let zi = self.layout.zone_of(seg_start);
                    end + u64::from(self.layout.zones[zi].spt)
                } else {
                    end
                }
            }
        };
        t.clamp(end_req, cap)
    }

    /// Cuts read-ahead short at `t` [ps]: what was read by then stays
    /// cached, the head stays on the track it was on.
    fn stop_prefetch(&mut self, t: u64) {
        let Some(p) = self.prefetch.take() else { return };
        let mut reached = None;
        for r in &p.runs {
            if r.seek_start > t {
                break;
            }
            (self.cylinder, self.head) = (r.cylinder, r.head);
            if t >= r.start {
                let done = ((t - r.start) / r.width).min(r.count);
                self.theta = r.theta.wrapping_add((done as u32).wrapping_mul(r.turn));
                self.theta_at = r.start + done * r.width;
                reached = Some(r.lbn + done);
            } else {
                (self.theta, self.theta_at) = r.before;
                reached = Some(r.lbn);
            }
        }
        if let (Some(end), Some(seg)) = (reached, self.segments.get_mut(p.seg)) {
            seg.end = seg.end.max(end);
        }
    }

    /// `now` in ps, exact when `now` is an instant the drive handed out.
    fn to_ps(&self, now: SimTime) -> u64 {
        let ns = now.as_nanos();
        match self.anchors.iter().find(|a| a.0 == ns) {
            Some(a) => a.1,
            None => ns.saturating_mul(1000),
        }
    }

    fn ns(ps: u64) -> u64 {
        (ps + 500) / 1000
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(&mut self, t0: u64, cmd: u64, seek_end: u64, first: u64, end: u64, idle: u64, cache: CacheHit) -> Service {
        let [t0n, cmdn, sen, firstn, endn, idlen] = [t0, cmd, seek_end, first, end, idle].map(Self::ns);
        self.anchors = [(endn, end), (idlen, idle)];
        Service {
            start: SimTime(t0n),
            end: SimTime(endn),
            overhead: SimDuration(cmdn - t0n),
            seek: SimDuration(sen - cmdn),
            rotation: SimDuration(firstn - sen),
            transfer: SimDuration(endn - firstn),
            idle_at: SimTime(idlen),
            cache,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::spec::{BusSpec, CacheSpec, toy_spec};
    use proptest::prelude::*;

    /// The toy drive with overheads, a bus and a read-ahead cache.
    fn cached() -> DriveSpec {
        let mut s = toy_spec();
        s.overhead.read_miss_after_read_ms = 0.3;
        s.overhead.read_hit_after_read_ms = 0.05;
        s.bus = Some(BusSpec { sector_ms: 0.02 });
        s.cache = Some(CacheSpec {
            segments: 2,
            segment_sectors: 40,
            read_ahead: ReadAhead::NextTrack,
            max_read_ahead_sectors: 40,
            write_back: false,
        });
        s
    }

    #[test]
    fn a_reread_is_a_whole_hit_without_mechanics() {
        let mut d = Drive::from_spec(&cached());
        let a = d.service(SimTime(0), 30, 5).expect("on the drive");
        assert_eq!(a.cache, CacheHit::Miss);
        let b = d.service(a.idle_at, 30, 5).expect("on the drive");
        assert_eq!(b.cache, CacheHit::Whole);
        assert_eq!((b.seek, b.rotation), (SimDuration::ZERO, SimDuration::ZERO));
        // Hit overhead 0.05 ms + 5 sectors × 0.02 ms.
        assert_eq!(b.end.as_nanos() - b.start.as_nanos(), 150_000);
        // Read-ahead went to the end of the next track: 35..(end of its track).
        let c = d.service(b.end, 35, 2).expect("on the drive");
        assert_eq!(c.cache, CacheHit::Whole);
    }

    #[test]
    fn a_write_back_write_completes_when_its_data_is_in() {
        let mut s = cached();
        s.overhead.write_back_after_write_ms = 0.5;
        s.cache = s.cache.map(|c| CacheSpec { write_back: true, ..c });
        let mut d = Drive::from_spec(&s);
        let w = d.service_op(SimTime(0), Op::Write, 100, 30).expect("on the drive");
        // Overhead 0.5 ms + 30 sectors × 0.02 ms; the media after.
        assert_eq!(w.end.as_nanos(), 1_100_000);
        assert!(w.idle_at > w.end);
    }

    #[test]
    fn out_of_range_is_an_error() {
        let mut d = Drive::from_spec(&toy_spec());
        let cap = d.capacity_sectors();
        assert!(d.service(SimTime(0), cap - 1, 2).is_err());
        assert!(d.service(SimTime(0), 0, 0).is_err());
        assert!(d.service(SimTime(0), cap - 1, 1).is_ok());
    }

    proptest! {
        /// Whatever the commands: the parts add up to the response, the
        /// drive never starts before it is asked or finishes before it
        /// starts, and the same calls give the same answers.
        #[test]
        fn services_are_consistent_and_deterministic(
            cmds in prop::collection::vec((0u64..20_000_000, 0u64..350, 1u32..40, any::<bool>()), 1..40),
            with_cache in any::<bool>(),
        ) {
            let spec = if with_cache { cached() } else { toy_spec() };
            let run = || {
                let mut d = Drive::from_spec(&spec);
                let mut now = SimTime(0);
                let mut out = Vec::new();
                for &(gap, lbn, n, read) in &cmds {
                    now = SimTime(now.as_nanos() + gap);
                    let lbn = lbn.min(d.capacity_sectors() - u64::from(n));
                    let s = d.service_op(now, if read { Op::Read } else { Op::Write }, lbn, n).expect("in range");
                    out.push(s);
                    now = s.end;
                }
                out
            };
            let a = run();
            for s in &a {
                prop_assert!(s.end >= s.start && s.idle_at >= s.end);
                prop_assert_eq!(s.end.as_nanos() - s.start.as_nanos(),
                    s.overhead.as_nanos() + s.seek.as_nanos() + s.rotation.as_nanos() + s.transfer.as_nanos());
            }
            prop_assert_eq!(a, run());
        }
    }
}
