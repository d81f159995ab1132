//! `runs.csv` and `points.csv`: one row per run, and per parameter point the
//! mean, sample standard deviation and Student-t 95 % confidence interval
//! of every summary total, clamped at 0 for a total never observed below 0
//! and at 1 for a fraction.
//!
//! Both are built from the `summary.json` files on disk, never from the
//! values in memory, so a run done now and a run read back on resume give
//! the same bytes; rows are in run order whatever order the runs finished
//! in; floats have fixed decimals. `wall_s` is not a total: it differs from
//! run to run.

use super::SweepError;
use super::plan::{RunRef, SweepDef};
use crate::report::{CsvText, Summary, fx};
use crate::run::RunDirProblem;
use serde_json::Value;
use std::path::Path;

/// Decimals of every float in the sweep CSVs.
const DECIMALS: usize = 9;

/// Summary totals that are fractions of a whole, in [0, 1] (unit
/// `fraction` in docs/outputs.md; a test keeps the two lists equal).
const FRACTIONS: &[&str] = &["glitch_rate", "seamless_fraction"];

/// Student-t 0.975 quantiles for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706204736,
    4.302652730,
    3.182446305,
    2.776445105,
    2.570581836,
    2.446911851,
    2.364624252,
    2.306004135,
    2.262157163,
    2.228138852,
    2.200985160,
    2.178812830,
    2.160368656,
    2.144786688,
    2.131449546,
    2.119905299,
    2.109815578,
    2.100922040,
    2.093024054,
    2.085963447,
    2.079613845,
    2.073873068,
    2.068657610,
    2.063898562,
    2.059538553,
    2.055529439,
    2.051830516,
    2.048407142,
    2.045229642,
    2.042272456,
];

/// The two-sided 95 % Student-t quantile for `dof` degrees of freedom
/// (the normal 1.96 beyond 30).
pub fn t975(dof: usize) -> f64 {
    if dof == 0 { f64::NAN } else { T975.get(dof - 1).copied().unwrap_or(1.96) }
}

/// A finished run as read back from its directory.
pub struct Done {
    pub run: RunRef,
    /// Total name, the number as written in runs.csv, and its value.
    pub totals: Vec<(&'static str, String, f64)>,
}

/// Why a run directory cannot be used.
pub enum Unusable {
    /// No `summary.json` (never run, or killed before the end).
    Incomplete,
    /// Complete, but not this run (another sweep wrote it), or unreadable.
    Foreign(String),
    /// Not what this vodsim wrote: a file edited, truncated, deleted or
    /// replaced by a link since, or written by another version. A resumed
    /// sweep runs it again; a merge refuses it.
    Altered(String),
}

/// Reads `dir/summary.json`, after checking the run directory against its
/// manifest, and checks it is the result of `run`.
pub fn read_done(sweep_dir: &Path, run: &RunRef) -> Result<Done, Unusable> {
    match crate::run::verify_run_dir(&sweep_dir.join(&run.run_dir)) {
        Ok(()) => {}
        Err(RunDirProblem::Absent) => return Err(Unusable::Incomplete),
        Err(RunDirProblem::Altered(m)) => return Err(Unusable::Altered(m)),
    }
    let path = sweep_dir.join(&run.run_dir).join("summary.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unusable::Incomplete),
        Err(e) => return Err(Unusable::Foreign(format!("{}: cannot read: {e}", path.display()))),
    };
    let foreign = |why: String| Unusable::Foreign(format!("{}: {why}", path.display()));
    let value: Value = serde_json::from_str(&text).map_err(|e| foreign(format!("malformed JSON: {e}")))?;
    let summary: Summary =
        serde_json::from_value(value.clone()).map_err(|e| foreign(format!("not a summary of this vodsim version: {e}")))?;
    if summary.scenario_sha256 != run.scenario_sha256 || summary.seed != run.seed {
        return Err(foreign(format!(
            "holds a run of another scenario or seed (scenario_sha256 {}, seed {}; expected {}, seed {})",
            summary.scenario_sha256, summary.seed, run.scenario_sha256, run.seed
        )));
    }
    let totals = summary
        .totals()
        .into_iter()
        .map(|(name, v)| {
            let shown = match value.get(name) {
                Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
                _ => fx(v, DECIMALS),
            };
            (name, shown, v)
        })
        .collect();
    Ok(Done { run: run.clone(), totals })
}

/// Reads every run of `runs` (all complete) from `sweep_dir`.
pub fn read_all(sweep_dir: &Path, runs: &[RunRef]) -> Result<Vec<Done>, SweepError> {
    let mut done = Vec::with_capacity(runs.len());
    let mut problems = Vec::new();
    for r in runs {
        match read_done(sweep_dir, r) {
            Ok(d) => done.push(d),
            Err(Unusable::Incomplete) => {
                problems.push(format!("{}: run incomplete (no summary.json)", sweep_dir.join(&r.run_dir).display()))
            }
            Err(Unusable::Foreign(m) | Unusable::Altered(m)) => problems.push(m),
        }
    }
    if problems.is_empty() { Ok(done) } else { Err(SweepError::BadInput(problems.join("\n"))) }
}

/// `runs.csv`: swept columns, `seed`, `run_dir`, then every total.
pub fn runs_csv(def: &SweepDef, done: &[Done]) -> String {
    let totals: Vec<&str> = done.first().map(|d| d.totals.iter().map(|(name, _, _)| *name).collect()).unwrap_or_default();
    let header = def.columns.iter().map(String::as_str).chain(["seed", "run_dir"]).chain(totals);
    let mut out = CsvText::new(header, 0);
    for d in done {
        let mut row = out.row();
        for v in &def.points[d.run.point].values {
            row.text(v);
        }
        row.int(d.run.seed).text(&d.run.run_dir);
        for (_, shown, _) in &d.totals {
            row.text(shown);
        }
        row.end();
    }
    out.into_string()
}

/// `points.csv`: swept columns, `n`, then `X_mean,X_std,X_ci95_lo,X_ci95_hi`
/// per total X. With n = 1 the spread and interval are empty (undefined).
pub fn points_csv(def: &SweepDef, done: &[Done]) -> String {
    let mut header: Vec<String> = def.columns.iter().cloned().chain([String::from("n")]).collect();
    if let Some(d) = done.first() {
        for (name, _, _) in &d.totals {
            header.extend(["mean", "std", "ci95_lo", "ci95_hi"].map(|stat| format!("{name}_{stat}")));
        }
    }
    let mut out = CsvText::new(&header, 0);
    // `done` is in run order, so each point's runs are contiguous.
    for group in done.chunk_by(|a, b| a.run.point == b.run.point) {
        let mut row = out.row();
        for v in &def.points[group[0].run.point].values {
            row.text(v);
        }
        row.int(group.len());
        for k in 0..group[0].totals.len() {
            let xs: Vec<f64> = group.iter().map(|d| d.totals[k].2).collect();
            let s = if FRACTIONS.contains(&group[0].totals[k].0) { Stats::of_fraction(&xs) } else { Stats::of(&xs) };
            row.fx(s.mean, DECIMALS);
            match s.std {
                Some(std) => row.fx(std, DECIMALS).fx(s.lo, DECIMALS).fx(s.hi, DECIMALS),
                None => row.text("").text("").text(""),
            };
        }
        row.end();
    }
    out.into_string()
}

/// Mean, sample standard deviation and 95 % interval of the mean.
#[derive(Debug, PartialEq)]
pub struct Stats {
    pub mean: f64,
    /// `None` for a single observation.
    pub std: Option<f64>,
    pub lo: f64,
    pub hi: f64,
}

impl Stats {
    /// Sums in the order given, so the same values give the same bits.
    pub fn of(xs: &[f64]) -> Stats {
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Stats { mean, std: None, lo: mean, hi: mean };
        }
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        let std = var.sqrt();
        let half = t975(n - 1) * std / (n as f64).sqrt();
        // A quantity never observed below 0 (every total: counts, seconds,
        // fractions) cannot have a negative mean: the t-interval is clamped
        // at 0 rather than reporting a bound the quantity cannot take.
        let floor = if xs.iter().all(|&x| x >= 0.0) { 0.0 } else { f64::NEG_INFINITY };
        Stats { mean, std: Some(std), lo: (mean - half).max(floor), hi: mean + half }
    }

    /// `of` for a fraction: the interval is also clamped at 1, which no
    /// fraction exceeds (a seamless fraction of 0.9 ± 0.29 over three seeds
    /// would otherwise report 1.19).
    pub fn of_fraction(xs: &[f64]) -> Stats {
        let s = Stats::of(xs);
        let ceiling = if xs.iter().all(|&x| x <= 1.0) { 1.0 } else { f64::INFINITY };
        Stats { hi: s.hi.min(ceiling), ..s }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_interval_of_a_small_sample() {
        // Far enough from 0 that the clamp does not apply.
        let s = Stats::of(&[11.0, 12.0, 13.0]);
        assert_eq!(s.mean, 12.0);
        assert_eq!(s.std, Some(1.0));
        let half = 4.302652730 / 3f64.sqrt();
        assert!((s.lo - (12.0 - half)).abs() < 1e-12 && (s.hi - (12.0 + half)).abs() < 1e-12);
        assert_eq!(Stats::of(&[5.0]), Stats { mean: 5.0, std: None, lo: 5.0, hi: 5.0 });
        assert_eq!(t975(30), 2.042272456);
        assert_eq!(t975(31), 1.96);
    }

    #[test]
    fn a_count_interval_is_clamped_at_zero() {
        // Glitch counts 0, 0, 0, 0, 100: mean 20, std sqrt(2000) = 44.72,
        // half-width 2.776445105 * 44.72 / sqrt(5) = 55.53, so the plain
        // t-interval's low end would be 20 - 55.53 = -35.53.
        let s = Stats::of(&[0.0, 0.0, 0.0, 0.0, 100.0]);
        let half = 2.776445105 * 2000f64.sqrt() / 5f64.sqrt();
        assert_eq!(s.lo, 0.0);
        assert!((s.hi - (20.0 + half)).abs() < 1e-9);
        // A quantity that does go negative keeps its two-sided interval.
        let s = Stats::of(&[-1.0, 0.0, 1.0]);
        assert!(s.lo < -1.0);
    }

    #[test]
    fn a_fraction_interval_is_clamped_at_one() {
        // Seamless fractions 1, 1, 0.7: mean 0.9, std sqrt(0.03) = 0.1732,
        // half-width 4.302652730 * 0.1732 / sqrt(3) = 0.4303, so the plain
        // t-interval would end at 1.3303.
        let s = Stats::of_fraction(&[1.0, 1.0, 0.7]);
        let half = 4.302652730 * 0.03f64.sqrt() / 3f64.sqrt();
        assert!((s.mean - 0.9).abs() < 1e-12);
        assert_eq!(s.hi, 1.0);
        assert!((s.lo - (0.9 - half)).abs() < 1e-12);
        // Far from both ends it is the plain interval.
        assert_eq!(Stats::of_fraction(&[0.4, 0.5, 0.6]), Stats::of(&[0.4, 0.5, 0.6]));
    }

    #[test]
    fn the_fractions_are_the_totals_documented_as_fractions() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/outputs.md")).expect("docs/outputs.md");
        let golden = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/peer-simpy/summary.json"));
        // Goldens leave out `wall_s`, the one value that differs between runs.
        let mut v: Value = serde_json::from_str(golden).expect("JSON");
        v["wall_s"] = 0.0.into();
        let summary: Summary = serde_json::from_value(v).expect("a summary");
        let documented: Vec<&str> = summary
            .totals()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| doc.lines().any(|l| l.starts_with(&format!("| `{name}` |")) && l.contains("| fraction |")))
            .collect();
        assert_eq!(documented, FRACTIONS);
    }
}
