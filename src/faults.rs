//! Injected faults and their repairs: what breaks, and who must then be
//! migrated (FIG. 4 step 404).

use crate::engine::SimDuration;
use crate::headend::stream::{Owner, ReadState, Status};
use crate::headend::{Ev, Headend};
use crate::migration::Cause;
use crate::scenario::FaultKind;

impl Headend {
    pub fn on_fault(&mut self, i: u32) {
        let now = self.now();
        // Completions from now on must see the hardware as it will be.
        self.materialize_all_disks();
        let f = self.sc.raw.faults[i as usize].clone();
        if let Some(r) = f.repair_after_s {
            self.q.schedule(now + SimDuration::from_secs_f64(r), Ev::Repair(i));
        }
        let m = f.module.unwrap_or(0) as usize;
        match f.kind {
            FaultKind::Disk => {
                let d = f.disk.unwrap_or(0) as usize;
                let ix = self.layout.disk_ix(m, d);
                self.disks[ix].failed = true;
                self.modules[m].degraded = true;
                self.fail_queued_reads(m, Some(d));
                self.shed_users(m, Cause::DiskFailure, Some(d), None);
            }
            FaultKind::Module | FaultKind::Buffer => {
                if f.kind == FaultKind::Module {
                    self.modules[m].failed = true;
                } else {
                    self.modules[m].buffer.failed = true;
                }
                self.switch_dirty = true;
                // Output stops now: the buffer's content is gone.
                let victims: Vec<u32> = self
                    .streams
                    .iter()
                    .filter(|s| s.status == Status::Active && s.module as usize == m && s.dark_since.is_none())
                    .map(|s| s.id)
                    .collect();
                for s in victims {
                    self.stop_output(s);
                }
                self.fail_queued_reads(m, None);
                let cause = if f.kind == FaultKind::Module { Cause::ModuleFailure } else { Cause::BufferFailure };
                self.shed_users(m, cause, None, None);
            }
            FaultKind::SecondaryStorage | FaultKind::FailureLikely => {
                self.modules[m].degraded = true;
                let cause = if f.kind == FaultKind::FailureLikely { Cause::FailureLikely } else { Cause::SecondaryStorage };
                self.shed_users(m, cause, None, None);
            }
            FaultKind::SmbusBurst => {
                self.smbus.burst_extra = SimDuration::from_micros_f64(f.extra_latency_us.unwrap_or(0.0));
                self.smbus.burst_loss = f.loss.unwrap_or(0.0);
                let end = now + SimDuration::from_secs_f64(f.duration_s.unwrap_or(0.0));
                self.q.schedule(end, Ev::BurstEnd(i));
            }
        }
    }

    /// Reads queued on failed hardware fail at once; reads of departed
    /// owners are released, a stream's own read stays for its deadline to
    /// find it failed.
    fn fail_queued_reads(&mut self, m: usize, disk: Option<usize>) {
        let disks: Vec<usize> = match disk {
            Some(d) => vec![d],
            None => (0..self.layout.disks as usize).collect(),
        };
        let mut failed = Vec::new();
        for d in disks {
            let ix = self.layout.disk_ix(m, d);
            for req in self.disks[ix].queue.drain_all() {
                failed.push(req.tag as u32);
            }
            self.disks[ix].notify_queued = 0;
        }
        let waiting: Vec<u32> = if disk.is_none() { self.modules[m].buffer.waiting.drain(..).collect() } else { Vec::new() };
        for r in failed.into_iter().chain(waiting) {
            let rd = self.reads.get_mut(r);
            rd.state = ReadState::Failed;
            self.counters.reads_failed += 1;
            match rd.owner {
                Owner::Stream { .. } => {}
                Owner::Migration(_) | Owner::Orphan => {
                    if matches!(rd.owner, Owner::Orphan) {
                        self.release_read(r);
                    }
                }
            }
        }
    }

    pub fn on_repair(&mut self, i: u32) {
        self.materialize_all_disks();
        let f = self.sc.raw.faults[i as usize].clone();
        let m = f.module.unwrap_or(0) as usize;
        match f.kind {
            FaultKind::Disk => {
                let d = f.disk.unwrap_or(0) as usize;
                let ix = self.layout.disk_ix(m, d);
                self.disks[ix].failed = false;
                self.modules[m].degraded = self.module_disks(m).iter().any(|d| d.failed);
            }
            FaultKind::Module => self.modules[m].failed = false,
            FaultKind::Buffer => self.modules[m].buffer.failed = false,
            FaultKind::SecondaryStorage | FaultKind::FailureLikely => self.modules[m].degraded = false,
            FaultKind::SmbusBurst => {}
        }
        self.switch_dirty = true;
    }

    pub fn on_burst_end(&mut self) {
        self.smbus.burst_extra = SimDuration::ZERO;
        self.smbus.burst_loss = 0.0;
    }
}
