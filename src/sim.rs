//! Runs one scenario to the end and gathers its results.

use crate::engine::{SimDuration, SimTime};
use crate::headend::stream::{NO_MODULE, Status};
use crate::headend::{Ev, Headend};
use crate::migration::Outcome;
use crate::report::{MigrationRow, ModuleRow, ReadRow, StreamRow, Summary};
use crate::scenario::Scenario;

/// How to run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Keep one row per disk read (`reads.csv`).
    pub trace: bool,
    /// Check invariants in release builds too (always on in debug builds).
    pub check: bool,
    /// Give every disk completion its own queue event instead of resolving
    /// the quiet ones lazily (`headend::array`): slower, same output; the
    /// reference the lazy resolution is tested against.
    pub eager_disks: bool,
}

/// Everything a run produces, before it is written anywhere.
pub struct RunOutput {
    pub summary: Summary,
    pub streams: Vec<StreamRow>,
    pub modules: Vec<ModuleRow>,
    pub migrations: Vec<MigrationRow>,
    pub reads: Option<Vec<ReadRow>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A model invariant broke; the message names the instant and what broke.
    #[error("invariant broken {0}")]
    Invariant(String),
}

/// Runs `sc`; `progress` is told the simulated fraction done now and then.
pub fn simulate(sc: &Scenario, opts: RunOptions, sha256: &str, mut progress: impl FnMut(f64)) -> Result<RunOutput, SimError> {
    let wall = std::time::Instant::now();
    let mut h = Headend::new(sc, opts.trace, opts.check);
    h.lazy_disks = !opts.eager_disks;
    h.start();
    let end = h.end;
    advance(&mut h, end, &mut progress)?;
    // Completions due up to the end, like the events popped up to it.
    h.settle_all_disks(end + SimDuration(1));
    // Deadlines up to the end that fell due while a user was dark count as
    // missed; nothing after `end` counts.
    let after_end = end + SimDuration(1);
    for s in 0..h.streams.len() as u32 {
        let st = &h.streams[s as usize];
        if st.status == Status::Active
            && let Some(dark) = st.dark_since
        {
            h.count_missed(s, dark, after_end);
        }
    }
    if h.check {
        for st in &h.streams {
            if st.periods != st.delivered + st.glitches {
                return Err(SimError::Invariant(format!(
                    "at the end: stream {} has {} periods but {} delivered + {} glitches",
                    st.id, st.periods, st.delivered, st.glitches
                )));
            }
        }
        for m in &h.migrations {
            if m.outcome.is_none() && m.started + SimDuration::from_secs(60) < end {
                return Err(SimError::Invariant(format!("migration {} of stream {} never ended", m.id, m.stream)));
            }
        }
        if h.fatc.busiest_channel_streams() > h.fatc.streams_per_channel() {
            return Err(SimError::Invariant("an FATC channel carries more than its payload rate".into()));
        }
    }
    progress(1.0);
    Ok(collect(&h, sc, sha256, wall.elapsed().as_secs_f64()))
}

/// Processes the next event, if any is due by `until`; returns its time.
pub fn step(h: &mut Headend, until: SimTime) -> Result<Option<SimTime>, SimError> {
    let Some((t, ev)) = h.q.pop_until(until) else { return Ok(None) };
    dispatch(h, ev);
    match h.violation.take() {
        Some(v) => Err(SimError::Invariant(format!("{v} (event {ev:?})"))),
        None => Ok(Some(t)),
    }
}

/// Processes every event due up to and including `until`, stopping at the
/// first broken invariant. Quiet disk completions are resolved lazily
/// (`headend::array`): to inspect disks or reads between calls, settle them
/// first with `Headend::settle_all_disks(h.now() + SimDuration(1))`.
pub fn advance(h: &mut Headend, until: SimTime, mut progress: impl FnMut(f64)) -> Result<(), SimError> {
    let end = h.end.as_secs_f64().max(1e-9);
    let mut tick = 0u32;
    while let Some((_, ev)) = h.q.pop_until(until) {
        h.prefetch_upcoming();
        dispatch(h, ev);
        if let Some(v) = h.violation.take() {
            return Err(SimError::Invariant(format!("{v} (event {ev:?})")));
        }
        tick = tick.wrapping_add(1);
        if tick & 0xffff == 0 {
            progress(h.now().as_secs_f64() / end);
        }
    }
    Ok(())
}

fn dispatch(h: &mut Headend, ev: Ev) {
    match ev {
        Ev::Boundary { stream, epoch } => h.on_boundary(stream, epoch),
        Ev::FirstRead { stream, epoch } => h.on_first_read(stream, epoch),
        Ev::DiskDone { module, disk, .. } => h.on_disk_done(module as usize, disk as usize),
        Ev::Arrival => h.on_arrival(),
        Ev::SessionEnd { stream, epoch } => {
            if h.streams[stream as usize].epoch == epoch || h.streams[stream as usize].migration.is_none() {
                h.end_stream(stream, Status::Ended);
            }
        }
        Ev::Report => h.on_report(),
        Ev::Fault(i) => h.on_fault(i),
        Ev::Repair(i) => h.on_repair(i),
        Ev::BurstEnd(_) => h.on_burst_end(),
        Ev::LoadCheck => h.on_load_check(),
        Ev::NaiveRestart { stream, mig } => h.naive_restart(stream, mig),
        Ev::Msg { mig, round, kind } => h.on_message(mig, round, kind),
        Ev::Timer { mig, round, kind } => h.on_timer(mig, round, kind),
    }
}

fn collect(h: &Headend, sc: &Scenario, sha256: &str, wall_s: f64) -> RunOutput {
    let raw = &sc.raw;
    let pkt_s = |p: u64| h.pkt_time(p).as_secs_f64();
    let end = h.end;
    let streams: Vec<StreamRow> = h
        .streams
        .iter()
        .zip(&h.logs)
        .map(|(st, log)| StreamRow {
            stream_id: st.id,
            user_id: log.user,
            title: st.title,
            module_start: log.module_start as i64,
            module_end: if st.module == NO_MODULE { -1 } else { st.module as i64 },
            start_s: log.started.as_secs_f64(),
            end_s: log.ended.unwrap_or(end).as_secs_f64(),
            periods: st.periods,
            delivered: st.delivered,
            glitches: st.glitches,
            lost_s: pkt_s(st.lost_pkts),
            duplicate_s: pkt_s(log.dup_pkts),
            stall_s: SimDuration(log.stall_ns).as_secs_f64(),
            migrations: log.migrations,
            terminated: st.status == Status::Terminated,
        })
        .collect();
    let migrations: Vec<MigrationRow> = h
        .migrations
        .iter()
        .map(|m| MigrationRow {
            t_s: m.started.as_secs_f64(),
            cause: m.cause.as_str(),
            policy: raw.migration.policy.as_str(),
            user_id: m.user,
            stream_id: m.stream,
            source: m.source as u32,
            destination: if m.dest == NO_MODULE { -1 } else { m.dest as i64 },
            transitional_extent: m.extent,
            packet_offset: m.q_pkt,
            discontinuity: m.packet_offset,
            direct: m.direct,
            modified: m.modified,
            outcome: m.outcome.map(Outcome::as_str).unwrap_or("pending"),
            lost_s: pkt_s(m.lost_pkts),
            duplicate_s: pkt_s(m.dup_pkts),
            stall_s: SimDuration(m.stall_ns).as_secs_f64(),
            lost_packets: m.lost_pkts,
            duplicate_packets: m.dup_pkts,
            smbus_messages: m.messages,
            alternates: m.alternates,
            recomputes: m.recomputes,
            carousel_tries: m.carousel_tries,
            handoff_s: m.ended.saturating_since(m.started).as_secs_f64(),
            note: m.notes_text(),
        })
        .collect();
    let count = |o: Outcome| h.migrations.iter().filter(|m| m.outcome == Some(o)).count() as u64;
    let sum = |f: fn(&StreamRow) -> u64| streams.iter().map(f).sum::<u64>();
    let periods = sum(|r| r.periods as u64);
    let glitches = sum(|r| r.glitches as u64);
    let lost_pkts: u64 = h.streams.iter().map(|s| s.lost_pkts).sum();
    let dup_pkts: u64 = h.logs.iter().map(|l| l.dup_pkts).sum();
    let n_mig = h.migrations.len() as u64;
    let disks = (raw.headend.modules * raw.headend.disks_per_module) as f64;
    let summary = Summary {
        scenario: raw.name.clone(),
        seed: raw.seed,
        policy: raw.migration.policy.as_str().to_string(),
        vodsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_sha256: sha256.to_string(),
        duration_s: raw.duration_s,
        wall_s,
        events: h.q.processed() + h.counters.lazy_completions,
        streams: h.streams.len() as u64,
        sessions_blocked: h.counters.blocked,
        streams_per_disk: raw.workload.streams as f64 / disks,
        stream_periods: periods,
        extents_delivered: sum(|r| r.delivered as u64),
        glitches,
        glitch_rate: if periods > 0 { glitches as f64 / periods as f64 } else { 0.0 },
        lost_s: pkt_s(lost_pkts),
        duplicate_s: pkt_s(dup_pkts),
        stall_s: h.logs.iter().map(|l| SimDuration(l.stall_ns).as_secs_f64()).sum(),
        lost_packets: lost_pkts,
        duplicate_packets: dup_pkts,
        reads_completed: h.counters.reads_completed,
        reads_failed: h.counters.reads_failed,
        migrations: n_mig,
        migrations_seamless: count(Outcome::Seamless),
        migrations_duplicate: count(Outcome::Duplicate),
        migrations_lost: count(Outcome::Lost),
        migrations_failed: count(Outcome::Failed),
        seamless_fraction: if n_mig > 0 { count(Outcome::Seamless) as f64 / n_mig as f64 } else { 0.0 },
        smbus_messages: h.smbus.sent,
        smbus_lost: h.smbus.lost,
        streams_terminated: h.streams.iter().filter(|s| s.status == Status::Terminated).count() as u64,
    };
    // Lazily settled disks log their dispatches late: back into time order
    // (per disk they are in order already, and the sort is stable).
    let reads = h.read_rows.clone().map(|mut rows| {
        rows.sort_by(|a, b| a.t_start_s.total_cmp(&b.t_start_s));
        rows
    });
    RunOutput { summary, streams, modules: h.module_rows.clone(), migrations, reads }
}
