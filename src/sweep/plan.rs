//! What a sweep runs: the flags as typed (`--seeds A..B`, `--set
//! PATH=V1,V2`, ranges `A..B:STEP`, `--shard I/N`) turned into a checked
//! plan — every parameter point loaded and validated, every run named —
//! before anything is written.

use super::SweepError;
use crate::run::scenario_sha256;
use crate::scenario::{Problem, ScenarioError, load_str};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most runs one sweep may hold (points × seeds).
pub const MAX_RUNS: usize = 1_000_000;
/// Parameter points of one sweep at most: each holds its resolved scenario
/// (~16 kB of JSON values; 100 000 points took 1.6 GB and 62 s to plan).
pub const MAX_POINTS: usize = 10_000;
/// Most shards one sweep may be split into.
pub const MAX_SHARDS: usize = 100_000;
/// Most runs of a sweep at a time (threads).
pub const MAX_JOBS: usize = 1024;
/// Most values one `--set` range may expand to.
const MAX_RANGE_VALUES: usize = 100_000;

/// The sweep as recorded in `sweep.json`: everything `merge` needs, and
/// nothing that depends on how the sweep was split (`--shard`, `--jobs`,
/// `--out`), so every shard of one sweep writes the same file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepDef {
    /// Layout version of this file.
    pub format: u32,
    pub vodsim_version: String,
    /// The scenario file without overrides (resolved when it is valid on its own).
    pub base_scenario_sha256: String,
    pub base_scenario: Value,
    /// `--set` arguments as typed.
    pub sets: Vec<String>,
    /// First and last seed, inclusive.
    pub seeds: [u64; 2],
    /// Swept parameters (dotted paths), the first varying slowest.
    pub columns: Vec<String>,
    pub points: Vec<PointDef>,
}

/// One parameter point: a value per swept column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PointDef {
    pub point: usize,
    /// One value per column, as written in the CSVs.
    pub values: Vec<String>,
    /// The overrides this point applies, in order (fixed and swept).
    pub sets: Vec<String>,
    /// The resolved scenario with the scenario file's own seed.
    pub scenario_sha256: String,
    pub scenario: Value,
}

/// One run: a point and a seed. Runs are numbered point-major, seeds inner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRef {
    pub run: usize,
    pub point: usize,
    pub seed: u64,
    /// Directory relative to the sweep directory (`runs/p003-s7`).
    pub run_dir: String,
    /// sha256 of the run's resolved scenario (its `summary.json` says the same).
    pub scenario_sha256: String,
}

impl SweepDef {
    pub fn n_seeds(&self) -> usize {
        (self.seeds[1] - self.seeds[0]) as usize + 1
    }

    /// `n_seeds`, or `None` where the seed range is reversed or too long
    /// to count (a definition read from a file).
    pub fn n_seeds_checked(&self) -> Option<usize> {
        usize::try_from(self.seeds[1].checked_sub(self.seeds[0])?).ok()?.checked_add(1)
    }

    pub fn n_runs(&self) -> usize {
        self.points.len() * self.n_seeds()
    }

    /// Point and seed of run number `run`.
    pub fn point_seed(&self, run: usize) -> (usize, u64) {
        let n = self.n_seeds();
        (run / n, self.seeds[0] + (run % n) as u64)
    }

    /// Directory of run number `run`, relative to the sweep directory.
    pub fn run_dir(&self, run: usize) -> String {
        let (point, seed) = self.point_seed(run);
        format!("runs/p{point:03}-s{seed}")
    }

    /// Run number `run`. Its hash is that of the point's resolved scenario
    /// with the run's seed, which is what `load` with `--seed` resolves to.
    pub fn run(&self, run: usize) -> RunRef {
        let (point, seed) = self.point_seed(run);
        let mut resolved = self.points[point].scenario.clone();
        resolved["seed"] = Value::from(seed);
        RunRef { run, point, seed, run_dir: self.run_dir(run), scenario_sha256: scenario_sha256(&resolved) }
    }

    /// The runs of shard `shard` (all runs for shard 0 of 1), in run order.
    pub fn shard_runs(&self, shard: Shard) -> Vec<RunRef> {
        (0..self.n_runs()).filter(|r| r % shard.n == shard.i).map(|r| self.run(r)).collect()
    }
}

/// `--shard I/N`: the runs whose number is I modulo N.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub i: usize,
    pub n: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { i: 0, n: 1 };
}

/// Parses `--seeds A..B` (inclusive; `A` alone means `A..A`).
pub fn parse_seeds(text: Option<&str>) -> Result<[u64; 2], String> {
    let expected = "expected A..B with integers 0 <= A <= B (e.g. --seeds 1..10)";
    let Some(text) = text else {
        return Err(format!("--seeds: required; {expected}"));
    };
    let (a, b) = text.split_once("..").unwrap_or((text, text));
    match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
        (Ok(a), Ok(b)) if a <= b => Ok([a, b]),
        _ => Err(format!("--seeds: {expected}, got `{text}`")),
    }
}

/// Parses `--shard I/N`.
pub fn parse_shard(text: Option<&str>) -> Result<Shard, String> {
    let Some(text) = text else { return Ok(Shard::ALL) };
    let parsed = text.split_once('/').and_then(|(i, n)| Some((i.trim().parse::<usize>().ok()?, n.trim().parse::<usize>().ok()?)));
    match parsed {
        Some((i, n)) if i < n && n <= MAX_SHARDS => Ok(Shard { i, n }),
        _ => Err(format!("--shard: expected I/N with integers 0 <= I < N <= {MAX_SHARDS} (e.g. --shard 0/4), got `{text}`")),
    }
}

/// One `--set` argument: a fixed override or a swept parameter.
#[derive(Clone, Debug, PartialEq)]
enum SetArg {
    /// Applied as typed to every point.
    Fixed(String),
    /// One value per point: (value as written in the CSVs, value text for `apply_set`).
    Swept { path: String, items: Vec<(String, String)> },
}

/// Parses one `--set PATH=V1,V2,...`. Values are split at commas outside
/// JSON brackets and strings; `A..B` or `A..B:STEP` (numbers) expands to
/// A, A+STEP, … up to B inclusive. More than one value, or a range, makes
/// the parameter a swept column; a single value is a fixed override.
fn parse_set(arg: &str) -> Result<SetArg, Problem> {
    let Some((path, text)) = arg.split_once('=') else {
        // The loader reports the missing `=`.
        return Ok(SetArg::Fixed(arg.to_string()));
    };
    let problem = |message: String| Problem { file: "--set".to_string(), path: path.to_string(), message };
    let pieces = split_top_level(text);
    let mut items = Vec::new();
    let mut ranged = false;
    for piece in &pieces {
        if pieces.len() > 1 && piece.trim().is_empty() {
            return Err(problem(format!("expected a comma-separated list of values, got an empty value in `{text}`")));
        }
        match parse_range(piece).map_err(problem)? {
            Some(values) => {
                ranged = true;
                items.extend(values.into_iter().map(|v| (v.clone(), v)));
            }
            None => items.push((display_value(piece), piece.to_string())),
        }
    }
    if items.len() > MAX_RANGE_VALUES {
        return Err(problem(format!("expected at most {MAX_RANGE_VALUES} values, got {}", items.len())));
    }
    if items.len() == 1 && !ranged {
        return Ok(SetArg::Fixed(arg.to_string()));
    }
    if path == "seed" {
        return Err(problem("the seed is swept by --seeds, not by --set".to_string()));
    }
    Ok(SetArg::Swept { path: path.to_string(), items })
}

/// How a value appears in a CSV column: a JSON string without its quotes,
/// anything else as typed.
fn display_value(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::String(s)) => s,
        _ => text.to_string(),
    }
}

/// Splits at commas that are not inside `[]`, `{}` or a JSON string.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut depth, mut in_str, mut escaped, mut start) = (0i32, false, false, 0);
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if in_str {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || "+-.".contains(c)) && s.parse::<f64>().is_ok()
}

/// Expands `A..B` / `A..B:STEP` when both ends are numbers; `None` for an
/// ordinary value. Integer ranges stay integers; decimal ranges keep as
/// many decimals as the most precise of A, B and STEP.
fn parse_range(piece: &str) -> Result<Option<Vec<String>>, String> {
    let Some((a, rest)) = piece.trim().split_once("..") else { return Ok(None) };
    let (b, step) = match rest.split_once(':') {
        Some((b, s)) => (b, Some(s)),
        None => (rest, None),
    };
    if !is_number(a) || !is_number(b) {
        return Ok(None);
    }
    let expected = format!("expected a range A..B or A..B:STEP with A <= B and STEP > 0, got `{}`", piece.trim());
    if let (Ok(a), Ok(b), Ok(s)) = (a.parse::<i64>(), b.parse::<i64>(), step.unwrap_or("1").parse::<i64>()) {
        if a > b || s <= 0 {
            return Err(expected);
        }
        // In i128: the span of two i64 ends does not fit an i64.
        let (a, b, s) = (i128::from(a), i128::from(b), i128::from(s));
        let count = (b - a) / s + 1;
        if count > MAX_RANGE_VALUES as i128 {
            return Err(format!("expected at most {MAX_RANGE_VALUES} values in a range, got {count}"));
        }
        return Ok(Some((0..count).map(|k| (a + k * s).to_string()).collect()));
    }
    let step_text = step.unwrap_or("1");
    let (Ok(af), Ok(bf), Ok(sf)) = (a.parse::<f64>(), b.parse::<f64>(), step_text.parse::<f64>()) else {
        return Err(expected);
    };
    if !is_number(step_text) || af > bf || sf <= 0.0 || !sf.is_finite() {
        return Err(expected);
    }
    let decimals = [a, b, step_text].iter().map(|t| t.split_once('.').map_or(0, |x| x.1.len())).max().unwrap_or(0);
    let count = ((bf - af) / sf + 1e-9).floor() + 1.0;
    if count > MAX_RANGE_VALUES as f64 {
        return Err(format!("expected at most {MAX_RANGE_VALUES} values in a range, got {count}"));
    }
    Ok(Some((0..count as usize).map(|k| crate::report::fx(af + k as f64 * sf, decimals)).collect()))
}

/// The parsed flags of one sweep.
pub struct Plan {
    pub def: SweepDef,
    pub shard: Shard,
    /// The scenario file name as typed and its text, read once.
    pub file: String,
    pub text: String,
}

/// Reads the scenario, expands the `--set` lists and loads every point, so
/// that any invalid combination is reported before a run starts. Every
/// problem found is reported, each once.
pub fn plan(file: &str, text: String, sets: &[String], seeds: [u64; 2], shard: Shard) -> Result<Plan, SweepError> {
    let mut problems: Vec<Problem> = Vec::new();
    let mut args = Vec::new();
    for s in sets {
        match parse_set(s) {
            Ok(a) => args.push(a),
            Err(p) => problems.push(p),
        }
    }
    let swept: Vec<(&String, &Vec<(String, String)>)> = args
        .iter()
        .filter_map(|a| match a {
            SetArg::Swept { path, items } => Some((path, items)),
            SetArg::Fixed(_) => None,
        })
        .collect();
    for (k, (path, _)) in swept.iter().enumerate() {
        let fixed_same = args.iter().any(|a| matches!(a, SetArg::Fixed(f) if f.split_once('=').map(|x| x.0) == Some(path.as_str())));
        if swept[..k].iter().any(|(p, _)| p == path) || fixed_same {
            problems.push(Problem {
                file: "--set".into(),
                path: path.to_string(),
                message: "given more than once; a swept parameter takes all its values in one --set".into(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError { problems }.into());
    }
    let n_points = swept.iter().try_fold(1usize, |acc, (_, items)| acc.checked_mul(items.len()));
    let n_seeds = usize::try_from(seeds[1] - seeds[0]).ok().and_then(|n| n.checked_add(1));
    match n_points.zip(n_seeds).and_then(|(p, s)| p.checked_mul(s)) {
        Some(n) if n <= MAX_RUNS => {}
        _ => return Err(SweepError::BadInput(format!("--set/--seeds: expected at most {MAX_RUNS} runs (points x seeds) in one sweep"))),
    }
    if let Some(n) = n_points.filter(|&n| n > MAX_POINTS) {
        return Err(SweepError::BadInput(format!(
            "--set: expected at most {MAX_POINTS} parameter points (the product of the swept values' counts) in one sweep, got {n}"
        )));
    }
    let n_points = n_points.unwrap_or(1);

    let base_scenario = match load_str(file, &text, &[], None) {
        Ok(l) => l.resolved,
        Err(_) => serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    let mut points = Vec::with_capacity(n_points);
    for point in 0..n_points {
        // Mixed radix, the last swept parameter varying fastest.
        let mut choice = vec![0usize; swept.len()];
        let mut rest = point;
        for (k, (_, items)) in swept.iter().enumerate().rev() {
            choice[k] = rest % items.len();
            rest /= items.len();
        }
        let mut point_sets = Vec::with_capacity(args.len());
        let mut values = Vec::with_capacity(swept.len());
        let mut k = 0;
        for a in &args {
            match a {
                SetArg::Fixed(s) => point_sets.push(s.clone()),
                SetArg::Swept { path, items } => {
                    let (shown, text) = &items[choice[k]];
                    point_sets.push(format!("{path}={text}"));
                    values.push(shown.clone());
                    k += 1;
                }
            }
        }
        match load_str(file, &text, &point_sets, None) {
            Ok(l) => points.push(PointDef {
                point,
                values,
                sets: point_sets,
                scenario_sha256: scenario_sha256(&l.resolved),
                scenario: l.resolved,
            }),
            Err(e) => {
                for p in e.problems {
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(ScenarioError { problems }.into());
    }
    let def = SweepDef {
        format: 1,
        vodsim_version: env!("CARGO_PKG_VERSION").to_string(),
        base_scenario_sha256: scenario_sha256(&base_scenario),
        base_scenario,
        sets: sets.to_vec(),
        seeds,
        columns: swept.iter().map(|(p, _)| p.to_string()).collect(),
        points,
    };
    Ok(Plan { def, shard, file: file.to_string(), text })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swept(arg: &str) -> Vec<String> {
        match parse_set(arg).unwrap() {
            SetArg::Swept { items, .. } => items.into_iter().map(|i| i.0).collect(),
            SetArg::Fixed(f) => panic!("{arg} parsed as fixed {f}"),
        }
    }

    #[test]
    fn seeds_are_an_inclusive_ordered_range() {
        assert_eq!(parse_seeds(Some("1..3")), Ok([1, 3]));
        assert_eq!(parse_seeds(Some("4")), Ok([4, 4]));
        for bad in ["5..2", "x..3", "1..", "", "-1..2"] {
            assert!(parse_seeds(Some(bad)).unwrap_err().starts_with("--seeds: expected A..B"), "{bad}");
        }
        assert!(parse_seeds(None).unwrap_err().contains("required"));
    }

    #[test]
    fn shard_index_is_below_the_count() {
        assert_eq!(parse_shard(Some("2/3")), Ok(Shard { i: 2, n: 3 }));
        assert_eq!(parse_shard(None), Ok(Shard::ALL));
        for bad in ["3/3", "0/0", "1", "a/2"] {
            assert!(parse_shard(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_and_ranges_expand_in_order() {
        assert_eq!(swept("workload.streams=100..300:100"), ["100", "200", "300"]);
        assert_eq!(swept("workload.streams=1..3,10"), ["1", "2", "3", "10"]);
        assert_eq!(swept("x=5..5"), ["5"]);
        assert_eq!(swept("x=0.1..0.5:0.2"), ["0.1", "0.3", "0.5"]);
        assert_eq!(swept("x=0..1:0.25"), ["0.00", "0.25", "0.50", "0.75", "1.00"]);
        assert_eq!(swept("migration.policy=protocol,\"naive\""), ["protocol", "naive"]);
        assert_eq!(swept(r#"faults=[],[{"at_s":1,"kind":"disk"}]"#), ["[]", r#"[{"at_s":1,"kind":"disk"}]"#]);
        assert_eq!(parse_set("workload.streams=900"), Ok(SetArg::Fixed("workload.streams=900".into())));
        assert_eq!(parse_set("name=\"a,b\""), Ok(SetArg::Fixed("name=\"a,b\"".into())));
        assert_eq!(parse_set("name=a..b"), Ok(SetArg::Fixed("name=a..b".into())));
        for bad in ["x=3..1", "x=1..5:0", "x=1,,2", "x=1..2:-1", "seed=1,2"] {
            assert!(parse_set(bad).is_err(), "{bad}");
        }
    }
}
