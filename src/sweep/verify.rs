//! Whether a directory is one whole sweep (or merge) output: its runs each
//! whole (`run::verify_run_dir`) and the ones its `shard.json` lists, its
//! tables those the runs give, and nothing else in it. What the crash tests
//! accept as "the old sweep" or "the new sweep".

use super::plan::SweepDef;
use super::{Shard, ShardFile, table};
use std::path::Path;

/// The `sweep.json` text of the whole sweep in `dir`, or why `dir` is not
/// one whole sweep.
pub fn verify_sweep_dir(dir: &Path) -> Result<String, String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{name}: {e}"));
    let def_text = read("sweep.json")?;
    let def: SweepDef = serde_json::from_str(&def_text).map_err(|e| format!("sweep.json: {e}"))?;
    let shard: ShardFile = serde_json::from_str(&read("shard.json")?).map_err(|e| format!("shard.json: {e}"))?;
    let manifest: serde_json::Value = serde_json::from_str(&read("manifest.json")?).map_err(|e| format!("manifest.json: {e}"))?;
    if manifest.get("sweep") != serde_json::to_value(&def).ok().as_ref() {
        return Err("manifest.json describes another sweep than sweep.json".into());
    }
    if def.n_seeds_checked().and_then(|s| s.checked_mul(def.points.len())).is_none_or(|r| r > super::plan::MAX_RUNS)
        || shard.shards == 0
        || shard.shards > super::plan::MAX_SHARDS
        || shard.shard >= shard.shards
    {
        return Err("sweep.json or shard.json out of range".into());
    }
    let expected = ShardFile::new(&def, Shard { i: shard.shard, n: shard.shards });
    if expected.runs != shard.runs {
        return Err("shard.json: its run list does not match sweep.json".into());
    }
    let runs: Vec<_> = shard.runs.iter().map(|r| r.run.clone()).collect();
    let done = table::read_all(dir, &runs).map_err(|e| e.to_string())?;
    if read("runs.csv")? != table::runs_csv(&def, &done) {
        return Err("runs.csv: not the table of the runs beside it".into());
    }
    if read("points.csv")? != table::points_csv(&def, &done) {
        return Err("points.csv: not the table of the runs beside it".into());
    }
    let list = |d: &Path| -> Result<Vec<String>, String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .map_err(|e| format!("{}: {e}", d.display()))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        Ok(v)
    };
    let top = ["manifest.json", "points.csv", "runs", "runs.csv", "shard.json", "sweep.json"];
    // A temporary file (`.NAME.tmp-XXXXXX`) a killed writer left is debris,
    // not part of either sweep; the next writer removes it.
    let found: Vec<String> = list(dir)?.into_iter().filter(|n| !n.starts_with('.')).collect();
    if found != top {
        return Err(format!("holds {found:?}, expected {top:?}"));
    }
    let mut names: Vec<String> = runs.iter().map(|r| r.run_dir.trim_start_matches("runs/").to_string()).collect();
    names.sort();
    // A run's staging directory left by a killed writer (`.NAME.staging`)
    // is debris, not part of either sweep.
    let found: Vec<String> = list(&dir.join("runs"))?.into_iter().filter(|n| !n.starts_with('.')).collect();
    if found != names {
        return Err("runs/ holds other directories than shard.json lists".into());
    }
    Ok(def_text)
}
