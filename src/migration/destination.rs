//! The destination server module (FIG. 5, and the destination side of FIG. 6).

use super::{MsgKind, Outcome, Phase, TimerKind};
use crate::engine::{SimDuration, SimTime};
use crate::headend::Headend;
use crate::headend::stream::{Owner, ReadId, ReadState, Status};
use crate::scenario::Handshake;

impl Headend {
    /// Steps 504–526: a migrate request arrived.
    pub(crate) fn destination_on_request(&mut self, mig: u32, direct: bool) {
        let now = self.now();
        let m = &self.migrations[mig as usize];
        let (dst, s) = (m.dest as usize, m.stream);
        // Heuristic bookkeeping for the source's choice of destination.
        self.modules[dst].pending_in = self.modules[dst].pending_in.saturating_sub(1);
        if !self.module_live(dst) || m.outcome.is_some() {
            return; // a dead module answers nothing; the source times out
        }
        let title = self.streams[s as usize].title;
        let extent = m.extent;
        let disk = self.layout.disk_of(title, extent);
        // Steps 506/508: stored here, retrievable (disk up), room for the user?
        let available = self.admits(dst, title) && !self.disks[self.layout.disk_ix(dst, disk)].failed;
        if !available {
            if direct {
                self.fail_migration(mig, "direct destination refused");
            } else {
                self.send(mig, MsgKind::Reject); // step 510
            }
            return;
        }
        self.modules[dst].streams += 1;
        self.migrations[mig as usize].dest_reserved = true;
        self.switch_dirty = true;
        if direct {
            // Triage: read at once, start as soon as it is in the buffer.
            let r = self.issue_read(Owner::Migration(mig), dst, title, extent, now);
            self.migrations[mig as usize].dest_read = Some(r);
            return;
        }
        let deadline = self.migrations[mig as usize].deadline;
        if self.sc.raw.migration.handshake == Handshake::RetrieveFirst {
            // FIG. 6 step 630: enter the carousel for the extent now and
            // answer once it is retrieved (step 635).
            let r = self.issue_read(Owner::Migration(mig), dst, title, extent, deadline);
            self.migrations[mig as usize].dest_read = Some(r);
            return;
        }
        // Step 506/514: can the extent be in the buffer by the deadline,
        // given this disk's queue?
        self.settle_disk(dst, disk, now);
        let ready = now + self.disk_backlog(dst, disk, deadline) + self.expected_read(dst, title, extent);
        let (kind, read_deadline) = if ready <= deadline {
            (MsgKind::Accept, deadline) // steps 524, 526
        } else {
            // Step 516: the alternate transition keeps the same content point
            // but moves the instant back to when the extent can be ready; the
            // source streams on until then, so the viewer sees a little
            // content twice rather than missing any (steps 518–522).
            let margin = self.expected_read(dst, title, extent);
            let later = ready + margin;
            let m = &mut self.migrations[mig as usize];
            m.deadline = later;
            m.modified = true;
            (MsgKind::ModifiedAccept, later)
        };
        let r = self.issue_read(Owner::Migration(mig), dst, title, extent, read_deadline);
        self.migrations[mig as usize].dest_read = Some(r);
        self.send(mig, kind);
        // Step 528/530: wait for a timely trigger.
        let grace = self.pkt_time(self.sc.raw.migration.trigger_grace_packets as u64);
        self.timer(mig, read_deadline + grace + SimDuration(1), TimerKind::TriggerWait);
    }

    /// Time the disk needs for the reads ahead of one due at `deadline`
    /// (all queued reads for FIFO) plus what is left of the read in service.
    fn disk_backlog(&self, m: usize, d: usize, deadline: SimTime) -> SimDuration {
        let now = self.now();
        let disk = &self.disks[self.layout.disk_ix(m, d)];
        let mut total = SimDuration::ZERO;
        if let Some(r) = disk.current {
            total += self.reads.get(r).done_at.saturating_since(now);
        }
        let fifo = self.sc.raw.headend.disk.queue == crate::scenario::QueueDiscipline::Fifo;
        for req in disk.queue.iter() {
            if fifo || req.deadline <= deadline {
                total += self.disk.expected_service_time(req.bytes, req.cylinder);
            }
        }
        total
    }

    fn expected_read(&self, m: usize, title: u32, extent: u32) -> SimDuration {
        let (a, b) = self.layout.extent_span(m, extent);
        self.disk.expected_service_time((b - a) * 188, self.layout.cylinder_of(m, title, extent))
    }

    /// Step 530 → 532 / 538 and 638–641: the trigger arrived.
    pub(crate) fn destination_on_trigger(&mut self, mig: u32) {
        let now = self.now();
        let m = &self.migrations[mig as usize];
        if m.phase != Phase::Triggered || m.outcome.is_some() || !self.module_live(m.dest as usize) {
            return;
        }
        let grace = self.pkt_time(self.sc.raw.migration.trigger_grace_packets as u64);
        if now > m.deadline + grace {
            // Step 538: a late trigger: terminate; the source hears nothing
            // and terminates too (step 617).
            self.release_destination(mig);
            self.migrations[mig as usize].note("late trigger");
            return;
        }
        self.destination_start(mig);
        self.send(mig, MsgKind::StreamMigrated); // steps 534, 640, 641
        let wait = SimDuration::from_millis_f64(self.sc.raw.migration.control_transfer_wait_ms);
        self.timer(mig, now + wait, TimerKind::ControlTransfer); // step 642
    }

    /// Triage path: start once the source has stopped and the extent is in.
    pub(crate) fn destination_try_direct_start(&mut self, mig: u32) {
        let m = &self.migrations[mig as usize];
        if m.phase != Phase::Triggered || m.outcome.is_some() || !m.dest_reserved {
            return;
        }
        let done = m.dest_read.is_some_and(|r| self.reads.get(r).state == ReadState::Done);
        if done {
            self.destination_start(mig);
            self.finish_migration(mig);
        }
    }

    /// Step 532 / 638: enable the stream at the destination.
    fn destination_start(&mut self, mig: u32) {
        let now = self.now();
        let m = &self.migrations[mig as usize];
        let (s, dst, q, r) = (m.stream, m.dest as usize, m.q_pkt, m.dest_read);
        let dark = self.streams[s as usize].dark_since.unwrap_or(now);
        let p_stop = self.position_at(s, dark);
        let m = &mut self.migrations[mig as usize];
        m.phase = Phase::Streaming;
        m.dest_read = None;
        m.dest_reserved = false;
        let (lost, dup, stall) = self.resume_on(s, dst, q, p_stop, r);
        let m = &mut self.migrations[mig as usize];
        m.lost_pkts = lost;
        m.dup_pkts = dup;
        m.stall_ns = stall.0;
    }

    /// The destination's transitional read finished.
    pub fn migration_read_done(&mut self, mig: u32, r: ReadId) {
        let m = &self.migrations[mig as usize];
        if m.dest_read != Some(r) {
            self.release_read(r);
            return;
        }
        if m.direct {
            self.destination_try_direct_start(mig);
        } else if m.phase == Phase::Requested && self.sc.raw.migration.handshake == Handshake::RetrieveFirst {
            self.destination_retrieved(mig, r);
        }
    }

    /// FIG. 6 steps 632–636: the carousel read finished. In time: answer
    /// with the retrieved extent (635). Late: try the next extent, for up to
    /// one carousel loop (one extent per disk); none in time: fail (636).
    fn destination_retrieved(&mut self, mig: u32, r: ReadId) {
        let now = self.now();
        let m = &self.migrations[mig as usize];
        let (s, dst) = (m.stream, m.dest as usize);
        let ok = self.reads.get(r).state == ReadState::Done;
        let deadline = m.deadline;
        if ok && now <= deadline {
            self.send(mig, MsgKind::Accept);
            let grace = self.pkt_time(self.sc.raw.migration.trigger_grace_packets as u64);
            self.timer(mig, deadline + grace + SimDuration(1), TimerKind::TriggerWait);
            return;
        }
        let loop_len = self.layout.disks;
        let st = &self.streams[s as usize];
        let next = m.extent + 1;
        if m.carousel_tries + 1 >= loop_len || next >= self.layout.extents(dst) || st.dark_since.is_some() {
            self.release_destination(mig);
            self.send(mig, MsgKind::Reject); // step 636
            return;
        }
        let (q, _) = self.layout.extent_span(dst, next);
        let deadline = st.grid.time_of(q, self.bitrate);
        let title = st.title;
        self.release_read(r);
        let m = &mut self.migrations[mig as usize];
        m.carousel_tries += 1;
        m.extent = next;
        m.q_pkt = q;
        m.packet_offset = false;
        m.deadline = deadline;
        let r = self.issue_read(Owner::Migration(mig), dst, title, next, deadline);
        self.migrations[mig as usize].dest_read = Some(r);
    }

    /// Steps 644/646: control arrived — the migration is complete.
    pub(crate) fn destination_on_control(&mut self, mig: u32) {
        if self.migrations[mig as usize].phase == Phase::Streaming && self.migrations[mig as usize].outcome.is_none() {
            self.finish_migration(mig);
        }
    }

    /// Step 644 → 636: control never came; terminate.
    pub(crate) fn destination_on_control_timeout(&mut self, mig: u32) {
        let m = &self.migrations[mig as usize];
        if m.phase == Phase::Streaming && m.outcome.is_none() {
            self.fail_migration(mig, "no control transfer");
        }
    }

    /// Step 538 via timer: the trigger never came.
    pub(crate) fn destination_on_trigger_timeout(&mut self, mig: u32) {
        let m = &self.migrations[mig as usize];
        if matches!(m.phase, Phase::Requested | Phase::Accepted | Phase::Triggered) && m.outcome.is_none() && m.dest_reserved {
            self.release_destination(mig);
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
    pub(crate) fn release_destination(&mut self, mig: u32) {
        let m = &mut self.migrations[mig as usize];
        let r = m.dest_read.take();
        let reserved = std::mem::replace(&mut m.dest_reserved, false);
        let dst = m.dest as usize;
        if let Some(r) = r {
            self.release_read(r);
        }
        if reserved {
            self.modules[dst].streams -= 1;
            self.switch_dirty = true;
        }
    }

    /// Settles the outcome from what the viewer saw.
    pub(crate) fn finish_migration(&mut self, mig: u32) {
        let now = self.now();
        let tolerance = self.pkt_time(self.sc.raw.migration.trigger_grace_packets as u64).0;
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
        if self.streams[s as usize].status == Status::Active {
            self.streams[s as usize].migration = None;
        }
    }
}
