//! The drive model against DiskSim 4.0's validated Seagate Cheetah 9LP
//! (`../shared/reference/disksim/`, beside the repository): response time
//! statistics and request-by-request agreement on DiskSim's own traces, a
//! hand-derived read across a track and a cylinder switch, the JSON
//! description, and `vodsim disk-replay`'s output and errors.

use crate::common::{repo, vodsim};
use std::path::{Path, PathBuf};
use vodsim::drive::replay::{TraceRequest, load_trace, replay, stats};
use vodsim::drive::{Drive, DriveSpec, Service, load_any};
use vodsim::engine::SimTime;

/// The reference folder; a missing one fails the test, never skips it.
fn reference() -> PathBuf {
    let dir = repo().join("../shared/reference/disksim");
    check_reference(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn check_reference(dir: &Path) -> Result<(), String> {
    if dir.join("model/v4_mech.parv").is_file() && dir.join("traces/small_random.trace").is_file() {
        return Ok(());
    }
    Err(format!(
        "DiskSim reference files not found at {}: the repository is expected to sit beside `shared/` \
         (see issue 17); the drive model cannot be checked without them",
        dir.display()
    ))
}

fn spec(variant: &str) -> DriveSpec {
    let p = reference().join("model").join(format!("{variant}.parv"));
    load_any(&p).unwrap_or_else(|e| panic!("{e}"))
}

fn run(variant: &str, trace: &str) -> (Vec<TraceRequest>, Vec<Service>) {
    let p = reference().join("traces").join(format!("{trace}.trace"));
    let reqs = load_trace(&p).unwrap_or_else(|e| panic!("{e}"));
    let mut d = Drive::from_spec(&spec(variant));
    let served = replay(&mut d, &reqs, &p).unwrap_or_else(|e| panic!("{e}"));
    (reqs, served)
}

/// DiskSim's response times from a `.resp` file [ms].
fn disksim_responses(trace: &str, variant: &str) -> Vec<f64> {
    let p = reference().join("traces").join(format!("{trace}.{variant}.resp"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines().map(|l| l.split_whitespace().nth(5).and_then(|v| v.parse().ok()).expect("resp line has 6 fields")).collect()
}

fn ms(s: &Service) -> f64 {
    (s.end.as_nanos() - s.start.as_nanos()) as f64 / 1e6
}

/// Mean, p5, p50, p95 within 2 % of DiskSim's; for `v4_mech` also at least
/// 90 % of requests within 0.5 ms of DiskSim's. Measured at this commit:
/// every response of every case within 0.002 ms of DiskSim's (v4_mech
/// within 3 ns, end times included).
#[test]
fn replays_match_disksim_within_two_percent_and_request_by_request() {
    let cases = [
        ("small_random", "v4_mech"),
        ("big_random", "v4_mech"),
        ("big_seq", "v4_mech"),
        ("small_random", "v1_validated"),
        ("big_random", "v1_validated"),
        ("big_seq", "v1_validated"),
    ];
    for (trace, variant) in cases {
        let (_, served) = run(variant, trace);
        let ours: Vec<f64> = served.iter().map(ms).collect();
        let theirs = disksim_responses(trace, variant);
        assert_eq!(ours.len(), theirs.len(), "{trace} {variant}: request count");
        let (a, b) = (stats(&ours), stats(&theirs));
        for (what, x, y) in [("mean", a.mean, b.mean), ("p5", a.p5, b.p5), ("p50", a.p50, b.p50), ("p95", a.p95, b.p95)] {
            assert!((x - y).abs() <= 0.02 * y, "{trace} {variant}: {what} {x:.3} ms vs DiskSim {y:.3} ms");
        }
        let within = |tol: f64| ours.iter().zip(&theirs).filter(|(x, y)| (*x - *y).abs() <= tol).count() as f64 / ours.len() as f64;
        let (f05, f01) = (within(0.5), within(0.1));
        eprintln!(
            "{trace} {variant}: mean {:.3}/{:.3} p5 {:.3}/{:.3} p50 {:.3}/{:.3} p95 {:.3}/{:.3} ms (ours/DiskSim); \
             within 0.5 ms {:.2} %, within 0.1 ms {:.2} %",
            a.mean,
            b.mean,
            a.p5,
            b.p5,
            a.p50,
            b.p50,
            a.p95,
            b.p95,
            100.0 * f05,
            100.0 * f01
        );
        if variant == "v4_mech" {
            assert!(f05 >= 0.90, "{trace} {variant}: only {:.1} % within 0.5 ms", 100.0 * f05);
        }
        // Regression guard on today's fidelity (not a requirement of the issue).
        assert!(f01 == 1.0, "{trace} {variant}: only {:.2} % within 0.1 ms (was 100 %)", 100.0 * f01);
    }
}

/// `t` in ms since time 0.
fn at_ms(t: SimTime) -> f64 {
    t.as_nanos() as f64 / 1e6
}

fn assert_ms(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() < 0.001, "{what}: {got:.6} ms, derived by hand {want:.6} ms");
}

/// Worked by hand from `zones.txt` (zone 0: cylinders 0–846, 254 sectors
/// per track, track skew 97, cylinder skew 133, no slip before physical
/// sector 168 317), 12 surfaces, 10 045 rpm, head switch 0.030 ms and the
/// seek table's 1-cylinder 0.831 ms. One revolution R = 60 000 / 10 045 =
/// 5.973121 ms; one sector is R / 254 = 0.023516 ms.
#[test]
fn hand_derived_outer_zone_track_and_cylinder_switch() {
    let s = spec("v4_mech");

    // 1. LBN 0..254, the whole track (cyl 0, head 0), issued at t = 1 ms to
    //    a drive at rest on cylinder 0, head 0. No seek. LBN 0 is physical
    //    sector 0 at angle 0 (first-block offset 0), which passed under the
    //    head at t = 0: wait R − 1 = 4.973121 ms. Then 254 sectors = one
    //    revolution, 5.973121 ms. Response 10.946242 ms, ending at
    //    11.946242 ms.
    let mut d = Drive::from_spec(&s);
    let r = d.service(SimTime(1_000_000), 0, 254).expect("on the drive");
    assert_ms("track: seek", r.seek.as_millis_f64(), 0.0);
    assert_ms("track: rotation", r.rotation.as_millis_f64(), 4.973121);
    assert_ms("track: transfer", r.transfer.as_millis_f64(), 5.973121);
    assert_ms("track: response", at_ms(r.end) - at_ms(r.start), 10.946242);
    assert_ms("track: end", at_ms(r.end), 11.946242);

    // 2. LBN 2794..3302: the last track of cylinder 0 (head 11; 11 × 254 =
    //    2794) and the first of cylinder 1 (head 0), at t = 0 from (0, 0).
    //    - Seek: same cylinder, head 0 → 11: the head switch, 0.030 ms.
    //    - The track's first block sits 11 track skews on from cylinder 0's:
    //      11 × 97 = 1067 sectors = 4 turns + 51 sectors, at 51/254 R =
    //      1.199365 ms past the index; the head arrives at 0.030 ms, so it
    //      waits 1.169365 ms.
    //    - 254 sectors: 5.973121 ms, ending at 51 sectors past the index
    //      again, at t = 7.172486 ms.
    //    - Cylinder switch: seek 1 cylinder (0.831 ms, > the head switch).
    //      Cylinder 1's first block sits (11 track skews + 1 cylinder skew)
    //      = 1067 + 133 = 1200 sectors = 4 turns + 184 sectors on, i.e. 133
    //      sectors (the cylinder skew) after where the head left track 1:
    //      133/254 R = 3.127695 ms of which 0.831 is seek, 2.296695 rotation.
    //    - 254 sectors: 5.973121 ms.
    //    Transfer (first block to last) = 5.973121 + 3.127695 + 5.973121 =
    //    15.073937 ms; response 0.030 + 1.169365 + 15.073937 = 16.273302 ms.
    let mut d = Drive::from_spec(&s);
    assert_eq!(d.locate(2794), Some((0, 11, 0)));
    assert_eq!(d.locate(3048), Some((1, 0, 0)));
    let r = d.service(SimTime::ZERO, 2794, 508).expect("on the drive");
    assert_ms("cylinder: seek", r.seek.as_millis_f64(), 0.030);
    assert_ms("cylinder: rotation", r.rotation.as_millis_f64(), 1.169365);
    assert_ms("cylinder: transfer", r.transfer.as_millis_f64(), 15.073937);
    assert_ms("cylinder: end", at_ms(r.end), 16.273302);
    assert_eq!(d.cylinder(), 1);
}

/// A drive loaded from DiskSim's files, written as the project's JSON and
/// read back, serves the same trace identically.
#[test]
fn json_description_round_trips_and_serves_identically() {
    for variant in ["v4_mech", "v1_validated"] {
        let s = spec(variant);
        let json = serde_json::to_string_pretty(&s).expect("serializes");
        let back = DriveSpec::from_json(Path::new("round-trip.json"), &json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, s);
        let p = reference().join("traces/small_random.trace");
        let reqs = load_trace(&p).expect("trace");
        let a = replay(&mut Drive::from_spec(&s), &reqs[..300], &p).expect("replays");
        let b = replay(&mut Drive::from_spec(&back), &reqs[..300], &p).expect("replays");
        assert_eq!(a, b, "{variant}");
    }
}

/// The built-in Cheetah 9LP is DiskSim's, and stripped of its interface
/// it is the mechanism-only variant.
#[test]
fn built_in_cheetah_is_disksims_validated_drive() {
    let built_in = DriveSpec::cheetah_9lp();
    assert!(built_in.validate().is_ok());
    assert_eq!(built_in, spec("v1_validated"));
    let mut mech = built_in;
    mech.overhead = Default::default();
    mech.bus = None;
    mech.cache = None;
    assert_eq!(mech, spec("v4_mech"));
}

#[test]
fn disk_replay_writes_one_csv_row_per_request() {
    let r = reference();
    let disk = r.join("model/v4_mech.parv");
    let trace = r.join("traces/big_seq.trace");
    let o = vodsim(&["disk-replay", "--disk", &disk.to_string_lossy(), &trace.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("idx,lbn,sectors,start_ms,end_ms,response_ms,seek_ms,rotation_ms,transfer_ms,overhead_ms"));
    // DiskSim: `0 0 1832 0.000000 59.049793 59.049793` (7 track switches).
    let first: Vec<&str> = lines.next().expect("a row").split(',').collect();
    assert_eq!(&first[..4], ["0", "0", "1832", "0.000000"]);
    let resp: f64 = first[5].parse().expect("number");
    assert!((resp - 59.049793).abs() < 0.001, "{resp}");
    assert_eq!(lines.count(), 1999);
}

#[test]
fn disk_replay_bad_input_exits_2_naming_file_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = reference();
    let model = std::fs::read_to_string(r.join("model/cheetah9LP.model")).expect("model");
    std::fs::write(dir.path().join("bad.model"), model.replacen("Blocks per track = 245", "Blocks per track = many", 1)).expect("write");
    std::fs::copy(r.join("model/cheetah9LP.seek"), dir.path().join("cheetah9LP.seek")).expect("copy");
    let specs = std::fs::read_to_string(r.join("model/v4_mech.diskspecs")).expect("diskspecs");
    std::fs::write(dir.path().join("bad.diskspecs"), specs.replace("cheetah9LP.model", "bad.model")).expect("write");
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"surfaces": 12, "rpm": 10045, "zones": [], "seek": {"table": {"points_cyl_ms": [[1, 0.8], [2, 1.0]]}}, "colour": 1}"#,
    )
    .expect("write");
    std::fs::write(dir.path().join("bad.trace"), "0 0 12 8 1\n1 0 x 8 1\n").expect("write");
    let trace = r.join("traces/small_random.trace");
    let cases: [(&str, &Path, &[&str]); 4] = [
        ("bad.diskspecs", &trace, &["bad.model", "Zones[1].Blocks per track", "expected a whole number"]),
        ("bad.json", &trace, &["bad.json", "colour"]),
        ("missing.parv", &trace, &["missing.parv", "cannot read"]),
        ("bad.diskspecs", &dir.path().join("bad.trace"), &["bad.model"]),
    ];
    for (disk, trace, fragments) in cases {
        let disk = dir.path().join(disk);
        let o = vodsim(&["disk-replay", "--disk", &disk.to_string_lossy(), &trace.to_string_lossy()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", disk.display());
        assert!(o.stdout.is_empty(), "partial output on bad input");
        assert!(!err.contains("panicked"), "{err}");
        for f in fragments {
            assert!(err.contains(f), "{}: stderr lacks {f:?}:\n{err}", disk.display());
        }
    }
    let disk = r.join("model/v4_mech.parv");
    let o = vodsim(&["disk-replay", "--disk", &disk.to_string_lossy(), &dir.path().join("bad.trace").to_string_lossy()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.trace:2: blkno"), "{err}");
}

#[test]
fn missing_reference_folder_fails_loudly() {
    let e = check_reference(Path::new("/nonexistent/shared/reference/disksim")).expect_err("must not pass");
    assert!(e.contains("/nonexistent/shared/reference/disksim"), "{e}");
}

/// The three ways a scenario names its validated drive — the built-in
/// Cheetah 9LP (`null`), a file beside the scenario, the description
/// inline — give the same run; DiskSim's `v4_mech.parv` (mechanism only:
/// no overheads, cache or bus) gives another.
#[test]
fn a_scenario_s_drive_is_built_in_a_file_beside_it_or_inline() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = std::fs::read_to_string(repo().join("src/drive/cheetah9lp.json")).unwrap();
    std::fs::create_dir(dir.path().join("drives")).unwrap();
    std::fs::write(dir.path().join("drives/c9lp.json"), &builtin).unwrap();
    let v4 = reference().join("model/v4_mech.parv");
    let scenario = |drive: &str| {
        format!(
            r#"{{ "name": "d", "seed": 2, "duration_s": 20, "content": {{ "titles": 7 }},
                "headend": {{ "modules": 1, "disks_per_module": 2, "host_bus_bytes_per_s": 80e6,
                             "disk": {{ "model": "validated", "drive": {drive} }} }},
                "workload": {{ "streams": 30 }} }}"#
        )
    };
    let mut reads = Vec::new();
    for (name, drive) in [
        ("null", "null".to_string()),
        ("file", "\"drives/c9lp.json\"".to_string()),
        ("inline", builtin.clone()),
        ("v4", format!("{:?}", v4.display().to_string())),
    ] {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, scenario(&drive)).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let o = vodsim(&["run", path.to_str().unwrap(), "--trace", "--quiet", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
        reads.push(std::fs::read_to_string(out.join("reads.csv")).unwrap());
    }
    assert!(reads[0].lines().count() > 250);
    assert_eq!(reads[0], reads[1]);
    assert_eq!(reads[0], reads[2]);
    assert_ne!(reads[0], reads[3]);
    // v4_mech has no command overhead: the last column is zero throughout.
    assert!(reads[3].lines().skip(1).all(|l| l.ends_with(",0.000000")), "{}", &reads[3][..400]);
}
