//! Runs one scenario: the components of the model, the one event queue they
//! share, and the routing of each event to the component that owns it.

use crate::balance::{LoadCheck, LoadObserver};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::faults::{FaultEv, Faults};
use crate::headend::session::Blocked;
use crate::headend::stream::{NO_MODULE, Status};
use crate::headend::transport::{Bitrate, packets_to_time};
use crate::headend::{Headend, HeadendEv, Impact, Notice};
use crate::migration::{MsgKind, Outcome, Protocol, ProtocolEv, TimerKind};
use crate::report::{IntervalCounts, MigrationRow, ReadRow, StreamRow, Summary};
use crate::scenario::Scenario;

/// How to run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Keep one row per disk read (`reads.csv`).
    pub trace: bool,
    /// Check invariants in release builds too (always on in debug builds).
    pub check: bool,
    /// Give every disk completion its own queue event instead of resolving
    /// the quiet ones lazily (`headend/array.rs`): slower, same output; the
    /// reference the lazy resolution is tested against.
    pub eager_disks: bool,
}

/// Every event of the model, each owned by one component. One flat enum
/// rather than one variant per component: the tag is a `u32` of its own
/// (`repr(u32)`: 16 bytes, every field at a 4-byte offset), which the event
/// loop copies cheaply (docs/performance.md).
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
pub enum Ev {
    Boundary { stream: u32, epoch: u32 },
    FirstRead { stream: u32, epoch: u32 },
    DiskDone { module: u16, disk: u16, read: u32 },
    Arrival,
    SessionEnd { stream: u32, epoch: u32 },
    Report,
    Fault(u32),
    Repair(u32),
    BurstEnd(u32),
    Detected(u32),
    LoadCheck,
    NaiveRestart { stream: u32, mig: u32 },
    Msg { mig: u32, round: u32, kind: MsgKind },
    Timer { mig: u32, round: u32, kind: TimerKind },
}

const _: () = assert!(std::mem::size_of::<Ev>() == 16, "Ev changed size: check the event loop's copies (see its docs)");

impl From<HeadendEv> for Ev {
    #[inline]
    fn from(ev: HeadendEv) -> Ev {
        match ev {
            HeadendEv::Boundary { stream, epoch } => Ev::Boundary { stream, epoch },
            HeadendEv::FirstRead { stream, epoch } => Ev::FirstRead { stream, epoch },
            HeadendEv::DiskDone { module, disk, read } => Ev::DiskDone { module, disk, read },
            HeadendEv::Arrival => Ev::Arrival,
            HeadendEv::SessionEnd { stream, epoch } => Ev::SessionEnd { stream, epoch },
            HeadendEv::Report => Ev::Report,
        }
    }
}

impl From<ProtocolEv> for Ev {
    #[inline]
    fn from(ev: ProtocolEv) -> Ev {
        match ev {
            ProtocolEv::NaiveRestart { stream, mig } => Ev::NaiveRestart { stream, mig },
            ProtocolEv::Msg { mig, round, kind } => Ev::Msg { mig, round, kind },
            ProtocolEv::Timer { mig, round, kind } => Ev::Timer { mig, round, kind },
        }
    }
}

impl From<FaultEv> for Ev {
    fn from(ev: FaultEv) -> Ev {
        match ev {
            FaultEv::Fault(i) => Ev::Fault(i),
            FaultEv::Repair(i) => Ev::Repair(i),
            FaultEv::BurstEnd(i) => Ev::BurstEnd(i),
            FaultEv::Detected(i) => Ev::Detected(i),
        }
    }
}

impl From<LoadCheck> for Ev {
    fn from(_: LoadCheck) -> Ev {
        Ev::LoadCheck
    }
}

/// The owner of an event, and the event as its owner knows it.
enum Routed {
    Headend(HeadendEv),
    Protocol(ProtocolEv),
    Faults(FaultEv),
    Observer,
}

impl Ev {
    #[inline]
    fn route(self) -> Routed {
        match self {
            Ev::Boundary { stream, epoch } => Routed::Headend(HeadendEv::Boundary { stream, epoch }),
            Ev::FirstRead { stream, epoch } => Routed::Headend(HeadendEv::FirstRead { stream, epoch }),
            Ev::DiskDone { module, disk, read } => Routed::Headend(HeadendEv::DiskDone { module, disk, read }),
            Ev::Arrival => Routed::Headend(HeadendEv::Arrival),
            Ev::SessionEnd { stream, epoch } => Routed::Headend(HeadendEv::SessionEnd { stream, epoch }),
            Ev::Report => Routed::Headend(HeadendEv::Report),
            Ev::Fault(i) => Routed::Faults(FaultEv::Fault(i)),
            Ev::Repair(i) => Routed::Faults(FaultEv::Repair(i)),
            Ev::BurstEnd(i) => Routed::Faults(FaultEv::BurstEnd(i)),
            Ev::Detected(i) => Routed::Faults(FaultEv::Detected(i)),
            Ev::LoadCheck => Routed::Observer,
            Ev::NaiveRestart { stream, mig } => Routed::Protocol(ProtocolEv::NaiveRestart { stream, mig }),
            Ev::Msg { mig, round, kind } => Routed::Protocol(ProtocolEv::Msg { mig, round, kind }),
            Ev::Timer { mig, round, kind } => Routed::Protocol(ProtocolEv::Timer { mig, round, kind }),
        }
    }

    /// The event as the head-end knows it, if it is the head-end's.
    #[inline]
    fn headend(&self) -> Option<HeadendEv> {
        match self.route() {
            Routed::Headend(ev) => Some(ev),
            _ => None,
        }
    }
}

/// A scenario's model: its components and their shared queue.
pub struct World {
    pub q: EventQueue<Ev>,
    pub headend: Headend,
    pub protocol: Protocol,
    faults: Faults,
    observer: LoadObserver,
}

impl World {
    /// The model of `sc`, with nothing scheduled yet (`start`).
    pub fn new(sc: &Scenario, opts: RunOptions) -> World {
        World {
            q: EventQueue::with_capacity(sc.raw.workload.streams as usize * 3 + 64),
            headend: Headend::new(sc, opts.trace, opts.check, !opts.eager_disks),
            protocol: Protocol::new(sc),
            faults: Faults::new(sc),
            observer: LoadObserver::new(sc),
        }
    }

    /// Schedules the first event of every component.
    pub fn start(&mut self) {
        self.headend.start(&mut self.q);
        self.faults.start(&mut self.q);
        self.observer.start(&mut self.q);
    }

    pub fn now(&self) -> SimTime {
        self.q.now()
    }

    pub fn end(&self) -> SimTime {
        self.headend.end()
    }

    /// Routes `ev` to its owner (inlined into the event loop: see
    /// `headend/mod.rs`).
    #[inline(always)]
    fn dispatch(&mut self, ev: Ev) {
        let (q, h, p) = (&mut self.q, &mut self.headend, &mut self.protocol);
        match ev.route() {
            Routed::Headend(ev) => match h.handle(q, ev) {
                None => {}
                Some(Notice::Transitional { mig, read }) => p.on_read_done(q, h, mig, read),
                // A session whose stream is being migrated ends with the
                // migration's generation, not before.
                Some(Notice::SessionOver { stream, epoch }) if h.stream(stream).epoch == epoch || p.migrating(stream).is_none() => {
                    h.end_session(q, stream)
                }
                Some(Notice::SessionOver { .. }) => {}
            },
            Routed::Protocol(ev) => p.handle(q, h, ev),
            Routed::Faults(ev) => self.faults.handle(q, h, p, ev),
            Routed::Observer => self.observer.on_load_check(q, h, p),
        }
    }

    /// Processes the next event, if any is due by `until`; returns its time.
    pub fn step(&mut self, until: SimTime) -> Result<Option<SimTime>, SimError> {
        let Some((t, ev)) = self.q.pop_until(until) else { return Ok(None) };
        self.dispatch(ev);
        match self.headend.take_violation() {
            Some(v) => Err(SimError::Invariant(format!("{v} (event {ev:?})"))),
            None => Ok(Some(t)),
        }
    }

    /// Processes every event due up to and including `until`, stopping at
    /// the first broken invariant. Quiet disk completions are resolved
    /// lazily (`headend/array.rs`): to inspect disks or reads between
    /// calls, settle them first (`Headend::settle_all_disks`).
    pub fn advance(&mut self, until: SimTime, mut progress: impl FnMut(f64)) -> Result<(), SimError> {
        let end = self.end().as_secs_f64().max(1e-9);
        let mut tick = 0u32;
        while let Some((_, ev)) = self.q.pop_until(until) {
            self.headend.prefetch_upcoming(self.q.upcoming().map(Ev::headend));
            self.dispatch(ev);
            if let Some(v) = self.headend.take_violation() {
                return Err(SimError::Invariant(format!("{v} (event {ev:?})")));
            }
            tick = tick.wrapping_add(1);
            if tick & 0xffff == 0 {
                progress(self.q.now().as_secs_f64() / end);
                if let Some(sig) = crate::interrupt::received() {
                    return Err(SimError::Interrupted(sig));
                }
            }
        }
        Ok(())
    }
}

/// Everything a run produces, before it is written anywhere.
pub struct RunOutput {
    pub summary: Summary,
    pub streams: Vec<StreamRow>,
    pub modules: Vec<crate::report::ModuleRow>,
    pub migrations: Vec<MigrationRow>,
    pub reads: Option<Vec<ReadRow>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A model invariant broke; the message names the instant and what broke.
    #[error("invariant broken {0}")]
    Invariant(String),
    /// SIGINT or SIGTERM (the number) arrived: the run stopped early and
    /// has nothing to write (`crate::interrupt`).
    #[error("interrupted by {}", crate::interrupt::name(*.0))]
    Interrupted(i32),
}

/// Runs `sc`; `progress` is told the simulated fraction done now and then.
pub fn simulate(sc: &Scenario, opts: RunOptions, sha256: &str, mut progress: impl FnMut(f64)) -> Result<RunOutput, SimError> {
    let wall = std::time::Instant::now();
    let mut w = World::new(sc, opts);
    w.start();
    let end = w.end();
    w.advance(end, &mut progress)?;
    finish(&mut w, sc, sha256, wall, progress)
}

/// Ends a run that has been advanced to its end: the last accounting, the
/// end-of-run invariants, and what the run produced.
pub fn finish(
    w: &mut World,
    sc: &Scenario,
    sha256: &str,
    wall: std::time::Instant,
    mut progress: impl FnMut(f64),
) -> Result<RunOutput, SimError> {
    let end = w.end();
    w.headend.finish(&mut w.q, end);
    w.protocol.judge_on_viewer(&w.headend);
    if w.headend.checks() {
        w.headend.check_end().map_err(SimError::Invariant)?;
        w.protocol.check_end(end).map_err(SimError::Invariant)?;
    }
    progress(1.0);
    Ok(collect(w, sc, sha256, wall.elapsed().as_secs_f64()))
}

/// Per stream, what its viewer got and missed (from the ledger).
#[derive(Clone, Copy, Default)]
struct Viewer {
    glitches: u32,
    freezes: u32,
    freeze_ns: u64,
    lost_pkts: u64,
    terminated_lost_pkts: u64,
    dup_pkts: u64,
    stall_ns: u64,
}

fn collect(w: &World, sc: &Scenario, sha256: &str, wall_s: f64) -> RunOutput {
    let raw = &sc.raw;
    let h = &w.headend;
    let r = h.results();
    let warm = r.warmup;
    // Migrations started in the warm-up do not count.
    let migs: Vec<&crate::migration::Migration> = w.protocol.migrations().iter().filter(|m| m.started >= warm).collect();
    // Packets of each bit-rate class to seconds: totals are summed in
    // packets by class and converted once per class.
    let rates: Vec<Bitrate> = sc.classes.iter().map(|c| Bitrate::new(c.bitrate_bps)).collect();
    let n_class = rates.len();
    let class_s = |c: usize, p: u64| packets_to_time(p, rates[c]).as_secs_f64();
    let by_class_s = |pkts: &[u64]| pkts.iter().enumerate().map(|(c, &p)| class_s(c, p)).sum::<f64>();
    let class_of = |s: u32| r.streams.get(s as usize).map_or(0, |st| st.class as usize);
    let pkt_s = |s: u32, p: u64| class_s(class_of(s), p);
    let end = h.end();
    let mut viewers = vec![Viewer::default(); r.streams.len()];
    // Interval k of `modules.csv` ends at the k-th distinct report instant
    // and holds what happened after the one before, up to and including it.
    let mut report_t: Vec<SimTime> = r.module_rows.iter().map(|m| m.t).collect();
    report_t.dedup();
    let n_mod = h.module_count();
    // (One spare interval when there is no row, so a record always has a bin.)
    let mut bins = vec![IntervalCounts::default(); report_t.len().max(1) * n_mod];
    // Lost and duplicated packets of each bin, by class.
    let mut bin_pkts = vec![(0u64, 0u64); bins.len() * n_class];
    let bin_of = |t: SimTime, m: u16| {
        let k = report_t.partition_point(|&rt| rt < t).min(report_t.len().saturating_sub(1));
        k * n_mod + (m as usize).min(n_mod - 1)
    };
    let (mut started, mut blocked) = (0u64, 0u64);
    for rec in r.impacts {
        let b = bin_of(rec.t, rec.module);
        let v = viewers.get_mut(rec.stream as usize);
        match (rec.kind, v) {
            (Impact::SessionStarted, _) => {
                started += 1;
                bins[b].sessions_started += 1;
            }
            (Impact::SessionBlocked, _) => {
                blocked += 1;
                bins[b].sessions_blocked += 1;
            }
            (_, None) => {}
            (Impact::Glitch, Some(v)) => {
                v.glitches += 1;
                bins[b].glitches += 1;
            }
            (Impact::Freeze { ns, new }, Some(v)) => {
                v.freezes += u32::from(new);
                v.freeze_ns += ns;
                bins[b].freezes += u64::from(new);
            }
            (Impact::Lost(p), Some(v)) => {
                v.lost_pkts += p;
                bin_pkts[b * n_class + class_of(rec.stream)].0 += p;
            }
            (Impact::TerminatedLost(p), Some(v)) => {
                v.lost_pkts += p;
                v.terminated_lost_pkts += p;
                bin_pkts[b * n_class + class_of(rec.stream)].0 += p;
            }
            (Impact::Duplicate(p), Some(v)) => {
                v.dup_pkts += p;
                bin_pkts[b * n_class + class_of(rec.stream)].1 += p;
            }
            (Impact::HandoffStall(ns), Some(v)) => v.stall_ns += ns,
        }
    }
    for m in &migs {
        bins[bin_of(m.started, m.source)].migrations_out += 1;
        if m.dest != NO_MODULE {
            bins[bin_of(m.started, m.dest)].migrations_in += 1;
        }
    }
    for (b, pkts) in bins.iter_mut().zip(bin_pkts.chunks(n_class)) {
        b.lost_s = by_class_s(&pkts.iter().map(|p| p.0).collect::<Vec<_>>());
        b.duplicate_s = by_class_s(&pkts.iter().map(|p| p.1).collect::<Vec<_>>());
    }
    let mut modules = r.module_rows.to_vec();
    for (row, b) in modules.iter_mut().zip(&bins) {
        row.interval = *b;
    }
    let streams: Vec<StreamRow> = r
        .streams
        .iter()
        .zip(r.logs)
        .zip(&viewers)
        .map(|((st, log), v)| StreamRow {
            stream_id: st.id,
            user_id: log.user,
            title: st.title,
            module_start: u32::from(log.module_start),
            module_end: (st.module != NO_MODULE).then_some(u32::from(st.module)),
            start_s: log.started.as_secs_f64(),
            end_s: log.ended.unwrap_or(end).as_secs_f64(),
            periods: st.periods - log.warm_periods,
            delivered: st.delivered - log.warm_delivered,
            glitches: v.glitches,
            freezes: v.freezes,
            freeze_s: SimDuration(v.freeze_ns).as_secs_f64(),
            lost_s: pkt_s(st.id, v.lost_pkts),
            terminated_lost_s: pkt_s(st.id, v.terminated_lost_pkts),
            duplicate_s: pkt_s(st.id, v.dup_pkts),
            stall_s: SimDuration(v.stall_ns).as_secs_f64(),
            startup_s: log.startup.filter(|_| log.started >= warm).map(|d| d.as_secs_f64()),
            migrations: log.migrations,
            terminated: st.status == Status::Terminated,
            bitrate_bps: rates[st.class as usize].bps(),
        })
        .collect();
    let migrations: Vec<MigrationRow> = migs
        .iter()
        .map(|m| MigrationRow {
            t_s: m.started.as_secs_f64(),
            cause: m.cause.as_str(),
            policy: raw.migration.policy.as_str(),
            user_id: m.user,
            stream_id: m.stream,
            source: m.source as u32,
            destination: (m.dest != NO_MODULE).then_some(u32::from(m.dest)),
            transitional_extent: m.extent,
            packet_offset: m.q_pkt,
            discontinuity: m.packet_offset,
            direct: m.direct,
            modified: m.modified,
            outcome: m.outcome.map(Outcome::as_str).unwrap_or("pending"),
            lost_s: pkt_s(m.stream, m.lost_pkts),
            duplicate_s: pkt_s(m.stream, m.dup_pkts),
            stall_s: SimDuration(m.stall_ns).as_secs_f64(),
            lost_packets: m.lost_pkts,
            duplicate_packets: m.dup_pkts,
            smbus_messages: m.messages,
            alternates: m.alternates,
            recomputes: m.recomputes,
            carousel_tries: m.carousel_tries,
            handoff_s: m.ended.saturating_since(m.fault_at).as_secs_f64(),
            note: m.notes_text(),
        })
        .collect();
    let count = |o: Option<Outcome>| migs.iter().filter(|m| m.outcome == o).count() as u64;
    let sum = |f: fn(&StreamRow) -> u64| streams.iter().map(f).sum::<u64>();
    let vsum = |f: fn(&Viewer) -> u64| viewers.iter().map(f).sum::<u64>();
    let periods = sum(|r| r.periods as u64);
    let glitches = sum(|r| r.glitches as u64);
    let lost_pkts = vsum(|v| v.lost_pkts);
    let dup_pkts = vsum(|v| v.dup_pkts);
    // Seconds of a viewer total: its packets summed by class, then converted.
    let vsum_s = |f: fn(&Viewer) -> u64| {
        let mut pkts = vec![0u64; n_class];
        for (i, v) in viewers.iter().enumerate() {
            pkts[class_of(i as u32)] += f(v);
        }
        by_class_s(&pkts)
    };
    let n_mig = migs.len() as u64;
    let disks = (raw.headend.modules * raw.headend.disks_per_module) as f64;
    let mut startups: Vec<f64> = streams.iter().filter_map(|r| r.startup_s).collect();
    startups.sort_by(f64::total_cmp);
    let pct = |p: f64| match startups.len() {
        0 => 0.0,
        n => startups[((p * n as f64).ceil() as usize).clamp(1, n) - 1],
    };
    debug_assert!(warm > SimTime::ZERO || started == r.counters.sessions_started);
    let summary = Summary {
        scenario: raw.name.clone(),
        seed: raw.seed,
        policy: raw.migration.policy.as_str().to_string(),
        vodsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_sha256: sha256.to_string(),
        duration_s: raw.duration_s,
        wall_s,
        events: w.q.processed() + r.counters.lazy_completions,
        streams: r.streams.len() as u64,
        sessions_blocked: blocked,
        sessions_blocked_no_module: r.counters.blocked_by[Blocked::NoModule as usize],
        sessions_blocked_buffer: r.counters.blocked_by[Blocked::Buffer as usize],
        sessions_blocked_disk: r.counters.blocked_by[Blocked::Disk as usize],
        sessions_blocked_switch: r.counters.blocked_by[Blocked::Switch as usize],
        sessions_blocked_fatc: r.counters.blocked_by[Blocked::Fatc as usize],
        streams_per_disk: raw.workload.streams as f64 / disks,
        stream_periods: periods,
        extents_delivered: sum(|r| r.delivered as u64),
        glitches,
        glitch_rate: if periods > 0 { glitches as f64 / periods as f64 } else { 0.0 },
        freezes: vsum(|v| u64::from(v.freezes)),
        freeze_s: SimDuration(vsum(|v| v.freeze_ns)).as_secs_f64(),
        lost_s: vsum_s(|v| v.lost_pkts),
        terminated_lost_s: vsum_s(|v| v.terminated_lost_pkts),
        duplicate_s: vsum_s(|v| v.dup_pkts),
        stall_s: SimDuration(vsum(|v| v.stall_ns)).as_secs_f64(),
        lost_packets: lost_pkts,
        duplicate_packets: dup_pkts,
        reads_completed: r.counters.reads_completed,
        reads_failed: r.counters.reads_failed,
        migrations: n_mig,
        migrations_seamless: count(Some(Outcome::Seamless)),
        migrations_duplicate: count(Some(Outcome::Duplicate)),
        migrations_lost: count(Some(Outcome::Lost)),
        migrations_failed: count(Some(Outcome::Failed)),
        migrations_pending: count(None),
        seamless_fraction: if n_mig > 0 { count(Some(Outcome::Seamless)) as f64 / n_mig as f64 } else { 0.0 },
        smbus_messages: w.protocol.smbus().sent,
        smbus_lost: w.protocol.smbus().lost,
        streams_terminated: r
            .streams
            .iter()
            .zip(r.logs)
            .filter(|(s, l)| s.status == Status::Terminated && l.ended.is_some_and(|e| e >= warm))
            .count() as u64,
        startup_s_mean: if startups.is_empty() { 0.0 } else { startups.iter().sum::<f64>() / startups.len() as f64 },
        startup_s_p50: pct(0.50),
        startup_s_p95: pct(0.95),
        startup_s_p99: pct(0.99),
    };
    // In start order already (`Headend::finish`).
    let reads = r.read_rows.map(|rows| rows.to_vec());
    RunOutput { summary, streams, modules, migrations, reads }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    /// Two modules of two disks, 4 users, 40 s; titles of 5 400 s, so no
    /// viewer reaches a title's end.
    const SMALL: &str = r#"{ "name": "t", "seed": 5, "duration_s": 40,
        "headend": { "modules": 2, "disks_per_module": 2 },
        "workload": { "streams": 4 }, "faults": [] }"#;

    /// Runs SMALL to `at_s`, does `act` to stream `s`, runs to the end.
    fn run_with(sets: &[&str], at_s: f64, s: u32, act: fn(&mut World, u32)) -> RunOutput {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let l = load_str("t.json", SMALL, &sets, None).expect("valid");
        let mut w = World::new(&l.scenario, RunOptions { check: true, ..RunOptions::default() });
        w.start();
        w.advance(SimTime::from_secs_f64(at_s), |_| {}).expect("runs");
        act(&mut w, s);
        let end = w.end();
        w.advance(end, |_| {}).expect("runs");
        finish(&mut w, &l.scenario, "t", std::time::Instant::now(), |_| {}).expect("ends")
    }

    fn terminate(w: &mut World, s: u32) {
        w.headend.terminate(&mut w.q, s);
    }

    /// The stream's module stops feeding it and nobody takes over: it
    /// glitches at every deadline to the end of its session.
    fn go_dark(w: &mut World, s: u32) {
        w.headend.stop_output(&mut w.q, s);
    }

    #[test]
    fn terminating_a_stream_never_lowers_lost_s_compared_with_letting_it_glitch() {
        for (sets, at_s) in [(&[][..], 10.0), (&[][..], 23.7), (&["workload.mean_session_s=30"][..], 10.0), (&[][..], 39.0)] {
            for s in 0..4 {
                let cut = run_with(sets, at_s, s, terminate);
                let dark = run_with(sets, at_s, s, go_dark);
                let (c, d) = (&cut.streams[s as usize], &dark.streams[s as usize]);
                if !c.terminated {
                    // Its session was over before the cut.
                    assert!(c.end_s <= at_s && !sets.is_empty());
                    continue;
                }
                assert!(!d.terminated);
                assert!(
                    cut.summary.lost_s >= dark.summary.lost_s && c.lost_s >= d.lost_s,
                    "{sets:?} at {at_s} s, stream {s}: terminated {} < glitching {}",
                    c.lost_s,
                    d.lost_s
                );
                assert!(c.glitches <= d.glitches, "glitch counts would reward the termination: {} vs {}", c.glitches, d.glitches);
                assert!(c.lost_s >= c.terminated_lost_s && c.terminated_lost_s > 0.0);
                assert_eq!(cut.summary.terminated_lost_s, c.terminated_lost_s);
                if sets.is_empty() {
                    // No session limit, no title end: the terminated viewer
                    // misses the whole rest of the run, 40 s less the
                    // instant of the cut (the last event up to at_s, its
                    // end_s), to within one packet time (0.4 ms at
                    // 3.75 Mbit/s); the dark one as much.
                    let rest = 40.0 - c.end_s;
                    assert!(c.end_s <= at_s && c.end_s > at_s - 2.0);
                    assert!((c.terminated_lost_s - rest).abs() < 1e-3, "lost {} s, expected {rest}", c.terminated_lost_s);
                    assert!(d.lost_s > rest - 1e-3, "dark lost {} s", d.lost_s);
                    // The dark viewer's picture stands still from at_s on.
                    assert!(d.freezes >= 1 && d.freeze_s > rest - 1e-6, "{} freezes, {} s", d.freezes, d.freeze_s);
                }
            }
        }
    }
}
