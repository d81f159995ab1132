//! The load observer (FIG. 4 step 404: "a periodic observation of the
//! relative loading of the various servers"): an overloaded module sheds a
//! few users to modules that end up less loaded than it.
//!
//! A module's load is the largest of what it has of its own and can run out
//! of: its disks' measured utilisation over the last observation interval,
//! its buffer's occupancy, and its streams against its admission limit
//! (`Headend::module_limit`), each 0–1. The switch and the FATC channels are
//! shared by every module, so moving a user leaves their load as it is:
//! they gate admission, not balancing.
//!
//! What keeps balancing from oscillating: hysteresis (a module starts
//! shedding above `threshold` and goes on until it is at or below
//! `low_threshold` or the mean, or above `relative` × the mean and goes on
//! down to the mean); a move only to a
//! module whose load after the move is below the source's after the move
//! (estimated with each stream's expected share of disk time, buffer and
//! admission limit) and that is not shedding itself; a user's streams together; at most `max_moves` users
//! per module per observation;
//! and no user moved again by the observer within `hold_s` of its last move
//! (so never back to the module it left).

use crate::engine::{Schedule, SimDuration, SimTime};
use crate::headend::Headend;
use crate::headend::stream::StreamId;
use crate::migration::{self, Cause, Protocol};
use crate::scenario::{RawLoadBalance, Scenario};

/// The load observer's own event: time to observe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadCheck;

/// The shared queue, as the load observer uses it.
pub trait Agenda: migration::Agenda + Schedule<LoadCheck> {}
impl<T: migration::Agenda + Schedule<LoadCheck>> Agenda for T {}

pub struct LoadObserver {
    cfg: Option<RawLoadBalance>,
    /// Each module's disk busy time at the last observation [ns].
    busy_at_observe: Vec<u64>,
    /// Modules shedding since an observation found them overloaded, and
    /// which high mark they passed.
    shedding: Vec<Option<Mark>>,
    /// When the observer last moved each stream, by stream id.
    moved_at: Vec<Option<SimTime>>,
}

/// The high mark a shedding module passed, which sets where it stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    /// Above `threshold`: shed down to `low_threshold` (or the mean, if higher).
    Absolute,
    /// Above `relative` × the mean: shed down to the mean.
    Relative,
}

impl Mark {
    fn low(self, lb: &RawLoadBalance, mean: f64) -> f64 {
        match self {
            Mark::Absolute => lb.low().max(mean),
            Mark::Relative => mean,
        }
    }
}

/// One module's load, by resource (0–1 each), and what one stream adds.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Load {
    disk: f64,
    buffer: f64,
    admission: f64,
    per_stream: [f64; 3],
}

impl Load {
    fn value(&self) -> f64 {
        self.disk.max(self.buffer).max(self.admission)
    }

    /// The load with `n` more streams (`n` < 0: fewer).
    fn with(&self, n: f64) -> Load {
        let [d, b, a] = self.per_stream;
        Load { disk: self.disk + n * d, buffer: self.buffer + n * b, admission: self.admission + n * a, ..*self }
    }
}

impl LoadObserver {
    pub fn new(sc: &Scenario) -> LoadObserver {
        let raw = &sc.raw;
        let modules = raw.headend.modules as usize;
        LoadObserver {
            cfg: raw.migration.load_balance.clone(),
            busy_at_observe: vec![0; modules],
            shedding: vec![None; modules],
            moved_at: Vec::new(),
        }
    }

    /// Schedules the first observation, if load balancing is on.
    pub fn start(&self, q: &mut impl Agenda) {
        if let Some(lb) = &self.cfg {
            q.schedule(SimTime::from_secs_f64(lb.interval_s), LoadCheck);
        }
    }

    /// Module `m`'s load over the interval `span` up to `now`.
    fn observe(&mut self, q: &mut impl Agenda, h: &Headend, m: usize, span: SimDuration) -> Load {
        let now = q.now();
        let disk = h.disk_util_since(now, m, self.busy_at_observe[m], span);
        self.busy_at_observe[m] = h.disk_busy_ns(now, m);
        let streams = h.module_streams(m);
        let limit = f64::from(h.module_limit(m).0.max(1));
        let disks = h.layout().disks as f64;
        // A stream reads one extent per service period from one of the
        // module's disks (striping spreads them evenly), and holds two
        // extents of buffer.
        let disk_share = h.typical_extent_read(m).0 as f64 / (h.period_of(m).0 as f64 * disks);
        let buffer = h.buffer_fill(m);
        let buffer_share = if streams > 0 { buffer / f64::from(streams) } else { 1.0 / limit };
        Load { disk, buffer, admission: f64::from(streams) / limit, per_stream: [disk_share, buffer_share, 1.0 / limit] }
    }

    /// Whether the observer may move stream `s` at `now` (its hold is over).
    fn movable(&self, s: StreamId, now: SimTime, hold: SimDuration) -> bool {
        match self.moved_at.get(s as usize).copied().flatten() {
            Some(t) => now >= t + hold,
            None => true,
        }
    }

    fn record_move(&mut self, s: StreamId, now: SimTime) {
        let i = s as usize;
        if i >= self.moved_at.len() {
            self.moved_at.resize(i + 1, None);
        }
        self.moved_at[i] = Some(now);
    }

    /// Observes every module and moves users off the overloaded ones.
    pub fn on_load_check(&mut self, q: &mut impl Agenda, h: &mut Headend, p: &mut Protocol) {
        let Some(lb) = self.cfg.clone() else { return };
        let now = q.now();
        h.settle_all_disks(q, now);
        let span = SimDuration::from_secs_f64(lb.interval_s);
        let hold = SimDuration::from_secs_f64(lb.hold_s);
        let modules = h.module_count();
        let mut loads: Vec<Load> = (0..modules).map(|m| self.observe(q, h, m, span)).collect();
        let live: Vec<usize> = (0..modules).filter(|&m| h.module_live(m) && !h.module_degraded(m)).collect();
        q.schedule(now + span, LoadCheck);
        if live.len() < 2 {
            return;
        }
        let mean = live.iter().map(|&m| loads[m].value()).sum::<f64>() / live.len() as f64;
        // Hysteresis: enter above a high mark, leave at the matching low one.
        for &m in &live {
            let l = loads[m].value();
            self.shedding[m] = if l > lb.threshold {
                Some(Mark::Absolute)
            } else if mean > 0.0 && l > lb.relative * mean {
                Some(Mark::Relative)
            } else {
                self.shedding[m].filter(|mark| l > mark.low(&lb, mean))
            };
        }
        // The most loaded first, so they get first pick of destinations.
        let mut sources: Vec<usize> = live.iter().copied().filter(|&m| self.shedding[m].is_some()).collect();
        sources.sort_by(|&a, &b| loads[b].value().total_cmp(&loads[a].value()).then(a.cmp(&b)));
        for src in sources {
            // Box 405: a user's streams move together, as one move.
            let mut users: Vec<(u32, Vec<StreamId>, bool)> = Vec::new();
            for plan in p.triage(now, h, src, Cause::LoadBalance, None) {
                let user = h.user_of(plan.stream);
                // Interrupted users are the failure path's business.
                let ok = !plan.direct && self.movable(plan.stream, now, hold);
                match users.iter_mut().find(|(u, _, _)| *u == user) {
                    Some((_, streams, all_ok)) => {
                        streams.push(plan.stream);
                        *all_ok &= ok;
                    }
                    None => users.push((user, vec![plan.stream], ok)),
                }
            }
            let mut moves = 0;
            for (_, streams, ok) in users {
                if moves >= lb.max_moves {
                    break;
                }
                if !ok {
                    continue;
                }
                let title = h.stream(streams[0]).title;
                let k = streams.len() as f64;
                let after_src = loads[src].with(-k).value();
                let dest = live
                    .iter()
                    .copied()
                    .filter(|&d| d != src && self.shedding[d].is_none() && h.admits(d, title))
                    .map(|d| (loads[d].with(k).value(), d))
                    .filter(|&(after, _)| after < after_src)
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let Some((_, dest)) = dest else { continue };
                let mut moved = false;
                for &s in &streams {
                    if p.move_user(q, h, s, Cause::LoadBalance, dest) {
                        self.record_move(s, now);
                        moved = true;
                    }
                }
                if moved {
                    loads[src] = loads[src].with(-k);
                    loads[dest] = loads[dest].with(k);
                    moves += 1;
                }
            }
            if self.shedding[src].is_some_and(|mark| loads[src].value() <= mark.low(&lb, mean)) {
                self.shedding[src] = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Load, LoadObserver};
    use crate::engine::{SimDuration, SimTime};

    #[test]
    fn a_moved_user_is_held_for_hold_s() {
        // Moved at 100 s with a 300 s hold: not movable until 400 s; other
        // streams (never moved, or beyond the table) are.
        let mut o = LoadObserver { cfg: None, busy_at_observe: Vec::new(), shedding: Vec::new(), moved_at: Vec::new() };
        let hold = SimDuration::from_secs(300);
        let t = SimTime::from_secs_f64(100.0);
        o.record_move(7, t);
        assert!(!o.movable(7, t, hold));
        assert!(!o.movable(7, SimTime(SimTime::from_secs_f64(400.0).0 - 1), hold));
        assert!(o.movable(7, SimTime::from_secs_f64(400.0), hold));
        assert!(o.movable(6, t, hold) && o.movable(8, t, hold));
        // A later move restarts the hold.
        o.record_move(7, SimTime::from_secs_f64(450.0));
        assert!(!o.movable(7, SimTime::from_secs_f64(700.0), hold));
    }

    #[test]
    fn a_load_is_its_largest_resource_and_moves_by_one_streams_share() {
        let l = Load { disk: 0.5, buffer: 0.25, admission: 0.4, per_stream: [0.01, 0.002, 0.005] };
        assert_eq!(l.value(), 0.5);
        // One stream fewer: disk 0.49, still the largest.
        assert!((l.with(-1.0).value() - 0.49).abs() < 1e-12);
        // Twenty more: disk 0.7, admission 0.5.
        let more = l.with(20.0);
        assert!((more.disk - 0.7).abs() < 1e-12 && (more.admission - 0.5).abs() < 1e-12);
    }
}
