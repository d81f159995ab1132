//! The source server module (FIG. 4, and the source side of FIG. 6).

use super::{Agenda, Cause, Migration, MsgKind, Outcome, Phase, Protocol, ProtocolEv, SourceEnd, TimerKind};
use crate::engine::{SimDuration, SimTime};
use crate::headend::Headend;
use crate::headend::stream::{NO_MODULE, Status, StreamId};
use crate::scenario::{Handshake, Transition};

impl Protocol {
    /// Step 404–412 (FIG. 6 602–605): starts migrating stream `s` away from
    /// its module. Returns false if the stream cannot be migrated now.
    pub fn begin_migration(
        &mut self,
        q: &mut impl Agenda,
        h: &mut Headend,
        s: StreamId,
        cause: Cause,
        horizon: Option<SimTime>,
        direct: bool,
    ) -> bool {
        let now = q.now();
        let st = h.stream(s);
        if st.status != Status::Active || self.migrating(s).is_some() || st.module == NO_MODULE {
            return false;
        }
        let id = self.migrations.len() as u32;
        self.migrations.push(Migration::new(id, s, h.user_of(s), cause, st.module, now, horizon, direct, Phase::Requested));
        self.set_migrating(s, Some(id));
        self.request_to_new_destination(q, h, id);
        true
    }

    /// Starts migrating stream `s` to module `dest` only (a load-balancing
    /// move: no alternate destination). Returns false if the stream cannot
    /// be migrated now.
    pub fn begin_migration_to(&mut self, q: &mut impl Agenda, h: &mut Headend, s: StreamId, cause: Cause, dest: usize) -> bool {
        let now = q.now();
        let st = h.stream(s);
        if st.status != Status::Active || self.migrating(s).is_some() || st.module == NO_MODULE {
            return false;
        }
        let id = self.migrations.len() as u32;
        let mut m = Migration::new(id, s, h.user_of(s), cause, st.module, now, None, false, Phase::Requested);
        m.target = Some(dest as u16);
        self.migrations.push(m);
        self.set_migrating(s, Some(id));
        self.request_to_new_destination(q, h, id);
        true
    }

    /// Sends an SMBUS message of the migration and schedules its delivery.
    pub(super) fn send(&mut self, q: &mut impl Agenda, mig: u32, kind: MsgKind) {
        let now = q.now();
        let m = &mut self.migrations[mig as usize];
        m.messages += 1;
        let round = m.round;
        if let Some(at) = self.smbus.send(now, kind.bytes(), kind == MsgKind::Trigger) {
            q.schedule(at, ProtocolEv::Msg { mig, round, kind });
        }
    }

    pub(super) fn timer(&mut self, q: &mut impl Agenda, mig: u32, at: SimTime, kind: TimerKind) {
        let round = self.migrations[mig as usize].round;
        q.schedule(at.max(q.now()), ProtocolEv::Timer { mig, round, kind });
    }

    /// Least-loaded live module with room that the replica map lists for
    /// the title, not yet tried (step 424: the alternate destination).
    /// Whether it really stores the title is its own to say (506/508).
    fn pick_destination(&self, h: &Headend, mig: u32) -> Option<usize> {
        let m = &self.migrations[mig as usize];
        let title = h.stream(m.stream).title;
        let usable = |d: usize| d != m.source as usize && !m.tried.contains(&(d as u16)) && h.may_admit(d, title);
        if let Some(t) = m.target {
            return Some(t as usize).filter(|&d| usable(d));
        }
        // Box 405: a user's streams (content, audio, data…) move together,
        // so a stream follows where its siblings went or are going.
        if let Some(d) = self.sibling_destination(h, m.stream, m.source).filter(|&d| usable(d)) {
            return Some(d);
        }
        (0..h.module_count()).filter(|&d| usable(d)).min_by_key(|&d| (h.module_streams(d) + self.pending_in[d], d))
    }

    /// Where another stream of the same user is (being) migrated to, if any.
    /// A user's streams are created together, so their ids are adjacent.
    fn sibling_destination(&self, h: &Headend, s: StreamId, source: u16) -> Option<usize> {
        let user = h.user_of(s);
        let k = self.streams_per_user;
        let lo = s.saturating_sub(k);
        let hi = (s + k).min(h.streams().len() as u32);
        (lo..hi).filter(|&o| o != s && h.user_of(o) == user).find_map(|o| {
            let st = h.stream(o);
            match self.migrating(o) {
                Some(id) if self.migrations[id as usize].dest != NO_MODULE => Some(self.migrations[id as usize].dest as usize),
                None if st.status == Status::Active && st.module != source && st.module != NO_MODULE => Some(st.module as usize),
                _ => None,
            }
        })
    }

    /// Step 406–412 / 424: choose a (new) destination and send it the request.
    pub(super) fn request_to_new_destination(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let max = self.cfg.max_destinations as usize;
        let dest = if self.migrations[mig as usize].tried.len() >= max { None } else { self.pick_destination(h, mig) };
        let Some(dest) = dest else {
            self.fail_migration(q, h, mig, "no destination");
            return;
        };
        let m = &mut self.migrations[mig as usize];
        if !m.tried.is_empty() {
            m.alternates += 1;
        }
        m.tried.push(dest as u16);
        m.dest = dest as u16;
        self.send_request(q, h, mig);
    }

    /// Step 408–412: determine the transitional point and deadline, send the
    /// request (or, for triage's direct users, the direct-migrate order).
    pub(super) fn send_request(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let now = q.now();
        self.migrations[mig as usize].round += 1;
        let title = h.stream(self.migrations[mig as usize].stream).title;
        self.migrations[mig as usize].title = title;
        let dest = self.migrations[mig as usize].dest as usize;
        self.pending_in[dest] += 1;
        self.choose_transition(now, h, mig);
        let m = &self.migrations[mig as usize];
        if m.direct {
            let s = m.stream;
            let deadline = m.deadline;
            // The source stops at the end of what it can still show.
            if h.stream(s).dark_since.is_none() {
                h.stop_output_at(s, deadline);
                self.migrations[mig as usize].phase = Phase::Accepted;
                self.timer(q, mig, deadline, TimerKind::SourceStop);
            } else {
                self.migrations[mig as usize].phase = Phase::Triggered;
            }
            self.send(q, mig, MsgKind::DirectMigrate);
            let wait = SimDuration::from_millis_f64(self.cfg.response_timeout_ms);
            self.timer(q, mig, now + wait, TimerKind::Response);
            return;
        }
        self.send(q, mig, MsgKind::Request);
        let mut wait = SimDuration::from_millis_f64(self.cfg.response_timeout_ms);
        if self.cfg.handshake == Handshake::RetrieveFirst {
            // The answer comes only after the retrieval, possibly after a
            // whole carousel loop of retries (step 632).
            let m = &self.migrations[mig as usize];
            let period = h.period_of(m.dest as usize);
            wait += m.deadline.saturating_since(now) + SimDuration(period.0 * h.layout().disks as u64);
        }
        self.timer(q, mig, now + wait, TimerKind::Response);
    }

    /// Steps 408 and 410 (FIG. 3B): the transition point is the start of the
    /// extent after the one being read now — or, for packet-offset
    /// transitions, the first random-access point far enough ahead for the
    /// request, the destination's read and the trigger. A source that has
    /// already stopped resumes the user from the last random-access point
    /// shown, preferring a little duplicated content to any lost.
    fn choose_transition(&mut self, now: SimTime, h: &Headend, mig: u32) {
        let m = &self.migrations[mig as usize];
        let (s, src, dst) = (m.stream, m.source as usize, m.dest as usize);
        let st = h.stream(s);
        let layout = h.layout();
        let c = st.class as usize;
        let bitrate = h.bitrate(s);
        let n_src = layout.extent_packets(src, c);
        let n_dst = layout.extent_packets(dst, c);
        let packet_offset = match self.cfg.transition {
            Transition::Extent => false,
            Transition::PacketOffset => true,
            Transition::Auto => n_src != n_dst,
        };
        let align = self.align_pkts(h, s, src, dst);
        let read = h.class_extent_read(dst, c);
        let lead = self.smbus.round_trip_estimate(now) + read + read + self.smbus.trigger_latency;
        let title_end = layout.title_packets(c);
        let (q, deadline) = if let Some(dark) = st.dark_since {
            let p_stop = st.grid.position_at(dark, bitrate).min(title_end);
            ((p_stop / align) * align, now + lead)
        } else if m.direct {
            let p = st.grid.position_at(st.next_deadline, bitrate).min(title_end);
            ((p / align) * align, st.next_deadline)
        } else {
            // FIG. 3B: not before the end of the extent being accessed now.
            let accessed_end = layout.extent_span(src, c, st.cur.wrapping_add(1)).1;
            let earliest = st.grid.position_at(now + lead, bitrate);
            let floor = if packet_offset { earliest } else { earliest.max(accessed_end) };
            let q = floor.div_ceil(align) * align;
            // Inside a destination extent, the destination's next read is
            // issued when the transition's slot starts and due at its end:
            // too close to the extent's end, it cannot make it, so the
            // transition moves on to that end (an extent boundary).
            let ext_end = (q / n_dst + 1) * n_dst;
            let q = if !q.is_multiple_of(n_dst) && h.pkt_time(s, ext_end - q) < read + read { ext_end } else { q };
            let q = q.min(title_end.saturating_sub(1));
            match m.horizon {
                // A failure threatens at `h` (the first extent on a failed
                // disk): transit no later, i.e. as soon as feasible (step 410).
                Some(h) if st.grid.time_of(q, bitrate) > h => {
                    let q = (st.grid.position_at(h, bitrate) / align) * align;
                    (q, st.grid.time_of(q, bitrate))
                }
                _ => (q, st.grid.time_of(q, bitrate)),
            }
        };
        let m = &mut self.migrations[mig as usize];
        m.q_pkt = q;
        m.extent = (q / n_dst) as u32;
        m.deadline = deadline.max(now);
        m.packet_offset = packet_offset && q % n_dst != 0;
    }

    /// Spacing of the transition points of stream `s` between modules
    /// `src` and `dst` [packets]: random-access points for packet-offset
    /// transitions, destination extent boundaries otherwise.
    pub(super) fn align_pkts(&self, h: &Headend, s: StreamId, src: usize, dst: usize) -> u64 {
        let layout = h.layout();
        let c = h.class_of_stream(s);
        let (n_src, n_dst) = (layout.extent_packets(src, c), layout.extent_packets(dst, c));
        let packet_offset = match self.cfg.transition {
            Transition::Extent => false,
            Transition::PacketOffset => true,
            Transition::Auto => n_src != n_dst,
        };
        if packet_offset { h.time_pkts(s, SimDuration::from_secs_f64(self.random_access_interval_s)).max(1) } else { n_dst }
    }

    /// Step 416 / 426 / 428: an acceptance (plain or modified and judged
    /// appropriate) arrived.
    pub(super) fn source_on_accept(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, modified: bool) {
        let now = q.now();
        let m = &self.migrations[mig as usize];
        if m.phase != Phase::Requested {
            return;
        }
        let s = m.stream;
        let st = h.stream(s);
        if st.title != m.title {
            // Step 606/608: the user no longer watches the same content (its
            // title ended meanwhile): back to step 604 with a new request.
            self.cancel_destination(q, h, mig);
            self.send_request(q, h, mig);
            return;
        }
        if modified {
            // Step 418/420: appropriate if the shift is tolerable and the
            // source can cover it (or has stopped anyway).
            let shift = m.deadline.saturating_since(st.next_deadline.min(m.deadline));
            let covered = m.horizon.is_none_or(|h| h >= m.deadline) || st.dark_since.is_some();
            let max_shift = SimDuration::from_secs_f64(self.cfg.max_shift_s);
            if !covered || shift > max_shift + h.period_of(m.source as usize) {
                self.cancel_destination(q, h, mig);
                self.request_to_new_destination(q, h, mig);
                return;
            }
        }
        // Step 426 / 606: has the transition deadline passed meanwhile?
        let trigger_margin = self.smbus.trigger_latency;
        let dark = st.dark_since.is_some();
        let retrieved = m.dest_read.is_some_and(|r| h.read_done(r));
        if !dark && now + trigger_margin >= m.deadline && retrieved && self.cfg.allow_passed_extent {
            // Step 606, alternative embodiment: the retrieved extent has
            // passed, but it is in the destination's buffer. Hand over at
            // once from its start: the viewer sees the part already shown
            // again rather than losing anything.
            self.migrations[mig as usize].deadline = now + trigger_margin;
            self.migrations[mig as usize].note("passed extent");
        }
        let m = &self.migrations[mig as usize];
        if !dark && now + trigger_margin > m.deadline {
            let m = &mut self.migrations[mig as usize];
            m.recomputes += 1;
            if m.recomputes > self.cfg.max_recomputes {
                self.cancel_destination(q, h, mig);
                self.fail_migration(q, h, mig, "deadline passed too often");
                return;
            }
            // Back to step 408 with the same destination.
            self.cancel_destination(q, h, mig);
            self.send_request(q, h, mig);
            return;
        }
        let m = &mut self.migrations[mig as usize];
        m.phase = Phase::Accepted;
        let deadline = m.deadline;
        if dark {
            // Nothing to wait for: the user is already interrupted.
            self.timer(q, mig, now, TimerKind::SourceStop);
        } else {
            // Step 428 / 610: arm the trigger for the end of the present extent.
            h.stop_output_at(s, deadline);
            self.timer(q, mig, deadline, TimerKind::SourceStop);
        }
    }

    /// Step 416 → 424: rejected, or no answer in time (step 414).
    pub(super) fn source_on_reject(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, timed_out: bool) {
        let m = &self.migrations[mig as usize];
        let waiting_direct = m.direct && !m.dest_reserved && m.outcome.is_none();
        if m.phase != Phase::Requested && !waiting_direct {
            return;
        }
        if timed_out {
            // The answer may have been lost after the destination reserved.
            self.cancel_destination(q, h, mig);
        }
        self.request_to_new_destination(q, h, mig);
    }

    /// Steps 428, 612, 613: at the end of the present extent, stop output
    /// and send the high-priority trigger.
    pub(super) fn source_stop(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let now = q.now();
        let m = &self.migrations[mig as usize];
        if m.phase != Phase::Accepted {
            return;
        }
        let s = m.stream;
        let direct = m.direct;
        if h.stream(s).dark_since.is_none() {
            h.stop_output(q, s);
        }
        self.migrations[mig as usize].phase = Phase::Triggered;
        if direct {
            // No trigger: the destination starts as soon as it has the extent.
            self.destination_try_direct_start(q, h, mig);
            return;
        }
        self.send(q, mig, MsgKind::Trigger);
        // Step 614: "one or a few packet times" from the trigger — the bus
        // must answer that fast or the stream is terminated.
        let wait = self.packet_times(self.cfg.stream_migrated_wait_packets);
        self.timer(q, mig, now + wait, TimerKind::StreamMigrated);
    }

    /// Steps 616 / 618: "stream migrated" arrived in time; tell the manager
    /// and hand control to the destination.
    pub(super) fn source_on_stream_migrated(&mut self, q: &mut impl Agenda, mig: u32) {
        let m = &mut self.migrations[mig as usize];
        if m.phase != Phase::Streaming || m.source_end.is_some() {
            return;
        }
        m.source_end = Some(SourceEnd::ControlSent);
        m.note("control sent");
        self.send(q, mig, MsgKind::ControlTransfer);
    }

    /// Step 616 → 617: no "stream migrated" in time: terminate the stream so
    /// that two modules never feed one user.
    pub(super) fn source_on_migrated_timeout(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        let m = &mut self.migrations[mig as usize];
        if m.source_end.is_some() || m.outcome.is_some() {
            return;
        }
        m.source_end = Some(SourceEnd::GaveUp);
        m.note("source gave up");
        if m.phase == Phase::Triggered {
            // The destination never started: the user is dark; end it.
            self.fail_migration(q, h, mig, "no stream-migrated message");
        }
        // Otherwise the destination streams and, never getting control,
        // fails at step 644 and terminates its output.
    }

    /// Step 424's withdrawal: tell the destination, free what it set aside.
    fn cancel_destination(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32) {
        self.send(q, mig, MsgKind::Cancel);
        self.release_destination(q, h, mig);
    }

    /// The migration failed: release the destination and terminate the
    /// stream if the source cannot keep it.
    pub(super) fn fail_migration(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, why: &'static str) {
        let now = q.now();
        let m = &mut self.migrations[mig as usize];
        if m.outcome.is_some() {
            return;
        }
        m.note(why);
        m.ended = now;
        let s = m.stream;
        let before_stop = matches!(m.phase, Phase::Requested | Phase::Accepted);
        m.phase = Phase::Done;
        m.outcome = Some(Outcome::Failed);
        self.release_destination(q, h, mig);
        self.set_migrating(s, None);
        let st = h.stream(s);
        if before_stop && st.dark_since.is_none() && st.status == Status::Active {
            // Nothing was handed over and the source still streams: the user
            // stays put (and meets whatever made the source shed it).
            h.keep_output(q, s);
            return;
        }
        h.terminate(q, s);
    }
}
