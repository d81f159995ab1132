//! Bad input exits with code 2, names the file, the field and what was
//! expected, never panics and never leaves an output directory behind.
//!
//! The malformed scenarios live in `tests/bad_scenarios/`; the manifest
//! `expected.txt` gives, per file, the message fragments its error must
//! contain. Every file is run through the real binary twice: `validate`, and
//! `run` with `--out` into a temporary directory.

use crate::common::{repo, vodsim};
use std::collections::BTreeMap;
use std::fs;
use std::process::Output;

const DIR: &str = "tests/bad_scenarios";

/// File name → fragments its error message must contain.
fn manifest() -> BTreeMap<String, Vec<String>> {
    let text = fs::read_to_string(repo().join(DIR).join("expected.txt")).expect("manifest exists");
    let mut m = BTreeMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let name = parts.next().unwrap_or_default().to_string();
        let fragments: Vec<String> = parts.map(str::to_string).collect();
        assert!(!fragments.is_empty(), "expected.txt line {}: no fragment for {name}", i + 1);
        assert!(m.insert(name.clone(), fragments).is_none(), "expected.txt: {name} listed twice");
    }
    m
}

/// Exit code 2, every fragment and `names` on stderr, nothing on stderr
/// that looks like a panic.
fn assert_bad_input(o: &Output, what: &str, names: &[&str], fragments: &[String]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: exit code {:?}, stderr:\n{err}", o.status.code());
    assert!(!err.contains("panicked") && !err.contains("RUST_BACKTRACE"), "{what}: panicked:\n{err}");
    for n in names {
        assert!(err.contains(n), "{what}: stderr does not name {n:?}:\n{err}");
    }
    for f in fragments {
        assert!(err.contains(f.as_str()), "{what}: stderr lacks {f:?}:\n{err}");
    }
    for line in err.lines() {
        assert!(line.starts_with("error: "), "{what}: stray stderr line {line:?}");
    }
}

#[test]
fn every_bad_scenario_is_listed_in_the_manifest_and_there_are_enough() {
    let on_disk: Vec<String> = fs::read_dir(repo().join(DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let listed = manifest();
    for n in &on_disk {
        assert!(listed.contains_key(n), "{n} is not in expected.txt");
        assert!(n.len() > 3 && n[..2].chars().all(|c| c.is_ascii_digit()) && &n[2..3] == "-", "{n}: name it NN-name.json");
    }
    for n in listed.keys() {
        assert!(on_disk.contains(n), "expected.txt lists {n}, which does not exist");
    }
    assert!(on_disk.len() >= 45, "only {} bad scenarios", on_disk.len());
}

#[test]
fn bad_scenarios_are_rejected_by_validate_with_the_expected_message() {
    for (name, fragments) in manifest() {
        let path = format!("{DIR}/{name}");
        let o = vodsim(&["validate", &path]);
        assert_bad_input(&o, &format!("validate {name}"), &[&path], &fragments);
        assert!(o.stdout.is_empty(), "validate {name}: printed {:?}", String::from_utf8_lossy(&o.stdout));
    }
}

#[test]
fn bad_scenarios_are_rejected_by_run_without_leaving_output() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, fragments) in manifest() {
        let path = format!("{DIR}/{name}");
        let out = tmp.path().join(name.trim_end_matches(".json"));
        let o = vodsim(&["run", &path, "--quiet", "--out", out.to_str().unwrap()]);
        assert_bad_input(&o, &format!("run {name}"), &[&path], &fragments);
        assert!(!out.exists(), "run {name}: left {} behind", out.display());
    }
}

#[test]
fn validate_reports_every_bad_file_and_still_accepts_good_ones() {
    let a = format!("{DIR}/31-zero-disks.json");
    let b = format!("{DIR}/74-policy-typo.json");
    let o = vodsim(&["validate", &a, "scenarios/default.json", &b]);
    let frags = vec!["headend.disks_per_module: expected an integer >= 1".to_string(), "migration.policy: expected one of".to_string()];
    assert_bad_input(&o, "validate three files", &[&a, &b], &frags);
    assert!(String::from_utf8_lossy(&o.stdout).contains("scenarios/default.json: ok"));
}

/// Command-line mistakes: flags, not files.
#[test]
fn bad_command_lines_exit_2_without_output() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("unknown --set path", &["--set", "workload.streamz=10"], &["--set: workload.streamz: unknown field", "did you mean \"streams\"?"]),
        ("unknown --set path deep", &["--set", "headend.disk.seek.lenght=1"], &["--set: headend.disk.seek.lenght: unknown field"]),
        ("--set without =", &["--set", "workload.streams"], &["--set: workload.streams: expected PATH=VALUE"]),
        ("--set with an empty path", &["--set", "=3"], &["expected PATH=VALUE with a non-empty PATH"]),
        ("--set into a number", &["--set", "seed.x=3"], &["--set: seed.x: is not an object or list"]),
        ("--set past a list's end", &["--set", "faults.4.at_s=3"], &["--set: faults.4: expected a list index below 1"]),
        (
            "--set with a bad value",
            &["--set", "headend.disks_per_module=0"],
            &["scenarios/default.json: headend.disks_per_module: expected an integer >= 1"],
        ),
        (
            "--set with a wrong type",
            &["--set", "workload.streams=many"],
            &["workload.streams: expected a whole number", "got string \"many\""],
        ),
        ("--set an object as a list", &["--set", "headend=[4,8]"], &["headend: expected an object"]),
        ("--seed not a number", &["--seed", "abc"], &["invalid value 'abc' for '--seed <SEED>'"]),
        ("--seed negative", &["--seed=-3"], &["invalid value '-3' for '--seed <SEED>'"]),
    ];
    for (what, args, fragments) in cases {
        let out = tmp.path().join(what.replace(' ', "_"));
        let mut argv = vec!["run", "scenarios/default.json", "--quiet", "--out", out.to_str().unwrap()];
        argv.extend_from_slice(args);
        let o = vodsim(&argv);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: stderr:\n{err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        for f in *fragments {
            assert!(err.contains(f), "{what}: stderr lacks {f:?}:\n{err}");
        }
        assert!(!out.exists(), "{what}: left output behind");
    }
}

#[test]
fn a_missing_scenario_file_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = vodsim(&["run", "scenarios/no-such-file.json", "--quiet", "--out", out.to_str().unwrap()]);
    let frags = vec!["cannot read the file".to_string()];
    assert_bad_input(&o, "run missing file", &["scenarios/no-such-file.json"], &frags);
    assert!(!out.exists());
    let o = vodsim(&["validate", "scenarios/no-such-file.json"]);
    assert_bad_input(&o, "validate missing file", &["scenarios/no-such-file.json"], &frags);
    // A directory is not a scenario either.
    let o = vodsim(&["validate", "scenarios"]);
    assert_bad_input(&o, "validate a directory", &["scenarios"], &frags);
}

#[test]
fn every_shipped_scenario_validates() {
    let mut args = vec!["validate".to_string()];
    for e in fs::read_dir(repo().join("scenarios")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            args.push(format!("scenarios/{}", p.file_name().unwrap().to_string_lossy()));
        }
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = vodsim(&argv);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// `vodsim schema` is valid JSON Schema of the format, and every field it
/// names is documented in scenarios/README.md.
#[test]
fn schema_covers_every_field_and_the_readme_documents_them() {
    let o = vodsim(&["schema"]);
    assert!(o.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).expect("schema is JSON");
    assert_eq!(schema["additionalProperties"], serde_json::json!(false), "unknown top-level fields must be rejected");
    let readme = fs::read_to_string(repo().join("scenarios/README.md")).unwrap();
    let mut fields = Vec::new();
    let mut collect = |props: &serde_json::Value| {
        for k in props.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            fields.push(k);
        }
    };
    collect(&schema["properties"]);
    for def in schema["$defs"].as_object().unwrap().values() {
        collect(&def["properties"]);
        if def.get("properties").is_some() {
            assert_eq!(def["additionalProperties"], serde_json::json!(false), "{def}");
        }
    }
    assert!(fields.len() > 60, "only {} fields in the schema", fields.len());
    let undocumented: Vec<&String> = fields.iter().filter(|f| !readme.contains(&format!("`{f}`"))).collect();
    assert!(undocumented.is_empty(), "fields missing from scenarios/README.md: {undocumented:?}");
}

/// Type errors no longer hide each other or the semantic problems: three
/// type errors (a string seed, a fractional module
/// count, a string stream count) and two semantic ones (a zero reporting
/// interval, zero disks per module), all five in one message, one line
/// each, naming file, field and expectation; exit 2.
#[test]
fn three_type_errors_and_two_semantic_errors_are_reported_together() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("five.json");
    fs::write(
        &path,
        r#"{
  "name": "five-errors",
  "description": "Three type errors and two semantic errors.",
  "seed": "one",
  "duration_s": 60,
  "report_interval_s": 0,
  "headend": { "modules": 2.5, "disks_per_module": 0 },
  "workload": { "streams": "many" },
  "faults": []
}"#,
    )
    .unwrap();
    let file = path.display().to_string();
    let expected = [
        ("seed", "expected a whole number", "got string \"one\""),
        ("headend.modules", "expected a whole number", "`2.5`"),
        ("workload.streams", "expected a whole number", "got string \"many\""),
        ("report_interval_s", "expected a number > 0", "got 0"),
        ("headend.disks_per_module", "expected an integer >= 1", "got 0"),
    ];
    for args in [vec!["validate", &file], vec!["run", &file, "--quiet", "--out", tmp.path().join("out").to_str().unwrap()]] {
        let o = vodsim(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 5, "expected five problems, one a line:\n{err}");
        for (field, expectation, got) in expected {
            let prefix = format!("error: {file}: {field}: ");
            let line = err.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no line for {field}:\n{err}"));
            assert!(line.contains(expectation) && line.contains(got), "{line}");
        }
        assert!(!tmp.path().join("out").exists());
    }
}
