//! What the viewers got and did not get, one record per happening, with
//! its instant, stream and module: the single source of every viewer-impact
//! figure (the totals of `summary.json`, the per-stream figures of
//! `streams.csv`, the per-interval columns of `modules.csv`), so they add up
//! by construction and a warm-up excludes the same happenings from all.
//!
//! Happenings are rare next to deadlines met (a glitch, a freeze, a
//! session's start), so a list costs little even on the metro scenario.

use super::stream::{NO_MODULE, StreamId};
use super::{Headend, stream::Status};
use crate::engine::SimTime;

/// One thing that happened to a viewer (or a would-be viewer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impact {
    /// An extent deadline missed.
    Glitch,
    /// Content the viewer never saw [packets].
    Lost(u64),
    /// Content the viewer saw twice [packets].
    Duplicate(u64),
    /// The picture stood still for this long [ns]; `new` is false when the
    /// stall continues one that ended where this one starts (one freeze).
    Freeze { ns: u64, new: bool },
    /// A hand-off's freeze (also in a `Freeze`) [ns].
    HandoffStall(u64),
    /// The rest of a terminated session, to its scheduled end or the end of
    /// the run [packets]; also lost content.
    TerminatedLost(u64),
    /// The session controller admitted a session.
    SessionStarted,
    /// The session controller could admit nobody.
    SessionBlocked,
}

/// One record: what, when, to whom, on which module.
#[derive(Clone, Copy, Debug)]
pub struct ImpactRec {
    pub t: SimTime,
    /// `u32::MAX` for a blocked session (no stream exists).
    pub stream: StreamId,
    /// The module feeding the stream (or meant to), the row of
    /// `modules.csv` the happening is counted in.
    pub module: u16,
    pub kind: Impact,
}

/// Every record from the warm-up on.
#[derive(Default)]
pub struct Ledger {
    pub warmup: SimTime,
    pub recs: Vec<ImpactRec>,
}

impl Ledger {
    /// Records `kind` at `t` unless it falls in the warm-up.
    pub fn record(&mut self, t: SimTime, stream: StreamId, module: u16, kind: Impact) {
        if t >= self.warmup {
            self.recs.push(ImpactRec { t, stream, module, kind });
        }
    }

    /// Whether `t` falls in the warm-up.
    pub fn warming(&self, t: SimTime) -> bool {
        t < self.warmup
    }
}

impl Headend {
    /// Records `kind` for stream `s` at `t`, on the module feeding it.
    pub(super) fn impact(&mut self, t: SimTime, s: StreamId, kind: Impact) {
        let m = self.streams[s as usize].module;
        let m = if m == NO_MODULE { self.logs[s as usize].module_start } else { m };
        self.ledger.record(t, s, m, kind);
    }

    /// The picture of stream `s` stood still over [from, to): one freeze,
    /// or the continuation of the one that ended at `from`.
    pub(super) fn freeze(&mut self, s: StreamId, from: SimTime, to: SimTime) {
        if to <= from {
            return;
        }
        let log = &mut self.logs[s as usize];
        let new = from > log.frozen_until;
        log.frozen_until = to;
        self.impact(to, s, Impact::Freeze { ns: to.saturating_since(from).0, new });
    }

    /// Stream `s` went dark at `dark` and nobody resumed it up to `to`: the
    /// picture stood still, and the content of that span was never shown.
    pub(super) fn dark_unresumed(&mut self, s: StreamId, dark: SimTime, to: SimTime) {
        self.freeze(s, dark, to);
        let pkts = self.time_pkts(s, to.saturating_since(dark));
        if pkts > 0 {
            self.impact(to, s, Impact::Lost(pkts));
        }
    }

    /// Stream `s` is terminated now: the rest of its session — from the
    /// last picture shown to its scheduled end (session time over, title
    /// over when viewers leave at its end, or the end of the run) — is
    /// lost; a dark span before the termination was a freeze.
    pub(super) fn terminated_loss(&mut self, s: StreamId, now: SimTime) {
        let st = &self.streams[s as usize];
        debug_assert_eq!(st.status, Status::Active);
        let from = st.dark_since.unwrap_or(now);
        let mut end = self.end;
        if let Some(e) = self.logs[s as usize].session_end {
            end = end.min(e);
        }
        if self.leaves_at_title_end() && st.module != NO_MODULE {
            let c = st.class as usize;
            end = end.min(st.grid.time_of(self.layout.title_packets(c), self.rates[c]));
        }
        self.freeze(s, from, now);
        let pkts = self.time_pkts(s, end.saturating_since(from));
        if pkts > 0 {
            self.impact(now, s, Impact::TerminatedLost(pkts));
        }
    }
}
