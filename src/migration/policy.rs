//! Migration policies, and the routing of the protocol's own events:
//! `protocol` (FIG. 4–6); `reconnect`, what a set-top box and session
//! controller do without it (the stream stops, the box asks again after a
//! detection time, a survivor starts the title where the viewer was); and
//! `naive`, the strawman a straightforward model has (the SimPy peer's):
//! restart each user on a survivor at its next period, no handshake,
//! in-flight extents lost.

use super::{Agenda, Cause, Migration, MsgKind, Outcome, Phase, Protocol, ProtocolEv, TimerKind};
use crate::engine::SimDuration;
use crate::headend::Headend;
use crate::headend::stream::{Owner, ReadId, Status, StreamId};
use crate::scenario::Policy;

impl Protocol {
    /// Module `m` must shed its users (failure, warning or overload): at
    /// most `limit` of them, in triage's order.
    pub fn shed_users(
        &mut self,
        q: &mut impl Agenda,
        h: &mut Headend,
        m: usize,
        cause: Cause,
        failed_disk: Option<usize>,
        limit: Option<usize>,
    ) {
        let plans = self.triage(q.now(), h, m, cause, failed_disk);
        let take = limit.unwrap_or(plans.len());
        for plan in plans.into_iter().take(take) {
            match self.cfg.policy {
                Policy::Protocol => {
                    self.begin_migration(q, h, plan.stream, cause, plan.horizon, plan.direct);
                }
                Policy::Naive => self.naive_schedule(q, h, plan.stream, cause),
                // Without the protocol a warning changes nothing: the
                // viewers stay until the module actually fails.
                Policy::Reconnect if cause == Cause::FailureLikely => {}
                Policy::Reconnect => self.reconnect_stop(q, h, plan.stream, cause),
            }
        }
    }

    /// Moves stream `s` off its module for load balancing, per the policy:
    /// the protocol hands it to `dest` only; the naive policy restarts it on
    /// its round-robin survivor; a reconnecting box re-requests it. Returns
    /// whether a move started.
    pub fn move_user(&mut self, q: &mut impl Agenda, h: &mut Headend, s: StreamId, cause: Cause, dest: usize) -> bool {
        match self.cfg.policy {
            Policy::Protocol => self.begin_migration_to(q, h, s, cause, dest),
            Policy::Naive => {
                self.naive_schedule(q, h, s, cause);
                self.migrating(s).is_some()
            }
            Policy::Reconnect => {
                self.reconnect_stop(q, h, s, cause);
                self.migrating(s).is_some()
            }
        }
    }

    /// `shed_users` after a fault that happened at `fault_at` and is known
    /// only now: the migrations it starts count their hand-off time from
    /// the fault (`Migration::fault_at`).
    #[allow(clippy::too_many_arguments)]
    pub fn shed_users_after_fault(
        &mut self,
        q: &mut impl Agenda,
        h: &mut Headend,
        m: usize,
        cause: Cause,
        failed_disk: Option<usize>,
        fault_at: crate::engine::SimTime,
    ) {
        let before = self.migrations.len();
        self.shed_users(q, h, m, cause, failed_disk, None);
        for mig in &mut self.migrations[before..] {
            mig.fault_at = fault_at;
        }
    }

    /// Naive: the user moves at its next period boundary.
    fn naive_schedule(&mut self, q: &mut impl Agenda, h: &mut Headend, s: StreamId, cause: Cause) {
        let now = q.now();
        let st = h.stream(s);
        if st.status != Status::Active || self.migrating(s).is_some() {
            return;
        }
        let at = st.next_deadline.max(now);
        let id = self.migrations.len() as u32;
        self.migrations.push(Migration::new(id, s, h.user_of(s), cause, st.module, now, Some(at), true, Phase::Accepted));
        self.set_migrating(s, Some(id));
        if h.stream(s).dark_since.is_none() {
            h.stop_output_at(s, at);
        }
        q.schedule(at, ProtocolEv::NaiveRestart { stream: s, mig: id });
    }

    /// Naive restart at the period boundary: the in-flight extent is lost;
    /// the survivor (round-robin) reads the one after it.
    fn naive_restart(&mut self, q: &mut impl Agenda, h: &mut Headend, s: StreamId, mig: u32) {
        if h.stream(s).status != Status::Active || self.migrations[mig as usize].outcome.is_some() {
            return;
        }
        let now = q.now();
        let st = h.stream(s);
        let src = st.module as usize;
        let title = st.title;
        let p_stop = h.position_at(s, st.dark_since.unwrap_or(now));
        // The extent that was being read when the user moved is gone; the
        // survivor's first read is the one after it.
        let in_flight = st.cur.wrapping_add(1);
        let layout = h.layout();
        let c = h.class_of_stream(s);
        let (q_pkt, _) = layout.extent_span(src, c, in_flight.min(layout.extents(src, c) - 1));
        if h.stream(s).dark_since.is_none() {
            h.stop_output(q, s);
        }
        let Some(dest) = h.next_round_robin(Some(src), title) else {
            self.fail_migration(q, h, mig, "no survivor");
            return;
        };
        h.reserve_stream(dest, s);
        let m = &mut self.migrations[mig as usize];
        m.dest = dest as u16;
        m.tried.push(dest as u16);
        m.q_pkt = q_pkt;
        m.extent = (q_pkt / h.layout().extent_packets(dest, c)) as u32;
        let (lost, dup, stall) = h.resume_on(q, s, dest, q_pkt, p_stop, None, None);
        self.set_migrating(s, None);
        // The slot that restarts now has no extent: lost whole.
        let (from, end) = h.slot_packets(s);
        let m = &mut self.migrations[mig as usize];
        m.lost_pkts = lost + (end - from);
        m.dup_pkts = dup;
        m.stall_ns = stall.0;
        m.outcome = Some(if m.lost_pkts > 0 { Outcome::Lost } else { Outcome::Seamless });
        m.phase = Phase::Done;
        m.ended = now;
    }

    /// Reconnect: the stream stops now (its module failed, or the head-end
    /// moves it); the set-top box asks again after the detection time.
    fn reconnect_stop(&mut self, q: &mut impl Agenda, h: &mut Headend, s: StreamId, cause: Cause) {
        let now = q.now();
        let st = h.stream(s);
        if st.status != Status::Active || self.migrating(s).is_some() {
            return;
        }
        let id = self.migrations.len() as u32;
        let mut m = Migration::new(id, s, h.user_of(s), cause, st.module, now, None, true, Phase::Accepted);
        m.title = st.title;
        self.migrations.push(m);
        self.set_migrating(s, Some(id));
        // The box notices its own picture stopping: from when it went dark,
        // however late the head-end learns of the failure.
        let dark = h.stream(s).dark_since.unwrap_or(now);
        let p_stop =
            if h.stream(s).dark_since.is_none() { h.stop_output(q, s) } else { h.position_at(s, h.stream(s).dark_since.unwrap_or(now)) };
        self.migrations[id as usize].q_pkt = p_stop;
        let detect = SimDuration::from_secs_f64(self.cfg.reconnect_detect_s);
        q.schedule((dark + detect).max(now), ProtocolEv::NaiveRestart { stream: s, mig: id });
    }

    /// Reconnect: the box asks the session controller again; a survivor
    /// admits it and reads the extent holding the last position shown.
    fn reconnect_request(&mut self, q: &mut impl Agenda, h: &mut Headend, s: StreamId, mig: u32) {
        if h.stream(s).status != Status::Active || self.migrations[mig as usize].outcome.is_some() {
            return;
        }
        let src = self.migrations[mig as usize].source as usize;
        let title = h.stream(s).title;
        let Some(dest) = h.next_round_robin(Some(src), title) else {
            self.fail_migration(q, h, mig, "no survivor");
            return;
        };
        h.reserve_stream(dest, s);
        let p_stop = self.migrations[mig as usize].q_pkt;
        let extent = (p_stop / h.layout().extent_packets(dest, h.class_of_stream(s))) as u32;
        let deadline = q.now() + h.period_of(dest);
        let r = h.issue_read(q, Owner::Migration { mig, stream: s }, dest, title, extent, deadline);
        let m = &mut self.migrations[mig as usize];
        m.dest = dest as u16;
        m.dest_reserved = true;
        m.tried.push(dest as u16);
        m.extent = extent;
        m.dest_read = Some(r);
    }

    /// Reconnect: the first extent is in the survivor's buffer: playout
    /// resumes at the last position shown (nothing lost, nothing repeated;
    /// the viewer saw a freeze from the stop until now).
    pub(super) fn reconnect_read_done(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, r: ReadId) {
        let m = &self.migrations[mig as usize];
        let s = m.stream;
        if m.outcome.is_some() || h.stream(s).status != Status::Active || m.dest_read != Some(r) {
            h.release_read(q, r);
            return;
        }
        if !h.read_done(r) {
            h.release_read(q, r);
            self.migrations[mig as usize].dest_read = None;
            self.fail_migration(q, h, mig, "first read failed");
            return;
        }
        let (dest, p_stop) = (m.dest as usize, m.q_pkt);
        self.migrations[mig as usize].dest_read = None;
        let (lost, dup, stall) = h.resume_on(q, s, dest, p_stop, p_stop, Some(r), None);
        let m = &mut self.migrations[mig as usize];
        m.dest_reserved = false;
        m.lost_pkts = lost;
        m.dup_pkts = dup;
        m.stall_ns = stall.0;
        self.finish_migration(q, h, mig);
    }

    /// Handles one of the protocol's own events.
    pub fn handle(&mut self, q: &mut impl Agenda, h: &mut Headend, ev: ProtocolEv) {
        match ev {
            ProtocolEv::NaiveRestart { stream, mig } if self.cfg.policy == Policy::Reconnect => self.reconnect_request(q, h, stream, mig),
            ProtocolEv::NaiveRestart { stream, mig } => self.naive_restart(q, h, stream, mig),
            ProtocolEv::Msg { mig, round, kind } => self.on_message(q, h, mig, round, kind),
            ProtocolEv::Timer { mig, round, kind } => self.on_timer(q, h, mig, round, kind),
        }
    }

    /// Dispatches a delivered SMBUS message.
    fn on_message(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, round: u32, kind: MsgKind) {
        if self.migrations[mig as usize].round != round {
            return; // an answer to a request the source abandoned
        }
        match kind {
            MsgKind::Request => self.destination_on_request(q, h, mig, false),
            MsgKind::DirectMigrate => self.destination_on_request(q, h, mig, true),
            MsgKind::Accept => self.source_on_accept(q, h, mig, false),
            MsgKind::ModifiedAccept => self.source_on_accept(q, h, mig, true),
            MsgKind::Reject => self.source_on_reject(q, h, mig, false),
            MsgKind::Trigger => self.destination_on_trigger(q, h, mig),
            MsgKind::StreamMigrated => self.source_on_stream_migrated(q, mig),
            MsgKind::ControlTransfer => self.destination_on_control(q, h, mig),
            MsgKind::Cancel => {}
        }
    }

    fn on_timer(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, round: u32, kind: TimerKind) {
        if self.migrations[mig as usize].round != round {
            return;
        }
        match kind {
            TimerKind::Response => self.source_on_reject(q, h, mig, true),
            TimerKind::SourceStop => self.source_stop(q, h, mig),
            TimerKind::StreamMigrated => self.source_on_migrated_timeout(q, h, mig),
            TimerKind::TriggerWait => self.destination_on_trigger_timeout(q, h, mig),
            TimerKind::ControlTransfer => self.destination_on_control_timeout(q, h, mig),
        }
    }
}
