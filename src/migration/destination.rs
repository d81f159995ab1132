//! The destination server module (FIG. 5, and the destination side of FIG. 6).

use super::{Agenda, MsgKind, Outcome, Phase, Protocol, TimerKind};
use crate::engine::{SimDuration, SimTime};
use crate::headend::stream::{Owner, ReadId, Status, StreamId};
use crate::headend::{Headend, PlannedRead};
use crate::scenario::Handshake;

impl Protocol {
    /// Steps 504–526: a migrate request arrived.
    pub(super) fn destination_on_request(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, direct: bool) {
        let now = q.now();
        let m = &self.migrations[mig as usize];
        let (dst, s) = (m.dest as usize, m.stream);
        // Heuristic bookkeeping for the source's choice of destination.
        self.pending_in[dst] = self.pending_in[dst].saturating_sub(1);
        if !h.module_live(dst) || m.outcome.is_some() {
            return; // a dead module answers nothing; the source times out
        }
        let title = h.stream(s).title;
        let extent = m.extent;
        let disk = h.layout().disk_of(title, extent);
        // Steps 506/508: stored here, retrievable (disk up), room for the user?
        let available = h.admits(dst, title) && !h.disk_failed(dst, disk);
        if !h.stores(dst, title) {
            self.migrations[mig as usize].note("content not stored");
        }
        if !available {
            if direct {
                self.fail_migration(q, h, mig, "direct destination refused");
            } else {
                self.send(q, mig, MsgKind::Reject); // step 510
            }
            return;
        }
        h.reserve_stream(dst, s);
        self.migrations[mig as usize].dest_reserved = true;
        let owner = Owner::Migration { mig, stream: s };
        if direct {
            // Triage: read at once, start as soon as it is in the buffer.
            let r = h.issue_read(q, owner, dst, title, extent, now);
            self.migrations[mig as usize].dest_read = Some(r);
            return;
        }
        let deadline = self.migrations[mig as usize].deadline;
        if self.cfg.handshake == Handshake::RetrieveFirst {
            // FIG. 6 step 630: enter the carousel for the extent now and
            // answer once it is retrieved (step 635).
            let r = h.issue_read(q, owner, dst, title, extent, deadline);
            self.migrations[mig as usize].dest_read = Some(r);
            return;
        }
        // Steps 506/514: can the transitional extent (and, for a short
        // transitional slot, the read after it) be in the buffer by its
        // deadline, given this disk's queue and the drive in use?
        let Some((kind, deadline, reads)) = self.destination_plan(q, h, mig) else {
            // Step 510: no transition within the tolerable shift can be served.
            self.release_destination(q, h, mig);
            self.migrations[mig as usize].note("destination disks too busy");
            self.send(q, mig, MsgKind::Reject);
            return;
        };
        // Steps 520/524: queue the reads.
        let mut issued = reads.iter().map(|r| h.issue_read(q, owner, dst, r.title, r.extent, r.deadline));
        let m = &mut self.migrations[mig as usize];
        m.dest_read = issued.next();
        m.dest_next_read = issued.next();
        self.send(q, mig, kind);
        // Step 528/530: wait for a timely trigger.
        let grace = self.packet_times(self.cfg.trigger_grace_packets);
        self.timer(q, mig, deadline + grace + SimDuration(1), TimerKind::TriggerWait);
    }

    /// Steps 514–522: the transition the destination can serve, as
    /// (answer, transition instant, reads to issue). The source's point if
    /// its reads can be in by their deadlines without making a read already
    /// promised late (step 524: accept). Otherwise (step 516) a user still
    /// watching moves on to a later transition point — the next
    /// random-access point, or extent boundary — whose reads can be served,
    /// so the source streams on until then and the viewer misses and
    /// repeats nothing (a modified acceptance); none within the shift the
    /// source tolerates: `None` (step 510). A user already dark keeps its
    /// content point and gets the instant its extent can be ready, a little
    /// content seen twice rather than any lost.
    fn destination_plan(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) -> Option<(MsgKind, SimTime, Vec<PlannedRead>)> {
        let m = &self.migrations[mig as usize];
        let (s, src, dst) = (m.stream, m.source as usize, m.dest as usize);
        let (q0, t0) = (m.q_pkt, m.deadline);
        let reads = self.transition_reads(h, s, dst, q0, t0);
        let plan = h.plan_reads(q, dst, &reads);
        if plan.feasible(&reads) {
            return Some((MsgKind::Accept, t0, reads));
        }
        let st = h.stream(s);
        if st.dark_since.is_some() {
            let ready = plan.ready.iter().copied().max().unwrap_or(t0);
            let margin = h.typical_extent_read(dst);
            let later = ready.max(t0) + margin;
            let reads = self.transition_reads(h, s, dst, q0, later);
            let m = &mut self.migrations[mig as usize];
            m.deadline = later;
            m.modified = true;
            return Some((MsgKind::ModifiedAccept, later, reads));
        }
        let grid = st.grid;
        let c = h.class_of_stream(s);
        let bitrate = h.bitrate(s);
        let title_end = h.layout().title_packets(c);
        let n_dst = h.layout().extent_packets(dst, c);
        let align = self.align_pkts(h, s, src, dst);
        let max_shift = SimDuration::from_secs_f64(self.cfg.max_shift_s) + h.period_of(src);
        let mut qc = q0;
        while qc + 1 < title_end {
            // The next point, or the title's last packet if none is left.
            qc = ((qc / align + 1) * align).min(title_end - 1);
            let tc = grid.time_of(qc, bitrate);
            if tc.saturating_since(t0) > max_shift {
                break;
            }
            let reads = self.transition_reads(h, s, dst, qc, tc);
            if h.plan_reads(q, dst, &reads).feasible(&reads) {
                let m = &mut self.migrations[mig as usize];
                m.q_pkt = qc;
                m.extent = (qc / n_dst) as u32;
                m.packet_offset = !qc.is_multiple_of(n_dst);
                m.deadline = tc;
                m.modified = true;
                return Some((MsgKind::ModifiedAccept, tc, reads));
            }
        }
        None
    }

    /// The reads a destination needs for a transition at title position
    /// `q_pkt` [packets] at `at`: the extent holding it, due then, and,
    /// when the slot it starts is shorter than an extent (a packet offset
    /// inside one, or a title's short last extent), the read after it, due
    /// at that slot's end — at a title's end the next title's first extent
    /// when the viewer moves on to one. Issued with the first, it has the
    /// time a stream's next read normally has; issued only at the hand-off
    /// it would have the short slot alone.
    fn transition_reads(&self, h: &mut Headend, s: StreamId, dst: usize, q_pkt: u64, at: SimTime) -> Vec<PlannedRead> {
        let layout = h.layout();
        let c = h.class_of_stream(s);
        let n = layout.extent_packets(dst, c);
        let title = h.stream(s).title;
        let extent = (q_pkt / n) as u32;
        let mut reads = vec![PlannedRead { title, extent, deadline: at }];
        let slot_end = ((q_pkt / n + 1) * n).min(layout.title_packets(c));
        if slot_end - q_pkt >= n {
            return reads;
        }
        let due = at + h.pkt_time(s, slot_end - q_pkt);
        let next = if extent + 1 < layout.extents(dst, c) { Some((title, extent + 1)) } else { h.next_title(s).map(|t| (t, 0)) };
        if let Some((title, extent)) = next {
            reads.push(PlannedRead { title, extent, deadline: due });
        }
        reads
    }

    /// Step 530 → 532 / 538 and 638–641: the trigger arrived.
    pub(super) fn destination_on_trigger(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let now = q.now();
        let m = &self.migrations[mig as usize];
        if m.phase != Phase::Triggered || m.outcome.is_some() || !h.module_live(m.dest as usize) {
            return;
        }
        let grace = self.packet_times(self.cfg.trigger_grace_packets);
        if now > m.deadline + grace {
            // Step 538: a late trigger: terminate; the source hears nothing
            // and terminates too (step 617).
            self.release_destination(q, h, mig);
            self.migrations[mig as usize].note("late trigger");
            return;
        }
        self.destination_start(q, h, mig);
        self.send(q, mig, MsgKind::StreamMigrated); // steps 534, 640, 641
        let wait = SimDuration::from_millis_f64(self.cfg.control_transfer_wait_ms);
        self.timer(q, mig, now + wait, TimerKind::ControlTransfer); // step 642
    }

    /// Triage path: start once the source has stopped and the extent is in.
    pub(super) fn destination_try_direct_start(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let m = &self.migrations[mig as usize];
        if m.phase != Phase::Triggered || m.outcome.is_some() || !m.dest_reserved {
            return;
        }
        if m.dest_read.is_some_and(|r| h.read_done(r)) {
            self.destination_start(q, h, mig);
            self.finish_migration(q, h, mig);
        }
    }

    /// Step 532 / 638: enable the stream at the destination.
    fn destination_start(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let now = q.now();
        let m = &self.migrations[mig as usize];
        let (s, dst, q_pkt, r, next) = (m.stream, m.dest as usize, m.q_pkt, m.dest_read, m.dest_next_read);
        let dark = h.stream(s).dark_since.unwrap_or(now);
        let p_stop = h.position_at(s, dark);
        let m = &mut self.migrations[mig as usize];
        m.phase = Phase::Streaming;
        m.dest_read = None;
        m.dest_next_read = None;
        m.dest_reserved = false;
        let (lost, dup, stall) = h.resume_on(q, s, dst, q_pkt, p_stop, r, next);
        self.set_migrating(s, None);
        let m = &mut self.migrations[mig as usize];
        m.lost_pkts = lost;
        m.dup_pkts = dup;
        m.stall_ns = stall.0;
    }

    /// The destination's transitional read finished.
    pub(super) fn migration_read_done(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, r: ReadId) {
        let m = &self.migrations[mig as usize];
        if m.dest_next_read == Some(r) {
            return; // the stream's, once it is handed over
        }
        if m.dest_read != Some(r) {
            h.release_read(q, r);
            return;
        }
        if m.direct {
            self.destination_try_direct_start(q, h, mig);
        } else if m.phase == Phase::Requested && self.cfg.handshake == Handshake::RetrieveFirst {
            self.destination_retrieved(q, h, mig, r);
        }
    }

    /// FIG. 6 steps 632–636: the carousel read finished. In time: answer
    /// with the retrieved extent (635). Late: try the next extent, for up to
    /// one carousel loop (one extent per disk); none in time: fail (636).
    fn destination_retrieved(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, r: ReadId) {
        let now = q.now();
        let m = &self.migrations[mig as usize];
        let (s, dst) = (m.stream, m.dest as usize);
        let ok = h.read_done(r);
        let deadline = m.deadline;
        if ok && now <= deadline {
            self.send(q, mig, MsgKind::Accept);
            let grace = self.packet_times(self.cfg.trigger_grace_packets);
            self.timer(q, mig, deadline + grace + SimDuration(1), TimerKind::TriggerWait);
            return;
        }
        let loop_len = h.layout().disks;
        let st = h.stream(s);
        let next = m.extent + 1;
        let c = h.class_of_stream(s);
        if m.carousel_tries + 1 >= loop_len || next >= h.layout().extents(dst, c) || st.dark_since.is_some() {
            self.release_destination(q, h, mig);
            self.send(q, mig, MsgKind::Reject); // step 636
            return;
        }
        let (q_pkt, _) = h.layout().extent_span(dst, c, next);
        let deadline = st.grid.time_of(q_pkt, h.bitrate(s));
        let title = st.title;
        h.release_read(q, r);
        let m = &mut self.migrations[mig as usize];
        m.carousel_tries += 1;
        m.extent = next;
        m.q_pkt = q_pkt;
        m.packet_offset = false;
        m.deadline = deadline;
        let r = h.issue_read(q, Owner::Migration { mig, stream: s }, dst, title, next, deadline);
        self.migrations[mig as usize].dest_read = Some(r);
    }

    /// Steps 644/646: control arrived — the migration is complete.
    pub(super) fn destination_on_control(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        if self.migrations[mig as usize].phase == Phase::Streaming && self.migrations[mig as usize].outcome.is_none() {
            self.finish_migration(q, h, mig);
        }
    }

    /// Step 644 → 636: control never came; terminate.
    pub(super) fn destination_on_control_timeout(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let m = &self.migrations[mig as usize];
        if m.phase == Phase::Streaming && m.outcome.is_none() {
            self.fail_migration(q, h, mig, "no control transfer");
        }
    }

    /// Step 538 via timer: the trigger never came.
    pub(super) fn destination_on_trigger_timeout(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let m = &self.migrations[mig as usize];
        if matches!(m.phase, Phase::Requested | Phase::Accepted | Phase::Triggered) && m.outcome.is_none() && m.dest_reserved {
            self.release_destination(q, h, mig);
            // Noted only as the first note, as when a migration kept a single
            // note: after a source's note (a passed extent, giving up) the
            // withdrawal adds nothing here. (A late trigger has already
            // released the destination, so this timer finds nothing to do.)
            if self.migrations[mig as usize].notes.is_empty() {
                self.migrations[mig as usize].note("no trigger");
            }
        }
    }

    /// Gives back what the destination set aside for the migration.
    pub(super) fn release_destination(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let m = &mut self.migrations[mig as usize];
        let r = m.dest_read.take();
        let next = m.dest_next_read.take();
        let reserved = std::mem::replace(&mut m.dest_reserved, false);
        let (dst, stream) = (m.dest as usize, m.stream);
        for r in [r, next].into_iter().flatten() {
            h.release_read(q, r);
        }
        if reserved {
            h.unreserve_stream(dst, stream);
        }
    }

    /// Settles the outcome from what the viewer saw.
    pub(super) fn finish_migration(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let now = q.now();
        let tolerance = h.pkt_time(self.migrations[mig as usize].stream, self.cfg.trigger_grace_packets as u64).0;
        let m = &mut self.migrations[mig as usize];
        let outcome = if m.lost_pkts > 0 {
            Outcome::Lost
        } else if m.dup_pkts > 0 || m.stall_ns > tolerance {
            Outcome::Duplicate
        } else {
            Outcome::Seamless
        };
        m.outcome = Some(outcome);
        m.phase = Phase::Done;
        m.ended = now;
        let s = m.stream;
        if h.stream(s).status == Status::Active {
            self.set_migrating(s, None);
        }
    }
}
