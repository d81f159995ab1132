//! Injected faults and their repairs: what breaks, when, and who must then
//! be migrated (FIG. 4 step 404). The hardware's state is the head-end's;
//! this component owns the fault schedule and tells the head-end and the
//! protocol what happened.

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
}

/// The shared queue, as fault injection uses it.
pub trait Agenda: migration::Agenda + Schedule<FaultEv> {}
impl<T: migration::Agenda + Schedule<FaultEv>> Agenda for T {}

/// The scenario's faults.
pub struct Faults {
    faults: Vec<RawFault>,
}

impl Faults {
    pub fn new(sc: &Scenario) -> Faults {
        Faults { faults: sc.raw.faults.clone() }
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
                h.fail_disk(q, m, d);
                p.shed_users(q, h, m, Cause::DiskFailure, Some(d), None);
            }
            FaultKind::Module => {
                h.fail_module(q, m);
                p.shed_users(q, h, m, Cause::ModuleFailure, None, None);
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
