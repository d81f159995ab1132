//! Command-line flags (what was typed) and the commands they run. Every
//! error is mapped to an exit code in `main`: 2 for bad input, 1 otherwise.

use crate::drive::{self, DriveError};
use crate::run::{RunError, run_to_dir};
use crate::scenario::{self, ScenarioError};
use crate::sim::RunOptions;
use crate::sweep::{self, SweepArgs, SweepError};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "vodsim",
    version,
    about = "Deterministic simulator of a video-on-demand head-end and of user migration between its server modules"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run one scenario and write its results.
    #[command(
        after_help = "Example:\n  vodsim run scenarios/module-failure.json --seed 2 --set workload.streams=120 --out results/mf-120\n  \
        writes summary.json, streams.csv, modules.csv, migrations.csv and manifest.json into results/mf-120/ (docs/outputs.md)"
    )]
    Run {
        /// The scenario file (JSON; `vodsim schema` prints its format).
        scenario: PathBuf,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory [default: results/<name>/seed-<N>/].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a scenario field by its dotted path: PATH=VALUE.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Also write reads.csv, one row per disk read.
        #[arg(long)]
        trace: bool,
        /// Check model invariants during the run (always on in debug builds).
        #[arg(long)]
        check: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Replace an output directory that holds a different experiment.
        #[arg(long)]
        force: bool,
    },
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  vodsim validate scenarios/*.json\n  \
        prints `FILE: ok` per valid file; every problem of the others, one a line, and exits 2")]
    Validate {
        /// The scenario files to check.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Print the JSON Schema of scenario files (types, defaults, enum values).
    #[command(after_help = "Example:\n  vodsim schema > scenario.schema.json\n  \
        for an editor's completion and checking of scenario files")]
    Schema,
    /// Run a scenario for every combination of --set values and every seed;
    /// write one run directory per run plus runs.csv and points.csv.
    #[command(
        after_help = "Example:\n  vodsim sweep scenarios/module-failure.json --seeds 1..5 --set smbus.latency_us=10,1000,3000 --out sw/latency\n  \
        3 points x 5 seeds = 15 runs; sw/latency/points.csv holds each point's mean and 95 % interval.\n  \
        The same command with --seeds 1..10 later runs only seeds 6..10."
    )]
    Sweep {
        /// The base scenario file; --set values apply on top of it.
        scenario: PathBuf,
        /// Seeds to run, inclusive: A..B.
        #[arg(long, value_name = "A..B")]
        seeds: Option<String>,
        /// A swept parameter PATH=V1,V2,... (or a range A..B[:STEP]), or a
        /// fixed override PATH=VALUE. The first swept parameter varies slowest.
        #[arg(long = "set", value_name = "PATH=V1,V2,...")]
        sets: Vec<String>,
        /// Runs at a time [default: the number of CPUs].
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Run only the runs whose number is I modulo N (see `merge`).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Output directory; re-running the same sweep into it resumes it,
        /// and with a wider --seeds range extends it.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Check the sweep and list its parameter points; run and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Replace an output directory that holds a different sweep (once
        /// the new one is complete).
        #[arg(long)]
        force: bool,
    },
    /// Replay a DiskSim ASCII trace (`arrival_ms devno blkno sectors flags`)
    /// through one drive, closed loop; one CSV row per request on stdout.
    #[command(after_help = "Example:\n  vodsim disk-replay --disk src/drive/cheetah9lp.json trace.txt > served.csv")]
    DiskReplay {
        /// The drive: DiskSim `.parv`/`.diskspecs`, or the project's JSON.
        #[arg(long, value_name = "FILE")]
        disk: PathBuf,
        /// The DiskSim ASCII trace to replay.
        trace: PathBuf,
    },
    /// The packet schedule a viewer received around one hand-off of a
    /// finished run, as JSON: which title packets came from the source and
    /// which from the destination, in order, with the freeze between them;
    /// with --out, the viewer's transport stream itself: synthetic content
    /// (PID 0x0100, each payload naming its title packet offset), or the
    /// title's real bytes with --title (`scripts/ts-check.py` makes the
    /// title and decodes the result).
    #[command(after_help = "Example:\n  vodsim ts results/module-failure/seed-7 --outcome duplicate --window-s 1\n  \
        vodsim ts results/module-failure/seed-7 --stream 0 --out viewer.ts   # synthetic content\n  \
        python3 scripts/ts-check.py results/module-failure/seed-7 --stream 0 --check   # decoded by FFmpeg")]
    Ts {
        /// A finished run's directory (manifest.json, migrations.csv).
        run_dir: PathBuf,
        /// Only migrations of this stream [default: the first finished one].
        #[arg(long, value_name = "ID")]
        stream: Option<u32>,
        /// Only migrations with this outcome: seamless, duplicate or lost.
        #[arg(long)]
        outcome: Option<String>,
        /// The data row of migrations.csv (0 = the first); overrides the filters.
        #[arg(long, value_name = "N")]
        row: Option<usize>,
        /// Content on each side of the hand-off [s].
        #[arg(long, default_value_t = 2.0)]
        window_s: f64,
        /// Write the schedule's JSON here (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        schedule: Option<PathBuf>,
        /// The title's transport stream over the window (whole 188-byte
        /// packets, the first being title packet --title-first-packet), whose
        /// packets --out carries instead of synthetic ones.
        #[arg(long, value_name = "FILE.ts", requires = "out")]
        title: Option<PathBuf>,
        /// Title packet offset of --title's first packet.
        #[arg(long, value_name = "N", default_value_t = 0)]
        title_first_packet: u64,
        /// Write the viewer's transport stream here: synthetic packets on
        /// PID 0x0100 (an 8-byte big-endian title packet offset, then 0xA5
        /// filler), null packets (PID 0x1FFF) for empty slots.
        #[arg(long, value_name = "FILE.ts")]
        out: Option<PathBuf>,
    },
    /// Join the shard directories of one sweep into runs.csv and points.csv
    /// identical to those of the unsharded sweep.
    #[command(after_help = "Example:\n  vodsim merge sw/shard-0 sw/shard-1 sw/shard-2 --out sw\n  \
        each shard made by `vodsim sweep ... --shard I/3 --out sw/shard-I`")]
    Merge {
        /// The `--out` directories of the shards of one sweep.
        #[arg(required = true, value_name = "SHARD_DIR")]
        shards: Vec<PathBuf>,
        /// Directory for the merged sweep (runs linked or copied, runs.csv, points.csv).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No closing message.
        #[arg(long)]
        quiet: bool,
        /// Replace an output directory that holds a different sweep (once
        /// the merged one is complete).
        #[arg(long)]
        force: bool,
    },
}

/// What went wrong, sorted by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Input(#[from] ScenarioError),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Run(#[from] RunError),
    #[error("{0}")]
    Sweep(#[from] SweepError),
    #[error("{0}")]
    Drive(#[from] DriveError),
    #[error("writing the output: {0}")]
    Output(String),
    /// SIGINT or SIGTERM stopped the command; the message says what was
    /// kept and what was not written.
    #[error("{message}")]
    Interrupted { sig: i32, message: String },
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) | CliError::BadInput(_) => 2,
            CliError::Run(e) => e.interrupted().map_or(1, crate::interrupt::exit_code),
            CliError::Sweep(e) => e.exit_code(),
            CliError::Drive(_) => 2,
            CliError::Output(_) => 1,
            CliError::Interrupted { sig, .. } => crate::interrupt::exit_code(*sig),
        }
    }
}

pub fn execute(cli: Cli, argv: &[String]) -> Result<(), CliError> {
    match cli.command {
        Command::Run { scenario, seed, out, sets, trace, check, quiet, force } => {
            let loaded = scenario::load(&scenario, &sets, seed)?;
            if trace {
                scenario::limits::check(&scenario.display().to_string(), &loaded.scenario, true)?;
            }
            let raw = &loaded.scenario.raw;
            let out = out.unwrap_or_else(|| PathBuf::from("results").join(&raw.name).join(format!("seed-{}", raw.seed)));
            if let Some(problem) = out_is_file(&out) {
                return Err(CliError::BadInput(problem));
            }
            if !force && let Some(problem) = holds_another_experiment(&out, &crate::run::scenario_sha256(&loaded.resolved)) {
                return Err(CliError::BadInput(problem));
            }
            crate::interrupt::install();
            let bar = progress_bar(quiet);
            let result = run_to_dir(&loaded, &out, RunOptions { trace, check, ..Default::default() }, argv, |f| {
                bar.set_position((f * 1000.0) as u64)
            });
            // Also on an error: the bar must not stay mid-line.
            let done = bar.position() as f64 / 10.0;
            bar.finish_and_clear();
            if let Err(e) = &result
                && let Some(sig) = e.interrupted()
            {
                let message = format!(
                    "interrupted by {} at about {done:.0} % of the simulated time: the run stopped; nothing was written to {}",
                    crate::interrupt::name(sig),
                    out.display()
                );
                return Err(CliError::Interrupted { sig, message });
            }
            let output = result?;
            if !quiet {
                let s = &output.summary;
                // Blocked sessions with their reasons, so that an overloaded
                // run says on the terminal why it admitted fewer than offered.
                let reasons: Vec<String> = [
                    ("no_module", s.sessions_blocked_no_module),
                    ("buffer", s.sessions_blocked_buffer),
                    ("disk", s.sessions_blocked_disk),
                    ("switch", s.sessions_blocked_switch),
                    ("fatc", s.sessions_blocked_fatc),
                ]
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(why, n)| format!("{why} {n}"))
                .collect();
                let blocked = if reasons.is_empty() {
                    String::from("0 sessions blocked")
                } else {
                    format!("{} sessions blocked ({})", s.sessions_blocked, reasons.join(", "))
                };
                eprintln!(
                    "{}: {} stream-periods, {} glitches, lost {:.3} s, duplicate {:.3} s, {} migrations ({} seamless, {} duplicate, {} lost, {} failed), {blocked}, {} events in {:.2} s -> {}",
                    s.scenario,
                    s.stream_periods,
                    s.glitches,
                    s.lost_s,
                    s.duplicate_s,
                    s.migrations,
                    s.migrations_seamless,
                    s.migrations_duplicate,
                    s.migrations_lost,
                    s.migrations_failed,
                    s.events,
                    s.wall_s,
                    out.display()
                );
            }
            Ok(())
        }
        Command::Validate { scenarios } => {
            let mut problems = Vec::new();
            for path in &scenarios {
                match scenario::load(path, &[], None) {
                    Ok(_) => print_stdout(&format!("{}: ok\n", path.display()))?,
                    Err(e) => problems.extend(e.problems),
                }
            }
            if problems.is_empty() { Ok(()) } else { Err(ScenarioError { problems }.into()) }
        }
        Command::Sweep { scenario, seeds, sets, jobs, shard, out, dry_run, quiet, force } => {
            if !dry_run {
                crate::interrupt::install();
            }
            let args = SweepArgs { scenario, seeds, sets, jobs, shard, out, quiet, dry_run, force };
            Ok(sweep::sweep(&args, argv)?)
        }
        Command::Merge { shards, out, quiet, force } => Ok(sweep::merge(&shards, out.as_deref(), quiet, force, argv)?),
        Command::DiskReplay { disk, trace } => disk_replay(&disk, &trace),
        Command::Ts { run_dir, stream, outcome, row, window_s, schedule, title, title_first_packet, out } => {
            let args = crate::tswindow::TsArgs { run_dir, stream, outcome, row, window_s };
            let sched = crate::tswindow::schedule(&args)?;
            let write = |path: &std::path::Path, bytes: &[u8]| {
                crate::report::write_atomic(path, bytes).map_err(|e| CliError::Output(format!("{}: {e}", path.display())))
            };
            // Everything is read and checked before anything is written.
            let viewer = match (&title, &out) {
                (Some(t), Some(_)) => {
                    let bytes = std::fs::read(t).map_err(|e| CliError::BadInput(format!("--title: {}: {e}", t.display())))?;
                    let ts = crate::tswindow::viewer_ts(&sched.segments, &bytes, title_first_packet)
                        .map_err(|e| CliError::BadInput(format!("--title: {}: {e}", t.display())))?;
                    Some(ts)
                }
                (None, Some(_)) => Some(crate::tswindow::synthetic_ts(&sched.segments)),
                _ => None,
            };
            let text = format!("{:#}\n", sched.json);
            match &schedule {
                Some(path) => write(path, text.as_bytes())?,
                None if out.is_none() => print_stdout(&text)?,
                None => {}
            }
            if let (Some(path), Some(ts)) = (&out, viewer) {
                write(path, &ts)?;
            }
            Ok(())
        }
        Command::Schema => {
            print_stdout(&scenario::json_schema())?;
            Ok(())
        }
    }
}

/// A problem with `--out` if it names an existing file: the same message
/// from `run` and `sweep`.
pub fn out_is_file(out: &std::path::Path) -> Option<String> {
    (out.exists() && !out.is_dir()).then(|| format!("--out: {}: expected a directory, got a file", out.display()))
}

/// A problem if directory `out` holds something other than a run of this
/// experiment (the resolved scenario with hash `sha`, by this version of
/// vodsim), which a run would replace: an identical rerun may overwrite,
/// anything else needs `--force`.
fn holds_another_experiment(out: &std::path::Path, sha: &str) -> Option<String> {
    let mut entries = std::fs::read_dir(out).ok()?;
    entries.next()?.ok()?;
    let how = "use --force to replace it, or another --out";
    let manifest = std::fs::read_to_string(out.join("manifest.json")).ok().and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    let Some(m) = manifest else {
        return Some(format!("--out: {}: holds files that are not a vodsim run; {how}", out.display()));
    };
    let (their_sha, version) = (m["scenario_sha256"].as_str().unwrap_or("?"), m["vodsim_version"].as_str().unwrap_or("?"));
    (their_sha != sha || version != env!("CARGO_PKG_VERSION")).then(|| {
        format!(
            "--out: {}: holds a different experiment (scenario_sha256 {their_sha}, vodsim {version}; this run: {sha}, vodsim {}); {how}",
            out.display(),
            env!("CARGO_PKG_VERSION")
        )
    })
}

/// Writes `text` to standard output. A reader that has gone away (`| head`)
/// is no error: a listing's job is done once nobody reads on. Any other
/// failure (a full disk) is.
pub fn print_stdout(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::Output(format!("standard output: {e}"))),
        _ => Ok(()),
    }
}

/// `vodsim disk-replay`: everything is read and replayed before the first
/// row is written, so bad input leaves no partial output.
fn disk_replay(disk: &std::path::Path, trace: &std::path::Path) -> Result<(), CliError> {
    let spec = drive::load_any(disk)?;
    let requests = drive::replay::load_trace(trace)?;
    let mut d = drive::Drive::from_spec(&spec);
    let served = drive::replay::replay(&mut d, &requests, trace)?;
    let out = std::io::stdout().lock();
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(out));
    let written = (|| -> csv::Result<()> {
        w.write_record(drive::replay::CSV_HEADER)?;
        for (i, (r, s)) in requests.iter().zip(&served).enumerate() {
            w.write_record(drive::replay::csv_row(i, r, s))?;
        }
        Ok(w.flush()?)
    })();
    match written {
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => Ok(()),
        r => r.map_err(|e| CliError::Output(e.to_string())),
    }
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // indicatif draws nothing when stderr is not a terminal.
    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("{spinner} simulated {percent:>3}% [{bar:40}] eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_command_has_an_example_and_every_argument_a_description() {
        let mut cli = Cli::command();
        cli.build();
        let mut names = Vec::new();
        // (clap's own `help` subcommand aside.)
        for sub in cli.get_subcommands_mut().filter(|s| s.get_name() != "help") {
            let name = sub.get_name().to_string();
            let help = sub.render_long_help().to_string();
            assert!(help.contains(&format!("Example:\n  vodsim {name} ")), "{name}: no example:\n{help}");
            for arg in sub.get_arguments().filter(|a| a.get_id() != "help") {
                assert!(arg.get_help().is_some(), "{name}: argument {} has no description", arg.get_id());
            }
            names.push(name);
        }
        assert!(names.len() >= 6, "{names:?}");
    }
}
