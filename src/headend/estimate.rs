//! When a destination's reads would be in its buffer (FIG. 5 steps 506 and
//! 514): the disk's queue served in its discipline's order with the new
//! reads in it, each read timed by the disk model in use. The validated
//! drive is asked for the real service of each read from the state it will
//! be in (a copy of the drive serves the queue ahead: seek from where the
//! head will be, rotation from the platter's angle then, its cache and
//! zones); the formula disk, whose rotation is a random draw at dispatch,
//! budgets a third of the stroke and a full revolution.
//!
//! The module's disks share one host bus, so the plan serves every disk
//! of the module, not only the one holding the extent: a read's last bytes
//! wait for the bus as `start_read` makes them. What the plan cannot know
//! is allowed for, not ignored: a read started later on another disk may
//! still take the bus first, so each read the disk serves up to a planned
//! one, the planned one included, is given one more read's bus time (a
//! long queue errs by more); reads arriving later with earlier deadlines would overtake
//! under EDF, so the destination's own promises are kept by the
//! `displaces` answer (a new read that would make a queued one late is
//! refused).

use super::stream::ReadId;
use super::{Agenda, Headend};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{Placement, QueueDiscipline, SECTOR_BYTES};

/// A read a destination considers queueing on module `m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedRead {
    pub title: u32,
    pub extent: u32,
    pub deadline: SimTime,
}

/// The answer to `plan_reads`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPlan {
    /// When each planned read would be in the buffer, in the order asked.
    pub ready: Vec<SimTime>,
    /// A read already queued that the planned reads would go ahead of
    /// would miss its deadline (allowance included).
    pub displaces: bool,
}

impl ReadPlan {
    /// Every planned read in by its deadline, and no queued read displaced.
    pub fn feasible(&self, reads: &[PlannedRead]) -> bool {
        !self.displaces && self.ready.iter().zip(reads).all(|(t, r)| *t <= r.deadline)
    }
}

/// One read in a simulated disk queue.
#[derive(Clone, Copy)]
struct Item {
    deadline: SimTime,
    bytes: u64,
    /// Its first block (validated drive, striped placement), else None.
    lbn: Option<u64>,
    cylinder: u32,
    /// Index into the planned reads, None for a read already queued.
    planned: Option<usize>,
}

impl Headend {
    /// When `reads` (of module `m`) would be in the buffer if issued now,
    /// and whether they would go ahead of a read already queued that would
    /// then be late (see the
    /// module docs). The module's disks are settled first.
    pub fn plan_reads(&mut self, q: &mut impl Agenda, m: usize, reads: &[PlannedRead]) -> ReadPlan {
        let now = q.now();
        let disks = self.layout.disks as usize;
        for d in 0..disks {
            self.settle_disk(q, m, d, now);
        }
        let mut queues: Vec<Vec<Item>> = (0..disks).map(|d| self.queued_items(m, d)).collect();
        for (i, r) in reads.iter().enumerate() {
            let d = self.layout.disk_of(r.title, r.extent);
            queues[d].push(self.planned_item(m, i, r));
        }
        let served = self.serve_module(m, now, queues);
        let mut ready = vec![now; reads.len()];
        let mut displaces = false;
        for disk in &served {
            // Reads other disks start meanwhile may still take the bus
            // first: each read served on this disk up to a given one, that
            // one included, may wait one read's bus time more.
            let mut allowance = SimDuration::ZERO;
            let mut planned_ahead = false;
            for (item, done) in disk {
                allowance += self.bus_time(item.bytes);
                match item.planned {
                    Some(i) => {
                        ready[i] = *done + allowance;
                        planned_ahead = true;
                    }
                    // A queued read served after a planned one must still
                    // be in by its deadline, with the same allowance: a
                    // newcomer must not make (or keep) a promise late.
                    None => displaces |= planned_ahead && *done + allowance > item.deadline,
                }
            }
        }
        ReadPlan { ready, displaces }
    }

    fn bus_time(&self, bytes: u64) -> SimDuration {
        self.host_bus.map_or(SimDuration::ZERO, |rate| SimDuration::from_secs_f64(bytes as f64 / rate))
    }

    fn queued_items(&self, m: usize, d: usize) -> Vec<Item> {
        let disk = &self.disks[self.layout.disk_ix(m, d)];
        disk.queue
            .iter()
            .map(|req| {
                let rd = self.reads.get(req.tag as ReadId);
                Item {
                    deadline: req.deadline,
                    bytes: req.bytes,
                    lbn: self.striped_lbn(m, rd.title, rd.extent),
                    cylinder: req.cylinder,
                    planned: None,
                }
            })
            .collect()
    }

    fn planned_item(&self, m: usize, i: usize, r: &PlannedRead) -> Item {
        let (a, b) = self.layout.extent_span(m, self.layout.class_of(r.title), r.extent);
        Item {
            deadline: r.deadline,
            bytes: (b - a) * 188,
            lbn: self.striped_lbn(m, r.title, r.extent),
            cylinder: self.layout.cylinder_of(m, r.title, r.extent),
            planned: Some(i),
        }
    }

    /// The first block of an extent where the validated drive will read it,
    /// if placement makes that known in advance.
    fn striped_lbn(&self, m: usize, title: u32, extent: u32) -> Option<u64> {
        match (self.sc.raw.headend.placement, &self.drive_model) {
            (Placement::Striped, Some(_)) => Some(self.layout.lbn_of(m, title, extent).unwrap_or(0)),
            _ => None,
        }
    }

    /// Serves `queues` (disk by disk) on module `m` from now with no other
    /// arrivals, as `start_read` would: each disk, once its read in service
    /// is done, takes its next read in the discipline's order (SCAN-EDF as
    /// EDF: its sweep only reorders reads due within one window of each
    /// other), the disk that falls idle first first; a copy of the drive
    /// serves it, and its last bytes cross the module's bus once the bus is
    /// free. Returns each disk's reads in service order with their
    /// completions.
    fn serve_module(&self, m: usize, now: SimTime, mut queues: Vec<Vec<Item>>) -> Vec<Vec<(Item, SimTime)>> {
        let edf = self.sc.raw.headend.disk.queue != QueueDiscipline::Fifo;
        let mut free = Vec::with_capacity(queues.len());
        let mut drives = Vec::with_capacity(queues.len());
        for (d, items) in queues.iter_mut().enumerate() {
            if edf {
                // Stable: equal deadlines keep arrival order, as `pop_next` does.
                items.sort_by_key(|it| it.deadline);
            }
            items.reverse(); // popped from the back
            let ix = self.layout.disk_ix(m, d);
            let disk = &self.disks[ix];
            free.push(if disk.current.is_some() { disk.current_done.max(now) } else { now });
            drives.push(if items.is_empty() { None } else { self.drives.get(ix).cloned() });
        }
        let mut bus_free = self.modules[m].bus_free;
        let mut served: Vec<Vec<(Item, SimTime)>> = vec![Vec::new(); queues.len()];
        while let Some(d) = (0..queues.len()).filter(|&d| !queues[d].is_empty()).min_by_key(|&d| (free[d], d)) {
            let Some(it) = queues[d].pop() else { break };
            let t = free[d];
            let sectors = it.bytes.div_ceil(SECTOR_BYTES).max(1);
            let service = match (&mut drives[d], it.lbn) {
                (Some(drive), Some(lbn)) => {
                    let lbn = if lbn + sectors <= drive.capacity_sectors() { lbn } else { 0 };
                    drive.service(t, lbn, sectors as u32).map_or(SimDuration::ZERO, |s| s.end.saturating_since(t))
                }
                (Some(drive), None) => drive.expected_service(drive.capacity_sectors() / 2, sectors as u32).unwrap_or(SimDuration::ZERO),
                (None, _) => self.disk.expected_service_time(it.bytes, it.cylinder),
            };
            let mut done = t + service;
            if self.host_bus.is_some() {
                let bus = self.bus_time(it.bytes);
                let begin = SimTime(done.0.saturating_sub(bus.0)).max(bus_free);
                bus_free = begin + bus;
                done = done.max(bus_free);
            }
            free[d] = done;
            served[d].push((it, done));
        }
        served
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headend::stream::Owner;
    use crate::sim::World;

    /// One module of two validated disks behind an 80 MB/s bus; `streams`
    /// viewers, 20 s; started, nothing run yet.
    fn world(streams: u32, queue: &str) -> World {
        crate::headend::test_worlds::two_validated_disks(streams, queue, 20)
    }

    #[test]
    fn on_an_idle_validated_disk_the_estimate_is_the_drives_service_plus_one_bus_transfer() {
        let mut w = world(0, "edf");
        let at = w.now();
        let (title, extent) = (3, 5);
        let planned = [PlannedRead { title, extent, deadline: at + SimDuration::from_millis_f64(500.0) }];
        let plan = w.headend.plan_reads(&mut w.q, 0, &planned);
        // What src/drive says, on its own: a fresh Cheetah 9LP (head at
        // cylinder 0, as every validated disk starts), the module's bus as
        // its interface, the extent's 937 556 B = 1 832 blocks from its LBN.
        let lbn = w.headend.layout.lbn_of(0, title, extent).unwrap();
        let spec = crate::drive::DriveSpec {
            bus: Some(crate::drive::BusSpec { sector_ms: SECTOR_BYTES as f64 / 80e6 * 1e3 }),
            ..crate::drive::DriveSpec::cheetah_9lp()
        };
        let mut drive = crate::drive::Drive::from_spec(&spec);
        let svc = drive.service(at, lbn, 937_556u64.div_ceil(SECTOR_BYTES) as u32).unwrap();
        // One more read's bus time: 937 556 B / 80e6 B/s = 11.719 450 ms.
        let bus = SimDuration::from_millis_f64(11.719_45);
        assert_eq!(plan.ready, vec![svc.end + bus]);
        assert!(!plan.displaces);
        // And what the head-end's disk then really does with the read: the
        // same service, the bus being free.
        let r = w.headend.issue_read(&mut w.q, Owner::Orphan, 0, title, extent, planned[0].deadline);
        let end = w.end();
        w.advance(end, |_| {}).unwrap();
        assert!(w.headend.read_done(r));
        let row = &w.headend.results().read_rows.unwrap()[0];
        assert_eq!((row.t_start_s, row.t_done_s), (at.as_secs_f64(), svc.end.as_secs_f64()));
        let parts_ms = row.overhead_ms + row.seek_ms + row.rotation_ms + row.transfer_ms;
        let planned_ms = (plan.ready[0] - at).as_millis_f64() - bus.as_millis_f64();
        assert!((parts_ms - planned_ms).abs() < 1e-6, "{parts_ms} ms served, {planned_ms} ms planned");
    }

    #[test]
    fn a_read_that_would_overtake_a_promised_one_is_refused() {
        // Under EDF a queued read due earlier goes first. On one disk: a
        // read in service, a read promised for exactly when the plan said it
        // could be in, and a newcomer.
        let mut w = world(0, "edf");
        let at = w.now();
        let same: Vec<u32> = (0..40).filter(|&e| w.headend.layout.disk_of(0, e) == w.headend.layout.disk_of(0, 0)).take(3).collect();
        let far = at + SimDuration::from_secs_f64(10.0);
        w.headend.issue_read(&mut w.q, Owner::Orphan, 0, 0, same[0], far);
        let probe = [PlannedRead { title: 0, extent: same[1], deadline: far }];
        let promised = w.headend.plan_reads(&mut w.q, 0, &probe).ready[0];
        w.headend.issue_read(&mut w.q, Owner::Orphan, 0, 0, same[1], promised);
        // Due before the promised read, the newcomer would be served first
        // and make it late.
        let early = [PlannedRead { title: 0, extent: same[2], deadline: SimTime(promised.0 - 1) }];
        let plan = w.headend.plan_reads(&mut w.q, 0, &early);
        assert!(plan.displaces && !plan.feasible(&early), "{plan:?}");
        // Due after it, the newcomer waits its turn and displaces nothing.
        let late = [PlannedRead { title: 0, extent: same[2], deadline: far }];
        let plan = w.headend.plan_reads(&mut w.q, 0, &late);
        assert!(!plan.displaces && plan.ready[0] > promised, "{plan:?}");
    }
}
