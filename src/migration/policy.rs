//! Migration policies: `protocol` (FIG. 4–6) and `naive`, the reaction a
//! straightforward model has (the SimPy peer's): restart each user on a
//! survivor at its next period, no handshake, in-flight extents lost.

use super::{Cause, Migration, MsgKind, Outcome, Phase, TimerKind};
use crate::headend::stream::{Status, StreamId};
use crate::headend::{Ev, Headend};
use crate::scenario::Policy;

impl Headend {
    /// Module `m` must shed its users (failure, warning or overload).
    pub fn shed_users(&mut self, m: usize, cause: Cause, failed_disk: Option<usize>, limit: Option<usize>) {
        let plans = self.triage(m, cause, failed_disk);
        let take = limit.unwrap_or(plans.len());
        for plan in plans.into_iter().take(take) {
            match self.sc.raw.migration.policy {
                Policy::Protocol => {
                    self.begin_migration(plan.stream, cause, plan.horizon, plan.direct);
                }
                Policy::Naive => self.naive_schedule(plan.stream, cause),
            }
        }
    }

    /// Naive: the user moves at its next period boundary.
    fn naive_schedule(&mut self, s: StreamId, cause: Cause) {
        let now = self.now();
        let st = &self.streams[s as usize];
        if st.status != Status::Active || st.migration.is_some() {
            return;
        }
        let at = st.next_deadline.max(now);
        let id = self.migrations.len() as u32;
        self.migrations.push(Migration::new(id, s, self.logs[s as usize].user, cause, st.module, now, Some(at), true, Phase::Accepted));
        let st = &mut self.streams[s as usize];
        st.migration = Some(id);
        if st.dark_since.is_none() {
            st.stop_at = Some(at);
        }
        self.q.schedule(at, Ev::NaiveRestart { stream: s, mig: id });
    }

    /// Naive restart at the period boundary: the in-flight extent is lost;
    /// the survivor (round-robin) reads the one after it.
    pub fn naive_restart(&mut self, s: StreamId, mig: u32) {
        if self.streams[s as usize].status != Status::Active || self.migrations[mig as usize].outcome.is_some() {
            return;
        }
        let now = self.now();
        let st = &self.streams[s as usize];
        let src = st.module as usize;
        let title = st.title;
        let p_stop = match st.dark_since {
            Some(d) => self.position_at(s, d),
            None => self.position_at(s, now),
        };
        // The extent that was being read when the user moved is gone; the
        // survivor's first read is the one after it.
        let in_flight = st.cur.wrapping_add(1);
        let (q, _) = self.layout.extent_span(src, in_flight.min(self.layout.extents(src) - 1));
        let m_count = self.modules.len();
        let start = self.rr_next as usize;
        let dest = (0..m_count).map(|k| (start + k) % m_count).find(|&d| d != src && self.admits(d, title));
        if self.streams[s as usize].dark_since.is_none() {
            self.stop_output(s);
        }
        let Some(dest) = dest else {
            self.fail_migration(mig, "no survivor");
            return;
        };
        self.rr_next = ((dest + 1) % m_count) as u32;
        self.modules[dest].streams += 1;
        let m = &mut self.migrations[mig as usize];
        m.dest = dest as u16;
        m.tried.push(dest as u16);
        m.q_pkt = q;
        m.extent = (q / self.layout.extent_packets[dest]) as u32;
        let (lost, dup, stall) = self.resume_on(s, dest, q, p_stop, None);
        // The slot that restarts now has no extent: lost whole.
        let (from, end) = self.slot_packets(s);
        let m = &mut self.migrations[mig as usize];
        m.lost_pkts = lost + (end - from);
        m.dup_pkts = dup;
        m.stall_ns = stall.0;
        m.outcome = Some(if m.lost_pkts > 0 { Outcome::Lost } else { Outcome::Seamless });
        m.phase = Phase::Done;
        m.ended = now;
    }

    /// Dispatches a delivered SMBUS message.
    pub fn on_message(&mut self, mig: u32, round: u32, kind: MsgKind) {
        if self.migrations[mig as usize].round != round {
            return; // an answer to a request the source abandoned
        }
        match kind {
            MsgKind::Request => self.destination_on_request(mig, false),
            MsgKind::DirectMigrate => self.destination_on_request(mig, true),
            MsgKind::Accept => self.source_on_accept(mig, false),
            MsgKind::ModifiedAccept => self.source_on_accept(mig, true),
            MsgKind::Reject => self.source_on_reject(mig, false),
            MsgKind::Trigger => self.destination_on_trigger(mig),
            MsgKind::StreamMigrated => self.source_on_stream_migrated(mig),
            MsgKind::ControlTransfer => self.destination_on_control(mig),
            MsgKind::Cancel => {}
        }
    }

    pub fn on_timer(&mut self, mig: u32, round: u32, kind: TimerKind) {
        if self.migrations[mig as usize].round != round {
            return;
        }
        match kind {
            TimerKind::Response => self.source_on_reject(mig, true),
            TimerKind::SourceStop => self.source_stop(mig),
            TimerKind::StreamMigrated => self.source_on_migrated_timeout(mig),
            TimerKind::TriggerWait => self.destination_on_trigger_timeout(mig),
            TimerKind::ControlTransfer => self.destination_on_control_timeout(mig),
        }
    }
}
