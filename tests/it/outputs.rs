//! `docs/outputs.md` lists every column and key the outputs really have.

use crate::common::{SMALL_FAULT, repo, vodsim};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The names in the first cell (`` `name` ``) of each table row, by the
/// `## section` they are under.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(repo().join("docs/outputs.md")).expect("docs/outputs.md exists");
    let mut sections: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = h.trim().to_string();
            sections.entry(current.clone()).or_default();
        } else if let Some(cell) = line.strip_prefix("| `") {
            let name = cell.split('`').next().unwrap_or_default();
            sections.entry(current.clone()).or_default().insert(name.to_string());
        }
    }
    sections
}

fn header(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().next().unwrap_or_default().split(',').map(String::from).collect()
}

fn keys(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    v.as_object().unwrap_or_else(|| panic!("{}: not an object", path.display())).keys().cloned().collect()
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn every_output_column_and_key_is_in_docs_outputs_md() {
    let docs = documented();
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = tmp.path().join("small.json");
    std::fs::write(&scenario, SMALL_FAULT).expect("write scenario");
    let (scenario, run, sweep) = (scenario.display().to_string(), tmp.path().join("run"), tmp.path().join("sweep"));
    ok(&vodsim(&["run", &scenario, "--trace", "--quiet", "--out", &run.display().to_string()]));
    let swept = "workload.streams";
    let set = format!("{swept}=6,8");
    ok(&vodsim(&["sweep", &scenario, "--seeds", "1..2", "--set", &set, "--quiet", "--out", &sweep.display().to_string()]));

    // (section of docs/outputs.md, the names the real file has)
    let mut real: Vec<(&str, Vec<String>)> = Vec::new();
    for f in ["streams.csv", "migrations.csv", "modules.csv", "reads.csv"] {
        real.push((f, header(&run.join(f))));
    }
    real.push(("summary.json", keys(&run.join("summary.json"))));
    real.push(("manifest.json", keys(&run.join("manifest.json"))));
    let mut missing = Vec::new();
    for (file, names) in &real {
        let section = format!("run/{file}");
        let listed = docs.get(&section).unwrap_or_else(|| panic!("docs/outputs.md has no section `## {section}`"));
        missing.extend(names.iter().filter(|n| !listed.contains(*n)).map(|n| format!("{section}: {n}")));
        // Nor a line for a column that is no more.
        let stale: Vec<_> = listed.iter().filter(|l| !names.contains(l)).collect();
        assert!(stale.is_empty(), "docs/outputs.md lists in {section} what the file does not have: {stale:?}");
    }

    // A sweep: swept columns are `PARAM`, totals `TOTAL` (each a documented
    // summary key), aggregates `TOTAL_<stat>`.
    let summary = &docs["run/summary.json"];
    let sweep_doc = |section: &str, n: &str| -> bool {
        let listed = &docs[section];
        if n == swept {
            return listed.contains("PARAM");
        }
        if listed.contains(n) || (summary.contains(n) && listed.contains("TOTAL")) {
            return true;
        }
        let stat = ["mean", "std", "ci95_lo", "ci95_hi"].into_iter().find(|s| n.ends_with(&format!("_{s}")));
        stat.is_some_and(|s| summary.contains(&n[..n.len() - s.len() - 1]) && listed.contains(&format!("TOTAL_{s}")))
    };
    for (file, section) in [("runs.csv", "sweep/runs.csv"), ("points.csv", "sweep/points.csv")] {
        assert!(docs.contains_key(section), "docs/outputs.md has no section `## {section}`");
        let names = header(&sweep.join(file));
        assert!(names.len() > 10, "{file}: {names:?}");
        missing.extend(names.iter().filter(|n| !sweep_doc(section, n)).map(|n| format!("{section}: {n}")));
    }
    // A merge's manifest is documented in the sweep's section.
    let merged = tmp.path().join("merged");
    ok(&vodsim(&["merge", &sweep.display().to_string(), "--quiet", "--out", &merged.display().to_string()]));
    let listed = &docs["sweep/manifest.json"];
    for dir in [&sweep, &merged] {
        let found = keys(&dir.join("manifest.json"));
        missing.extend(found.into_iter().filter(|k| !listed.contains(k)).map(|k| format!("sweep/manifest.json ({}): {k}", dir.display())));
    }
    // Every run of the sweep writes what `vodsim run` writes.
    let first_run = sweep.join("runs/p000-s1");
    missing.extend(
        keys(&first_run.join("manifest.json"))
            .into_iter()
            .filter(|k| !docs["run/manifest.json"].contains(k))
            .map(|k| format!("runs/p000-s1/manifest.json: {k}")),
    );

    // `vodsim ts`: its JSON and each segment's keys (those of every kind).
    let ts = vodsim(&["ts", &run.display().to_string()]);
    ok(&ts);
    let v: serde_json::Value = serde_json::from_slice(&ts.stdout).expect("vodsim ts prints JSON");
    let mut real = vec![("ts", v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default())];
    let mut seg_keys = BTreeSet::new();
    for seg in v["segments"].as_array().into_iter().flatten() {
        seg_keys.extend(seg.as_object().into_iter().flat_map(|o| o.keys().cloned()));
    }
    real.push(("ts segments", seg_keys.into_iter().collect()));
    for (section, names) in &real {
        let listed = docs.get(*section).unwrap_or_else(|| panic!("docs/outputs.md has no section `## {section}`"));
        missing.extend(names.iter().filter(|n| !listed.contains(*n)).map(|n| format!("{section}: {n}")));
        let stale: Vec<_> = listed.iter().filter(|l| !names.contains(l)).collect();
        assert!(stale.is_empty(), "docs/outputs.md lists in {section} what the output does not have: {stale:?}");
    }

    assert!(missing.is_empty(), "columns or keys missing from docs/outputs.md:\n{}", missing.join("\n"));
}
