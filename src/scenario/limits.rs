//! Rows and memory of a run's outputs, estimated from the checked scenario
//! before it runs, so that a run that could not finish within memory is
//! refused at once (exit 2) instead of being killed hours later. Every
//! output table is held in memory until the run ends (its rows, then its
//! text), so its size bounds the run's memory.
//!
//! The estimates are upper bounds, linear in the scenario's size:
//! - `modules.csv`: a row per module per reporting interval, and one at the end;
//! - `streams.csv`: a row per stream, the initial ones and every arrival;
//! - `migrations.csv`: every stream of a module per fault (a fault moves at
//!   most the module's streams) and `max_moves` per load observation;
//! - `reads.csv` (`--trace`): a read per stream per service period (one
//!   extent of the smallest size at the title's bit rate), over the run,
//!   for as many streams as the head-end can serve at once.

use super::raw::FaultKind;
use super::validate::Scenario;
use super::{Problem, ScenarioError};
use std::sync::atomic::{AtomicU64, Ordering};

/// Estimated output memory a run may take at most unless raised with
/// `--max-output-mib` [MiB]: with the simulation's own state, a run stays
/// under 1 GiB.
pub const DEFAULT_MAX_OUTPUT_MIB: u64 = 512;

/// The largest `--max-output-mib` [MiB] (16 TiB): a bound that keeps the
/// arithmetic exact, not a machine's memory.
pub const MAX_MAX_OUTPUT_MIB: u64 = 1 << 24;

/// The limit in force [MiB]: one per process, set by the command line
/// before any scenario is loaded (`set_max_output_mib`).
static MAX_OUTPUT_MIB: AtomicU64 = AtomicU64::new(DEFAULT_MAX_OUTPUT_MIB);

/// Sets the output memory limit of every scenario this process loads from
/// now on [MiB] (`--max-output-mib`; 1 ..= `MAX_MAX_OUTPUT_MIB`).
pub fn set_max_output_mib(mib: u64) {
    MAX_OUTPUT_MIB.store(mib.clamp(1, MAX_MAX_OUTPUT_MIB), Ordering::Relaxed);
}

/// The output memory limit in force [MiB].
pub fn max_output_mib() -> u64 {
    MAX_OUTPUT_MIB.load(Ordering::Relaxed)
}

/// The output memory limit in force [bytes].
pub fn max_output_bytes() -> f64 {
    max_output_mib() as f64 * 1024.0 * 1024.0
}

/// Memory per row, as rows in memory plus their CSV text, measured on
/// `scenarios/default.json` (64 607 reads: 22 MB more peak RSS with
/// `--trace`, ~350 bytes a row) and rounded up [bytes].
const READ_ROW_BYTES: f64 = 400.0;
const MODULE_ROW_BYTES: f64 = 300.0;
const STREAM_ROW_BYTES: f64 = 400.0;
const MIGRATION_ROW_BYTES: f64 = 500.0;

/// Upper bounds on the rows of every output of one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub modules_rows: f64,
    pub streams_rows: f64,
    pub migrations_rows: f64,
    /// Of `migrations_rows`, those of load balancing.
    pub balance_rows: f64,
    /// 0 without `--trace`.
    pub reads_rows: f64,
}

impl Estimate {
    /// Memory the outputs take at most [bytes].
    pub fn bytes(&self) -> f64 {
        self.modules_rows * MODULE_ROW_BYTES
            + self.streams_rows * STREAM_ROW_BYTES
            + self.migrations_rows * MIGRATION_ROW_BYTES
            + self.reads_rows * READ_ROW_BYTES
    }
}

/// The outputs' rows of a run of `s`, with `reads.csv` when `trace`.
pub fn estimate(s: &Scenario, trace: bool) -> Estimate {
    let raw = &s.raw;
    let d = raw.duration_s;
    let modules = f64::from(raw.headend.modules);
    let modules_rows = modules * ((d / raw.report_interval_s).ceil() + 1.0);
    let streams_rows = f64::from(raw.workload.streams) + (raw.workload.arrivals_per_s * d).ceil();
    let per_module = f64::from(s.max_streams_per_module);
    let at_once = streams_rows.min(modules * per_module);
    let fault_moves: f64 = raw.faults.iter().filter(|f| !matches!(f.kind, FaultKind::SmbusBurst)).map(|_| at_once.min(per_module)).sum();
    let balance_moves = raw.migration.load_balance.as_ref().map_or(0.0, |lb| (d / lb.interval_s).ceil() * f64::from(lb.max_moves));
    let reads_rows = if trace {
        let smallest = s.extent_packets.iter().copied().min().unwrap_or(1).max(1) as f64;
        let period_s = smallest * 188.0 * 8.0 / raw.content.bitrate_bps.max(1) as f64;
        at_once * (d / period_s).ceil()
    } else {
        0.0
    };
    Estimate { modules_rows, streams_rows, migrations_rows: fault_moves + balance_moves, balance_rows: balance_moves, reads_rows }
}

/// Refuses a run of `s` whose outputs could take more than the limit
/// (`max_output_bytes`), naming the field that makes the largest output.
pub fn check(file: &str, s: &Scenario, trace: bool) -> Result<Estimate, ScenarioError> {
    let e = estimate(s, trace);
    let bytes = e.bytes();
    let limit = max_output_bytes();
    if bytes <= limit {
        return Ok(e);
    }
    let parts = [
        (e.modules_rows * MODULE_ROW_BYTES, "report_interval_s", "modules.csv", e.modules_rows, "a longer report_interval_s"),
        (e.streams_rows * STREAM_ROW_BYTES, "workload.streams", "streams.csv", e.streams_rows, "fewer streams or arrivals"),
        (
            e.migrations_rows * MIGRATION_ROW_BYTES,
            if 2.0 * e.balance_rows > e.migrations_rows { "migration.load_balance.interval_s" } else { "faults" },
            "migrations.csv",
            e.migrations_rows,
            "fewer faults or load observations",
        ),
        (e.reads_rows * READ_ROW_BYTES, "duration_s", "reads.csv (--trace)", e.reads_rows, "a shorter duration_s or no --trace"),
    ];
    let largest = parts.iter().copied().fold(parts[0], |a, b| if b.0 > a.0 { b } else { a });
    let (_, path, table, rows, fix) = largest;
    let message = format!(
        "expected outputs within the limit of {} MiB of memory, estimated {:.1} MiB (modules.csv {:.3e} rows, streams.csv {:.3e}, migrations.csv at most {:.3e}, reads.csv {:.3e}); the largest is {table} with {rows:.3e} rows: use {fix}, or raise the limit with --max-output-mib {} if the machine has the memory",
        limit / 1048576.0,
        bytes / 1048576.0,
        e.modules_rows,
        e.streams_rows,
        e.migrations_rows,
        e.reads_rows,
        (bytes / 1048576.0).ceil().min(MAX_MAX_OUTPUT_MIB as f64) as u64,
    );
    Err(ScenarioError { problems: vec![Problem { file: file.to_string(), path: path.to_string(), message }] })
}
