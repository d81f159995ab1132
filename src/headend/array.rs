//! The disk array of a server module (FIG. 2, 210): reads are issued into
//! the module's buffer, queued at the disk holding their extent and served
//! one at a time; a completion hands the extent to whoever wanted it.
//!
//! Notices that nobody is waiting for are resolved lazily. When a
//! stream's read finishes before its deadline, as nearly all do, the
//! completion changes nothing anyone can see until the disk is next touched:
//! the read is marked done and the disk starts its next queued read at that
//! instant. Such a completion gets no queue event; the disk is settled, in
//! time order, whenever anything next looks at it (a new read, a removal, a
//! deadline that finds the read, a fault, a report). Half the events of a
//! steady-state run are disk completions, so this halves the queue traffic
//! (figures in docs/performance.md) while every read starts and ends at
//! exactly the instant it did with one event per completion.
//!
//! Exactly, also in the order of events due at the same instant (reads of
//! equal service started together end together, as on a validated drive
//! or behind a buffer that admits reads at one release): a completion's
//! queue key is fixed when its read starts, whether or not the event is
//! ever scheduled. A read the disk starts on its own, as its previous read
//! completes, keeps that read's sequence number (`current_seq`): the lazy
//! run starts it late, after events the eager run scheduled after it, so
//! it could not take the number the eager run would have given it; any
//! other read takes a fresh one (`reserve_seq`). A completion due now is
//! resolved lazily only if its key is below that of the event being
//! handled (`now_seq`), i.e. exactly when the eager run handles it first,
//! and a late event (`materialize`) gets that key.
//!
//! Invariant: a disk's read in service has a queue event (`lazy` false)
//! whenever its completion matters to someone: the read is late, orphaned
//! or a migration's, the hardware is down, or a read queued behind it needs
//! an event of its own (`notify_queued`), so that the chain of dispatches
//! leading to that read runs on time. Anything that makes a completion
//! matter first settles the disk and then gives the read in service its
//! event (`materialize`).

use super::disk::{DiskRequest, RequestQueue};
use super::stream::*;
use super::{Agenda, Headend, HeadendEv, Notice};
use crate::engine::SimDuration;
use crate::engine::SimTime;
use crate::report::ReadRow;
use crate::scenario::Placement;
use crate::scenario::SECTOR_BYTES;

pub struct DiskState {
    pub head: u32,
    pub queue: RequestQueue,
    pub current: Option<ReadId>,
    /// When the read in service completes: its `done_at`, kept here too so
    /// settling a disk does not touch the read (a cache miss per read on
    /// the metro scenario).
    pub current_done: SimTime,
    /// When the read in service started (an I/O timeout runs from then).
    pub current_start: SimTime,
    /// The sequence number of the read in service's completion: its queue
    /// key is (`current_done`, `current_seq`), event or not (module docs).
    pub current_seq: u64,
    /// The read in service completes without a queue event (see the module
    /// docs); its `done_at` says when.
    pub lazy: bool,
    /// Queued reads whose completion needs a queue event.
    pub notify_queued: u32,
    pub failed: bool,
    /// Broken but not yet known to be: it serves nothing, its read in
    /// service fails at the I/O timeout, new reads queue (`hang_disk`).
    pub hung: bool,
    /// Service time dispatched so far [ns]; utilisation over an interval is
    /// the difference of two samples less what is still to come.
    pub busy_ns: u64,
}

/// The parts of one read's service time, for `reads.csv`.
#[derive(Clone, Copy, Debug, Default)]
struct ServiceParts {
    /// Command processing (validated drive only) [ns].
    overhead: SimDuration,
    seek: SimDuration,
    rotation: SimDuration,
    /// Media transfer, with head and cylinder switches, the drive's
    /// interface and any wait for the module's shared bus [ns].
    transfer: SimDuration,
}

impl ServiceParts {
    fn total(&self) -> SimDuration {
        self.overhead + self.seek + self.rotation + self.transfer
    }
}

impl Headend {
    /// Issues a read of extent `extent` of `title` on module `m`: buffer
    /// first, then the disk holding the extent.
    pub fn issue_read(&mut self, q: &mut impl Agenda, owner: Owner, m: usize, title: u32, extent: u32, deadline: SimTime) -> ReadId {
        let r = self.create_read(q, owner, m, title, extent, deadline);
        self.submit_read(q, r);
        r
    }

    /// A new read in the slab, failed at once if its hardware is down; not
    /// yet in the buffer or at the disk (`submit_read`).
    pub(super) fn create_read(
        &mut self,
        q: &mut impl Agenda,
        owner: Owner,
        m: usize,
        title: u32,
        extent: u32,
        deadline: SimTime,
    ) -> ReadId {
        let site = self.layout.site(m, self.layout.class_of(title));
        let rd = self.new_read(q, owner, m, site, title, extent, deadline);
        self.reads.insert(rd)
    }

    /// A stream's read of its next extent, issued and queued in one pass:
    /// `create_read` then `submit_read`, less what the stream path already
    /// knows. The stream has just named the read its next one, is active
    /// and on live hardware (or the read fails here), so the read completes
    /// quietly (`completes_quietly` holds) and goes into the slab in its
    /// final state instead of being looked up four more times. ~60 of a
    /// peer-simpy service period's ~1 050 instructions.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn issue_stream_read(
        &mut self,
        q: &mut impl Agenda,
        s: StreamId,
        m: usize,
        site: usize,
        title: u32,
        extent: u32,
        deadline: SimTime,
    ) {
        let epoch = self.streams[s as usize].epoch;
        let mut rd = self.new_read(q, Owner::Stream { stream: s, epoch }, m, site, title, extent, deadline);
        if rd.state == ReadState::Failed {
            self.streams[s as usize].next_read = Some(self.reads.insert(rd));
            return;
        }
        let reserved = self.modules[m].buffer.try_reserve(rd.bytes);
        if reserved {
            self.check_buffer(q, m);
            rd.holds_buffer = true;
            rd.state = ReadState::Queued;
        }
        let r = self.reads.insert(rd);
        self.streams[s as usize].next_read = Some(r);
        if !reserved {
            self.modules[m].buffer.waiting.push_back(r);
            return;
        }
        let d = rd.disk as usize;
        // The queue changes: the dispatches due before now must see it as it was.
        self.settle_disk(q, m, d, q.now());
        debug_assert!(self.completes_quietly(r));
        self.submit_request(q, r, &rd);
    }

    /// The fields of a new read of extent `extent` of `title` on module `m`,
    /// failed if its disk or module is down (and counted so).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn new_read(&mut self, q: &mut impl Agenda, owner: Owner, m: usize, site: usize, title: u32, extent: u32, deadline: SimTime) -> Read {
        let now = q.now();
        let disk = self.layout.disk_of(title, extent);
        let (a, b) = self.layout.extent_span_at(site, extent);
        let bytes = (b - a) * 188;
        let cylinder = match (self.sc.raw.headend.placement, &self.drive_model) {
            // Drawn when the disk starts the read.
            (Placement::Random, _) => 0,
            (Placement::Striped, None) => self.layout.cylinder_at(site, title, extent),
            (Placement::Striped, Some(drive)) => {
                let lbn = self.layout.lbn_of(m, title, extent).unwrap_or(0);
                drive.locate(lbn).map_or(0, |(c, _, _)| c)
            }
        };
        let failed = self.disks[self.layout.disk_ix(m, disk)].failed || !self.module_live(m);
        if failed {
            self.counters.reads_failed += 1;
        }
        Read {
            owner,
            module: m as u16,
            disk: disk as u16,
            title,
            extent,
            bytes,
            cylinder,
            deadline,
            issued: now,
            done_at: now,
            state: if failed { ReadState::Failed } else { ReadState::WaitingBuffer },
            holds_buffer: false,
            notify: false,
        }
    }

    /// Takes buffer space for read `r` and queues it at its disk, or makes
    /// it wait for space.
    pub(super) fn submit_read(&mut self, q: &mut impl Agenda, r: ReadId) {
        let rd = self.reads.get(r);
        if rd.state == ReadState::Failed {
            return;
        }
        let (m, bytes) = (rd.module as usize, rd.bytes);
        if self.modules[m].buffer.try_reserve(bytes) {
            self.check_buffer(q, m);
            self.reads.get_mut(r).holds_buffer = true;
            self.enqueue_disk(q, r);
        } else {
            self.modules[m].buffer.waiting.push_back(r);
        }
    }

    fn check_buffer(&mut self, q: &mut impl Agenda, m: usize) {
        if !self.check {
            return;
        }
        let b = &self.modules[m].buffer;
        if b.used > b.capacity {
            let msg = format!("module {m} buffer holds {} > capacity {}", b.used, b.capacity);
            self.violated(q.now(), msg);
        }
    }

    /// Whether the completion of read `r`, were it to happen with things as
    /// they are now, would change nothing but the read and its disk: a
    /// stream's next extent, arriving while the stream waits for it. Asked
    /// when the read reaches its disk; whatever later makes the answer no
    /// (a deadline passing, the stream leaving, a fault) flags the read or
    /// takes it off the queue, so at dispatch `notify` alone tells.
    fn completes_quietly(&self, r: ReadId) -> bool {
        let rd = self.reads.get(r);
        let Owner::Stream { stream, epoch } = rd.owner else { return false };
        let st = &self.streams[stream as usize];
        let (m, d) = (rd.module as usize, rd.disk as usize);
        !rd.notify
            && st.next_read == Some(r)
            && st.epoch == epoch
            && st.status == Status::Active
            && !self.disks[self.layout.disk_ix(m, d)].failed
            && self.module_live(m)
    }

    fn enqueue_disk(&mut self, q: &mut impl Agenda, r: ReadId) {
        let (m, d) = {
            let rd = self.reads.get(r);
            (rd.module as usize, rd.disk as usize)
        };
        // The queue changes: the dispatches due before now must see it as it was.
        self.settle_disk(q, m, d, q.now());
        if !self.completes_quietly(r) {
            self.reads.get_mut(r).notify = true;
            let ix = self.layout.disk_ix(m, d);
            self.disks[ix].notify_queued += 1;
            self.materialize(q, m, d);
        }
        let rd = self.reads.get_mut(r);
        rd.state = ReadState::Queued;
        let rd = *rd;
        self.submit_request(q, r, &rd);
    }

    /// Read `r` (whose fields are `rd`, its disk settled up to now) goes to
    /// its disk's queue and the disk dispatches if idle. An idle disk with
    /// an empty queue would pop this very read again, so it starts it
    /// without the round trip through the queue: about half a stream's
    /// reads at peer-simpy's ~50 % utilisation. An idle disk can hold
    /// queued reads (a read admitted from the buffer's waiting list onto a
    /// failed disk waits there past the repair), and those go first.
    #[inline(always)]
    fn submit_request(&mut self, q: &mut impl Agenda, r: ReadId, rd: &Read) {
        let (m, d) = (rd.module as usize, rd.disk as usize);
        let ix = self.layout.disk_ix(m, d);
        let disk = &mut self.disks[ix];
        let req = request_of(r, rd);
        if disk.current.is_none() && !disk.failed && disk.queue.is_empty() {
            let req = disk.queue.serve_alone(req, disk.head);
            self.start_read(q, m, d, req, q.now(), None);
        } else {
            disk.queue.push(req);
            self.dispatch(q, m, d, q.now(), None);
        }
    }

    /// Starts the disk's next read at `start` if it is idle; `seq`: the
    /// sequence number of its completion, `None` for a fresh one.
    #[inline(always)]
    fn dispatch(&mut self, q: &mut impl Agenda, m: usize, d: usize, start: SimTime, seq: Option<u64>) {
        let ix = self.layout.disk_ix(m, d);
        let disk = &mut self.disks[ix];
        if disk.current.is_some() || disk.failed || disk.hung {
            return;
        }
        let Some(req) = disk.queue.pop_next(disk.head) else { return };
        self.start_read(q, m, d, req, start, seq);
    }

    /// The idle disk `d` of module `m` starts serving `req` at `start`; its
    /// completion's sequence number is `seq`, or a fresh one if `None`.
    #[inline(always)]
    fn start_read(&mut self, q: &mut impl Agenda, m: usize, d: usize, req: DiskRequest, start: SimTime, seq: Option<u64>) {
        let ix = self.layout.disk_ix(m, d);
        debug_assert!(self.disks[ix].current.is_none() && !self.disks[ix].failed);
        let r = req.tag as ReadId;
        let (cylinder, svc) = match self.drives.get_mut(ix) {
            Some(_) => self.validated_service(m, ix, r, start, req.bytes),
            None => self.formula_service(m, ix, req),
        };
        let mut svc = svc;
        let mut done = start + svc.total();
        if let Some(rate) = self.host_bus {
            // The read's last bytes / rate cross the module's bus after the
            // media has them, once the bus is free: a wait shows as transfer.
            let module = &mut self.modules[m];
            let bus = SimDuration::from_secs_f64(req.bytes as f64 / rate);
            let begin = SimTime(done.0.saturating_sub(bus.0)).max(module.bus_free);
            module.bus_free = begin + bus;
            if module.bus_free > done {
                svc.transfer += module.bus_free - done;
                done = module.bus_free;
            }
        }
        let total = done - start;
        // The event the eager run starts this read in: the completion it
        // follows, or the event being handled.
        let started_in = seq.unwrap_or_else(|| q.now_seq());
        let seq = seq.unwrap_or_else(|| q.reserve_seq());
        let disk = &mut self.disks[ix];
        disk.current_seq = seq;
        disk.head = cylinder.1;
        disk.current = Some(r);
        disk.current_start = start;
        disk.current_done = done;
        disk.busy_ns += total.0;
        let rd = self.reads.get_mut(r);
        rd.state = ReadState::InService;
        rd.cylinder = cylinder.0;
        // Known now; the utilisation sample and a destination's backlog
        // estimate count only the part of the service still ahead.
        rd.done_at = done;
        if rd.notify {
            disk.notify_queued -= 1;
        }
        // Quiet unless this read, or one queued behind it, needs its event.
        let lazy = !rd.notify && disk.notify_queued == 0 && self.lazy_disks;
        disk.lazy = lazy;
        if let Some(rows) = &mut self.read_rows {
            self.read_order.push((start, started_in, seq));
            let stream_id = match rd.owner {
                Owner::Stream { stream, .. } => stream as i64,
                Owner::Migration { stream, .. } => stream as i64,
                Owner::Orphan => -1,
            };
            rows.push(ReadRow {
                t_issue_s: rd.issued.as_secs_f64(),
                t_start_s: start.as_secs_f64(),
                t_done_s: done.as_secs_f64(),
                module: m as u32,
                disk: d as u32,
                stream_id,
                title: rd.title,
                extent: rd.extent,
                cylinder: cylinder.0,
                seek_ms: svc.seek.as_millis_f64(),
                rotation_ms: svc.rotation.as_millis_f64(),
                transfer_ms: svc.transfer.as_millis_f64(),
                overhead_ms: svc.overhead.as_millis_f64(),
                deadline_s: rd.deadline.as_secs_f64(),
            });
        }
        if !lazy {
            q.schedule_seq(done, seq, HeadendEv::DiskDone { module: m as u16, disk: d as u16, read: r });
        }
    }

    /// The formula disk's service of `req` on disk `ix` of module `m`: the
    /// cylinder it reads at (twice: where it starts and where the head
    /// ends) and the parts of its time.
    #[inline(always)]
    fn formula_service(&mut self, m: usize, ix: usize, req: DiskRequest) -> ((u32, u32), ServiceParts) {
        let rng = &mut self.disk_rng[ix];
        let cylinder = match self.sc.raw.headend.placement {
            Placement::Striped => req.cylinder,
            Placement::Random => rng.below(self.disk.cylinders as u64) as u32,
        };
        let rotation = rng.uniform();
        let head = self.disks[ix].head;
        let svc = self.disk.service_time_in(&self.modules[m].extent_transfer, head, cylinder, rotation, req.bytes);
        let parts = ServiceParts { overhead: SimDuration::ZERO, seek: svc.seek, rotation: svc.rotation, transfer: svc.transfer };
        ((cylinder, cylinder), parts)
    }

    /// The validated drive's service of read `r` (`bytes` long) on disk
    /// `ix` of module `m` from `start`: the cylinder of its first block, the
    /// cylinder the head ends on, and the parts of its time. Rotation
    /// follows from the drive's platter angle at `start`: no random draw,
    /// except for the block under `placement: random`.
    fn validated_service(&mut self, m: usize, ix: usize, r: ReadId, start: SimTime, bytes: u64) -> ((u32, u32), ServiceParts) {
        let sectors = bytes.div_ceil(SECTOR_BYTES).max(1);
        let drive = &mut self.drives[ix];
        let capacity = drive.capacity_sectors();
        let lbn = match self.sc.raw.headend.placement {
            Placement::Striped => {
                let rd = self.reads.get(r);
                self.layout.lbn_of(m, rd.title, rd.extent).unwrap_or(0)
            }
            Placement::Random => self.disk_rng[ix].below(capacity.saturating_sub(sectors) + 1),
        };
        // Validation sized every title to fit, so the read is on the drive;
        // were it not, it wraps to the front rather than stop the run.
        let lbn = if lbn + sectors <= capacity { lbn } else { 0 };
        let first = drive.locate(lbn).map_or(0, |(c, _, _)| c);
        match drive.service(start, lbn, sectors as u32) {
            Ok(s) => {
                // The drive is idle by `start` (the head-end starts a read
                // no earlier than the last one's completion); were it not,
                // the wait counts as overhead, so the parts still add up.
                let overhead = s.overhead + s.start.saturating_since(start);
                let parts = ServiceParts { overhead, seek: s.seek, rotation: s.rotation, transfer: s.transfer };
                ((first, drive.cylinder()), parts)
            }
            Err(_) => ((first, first), ServiceParts::default()),
        }
    }
    /// Ends the service of the disk's current read (at its `done_at`):
    /// done, or failed if the hardware went down meanwhile.
    #[inline(always)]
    fn complete_current(&mut self, m: usize, d: usize) -> Option<ReadId> {
        let live = self.module_live(m);
        let ix = self.layout.disk_ix(m, d);
        let disk = &mut self.disks[ix];
        let r = disk.current.take()?;
        disk.lazy = false;
        let failed = disk.failed || disk.hung || !live;
        self.reads.get_mut(r).state = if failed { ReadState::Failed } else { ReadState::Done };
        if failed {
            self.counters.reads_failed += 1;
        } else {
            self.counters.reads_completed += 1;
        }
        Some(r)
    }

    /// Resolves the disk's lazy completions due before `before`, each at its
    /// own instant, starting the next queued read at that instant. One due
    /// at `before` is resolved only if `before` is now and the eager run
    /// handles it before the event being handled: its key is below that
    /// event's (module docs).
    #[inline(always)]
    pub(super) fn settle_disk(&mut self, q: &mut impl Agenda, m: usize, d: usize, before: SimTime) {
        loop {
            let disk = &self.disks[self.layout.disk_ix(m, d)];
            let (done, seq) = (disk.current_done, disk.current_seq);
            if disk.current.is_none() || !disk.lazy || done > before {
                return;
            }
            if done == before && (before != q.now() || seq >= q.now_seq()) {
                return;
            }
            self.complete_current(m, d);
            self.counters.lazy_completions += 1;
            self.dispatch(q, m, d, done, Some(seq));
        }
    }

    /// Puts the rows of `reads.csv` in the order the eager run starts the
    /// reads in: by start, then by the event that started them, then as
    /// started within it (a disk's next read first, fresh numbers after);
    /// lazily settled disks log theirs late. Stable: a disk's reads of no
    /// service start in the order logged, which is theirs.
    pub(super) fn sort_read_rows(&mut self) {
        let Some(rows) = self.read_rows.take() else { return };
        let order = std::mem::take(&mut self.read_order);
        let mut keyed: Vec<_> = order.into_iter().zip(rows).collect();
        keyed.sort_by_key(|(k, _)| *k);
        self.read_rows = Some(keyed.into_iter().map(|(_, r)| r).collect());
    }

    /// Settles every disk (before an observation of all of them, a fault, or
    /// the end of the run).
    pub fn settle_all_disks(&mut self, q: &mut impl Agenda, before: SimTime) {
        for m in 0..self.modules.len() {
            for d in 0..self.layout.disks as usize {
                self.settle_disk(q, m, d, before);
            }
        }
    }

    /// Gives the disk's read in service a queue event if it has none.
    fn materialize(&mut self, q: &mut impl Agenda, m: usize, d: usize) {
        let ix = self.layout.disk_ix(m, d);
        let disk = &mut self.disks[ix];
        if let (Some(r), true) = (disk.current, disk.lazy) {
            disk.lazy = false;
            let done = self.reads.get(r).done_at;
            // The key the eager run gave it when the read started.
            q.schedule_seq(done, disk.current_seq, HeadendEv::DiskDone { module: m as u16, disk: d as u16, read: r });
        }
    }

    /// Makes every completion from now on an event: the hardware is about to
    /// change state, and completions must see it as it is when they happen.
    pub(super) fn materialize_all_disks(&mut self, q: &mut impl Agenda) {
        self.settle_all_disks(q, q.now());
        for m in 0..self.modules.len() {
            for d in 0..self.layout.disks as usize {
                self.materialize(q, m, d);
            }
        }
    }

    /// Read `r`'s state as of now (its disk settled first).
    pub(super) fn read_state(&mut self, q: &mut impl Agenda, r: ReadId) -> ReadState {
        let rd = self.reads.get(r);
        if matches!(rd.state, ReadState::Queued | ReadState::InService) {
            let (m, d) = (rd.module as usize, rd.disk as usize);
            self.settle_disk(q, m, d, q.now());
            return self.reads.get(r).state;
        }
        rd.state
    }

    /// Someone now waits for read `r` to complete (a late extent): its
    /// completion gets a queue event, and so does every dispatch before it.
    pub(super) fn await_completion(&mut self, q: &mut impl Agenda, r: ReadId) {
        let state = self.read_state(q, r);
        let rd = self.reads.get_mut(r);
        let (m, d) = (rd.module as usize, rd.disk as usize);
        match state {
            ReadState::InService => self.materialize(q, m, d),
            ReadState::Queued if !rd.notify => {
                rd.notify = true;
                let ix = self.layout.disk_ix(m, d);
                self.disks[ix].notify_queued += 1;
                self.materialize(q, m, d);
            }
            // Counted at the disk when it gets there.
            ReadState::WaitingBuffer => rd.notify = true,
            ReadState::Queued | ReadState::Done | ReadState::Failed => {}
        }
    }

    /// A disk completes its read in service; what the completion means to
    /// a component other than the head-end is returned, for `sim.rs` to
    /// route.
    pub(super) fn on_disk_done(&mut self, q: &mut impl Agenda, m: usize, d: usize) -> Option<Notice> {
        if self.disks[self.layout.disk_ix(m, d)].current_done > q.now() {
            return None; // the completion of a read a hang pushed back (`hang_disk`)
        }
        let r = self.complete_current(m, d)?;
        // The disk goes on by itself: its next completion keeps this one's place.
        let seq = self.disks[self.layout.disk_ix(m, d)].current_seq;
        self.dispatch(q, m, d, q.now(), Some(seq));
        match self.reads.get(r).owner {
            Owner::Stream { stream, epoch } => self.stream_read_done(q, stream, epoch, r),
            Owner::Migration { mig, .. } => return Some(Notice::Transitional { mig, read: r }),
            Owner::Orphan => self.release_read(q, r),
        }
        None
    }

    fn stream_read_done(&mut self, q: &mut impl Agenda, s: StreamId, epoch: u32, r: ReadId) {
        let now = q.now();
        let st = &self.streams[s as usize];
        if st.epoch != epoch || st.status != Status::Active {
            self.release_read(q, r);
            return;
        }
        let ok = self.reads.get(r).state == ReadState::Done;
        if st.periods == 0 && st.next_read == Some(r) && self.logs[s as usize].awaiting_start {
            self.start_playout(q, s);
            return;
        }
        if st.stale_read == Some(r) {
            self.streams[s as usize].stale_read = None;
            self.release_read(q, r);
        } else if st.playing == Some(r) {
            // Late extent of the current slot: the viewer saw nothing from the
            // slot start until now, then the rest of the extent.
            if ok {
                let (from, end) = self.slot_packets(s);
                let rate = self.rates[st.class as usize];
                let shown_from = st.grid.position_at(now, rate).clamp(from, end);
                let slot_start = st.grid.time_of(from, rate);
                self.freeze(s, slot_start, now);
                if shown_from > from {
                    self.impact(now, s, super::Impact::Lost(shown_from - from));
                }
                let st = &mut self.streams[s as usize];
                st.lost_pkts += shown_from - from;
                st.cur_ok = true;
            } else {
                self.streams[s as usize].playing = None;
                self.release_read(q, r);
            }
        } else if st.next_read != Some(r) {
            self.release_read(q, r);
        }
        self.maybe_issue_next(q, s);
    }

    /// Gives back a read's buffer space and lets waiting reads in.
    pub fn release_read(&mut self, q: &mut impl Agenda, r: ReadId) {
        let state = self.read_state(q, r);
        self.release_settled(q, r, state);
    }

    /// `release_read` of a read whose disk is settled and whose state,
    /// `state`, the caller has just read.
    pub(super) fn release_settled(&mut self, q: &mut impl Agenda, r: ReadId, state: ReadState) {
        // What `read_state` returns once the read's disk is settled.
        debug_assert_eq!(state, self.reads.get(r).state);
        let rd = self.reads.get_mut(r);
        let (m, d) = (rd.module as usize, rd.disk as usize);
        match state {
            ReadState::Queued => {
                let ix = self.layout.disk_ix(m, d);
                let disk = &mut self.disks[ix];
                disk.queue.remove_tag(r as u64);
                if rd.notify {
                    disk.notify_queued -= 1;
                }
            }
            ReadState::InService => {
                // The disk is busy with it; let it finish and be dropped then.
                rd.owner = Owner::Orphan;
                self.materialize(q, m, d);
                return;
            }
            ReadState::WaitingBuffer => {
                self.modules[m].buffer.waiting.retain(|&w| w != r);
            }
            ReadState::Done | ReadState::Failed => {}
        }
        if rd.holds_buffer {
            self.modules[m].buffer.release(rd.bytes);
        }
        self.reads.remove(r);
        self.admit_waiting(q, m);
    }

    fn admit_waiting(&mut self, q: &mut impl Agenda, m: usize) {
        while let Some(&w) = self.modules[m].buffer.waiting.front() {
            let bytes = self.reads.get(w).bytes;
            if !self.modules[m].buffer.reserve_waiting(bytes) {
                break;
            }
            self.modules[m].buffer.waiting.pop_front();
            self.reads.get_mut(w).holds_buffer = true;
            self.enqueue_disk(q, w);
        }
    }

    /// Disk `d` of module `m` breaks now without telling anyone: its read in
    /// service never completes and fails when the controller's I/O timeout
    /// `timeout`, counted from the start of its service, expires; reads
    /// issued meanwhile queue behind it. Returns that instant, when the
    /// failure is known (an idle disk: `timeout` from now, as the next read
    /// on a loaded disk is due at once). The head-end's completions must be
    /// events (`prepare_for_fault`).
    pub fn hang_disk(&mut self, q: &mut impl Agenda, m: usize, d: usize, timeout: SimDuration) -> SimTime {
        let now = q.now();
        let ix = self.layout.disk_ix(m, d);
        let disk = &mut self.disks[ix];
        disk.hung = true;
        let Some(r) = disk.current else { return now + timeout };
        let rd = self.reads.get_mut(r);
        let at = (disk.current_start + timeout).max(now);
        // Busy, for utilisation, until the timeout frees it.
        disk.busy_ns += at.saturating_since(rd.done_at).0;
        disk.busy_ns -= rd.done_at.saturating_since(at).0;
        rd.done_at = at;
        disk.current_done = at;
        disk.lazy = false;
        disk.current_seq = q.reserve_seq();
        q.schedule_seq(at, disk.current_seq, HeadendEv::DiskDone { module: m as u16, disk: d as u16, read: r });
        at
    }

    /// Reads queued on failed hardware (disk `disk` of module `m`, or all of
    /// `m`'s) fail at once; reads of departed owners are released, a
    /// stream's own read stays for its deadline to find it failed.
    pub(super) fn fail_queued_reads(&mut self, q: &mut impl Agenda, m: usize, disk: Option<usize>) {
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
            if rd.owner == Owner::Orphan {
                self.release_read(q, r);
            }
        }
    }

    /// Settles the disks of stream `s`'s reads: due before its state changes,
    /// since whether a completion is quiet depends on that state.
    pub(super) fn settle_stream_reads(&mut self, q: &mut impl Agenda, s: StreamId) {
        let st = &self.streams[s as usize];
        for r in [st.playing, st.next_read, st.stale_read].into_iter().flatten() {
            self.read_state(q, r);
        }
    }

    /// Drops every read stream `s` holds or waits for on its module.
    pub fn drop_reads(&mut self, q: &mut impl Agenda, s: StreamId) {
        self.settle_stream_reads(q, s);
        let st = &mut self.streams[s as usize];
        let rs = [st.playing.take(), st.next_read.take(), st.stale_read.take()];
        for r in rs.into_iter().flatten() {
            self.release_read(q, r);
        }
    }
}

/// What the disk queue keeps of read `r` (whose fields are `rd`).
fn request_of(r: ReadId, rd: &Read) -> DiskRequest {
    DiskRequest { deadline: rd.deadline, cylinder: rd.cylinder, bytes: rd.bytes, issued: rd.issued, tag: r as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use crate::sim::{RunOptions, World};

    /// One module of two disks, four streams, 40 s, nothing failing.
    fn small(lazy: bool) -> World {
        let json = r#"{ "name": "lazy", "seed": 5, "duration_s": 40,
            "content": { "titles": 10 },
            "headend": { "modules": 1, "disks_per_module": 2 },
            "workload": { "streams": 4 } }"#;
        let l = load_str("lazy.json", json, &[], None).expect("valid");
        let mut w = World::new(&l.scenario, RunOptions { check: true, eager_disks: !lazy, ..RunOptions::default() });
        w.start();
        w
    }

    fn run_to_end(w: &mut World) {
        let end = w.end();
        w.advance(end, |_| {}).expect("no broken invariant");
        w.headend.settle_all_disks(&mut w.q, end + crate::engine::SimDuration(1));
    }

    #[test]
    fn on_time_reads_complete_without_queue_events() {
        let mut lazy = small(true);
        run_to_end(&mut lazy);
        let mut eager = small(false);
        run_to_end(&mut eager);
        // 4 streams × 20 periods of 2 s: every read lands in time, and none
        // of their completions went through the queue.
        assert!(lazy.headend.counters.reads_completed >= 76, "{} reads", lazy.headend.counters.reads_completed);
        assert_eq!(lazy.headend.counters.lazy_completions, lazy.headend.counters.reads_completed);
        assert_eq!(eager.headend.counters.lazy_completions, 0);
        assert_eq!(eager.q.processed(), lazy.q.processed() + lazy.headend.counters.lazy_completions);
        assert!(lazy.headend.streams.iter().all(|s| s.glitches == 0 && s.periods == s.delivered));
    }

    #[test]
    fn a_late_read_gets_its_event_and_sees_what_the_eager_run_sees() {
        // 160 orphan reads (~4 s of each disk's time) queued at 10 s
        // make the streams' next reads late: their completions must be
        // events, at the instant the eager run has them.
        let congest = |w: &mut World| {
            w.advance(SimTime::from_secs_f64(10.0), |_| {}).expect("ok");
            let now = w.now();
            for e in 0..160 {
                w.headend.issue_read(&mut w.q, Owner::Orphan, 0, 0, e, now);
            }
            run_to_end(w);
        };
        let (mut lazy, mut eager) = (small(true), small(false));
        congest(&mut lazy);
        congest(&mut eager);
        let glitches: u32 = lazy.headend.streams.iter().map(|s| s.glitches).sum();
        assert!(glitches > 0, "the congestion made no read late");
        assert!(lazy.headend.counters.lazy_completions < lazy.headend.counters.reads_completed);
        assert_eq!(lazy.headend.counters.reads_completed, eager.headend.counters.reads_completed);
        for (a, b) in lazy.headend.streams.iter().zip(&eager.headend.streams) {
            assert_eq!((a.periods, a.delivered, a.glitches, a.lost_pkts), (b.periods, b.delivered, b.glitches, b.lost_pkts));
        }
    }

    /// `test_worlds::two_validated_disks` run for 60 s under `queue`.
    fn validated(queue: &str, streams: u32) -> World {
        let mut w = crate::headend::test_worlds::two_validated_disks(streams, queue, 60);
        run_to_end(&mut w);
        w
    }

    fn mean(xs: impl Iterator<Item = f64>) -> f64 {
        let (n, sum) = xs.fold((0, 0.0), |(n, s), x| (n + 1, s + x));
        sum / f64::from(n)
    }

    #[test]
    fn scan_edf_shortens_seeks_on_a_loaded_disk_with_contiguous_placement() {
        // 48 streams on two disks: 24 extent reads of ~85 ms per disk per
        // 2 s period, just past what EDF sustains. Measured: EDF mean seek
        // 4.942 ms and 201 glitches, SCAN-EDF 4.492 ms and 78 glitches.
        let (edf, scan) = (validated("edf", 48), validated("scan-edf", 48));
        let seek = |w: &World| mean(w.headend.results().read_rows.unwrap().iter().map(|r| r.seek_ms));
        let glitches = |w: &World| w.headend.results().streams.iter().map(|s| s.glitches).sum::<u32>();
        let (se, ss) = (seek(&edf), seek(&scan));
        assert!(ss < 0.95 * se, "SCAN-EDF mean seek {ss:.3} ms, EDF {se:.3} ms");
        assert!(glitches(&scan) < glitches(&edf), "SCAN-EDF {} glitches, EDF {}", glitches(&scan), glitches(&edf));
        // With every read on cylinder 0, as under the formula disk's random
        // placement before, both disciplines would order reads alike.
        let cylinders: std::collections::BTreeSet<u32> = edf.headend.results().read_rows.unwrap().iter().map(|r| r.cylinder).collect();
        assert!(cylinders.len() > 100, "{} distinct cylinders", cylinders.len());
    }

    #[test]
    fn popular_titles_on_the_outer_zones_read_faster_than_on_the_inner() {
        // 2 titles of the 7 that fit on two disks, each 1 350 extents of
        // 1 832 blocks a disk: 4.95 M of the 17.92 M blocks, 28 %. `outer`
        // lays them on the first blocks (the widest zones), `inner` on the
        // last: the same reads take longer to transfer there. Measured:
        // cylinders 14–1 563, mean transfer 60.4 ms; 4 780–6 643, 90.5 ms.
        let run = |side: &str| {
            let json = r#"{ "name": "z", "seed": 4, "duration_s": 30, "content": { "titles": 2 },
                "headend": { "modules": 1, "disks_per_module": 2, "disk": { "model": "validated" },
                             "host_bus_bytes_per_s": 1e12 },
                "workload": { "streams": 20 } }"#;
            let l = load_str("z.json", json, &[format!("headend.popular_on={side}")], None).expect("valid");
            let mut w = World::new(&l.scenario, RunOptions { check: true, trace: true, ..RunOptions::default() });
            w.start();
            run_to_end(&mut w);
            let rows = w.headend.results().read_rows.unwrap();
            let cylinders = rows.iter().map(|r| r.cylinder);
            (mean(rows.iter().map(|r| r.transfer_ms)), cylinders.clone().min().unwrap(), cylinders.max().unwrap())
        };
        let (outer, inner) = (run("outer"), run("inner"));
        // The Cheetah 9LP has 6 962 cylinders: the first and last quarter.
        assert!(outer.2 < 2_000 && inner.1 > 4_500, "outer {outer:?}, inner {inner:?}");
        assert!(inner.0 > 1.15 * outer.0, "transfer: outer {:.1} ms, inner {:.1} ms", outer.0, inner.0);
    }

    #[test]
    fn validated_reads_add_up_within_a_revolution_of_latency() {
        let w = validated("edf", 20);
        let rows = w.headend.results().read_rows.unwrap();
        assert!(rows.len() > 500);
        let rev_ms = 60_000.0 / 10_045.0; // 5.973 ms
        for r in rows {
            let parts = r.overhead_ms + r.seek_ms + r.rotation_ms + r.transfer_ms;
            assert!((parts - (r.t_done_s - r.t_start_s) * 1e3).abs() < 1e-5, "{r:?}");
            assert!(r.rotation_ms >= 0.0 && r.rotation_ms < rev_ms + 1e-6, "{r:?}");
            // An extent is 1 832 blocks, 7–10 tracks of the Cheetah's 254–
            // 178 sectors: at least 7 revolutions' worth of media time.
            assert!(r.transfer_ms > 7.0 * rev_ms * 0.95, "{r:?}");
        }
    }

    #[test]
    fn the_read_budget_follows_the_validated_drive() {
        // What the destination (steps 506/514) and the source budget for a
        // read comes from the drive in use. Measured: served reads average
        // 81.2 ms (7 titles in the outer zones, some waiting for the bus);
        // the budget is 80.5 ms for an extent at mid-disk and 71.0 ms for
        // title 0's first extent at the outer edge (higher media rate); the
        // formula disk budgeted 64.9 ms: 5.4 ms seek, 5.97 ms revolution,
        // 937 556 B at zone 4's 17.51 MB/s (53.5 ms).
        let w = validated("edf", 20);
        let rows = w.headend.results().read_rows.unwrap();
        let served = mean(rows.iter().map(|r| (r.t_done_s - r.t_start_s) * 1e3));
        let typical = w.headend.typical_extent_read(0).as_millis_f64();
        let outer = w.headend.expected_read(0, 0, 0).as_millis_f64();
        let formula = super::super::disk::DiskParams::cheetah_9lp().expected_service_time(937_556, 3481).as_millis_f64();
        assert!((served - typical).abs() < 0.1 * served, "served {served:.1} ms, budget {typical:.1} ms");
        assert!(outer < typical && typical > 1.1 * formula, "outer {outer:.1}, mid {typical:.1}, formula {formula:.1} ms");
    }

    #[test]
    fn reads_of_one_module_s_disks_contend_for_its_bus() {
        // Two streams' first reads start together on two disks: a 5 MB/s bus
        // carries an extent (937 556 B) in 187.5 ms, more than the media
        // takes, so the second read to reach the bus waits ~187 ms for it.
        let json = r#"{ "name": "b", "seed": 1, "duration_s": 1, "content": { "titles": 2 },
            "headend": { "modules": 1, "disks_per_module": 2, "host_bus_bytes_per_s": 5e6,
                         "disk": { "model": "validated" } },
            "workload": { "streams": 2 } }"#;
        let l = load_str("b.json", json, &[], None).expect("valid");
        let mut w = World::new(&l.scenario, RunOptions { check: true, trace: true, ..RunOptions::default() });
        w.start();
        let now = w.now();
        w.headend.issue_read(&mut w.q, Owner::Orphan, 0, 0, 0, now);
        w.headend.issue_read(&mut w.q, Owner::Orphan, 0, 0, 1, now);
        run_to_end(&mut w);
        let rows = w.headend.results().read_rows.unwrap();
        let (a, b) = (&rows[0], &rows[1]);
        assert_ne!(a.disk, b.disk);
        let bus_ms = 937_556.0 / 5e6 * 1e3;
        // The later one ends a whole bus transfer after the earlier.
        let gap = (b.t_done_s - a.t_done_s).abs() * 1e3;
        assert!((gap - bus_ms).abs() < 0.01, "gap {gap} ms");
    }
}
