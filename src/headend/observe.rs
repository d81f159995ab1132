//! Periodic observation of the modules: the rows of `modules.csv`, and the
//! load observer that triggers load-balancing migrations (FIG. 4 step 404:
//! "a periodic observation of the relative loading of the various servers").

use super::core::{Ev, Headend};
use crate::engine::SimDuration;
use crate::migration::Cause;
use crate::report::ModuleRow;

impl Headend {
    /// Disk busy time dispatched on module `m` up to now [ns] (service still
    /// to come is not counted).
    fn busy_until_now(&self, m: usize) -> u64 {
        let now = self.now();
        self.module_disks(m)
            .iter()
            .map(|d| {
                let ahead = d.current.map(|r| self.reads.get(r).done_at.saturating_since(now).0).unwrap_or(0);
                d.busy_ns - ahead
            })
            .sum()
    }

    fn disk_util_since(&self, m: usize, busy_before: u64, span: SimDuration) -> f64 {
        let disks = f64::from(self.layout.disks);
        if span.0 == 0 {
            return 0.0;
        }
        (self.busy_until_now(m).saturating_sub(busy_before)) as f64 / (span.0 as f64 * disks)
    }

    pub fn on_report(&mut self) {
        let now = self.now();
        self.settle_all_disks(now);
        let span = now.saturating_since(self.last_report);
        if self.switch_dirty {
            self.recompute_switch();
        }
        for m in 0..self.modules.len() {
            let busy = self.busy_until_now(m);
            let util = self.disk_util_since(m, self.modules[m].busy_at_report, span);
            let md = &mut self.modules[m];
            md.busy_at_report = busy;
            let switch_bps = (self.switch_offered[m] as f64 * self.switch_factor[m]).round() as u64;
            self.module_rows.push(ModuleRow {
                t_s: now.as_secs_f64(),
                module: m as u32,
                streams: md.streams,
                disk_util: util,
                buffer_bytes: md.buffer.used,
                buffer_peak_bytes: md.buffer.peak,
                buffer_util: md.buffer.used as f64 / md.buffer.capacity as f64,
                switch_bps,
                failed: md.failed || md.buffer.failed,
                degraded: md.degraded,
            });
            md.buffer.peak = md.buffer.used;
        }
        self.last_report = now;
        if now < self.end {
            let next = now + SimDuration::from_secs_f64(self.sc.raw.report_interval_s);
            self.q.schedule(next.min(self.end), Ev::Report);
        }
    }

    /// Load observation: a module whose load (largest of disk, memory
    /// (buffer), output (switch share) and admission utilisation) is above the threshold, or above the mean of
    /// live modules by the relative factor, sheds users towards the mean.
    pub fn on_load_check(&mut self) {
        let Some(lb) = self.sc.raw.migration.load_balance.clone() else { return };
        let now = self.now();
        self.settle_all_disks(now);
        let span = SimDuration::from_secs_f64(lb.interval_s);
        let max_streams = self.sc.max_streams_per_module.max(1) as f64;
        let mut loads = Vec::with_capacity(self.modules.len());
        for m in 0..self.modules.len() {
            let util = self.disk_util_since(m, self.modules[m].busy_at_observe, span);
            self.modules[m].busy_at_observe = self.busy_until_now(m);
            let md = &self.modules[m];
            let buffer = md.buffer.used as f64 / md.buffer.capacity as f64;
            let admission = md.streams as f64 / max_streams;
            // Output: the module's share of the switch if it were split evenly.
            let share = self.sc.raw.headend.switch_bps as f64 / self.modules.len() as f64;
            let output = md.feeding as f64 * self.bitrate.bps() as f64 / share;
            loads.push(util.max(buffer).max(admission).max(output));
        }
        let live: Vec<usize> = (0..self.modules.len()).filter(|&m| self.module_live(m) && !self.modules[m].degraded).collect();
        if live.len() > 1 {
            let mean = live.iter().map(|&m| loads[m]).sum::<f64>() / live.len() as f64;
            let mean_streams = live.iter().map(|&m| self.modules[m].streams as f64).sum::<f64>() / live.len() as f64;
            for &m in &live {
                let over = loads[m] > lb.threshold || (mean > 0.0 && loads[m] > mean * lb.relative);
                let excess = self.modules[m].streams as f64 - mean_streams.ceil();
                if over && excess >= 1.0 {
                    let moves = (excess as usize).min(lb.max_moves as usize);
                    self.shed_users(m, Cause::LoadBalance, None, Some(moves));
                }
            }
        }
        self.q.schedule(now + span, Ev::LoadCheck);
    }
}
