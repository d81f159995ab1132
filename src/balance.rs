//! The load observer (FIG. 4 step 404: "a periodic observation of the
//! relative loading of the various servers"): a module whose load is above
//! a threshold, or well above the mean, sheds users towards the mean.

use crate::engine::{Schedule, SimDuration, SimTime};
use crate::headend::Headend;
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
    max_streams_per_module: u32,
    switch_bps: u64,
    /// Each module's disk busy time at the last observation [ns].
    busy_at_observe: Vec<u64>,
}

impl LoadObserver {
    pub fn new(sc: &Scenario) -> LoadObserver {
        let raw = &sc.raw;
        LoadObserver {
            cfg: raw.migration.load_balance.clone(),
            max_streams_per_module: sc.max_streams_per_module,
            switch_bps: raw.headend.switch_bps,
            busy_at_observe: vec![0; raw.headend.modules as usize],
        }
    }

    /// Schedules the first observation, if load balancing is on.
    pub fn start(&self, q: &mut impl Agenda) {
        if let Some(lb) = &self.cfg {
            q.schedule(SimTime::from_secs_f64(lb.interval_s), LoadCheck);
        }
    }

    /// A module's load is the largest of its disk, memory (buffer), output
    /// (switch share) and admission utilisation; one above the threshold,
    /// or above the mean of live modules by the relative factor, sheds
    /// users towards the mean.
    pub fn on_load_check(&mut self, q: &mut impl Agenda, h: &mut Headend, p: &mut Protocol) {
        let Some(lb) = self.cfg.clone() else { return };
        let now = q.now();
        h.settle_all_disks(q, now);
        let span = SimDuration::from_secs_f64(lb.interval_s);
        let max_streams = self.max_streams_per_module.max(1) as f64;
        let modules = h.module_count();
        let mut loads = Vec::with_capacity(modules);
        for m in 0..modules {
            let util = h.disk_util_since(now, m, self.busy_at_observe[m], span);
            self.busy_at_observe[m] = h.disk_busy_ns(now, m);
            let buffer = h.buffer_fill(m);
            let admission = h.module_streams(m) as f64 / max_streams;
            // Output: the module's share of the switch if it were split evenly.
            let share = self.switch_bps as f64 / modules as f64;
            let output = h.module_feeding(m) as f64 * h.bitrate().bps() as f64 / share;
            loads.push(util.max(buffer).max(admission).max(output));
        }
        let live: Vec<usize> = (0..modules).filter(|&m| h.module_live(m) && !h.module_degraded(m)).collect();
        if live.len() > 1 {
            let mean = live.iter().map(|&m| loads[m]).sum::<f64>() / live.len() as f64;
            let mean_streams = live.iter().map(|&m| h.module_streams(m) as f64).sum::<f64>() / live.len() as f64;
            for &m in &live {
                let over = loads[m] > lb.threshold || (mean > 0.0 && loads[m] > mean * lb.relative);
                let excess = h.module_streams(m) as f64 - mean_streams.ceil();
                if over && excess >= 1.0 {
                    let moves = (excess as usize).min(lb.max_moves as usize);
                    p.shed_users(q, h, m, Cause::LoadBalance, None, Some(moves));
                }
            }
        }
        q.schedule(now + span, LoadCheck);
    }
}
