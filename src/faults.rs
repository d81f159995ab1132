//! Injected faults and their repairs: what breaks, when, and who must then
//! be migrated (FIG. 4 step 404). The hardware's state is the head-end's;
//! this component owns the fault schedule and tells the head-end and the
//! protocol what happened.
//!
//! A failure is not known when it happens: a disk's is noticed when the
//! read it is serving times out (`headend.detection.io_timeout_ms`), a
//! module's data path's when its heartbeats on the SMBUS have been missed
//! `heartbeat_misses` times in a row; only then are its users migrated. A
//! buffer's memory errors, a secondary-storage failure and a "failure
//! likely" warning are reported by the module itself, at once.

use crate::engine::{Schedule, SimDuration, SimTime};
use crate::headend::Headend;
use crate::migration::{self, Cause, Protocol};
use crate::scenario::{FaultKind, RawFault, Scenario};

/// Fault injection's own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEv {
    /// Fault `i` of the scenario's list happens.
    Fault(u32),
    /// Fault `i` is repaired.
    Repair(u32),
    /// The SMBUS burst of fault `i` ends.
    BurstEnd(u32),
    /// Fault `i` (a disk or a module) is noticed.
    Detected(u32),
}

/// The shared queue, as fault injection uses it.
pub trait Agenda: migration::Agenda + Schedule<FaultEv> {}
impl<T: migration::Agenda + Schedule<FaultEv>> Agenda for T {}

/// The scenario's faults.
pub struct Faults {
    faults: Vec<RawFault>,
    io_timeout: SimDuration,
    heartbeat_period: SimDuration,
    heartbeat_misses: u32,
}

impl Faults {
    pub fn new(sc: &Scenario) -> Faults {
        let det = &sc.raw.headend.detection;
        Faults {
            faults: sc.raw.faults.clone(),
            io_timeout: SimDuration::from_millis_f64(det.io_timeout_ms),
            heartbeat_period: SimDuration::from_millis_f64(det.heartbeat_period_ms),
            heartbeat_misses: det.heartbeat_misses,
        }
    }

    /// When a module whose data path fails at `at` is noticed: heartbeats
    /// are due at every multiple of the period, the first one missed is the
    /// first due at or after `at`, and the `heartbeat_misses`-th in a row
    /// gives the failure away (none: known at once).
    fn heartbeats_missed(&self, at: SimTime) -> SimTime {
        if self.heartbeat_misses == 0 {
            return at;
        }
        let p = self.heartbeat_period.0.max(1);
        let first = at.0.div_ceil(p) * p;
        SimTime(first + p * u64::from(self.heartbeat_misses - 1))
    }

    /// Schedules every fault.
    pub fn start(&self, q: &mut impl Agenda) {
        for (i, f) in self.faults.iter().enumerate() {
            q.schedule(SimTime::from_secs_f64(f.at_s), FaultEv::Fault(i as u32));
        }
    }

    pub fn handle(&mut self, q: &mut impl Agenda, h: &mut Headend, p: &mut Protocol, ev: FaultEv) {
        match ev {
            FaultEv::Fault(i) => self.on_fault(q, h, p, i),
            FaultEv::Repair(i) => self.on_repair(q, h, i),
            FaultEv::BurstEnd(_) => p.smbus_burst(SimDuration::ZERO, 0.0),
            FaultEv::Detected(i) => self.on_detected(q, h, p, i),
        }
    }

    fn on_fault(&mut self, q: &mut impl Agenda, h: &mut Headend, p: &mut Protocol, i: u32) {
        let now = q.now();
        h.prepare_for_fault(q);
        let f = &self.faults[i as usize];
        if let Some(r) = f.repair_after_s {
            q.schedule(now + SimDuration::from_secs_f64(r), FaultEv::Repair(i));
        }
        let m = f.module.unwrap_or(0) as usize;
        match f.kind {
            FaultKind::Disk => {
                let d = f.disk.unwrap_or(0) as usize;
                let at = h.hang_disk(q, m, d, self.io_timeout);
                q.schedule(at, FaultEv::Detected(i));
            }
            FaultKind::Module => {
                // The data path stops now; its users go dark unnoticed.
                h.fail_module(q, m);
                q.schedule(self.heartbeats_missed(now), FaultEv::Detected(i));
            }
            FaultKind::Buffer => {
                h.fail_buffer(q, m);
                p.shed_users(q, h, m, Cause::BufferFailure, None, None);
            }
            FaultKind::SecondaryStorage | FaultKind::FailureLikely => {
                h.degrade(m);
                let cause = if f.kind == FaultKind::FailureLikely { Cause::FailureLikely } else { Cause::SecondaryStorage };
                p.shed_users(q, h, m, cause, None, None);
            }
            FaultKind::SmbusBurst => {
                p.smbus_burst(SimDuration::from_micros_f64(f.extra_latency_us.unwrap_or(0.0)), f.loss.unwrap_or(0.0));
                let end = now + SimDuration::from_secs_f64(f.duration_s.unwrap_or(0.0));
                q.schedule(end, FaultEv::BurstEnd(i));
            }
        }
    }

    /// Fault `i` is known now: the head-end stops using what broke and the
    /// module's users are migrated.
    fn on_detected(&mut self, q: &mut impl Agenda, h: &mut Headend, p: &mut Protocol, i: u32) {
        h.prepare_for_fault(q);
        let f = &self.faults[i as usize];
        let m = f.module.unwrap_or(0) as usize;
        let fault_at = SimTime::from_secs_f64(f.at_s);
        match f.kind {
            FaultKind::Disk => {
                let d = f.disk.unwrap_or(0) as usize;
                h.fail_disk(q, m, d);
                p.shed_users_after_fault(q, h, m, Cause::DiskFailure, Some(d), fault_at);
            }
            FaultKind::Module => p.shed_users_after_fault(q, h, m, Cause::ModuleFailure, None, fault_at),
            _ => {}
        }
    }

    fn on_repair(&mut self, q: &mut impl Agenda, h: &mut Headend, i: u32) {
        h.prepare_for_fault(q);
        let f = &self.faults[i as usize];
        let m = f.module.unwrap_or(0) as usize;
        match f.kind {
            FaultKind::Disk => h.repair_disk(m, f.disk.unwrap_or(0) as usize),
            FaultKind::Module => h.repair_module(m),
            FaultKind::Buffer => h.repair_buffer(m),
            FaultKind::SecondaryStorage | FaultKind::FailureLikely => h.clear_degraded(m),
            FaultKind::SmbusBurst => {}
        }
        h.invalidate_switch();
    }
}
