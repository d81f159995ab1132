//! User migration between server modules: the protocol of FIG. 4–6 and the
//! naive reaction it is compared with.
//!
//! `Protocol` owns every migration record, the protocol's timers and the
//! SMBUS; it changes the head-end only through the calls listed in
//! `headend/interface.rs`. A migration is a record driven by SMBUS messages
//! and timers; the source side (FIG. 4) lives in `source.rs`, the
//! destination side (FIG. 5) in `destination.rs`, the choice of who is
//! migrated how in `triage.rs`, and the policies (and the routing of the
//! protocol's events) in `policy.rs`. Step numbers of the patent are quoted
//! where each step is taken, so `grep "step 516"` finds it. Outcome labels
//! are settled on what the viewer saw in `judge.rs`.

pub mod destination;
mod judge;
pub mod messages;
pub mod policy;
pub mod source;
pub mod triage;

#[cfg(test)]
mod tests;

use crate::engine::{Schedule, SimDuration, SimTime};
use crate::headend::smbus::Smbus;
use crate::headend::stream::{ReadId, StreamId};
use crate::headend::{Headend, HeadendEv};
use crate::scenario::{PacketTime, RawMigration, Scenario};
pub use messages::{MsgKind, TimerKind};

/// The protocol's own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolEv {
    /// Naive policy: move the stream at its next period boundary.
    NaiveRestart {
        stream: StreamId,
        /// The migration record of the restart.
        mig: u32,
    },
    /// An SMBUS message of request round `round` of migration `mig` arrives.
    Msg { mig: u32, round: u32, kind: MsgKind },
    /// A timer of request round `round` of migration `mig` expires.
    Timer { mig: u32, round: u32, kind: TimerKind },
}

/// The shared queue, as the protocol schedules into it: its own events,
/// and the head-end's through the head-end's calls.
pub trait Agenda: Schedule<ProtocolEv> + Schedule<HeadendEv> {}
impl<T: Schedule<ProtocolEv> + Schedule<HeadendEv>> Agenda for T {}

/// The migration protocol's state: every migration attempt, which stream
/// is being migrated, the requests each module has not answered yet, and
/// the SMBUS.
pub struct Protocol {
    cfg: RawMigration,
    /// Spacing of random-access points in the content [s].
    random_access_interval_s: f64,
    streams_per_user: u32,
    migrations: Vec<Migration>,
    /// Migration in progress of each stream, by stream id (streams beyond
    /// the end have none).
    active: Vec<Option<u32>>,
    /// Migrate requests sent to each module and not yet answered; the
    /// source counts them so a mass migration spreads over destinations.
    pending_in: Vec<u32>,
    smbus: Smbus,
    /// One packet time of steps 530 and 614 (`migration.packet_time`).
    packet_time: SimDuration,
}

impl Protocol {
    pub fn new(sc: &Scenario) -> Protocol {
        let raw = &sc.raw;
        let s = &raw.smbus;
        let smbus = Smbus::new(
            SimDuration::from_micros_f64(s.latency_us),
            s.per_byte_ns,
            SimDuration::from_micros_f64(s.jitter_us),
            s.loss,
            SimDuration::from_micros_f64(s.trigger_latency_us),
            crate::engine::RngStreams::new(raw.seed).stream("smbus"),
        );
        Protocol {
            cfg: raw.migration.clone(),
            random_access_interval_s: raw.content.random_access_interval_s,
            streams_per_user: raw.workload.streams_per_user,
            migrations: Vec::new(),
            active: Vec::new(),
            pending_in: vec![0; raw.headend.modules as usize],
            smbus,
            packet_time: packet_time(raw),
        }
    }

    /// `k` packet times as steps 530 and 614 count them.
    pub fn packet_times(&self, k: u32) -> SimDuration {
        SimDuration(self.packet_time.0 * k as u64)
    }

    /// Every migration attempt so far, in the order they started.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The SMBUS (message counts).
    pub fn smbus(&self) -> &Smbus {
        &self.smbus
    }

    /// The migration in progress of stream `s`, if any.
    pub fn migrating(&self, s: StreamId) -> Option<u32> {
        self.active.get(s as usize).copied().flatten()
    }

    fn set_migrating(&mut self, s: StreamId, mig: Option<u32>) {
        let i = s as usize;
        if i >= self.active.len() {
            if mig.is_none() {
                return;
            }
            self.active.resize(i + 1, None);
        }
        self.active[i] = mig;
    }

    /// An SMBUS delay and loss burst starts (`extra`, `loss`) or ends
    /// (zero, 0.0).
    pub fn smbus_burst(&mut self, extra: SimDuration, loss: f64) {
        self.smbus.burst_extra = extra;
        self.smbus.burst_loss = loss;
    }

    /// Invariants of a finished run at `end`; the first broken one.
    pub fn check_end(&self, end: SimTime) -> Result<(), String> {
        match self.migrations.iter().find(|m| m.outcome.is_none() && m.started + SimDuration::from_secs(60) < end) {
            Some(m) => Err(format!("migration {} of stream {} never ended", m.id, m.stream)),
            None => Ok(()),
        }
    }

    /// The head-end's transitional read `read` of migration `mig` finished.
    pub fn on_read_done(&mut self, q: &mut impl Agenda, h: &mut Headend, mig: u32, read: ReadId) {
        if self.cfg.policy == crate::scenario::Policy::Reconnect {
            self.reconnect_read_done(q, h, mig, read);
            return;
        }
        self.migration_read_done(q, h, mig, read);
    }
}

/// One packet time per `migration.packet_time`: the patent's (FATC) or the
/// stream rate's.
fn packet_time(raw: &crate::scenario::RawScenario) -> SimDuration {
    let bps = match raw.migration.packet_time {
        PacketTime::Fatc => raw.headend.transport.channel_bps,
        PacketTime::Stream => raw.content.bitrate_bps,
    };
    crate::headend::transport::packet_time(crate::headend::transport::Bitrate::new(bps))
}

/// Why users are migrated (FIG. 4 step 404).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    DiskFailure,
    ModuleFailure,
    BufferFailure,
    SecondaryStorage,
    FailureLikely,
    LoadBalance,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::DiskFailure => "disk-failure",
            Cause::ModuleFailure => "module-failure",
            Cause::BufferFailure => "buffer-failure",
            Cause::SecondaryStorage => "secondary-storage",
            Cause::FailureLikely => "failure-likely",
            Cause::LoadBalance => "load-balance",
        }
    }
}

/// What the viewer saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No artefact: nothing lost, nothing repeated, no freeze.
    Seamless,
    /// No content lost, but some repeated and/or a freeze.
    Duplicate,
    /// Some content never shown.
    Lost,
    /// The migration failed and the stream was terminated.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Seamless => "seamless",
            Outcome::Duplicate => "duplicate",
            Outcome::Lost => "lost",
            Outcome::Failed => "failed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Request sent, waiting for the destination's answer (FIG. 4 step 414).
    Requested,
    /// Accepted; the source stops output at the transition instant (step 428).
    Accepted,
    /// Trigger sent; waiting for "stream migrated" (step 614).
    Triggered,
    /// Destination streaming; waiting for control transfer (step 642).
    Streaming,
    Done,
}

/// One migration attempt of one stream.
#[derive(Clone, Debug)]
pub struct Migration {
    pub id: u32,
    pub stream: StreamId,
    pub user: u32,
    /// Content the request was made for (step 606 checks it is unchanged).
    pub title: u32,
    pub cause: Cause,
    pub source: u16,
    /// Current destination (the last tried, once done).
    pub dest: u16,
    pub started: SimTime,
    /// When what made it necessary happened: a fault, known only at
    /// `started` (I/O timeout, missed heartbeats); `started` otherwise.
    pub fault_at: SimTime,
    /// Bumped per request, so answers to an abandoned request are ignored.
    pub round: u32,
    pub phase: Phase,
    /// Transition point: title position of the first packet the destination
    /// plays [packets], and the extent of the destination holding it.
    pub q_pkt: u64,
    pub extent: u32,
    /// Transition instant: the destination's first packet leaves then.
    pub deadline: SimTime,
    /// The source can keep streaming until then (`None`: as long as needed).
    pub horizon: Option<SimTime>,
    /// Triage: migrated directly, irrespective of artefacts.
    pub direct: bool,
    /// The transition is a packet offset inside an extent.
    pub packet_offset: bool,
    pub modified: bool,
    pub tried: Vec<u16>,
    /// The one destination a load-balancing move may use (the observer
    /// chose it for its load); `None`: any, least loaded first.
    pub target: Option<u16>,
    pub alternates: u32,
    pub recomputes: u32,
    /// Extents tried after the first by a retrieve-first destination (step 632).
    pub carousel_tries: u32,
    pub messages: u32,
    /// Destination's transitional read.
    pub dest_read: Option<ReadId>,
    /// Destination's read of the extent after the transitional one, issued
    /// with it when the transitional slot is short; the stream's next read
    /// once handed over.
    pub dest_next_read: Option<ReadId>,
    /// Destination has counted the stream against its admission limit.
    pub dest_reserved: bool,
    pub outcome: Option<Outcome>,
    pub lost_pkts: u64,
    pub dup_pkts: u64,
    pub stall_ns: u64,
    pub ended: SimTime,
    /// How the source's wait for "stream migrated" ended (step 616), so a
    /// late message or timer finds the decision already taken.
    pub source_end: Option<SourceEnd>,
    /// What happened on the way, in order (for the CSV's `note`): the
    /// protocol's turns (a passed extent used, control sent, the source
    /// giving up, a late trigger) and, last, why it failed if it did.
    pub notes: Vec<&'static str>,
}

/// The source's decision at step 616.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceEnd {
    /// Step 618: control transferred to the destination.
    ControlSent,
    /// Step 617: no "stream migrated" in time; the source terminated its side.
    GaveUp,
}

impl Migration {
    /// A fresh attempt for `stream`, started `now` by `source`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: u32,
        stream: StreamId,
        user: u32,
        cause: Cause,
        source: u16,
        now: SimTime,
        horizon: Option<SimTime>,
        direct: bool,
        phase: Phase,
    ) -> Migration {
        Migration {
            id,
            stream,
            user,
            title: 0,
            cause,
            source,
            dest: crate::headend::stream::NO_MODULE,
            started: now,
            fault_at: now,
            round: 0,
            phase,
            q_pkt: 0,
            extent: 0,
            deadline: now,
            horizon,
            direct,
            packet_offset: false,
            modified: false,
            tried: Vec::new(),
            target: None,
            alternates: 0,
            recomputes: 0,
            carousel_tries: 0,
            messages: 0,
            dest_read: None,
            dest_next_read: None,
            dest_reserved: false,
            outcome: None,
            lost_pkts: 0,
            dup_pkts: 0,
            stall_ns: 0,
            ended: now,
            source_end: None,
            notes: Vec::new(),
        }
    }

    /// Adds `what` to the notes, unless it is the last one already (a step
    /// that repeats, such as a recomputed deadline, is noted once).
    pub fn note(&mut self, what: &'static str) {
        if self.notes.last() != Some(&what) {
            self.notes.push(what);
        }
    }

    /// The notes as the CSV shows them: in order, separated by "; ".
    pub fn notes_text(&self) -> String {
        self.notes.join("; ")
    }
}
