//! Periodic observation of the modules: the rows of `modules.csv`, and the
//! disk busy time the load observer samples.

use super::{Agenda, Headend, HeadendEv};
use crate::engine::{SimDuration, SimTime};
use crate::report::ModuleRow;

impl Headend {
    /// Disk busy time dispatched on module `m` up to `now` [ns] (service
    /// still to come is not counted).
    pub fn disk_busy_ns(&self, now: SimTime, m: usize) -> u64 {
        self.module_disks(m)
            .iter()
            .map(|d| {
                let ahead = d.current.map(|r| self.reads.get(r).done_at.saturating_since(now).0).unwrap_or(0);
                d.busy_ns - ahead
            })
            .sum()
    }

    /// Mean utilisation of module `m`'s disks over the `span` up to `now`,
    /// whose busy time was `busy_before` at its start.
    pub fn disk_util_since(&self, now: SimTime, m: usize, busy_before: u64, span: SimDuration) -> f64 {
        let disks = f64::from(self.layout.disks);
        if span.0 == 0 {
            return 0.0;
        }
        (self.disk_busy_ns(now, m).saturating_sub(busy_before)) as f64 / (span.0 as f64 * disks)
    }

    pub(super) fn on_report(&mut self, q: &mut impl Agenda) {
        let now = q.now();
        self.settle_all_disks(q, now);
        let span = now.saturating_since(self.last_report);
        if self.switch_dirty {
            self.recompute_switch(now);
        }
        for m in 0..self.modules.len() {
            let busy = self.disk_busy_ns(now, m);
            let util = self.disk_util_since(now, m, self.modules[m].busy_at_report, span);
            let admission_limit = self.module_limit(m).0;
            let md = &mut self.modules[m];
            md.busy_at_report = busy;
            let switch_bps = (self.switch_offered[m] as f64 * self.switch_factor[m]).round() as u64;
            self.module_rows.push(ModuleRow {
                t: now,
                t_s: now.as_secs_f64(),
                module: m as u32,
                streams: md.streams,
                admission_limit,
                disk_util: util,
                buffer_bytes: md.buffer.used,
                buffer_peak_bytes: md.buffer.peak,
                buffer_util: md.buffer.used as f64 / md.buffer.capacity as f64,
                switch_bps,
                failed: md.failed || md.buffer.failed,
                degraded: md.degraded,
                // Filled from the ledger when the run is collected.
                interval: Default::default(),
            });
            md.buffer.peak = md.buffer.used;
        }
        self.last_report = now;
        if now < self.end {
            let next = now + SimDuration::from_secs_f64(self.sc.raw.report_interval_s);
            q.schedule(next.min(self.end), HeadendEv::Report);
        }
    }
}
