//! The door to the head-end: every call another component may make.
//!
//! The migration protocol (`src/migration/`), fault injection
//! (`src/faults.rs`), the load observer (`src/balance.rs`) and the router
//! (`src/sim.rs`) hold a `&mut Headend` and nothing of its fields (they are
//! private to `src/headend/`), so what they may ask of a module and tell it
//! is exactly this list; a test (`calls_from_outside_are_listed`) checks that
//! every `h.<call>(` in those files names a call listed here.
//!
//! Running the model (`sim.rs`):
//! - `start`: the initial population, first arrival and first report.
//! - `handle`: one of the head-end's own events; returns what it means to
//!   another component (`Notice`).
//! - `prefetch_upcoming`: warm the cache for the next events.
//! - `finish`: the end of the run (completions due, dark deadlines missed).
//! - `take_violation`, `check_end`: broken invariants.
//! - `end`, `results`: the run's end and what it recorded.
//!
//! Questions any component may ask (no state changes):
//! - `stream`, `streams`, `user_of`: a stream's state, its user.
//! - `layout`, `bitrate`, `period_of`, `pkt_time`, `time_pkts`: extents and
//!   the packet clock (per stream: its titles' bit-rate class).
//! - `class_of_stream`: a stream's bit-rate class, to index `layout`.
//! - `position_at`, `slot_packets`: where a stream's viewer is.
//! - `module_count`, `module_streams`, `module_feeding`, `module_live`,
//!   `module_degraded`, `admits`, `module_limit`, `buffer_fill`: a module's
//!   state, room and admission limit.
//! - `may_admit`: a module as a source sees it (the replica map, not what
//!   the module stores); `stores`: what its disks hold.
//! - `disk_failed`, `read_done`, `expected_read`, `typical_extent_read`,
//!   `class_extent_read`: disks and reads.
//! - `disk_busy_ns`, `disk_util_since`: disk utilisation samples.
//!
//! What the migration protocol may tell a module (FIG. 4–6):
//! - `issue_read`, `release_read`: the destination's transitional read
//!   (and the read after it).
//! - `plan_reads`: when reads the destination considers would be in its
//!   buffer, with its disk queue and drive as they are (settles the disks
//!   first), and whether they would make a queued read late.
//! - `next_title`: the title a stream moves on to at its title's end (drawn
//!   once, when first asked), if it moves on to one.
//! - `reserve_stream`, `unreserve_stream`: the destination's admission count.
//! - `stop_output_at`, `keep_output`, `stop_output`: the source's output.
//! - `resume_on`: the hand-off; the destination feeds the user.
//! - `terminate`: the stream ends (steps 436, 538, 617, 636).
//! - `next_round_robin`: the naive policy's survivor.
//!
//! What fault injection and the load observer may tell the head-end:
//! - `prepare_for_fault`: completions from now on see the hardware as it
//!   will be.
//! - `fail_disk`, `fail_module`, `fail_buffer`, `degrade`: a fault (known).
//! - `hang_disk`: a disk breaks unnoticed until its read in service times
//!   out; returns when.
//! - `repair_disk`, `repair_module`, `repair_buffer`, `clear_degraded`,
//!   `invalidate_switch`: a repair.
//! - `settle_all_disks`: lazy completions due before an observation.
//! - `end_session`: a session's viewing time is over.

use super::layout::Layout;
use super::ledger::Impact;
use super::stream::*;
use super::transport::{Bitrate, Grid, packets_to_time, time_to_packets};
use super::{Counters, Headend, HeadendEv, Notice};
use crate::engine::{Schedule, SimDuration, SimTime};
use crate::report::{ModuleRow, ReadRow};

/// The shared queue, as the head-end schedules into it.
pub trait Agenda: Schedule<HeadendEv> {}
impl<T: Schedule<HeadendEv>> Agenda for T {}

/// What a run recorded, for its report.
pub struct Results<'a> {
    pub streams: &'a [Stream],
    pub logs: &'a [StreamLog],
    pub counters: &'a Counters,
    pub module_rows: &'a [ModuleRow],
    pub read_rows: Option<&'a [ReadRow]>,
    /// Every viewer-impact happening from the warm-up on, in the order
    /// they were recorded.
    pub impacts: &'a [super::ImpactRec],
    pub warmup: SimTime,
}

impl Headend {
    // ----- running the model -------------------------------------------------

    /// Handles one of the head-end's own events.
    #[inline(always)]
    pub fn handle(&mut self, q: &mut impl Agenda, ev: HeadendEv) -> Option<Notice> {
        match ev {
            HeadendEv::Boundary { stream, epoch } => self.on_boundary(q, stream, epoch),
            HeadendEv::FirstRead { stream, epoch } => self.on_first_read(q, stream, epoch),
            HeadendEv::DiskDone { module, disk, .. } => return self.on_disk_done(q, module as usize, disk as usize),
            HeadendEv::Arrival => self.on_arrival(q),
            HeadendEv::SessionEnd { stream, epoch } => return Some(Notice::SessionOver { stream, epoch }),
            HeadendEv::Report => self.on_report(q),
        }
        None
    }

    /// The end of the run at `end`: completions due up to it, like the
    /// events popped up to it, and deadlines up to it that fell due while a
    /// user was dark count as missed; nothing after `end` counts. The read
    /// trace goes into start order (`sort_read_rows`).
    pub fn finish(&mut self, q: &mut impl Agenda, end: SimTime) {
        let after_end = end + SimDuration(1);
        self.settle_all_disks(q, after_end);
        for s in 0..self.streams.len() as u32 {
            let st = &self.streams[s as usize];
            if st.status == Status::Active
                && let Some(dark) = st.dark_since
            {
                self.count_missed(s, dark, after_end);
                self.dark_unresumed(s, dark, end);
            }
        }
        self.sort_read_rows();
    }

    /// The first broken invariant since the last call, if any.
    pub fn take_violation(&mut self) -> Option<String> {
        self.violation.take()
    }

    /// Invariants of a finished run; the first broken one.
    pub fn check_end(&self) -> Result<(), String> {
        if let Some(st) = self.streams.iter().find(|st| st.periods != st.delivered + st.glitches) {
            return Err(format!(
                "at the end: stream {} has {} periods but {} delivered + {} glitches",
                st.id, st.periods, st.delivered, st.glitches
            ));
        }
        if self.ledger.warmup == SimTime::ZERO {
            // Every missed deadline reached the ledger, the reports' source.
            let mut glitches = vec![0u32; self.streams.len()];
            for rec in self.ledger.recs.iter().filter(|r| r.kind == Impact::Glitch) {
                glitches[rec.stream as usize] += 1;
            }
            if let Some(st) = self.streams.iter().find(|st| st.glitches != glitches[st.id as usize]) {
                return Err(format!(
                    "at the end: stream {} has {} glitches but the ledger {}",
                    st.id, st.glitches, glitches[st.id as usize]
                ));
            }
        }
        if !self.fatc.within_rate() {
            return Err("an FATC channel carries more than its payload rate".into());
        }
        Ok(())
    }

    /// Whether invariants are checked during the run.
    pub fn checks(&self) -> bool {
        self.check
    }

    pub fn end(&self) -> SimTime {
        self.end
    }

    pub fn results(&self) -> Results<'_> {
        Results {
            streams: &self.streams,
            logs: &self.logs,
            counters: &self.counters,
            module_rows: &self.module_rows,
            read_rows: self.read_rows.as_deref(),
            impacts: &self.ledger.recs,
            warmup: self.ledger.warmup,
        }
    }

    // ----- questions ---------------------------------------------------------

    pub fn stream(&self, s: StreamId) -> &Stream {
        &self.streams[s as usize]
    }

    pub fn streams(&self) -> &[Stream] {
        &self.streams
    }

    pub fn user_of(&self, s: StreamId) -> u32 {
        self.logs[s as usize].user
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The rate of stream `s` (its titles' class).
    pub fn bitrate(&self, s: StreamId) -> Bitrate {
        self.rate(s)
    }

    /// Bit-rate class of stream `s` (`Layout::class_of` of its titles).
    pub fn class_of_stream(&self, s: StreamId) -> usize {
        self.streams[s as usize].class as usize
    }

    /// Service period of module `m` (its extent's play time).
    pub fn period_of(&self, m: usize) -> SimDuration {
        self.modules[m].period
    }

    /// Time to play `pkts` packets of stream `s`.
    pub fn pkt_time(&self, s: StreamId, pkts: u64) -> SimDuration {
        packets_to_time(pkts, self.rate(s))
    }

    /// Packets of stream `s` played in `d`.
    pub fn time_pkts(&self, s: StreamId, d: SimDuration) -> u64 {
        time_to_packets(d, self.rate(s))
    }

    /// Title position of stream `s` at `t` [packets].
    pub fn position_at(&self, s: StreamId, t: SimTime) -> u64 {
        let st = &self.streams[s as usize];
        let c = st.class as usize;
        st.grid.position_at(t, self.rates[c]).min(self.layout.title_packets(c))
    }

    /// Packets [from, end) of the current slot's extent that the viewer is
    /// to see: a stream that started or resumed mid-extent (at its grid
    /// anchor) never sees the part before.
    pub fn slot_packets(&self, s: StreamId) -> (u64, u64) {
        let st = &self.streams[s as usize];
        let (a, b) = self.layout.extent_span_at(st.site as usize, st.cur);
        (a.max(st.grid.anchor_pkt).min(b), b)
    }

    pub fn module_count(&self) -> usize {
        self.modules.len()
    }

    /// Streams module `m` feeds or has promised to take.
    pub fn module_streams(&self, m: usize) -> u32 {
        self.modules[m].streams
    }

    /// Streams whose output module `m` sends through the switch now.
    pub fn module_feeding(&self, m: usize) -> u32 {
        self.modules[m].feeding
    }

    pub fn module_live(&self, m: usize) -> bool {
        !self.modules[m].failed && !self.modules[m].buffer.failed
    }

    pub fn module_degraded(&self, m: usize) -> bool {
        self.modules[m].degraded
    }

    /// Fraction of module `m`'s buffer in use.
    pub fn buffer_fill(&self, m: usize) -> f64 {
        let b = &self.modules[m].buffer;
        b.used as f64 / b.capacity as f64
    }

    /// What a source knows of module `m` as a destination for title `t`
    /// (steps 406/424): live, not shedding users, room, and `t` in the
    /// library's replica map for `m` — not whether `m` found room on its
    /// disks to store it (`content.when_full: store-fewer`), which the
    /// destination finds out at steps 506/508.
    pub fn may_admit(&self, m: usize, t: u32) -> bool {
        let md = &self.modules[m];
        self.module_live(m) && !md.degraded && self.room(m, self.layout.class_of(t), 1).is_ok() && self.layout.catalogued(m, t)
    }

    /// Whether module `m`'s disks hold title `t`.
    pub fn stores(&self, m: usize, t: u32) -> bool {
        self.layout.holds(m, t)
    }

    pub fn disk_failed(&self, m: usize, d: usize) -> bool {
        self.disks[self.layout.disk_ix(m, d)].failed
    }

    /// Whether read `r` has completed successfully (as of its disk's last
    /// settling; a migration's read completes through an event, so for it
    /// that is now).
    pub fn read_done(&self, r: ReadId) -> bool {
        self.reads.get(r).state == ReadState::Done
    }

    /// Expected service time of a read of extent `extent` of `title` on
    /// module `m`, as the disk model in use budgets it: a seek of a third
    /// of the stroke, a full revolution, the transfer where the extent is
    /// (and the validated drive's overheads and track switches).
    pub fn expected_read(&self, m: usize, title: u32, extent: u32) -> SimDuration {
        let (a, b) = self.layout.extent_span(m, self.layout.class_of(title), extent);
        let bytes = (b - a) * 188;
        match &self.drive_model {
            Some(drive) => {
                let lbn = self.layout.lbn_of(m, title, extent).unwrap_or(0);
                self.drive_budget(drive, lbn, bytes)
            }
            None => self.disk.expected_service_time(bytes, self.layout.cylinder_of(m, title, extent)),
        }
    }

    /// Expected service time of a whole extent of module `m` at mid-stroke
    /// (the validated drive: at its middle block).
    pub fn typical_extent_read(&self, m: usize) -> SimDuration {
        self.class_extent_read(m, 0)
    }

    /// `typical_extent_read` of an extent of class `c`.
    pub fn class_extent_read(&self, m: usize, c: usize) -> SimDuration {
        let bytes = self.layout.extent_packets(m, c) * 188;
        match &self.drive_model {
            Some(drive) => self.drive_budget(drive, drive.capacity_sectors() / 2, bytes),
            None => self.disk.expected_service_time(bytes, self.disk.cylinders / 2),
        }
    }

    /// The validated drive's budget for `bytes` from block `lbn`, moved to
    /// the front if it would run past the end.
    fn drive_budget(&self, drive: &crate::drive::Drive, lbn: u64, bytes: u64) -> SimDuration {
        let sectors = bytes.div_ceil(crate::scenario::SECTOR_BYTES).max(1);
        let lbn = if lbn + sectors <= drive.capacity_sectors() { lbn } else { 0 };
        drive.expected_service(lbn, sectors as u32).unwrap_or(SimDuration::ZERO)
    }

    // ----- the migration protocol's calls -------------------------------------

    /// The title stream `s` plays after its current one ends, drawn once,
    /// when first needed (by this or by the stream's own next read); `None`
    /// if viewers leave at a title's end.
    pub fn next_title(&mut self, s: StreamId) -> Option<u32> {
        (!self.leaves_at_title_end()).then(|| self.next_title_of(s))
    }

    /// Module `m` counts one more stream (stream `s`) against its admission
    /// limit (a destination's promise).
    pub fn reserve_stream(&mut self, m: usize, s: StreamId) {
        self.count_stream(m, self.streams[s as usize].class as usize, 1);
    }

    /// Module `m` withdraws a promise made by `reserve_stream` for stream `s`.
    pub fn unreserve_stream(&mut self, m: usize, s: StreamId) {
        self.count_stream(m, self.streams[s as usize].class as usize, -1);
    }

    /// The source is to stop output of stream `s` at `at` (the transition
    /// instant): reads due from then on are not issued.
    pub fn stop_output_at(&mut self, s: StreamId, at: SimTime) {
        self.streams[s as usize].stop_at = Some(at);
    }

    /// The source keeps stream `s` after all (nothing was handed over).
    pub fn keep_output(&mut self, q: &mut impl Agenda, s: StreamId) {
        self.streams[s as usize].stop_at = None;
        self.maybe_issue_next(q, s);
    }

    /// The source stops feeding stream `s` now: output off, reads dropped.
    /// Returns the title position the viewer has seen up to [packets].
    pub fn stop_output(&mut self, q: &mut impl Agenda, s: StreamId) -> u64 {
        let now = q.now();
        let p = self.position_at(s, now);
        self.settle_stream_reads(q, s);
        let st = &mut self.streams[s as usize];
        if st.dark_since.is_none() {
            st.dark_since = Some(now);
        }
        st.stop_at = Some(now);
        st.epoch = st.epoch.wrapping_add(1);
        self.set_feeder(now, s, NO_MODULE);
        self.drop_reads(q, s);
        p
    }

    /// Stream `s` (stopped by `stop_output`) resumes on module `dst` now,
    /// playing from title position `q_pkt` [packets]; `p_stop` is where its
    /// viewer stopped, `first` the read that brings the extent holding
    /// `q_pkt`, if the destination issued one, and `next` the read after
    /// it, if the destination issued that too. Returns (lost, duplicated)
    /// packets and the freeze the viewer saw.
    #[allow(clippy::too_many_arguments)]
    pub fn resume_on(
        &mut self,
        q: &mut impl Agenda,
        s: StreamId,
        dst: usize,
        q_pkt: u64,
        p_stop: u64,
        first: Option<ReadId>,
        next: Option<ReadId>,
    ) -> (u64, u64, SimDuration) {
        let now = q.now();
        let dark = self.streams[s as usize].dark_since.unwrap_or(now);
        self.count_missed(s, dark, now);
        let stall = now.saturating_since(dark);
        let lost = q_pkt.saturating_sub(p_stop);
        let dup = p_stop.saturating_sub(q_pkt);
        let src = self.streams[s as usize].module;
        let class = self.streams[s as usize].class as usize;
        if src != NO_MODULE && src as usize != dst {
            self.count_stream(src as usize, class, -1);
        }
        let extent = (q_pkt / self.layout.extent_packets(dst, class)) as u32;
        // A first packet no later than the one-packet grace after the last
        // one the viewer had is the jitter the patent's transition absorbs:
        // the destination sets the discontinuity indicator because that
        // packet "may be sent slightly early or slightly late", and the
        // decoder, playing from its buffer, shows no stall. It stays in the
        // hand-off's stall (`stall_s`); a longer one is a freeze.
        let grace = self.pkt_time(s, u64::from(self.sc.raw.migration.trigger_grace_packets));
        if stall > grace {
            self.freeze(s, dark, now);
        }
        if lost > 0 {
            self.impact(now, s, Impact::Lost(lost));
        }
        if dup > 0 {
            self.impact(now, s, Impact::Duplicate(dup));
        }
        if stall.0 > 0 {
            self.impact(now, s, Impact::HandoffStall(stall.0));
        }
        let st = &mut self.streams[s as usize];
        st.lost_pkts += lost;
        let log = &mut self.logs[s as usize];
        log.dup_pkts += dup;
        log.stall_ns += stall.0;
        log.migrations += 1;
        let st = &mut self.streams[s as usize];
        st.module = dst as u16;
        st.site = self.layout.site(dst, class) as u16;
        st.epoch = st.epoch.wrapping_add(1);
        st.grid = Grid { anchor_t: now, anchor_pkt: q_pkt };
        st.cur = extent;
        st.dark_since = None;
        st.stop_at = None;
        self.switch_dirty = true;
        self.set_feeder(now, s, dst as u16);
        let owner = Owner::Stream { stream: s, epoch: self.streams[s as usize].epoch };
        if let Some(r) = first {
            self.reads.get_mut(r).owner = owner;
        }
        if let Some(r) = next {
            self.reads.get_mut(r).owner = owner;
            self.streams[s as usize].next_read = Some(r);
        }
        self.open_slot(q, s, first);
        (lost, dup, stall)
    }

    /// Stream `s` is terminated by the head-end.
    pub fn terminate(&mut self, q: &mut impl Agenda, s: StreamId) {
        self.end_stream(q, s, Status::Terminated);
    }

    /// Stream `s`'s session is over.
    pub fn end_session(&mut self, q: &mut impl Agenda, s: StreamId) {
        self.end_stream(q, s, Status::Ended);
    }

    // ----- faults and repairs --------------------------------------------------

    /// Makes every completion from now on an event: the hardware is about to
    /// change state, and completions must see it as it is when they happen.
    pub fn prepare_for_fault(&mut self, q: &mut impl Agenda) {
        self.materialize_all_disks(q);
    }

    /// Disk `d` of module `m` fails: its queued reads fail, the module is
    /// degraded.
    pub fn fail_disk(&mut self, q: &mut impl Agenda, m: usize, d: usize) {
        let ix = self.layout.disk_ix(m, d);
        self.disks[ix].failed = true;
        self.disks[ix].hung = false;
        self.modules[m].degraded = true;
        self.fail_queued_reads(q, m, Some(d));
    }

    /// Module `m` fails: output stops now (the buffer's content is gone)
    /// and its queued reads fail.
    pub fn fail_module(&mut self, q: &mut impl Agenda, m: usize) {
        self.modules[m].failed = true;
        self.lose_output(q, m);
    }

    /// Module `m`'s buffer fails: as `fail_module` for its streams.
    pub fn fail_buffer(&mut self, q: &mut impl Agenda, m: usize) {
        self.modules[m].buffer.failed = true;
        self.lose_output(q, m);
    }

    fn lose_output(&mut self, q: &mut impl Agenda, m: usize) {
        self.switch_dirty = true;
        let victims: Vec<u32> = self
            .streams
            .iter()
            .filter(|s| s.status == Status::Active && s.module as usize == m && s.dark_since.is_none())
            .map(|s| s.id)
            .collect();
        for s in victims {
            self.stop_output(q, s);
        }
        self.fail_queued_reads(q, m, None);
    }

    /// Module `m` must shed its users and takes no new ones.
    pub fn degrade(&mut self, m: usize) {
        self.modules[m].degraded = true;
    }

    pub fn repair_disk(&mut self, m: usize, d: usize) {
        let ix = self.layout.disk_ix(m, d);
        self.disks[ix].failed = false;
        self.disks[ix].hung = false;
        self.modules[m].degraded = self.module_disks(m).iter().any(|d| d.failed);
    }

    pub fn repair_module(&mut self, m: usize) {
        self.modules[m].failed = false;
    }

    pub fn repair_buffer(&mut self, m: usize) {
        self.modules[m].buffer.failed = false;
    }

    pub fn clear_degraded(&mut self, m: usize) {
        self.modules[m].degraded = false;
    }

    /// The modules' switch shares are to be recomputed before next use.
    pub fn invalidate_switch(&mut self) {
        self.switch_dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// The calls this file's docs list.
    fn listed() -> BTreeSet<String> {
        let doc: String = include_str!("interface.rs").lines().filter_map(|l| l.strip_prefix("//!")).collect::<Vec<_>>().join("\n");
        doc.split('`').skip(1).step_by(2).map(str::to_string).collect()
    }

    #[test]
    fn calls_from_outside_are_listed() {
        let listed = listed();
        let files = [
            ("source.rs", include_str!("../migration/source.rs")),
            ("destination.rs", include_str!("../migration/destination.rs")),
            ("triage.rs", include_str!("../migration/triage.rs")),
            ("policy.rs", include_str!("../migration/policy.rs")),
            ("migration/mod.rs", include_str!("../migration/mod.rs")),
            ("faults.rs", include_str!("../faults.rs")),
            ("balance.rs", include_str!("../balance.rs")),
            ("sim.rs", include_str!("../sim.rs")),
        ];
        let mut unlisted = Vec::new();
        let mut seen = 0;
        for (file, text) in files {
            for (i, _) in text.match_indices("h.") {
                let before = text[..i].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue; // `self.h.`, `ch.` and the like
                }
                let name: String = text[i + 2..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if text[i + 2 + name.len()..].starts_with('(') {
                    seen += 1;
                    if !listed.contains(&name) {
                        unlisted.push(format!("{file}: h.{name}("));
                    }
                }
            }
        }
        assert!(seen > 30, "found only {seen} calls: is the head-end still called `h`?");
        assert!(unlisted.is_empty(), "calls not in interface.rs's list: {unlisted:?}");
    }
}
