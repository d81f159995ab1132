//! Admission control: a session is admitted only if every resource a
//! stream consumes has room for it, and blocked with its reason otherwise.

use crate::common::{run, run_file, vodsim};

/// One module of 4 disks whose expected read is easy to derive by hand:
/// one zone at 10 MB/s, 6 000 rpm, a seek of 2 ms at any distance up to
/// 1 000 cylinders (a third of the 3 001-cylinder stroke, the distance the
/// expected read assumes). 100 streams at t = 0, no arrivals.
const ONE_MODULE: &str = r#"{ "name": "adm", "seed": 1, "duration_s": 60,
    "content": { "titles": 40 },
    "headend": { "modules": 1, "disks_per_module": 4, "buffer_bytes": 1073741824,
        "switch_bps": 100000000000,
        "disk": { "cylinders": 3001, "rpm": 6000, "zones": 1,
            "outer_bytes_per_s": 10000000, "inner_bytes_per_s": 10000000,
            "seek": { "split_cylinders": 1000, "short_a_ms": 2, "short_b_ms": 0 } } },
    "workload": { "streams": 100 } }"#;

#[test]
fn admission_limits_derived_by_hand_for_a_disk_the_switch_and_an_fatc_channel() {
    // One disk: an expected read of a 937 556-byte extent is a 2 ms seek,
    // one revolution (10 ms at 6 000 rpm) and 937 556 / 10e6 s = 93.756 ms
    // of transfer: 105.756 ms. Of a 2 s service period the admission test
    // books 90 % (disk_margin 0.1): 1.8 / 0.105756 = 17.02, so 17 streams
    // per disk, 68 on the module's four disks; 32 of 100 are blocked.
    let o = run(ONE_MODULE, &[]);
    assert_eq!(o.summary.streams, 68);
    assert_eq!((o.summary.sessions_blocked, o.summary.sessions_blocked_disk), (32, 32));
    assert_eq!(o.summary.glitches, 0, "an admitted stream is served in time");
    // A margin of 0.3: 1.4 / 0.105756 = 13.2 → 13 per disk, 52 in all.
    let o = run(ONE_MODULE, &["headend.admission.disk_margin=0.3"]);
    assert_eq!((o.summary.streams, o.summary.sessions_blocked_disk), (52, 48));

    // The switch: 100 Mbit/s carries floor(100e6 / 3 750 224) = 26 streams
    // (26.67) of the default rate.
    let o = run(ONE_MODULE, &["headend.switch_bps=100000000"]);
    assert_eq!((o.summary.streams, o.summary.sessions_blocked_switch), (26, 74));

    // One FATC channel of 38.81 Mbit/s carries floor(38.81e6 / 3 750 224)
    // = 10 streams (10.35); two channels, 20.
    let o = run(ONE_MODULE, &["headend.transport.channels=2"]);
    assert_eq!((o.summary.streams, o.summary.sessions_blocked_fatc), (20, 80));
    let o = run(ONE_MODULE, &["headend.transport.channels=1"]);
    assert_eq!((o.summary.streams, o.summary.sessions_blocked_fatc), (10, 90));

    // The buffer: 64 MiB holds 67 108 864 / (2 × 937 556) = 35.8 → 35 streams.
    let o = run(ONE_MODULE, &["headend.buffer_bytes=67108864"]);
    assert_eq!((o.summary.streams, o.summary.sessions_blocked_buffer), (35, 65));
}

#[test]
fn the_default_head_end_blocks_the_excess_instead_of_glitching() {
    // Issue 18's command, exactly: `vodsim run scenarios/default.json --set
    // workload.streams=400 --set faults=[]`. The default head-end runs
    // loaded (issue 18 item 5), so its disks bind. The expected read of a
    // 937 556-byte extent (1 832 sectors) on the validated Cheetah 9LP,
    // from the middle block (zone of 227 sectors a track, track skew 97
    // sectors; src/drive/cheetah9lp.json):
    //   command overhead (read miss after a read)                0.284 ms
    //   seek over a third of the 6 962-cylinder stroke: 2 320
    //     cylinders, between 5.624 ms (2 300) and 5.726 ms (2 400) 5.644 ms
    //   one revolution at 10 045 rpm                              5.973 ms
    //   media: 1 832 sectors crossing 8 track boundaries, each
    //     costing the 97-sector track skew: (1 832 + 8 x 97) / 227
    //     revolutions                                            68.627 ms
    //   one sector onto the 80 MB/s bus (512 / 80e6)              0.006 ms
    //   in all                                                   80.534 ms
    // 90 % of a 2 s service period (disk_margin 0.1): 1.8 / 0.080534 =
    // 22.35 -> 22 streams per disk, 4 disks -> 88 per module, 352 on the 4
    // modules; below what the 80 MB/s bus (80e6 x 2 x 0.9 / 937 556 =
    // 153.6 -> 153), the 256 MiB buffer (268 435 456 / (2 x 937 556) =
    // 143.2 -> 143) and the 4 Gbit/s switch (4e9 / 3 750 224 = 1 066)
    // admit. Of the 400 initial sessions 352 are admitted and 48 blocked
    // with reason disk (later arrivals find the modules full too), and
    // nobody admitted glitches.
    let o = run_file("scenarios/default.json", &["workload.streams=400", "faults=[]"]);
    assert_eq!(o.summary.glitches, 0);
    assert!(o.modules.iter().all(|r| r.admission_limit == 88), "{:?}", o.modules.first());
    let initial = o.streams.iter().filter(|s| s.start_s == 0.0).count();
    assert_eq!(initial, 352);
    assert_eq!(o.summary.sessions_blocked_disk, o.summary.sessions_blocked);
    assert!(o.summary.sessions_blocked >= 400 - 352, "{}", o.summary.sessions_blocked);
    // The command itself says so on the terminal: the blocked sessions and
    // their reason, next to the 0 glitches (summary.json has the same
    // counts as `sessions_blocked` and `sessions_blocked_disk`).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let cli =
        vodsim(&["run", "scenarios/default.json", "--set", "workload.streams=400", "--set", "faults=[]", "--out", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&cli.stderr);
    let blocked = format!("{} sessions blocked (disk {})", o.summary.sessions_blocked, o.summary.sessions_blocked_disk);
    assert!(cli.status.success() && said.contains(" 0 glitches") && said.contains(&blocked), "{said}");
    let per_instant = |o: &vodsim::sim::RunOutput| {
        o.modules.iter().fold(std::collections::BTreeMap::new(), |mut acc, r| {
            *acc.entry(r.t_s.to_bits()).or_insert(0) += r.streams;
            acc
        })
    };
    let peak = per_instant(&o);
    assert!(peak.values().all(|&n| n <= 352), "{peak:?}");
    assert!(o.modules.iter().all(|r| r.streams <= r.admission_limit));
    // Behind the 1 Gbit/s switch it had before, 400 streams: the switch
    // carries 1e9 / 3 750 224 = 266 and blocks the rest, with reason switch.
    let o = run_file("scenarios/default.json", &["workload.streams=400", "faults=[]", "headend.switch_bps=1000000000"]);
    assert_eq!(o.summary.glitches, 0);
    assert_eq!(o.summary.sessions_blocked_switch, o.summary.sessions_blocked);
    assert!(o.summary.sessions_blocked >= 400 - 266, "{}", o.summary.sessions_blocked);
    assert!(per_instant(&o).values().all(|&n| n <= 266));
    // Counted by reason like the total: not in the warm-up, where the
    // initial population's excess is blocked.
    let full = o.summary.sessions_blocked;
    let warm = run_file("scenarios/default.json", &["workload.streams=400", "faults=[]", "headend.switch_bps=1000000000", "warmup_s=10"]);
    let s = &warm.summary;
    let by_reason = s.sessions_blocked_no_module
        + s.sessions_blocked_buffer
        + s.sessions_blocked_disk
        + s.sessions_blocked_switch
        + s.sessions_blocked_fatc;
    assert_eq!(by_reason, s.sessions_blocked);
    assert!(s.sessions_blocked < full - (400 - 266) + 1, "{} vs {}", s.sessions_blocked, full);
}

/// `scenarios/mixed-sd-hd.json`: 170 sessions at t = 0 for a catalogue of
/// 70 % SD (3 750 224 bit/s) and 30 % HD (15 000 896 bit/s = 4 x SD)
/// titles, behind a 1 Gbit/s switch.
#[test]
fn mixed_sd_hd_admits_what_the_switch_carries_by_each_streams_own_rate() {
    // By hand: the switch carries floor(1e9 / 3 750 224) = 266
    // SD-equivalents (266 x 3 750 224 = 997 559 584; 267 would be
    // 1 001 309 808), an HD stream counting 4. Admission fills it in
    // arrival order; once fewer than 4 units are left HD sessions are
    // refused while SD ones still fit, so after the last SD refusal the
    // admitted streams hold exactly 266 units. Nothing else binds: a module
    // has 4 disks x 2 s x 0.9 = 7.2 s of disk time and 400 MB of buffer per
    // period, an SD stream takes 34.272 ms (seek over 6 666 cylinders 2.5 +
    // 0.00035 x 6 666 = 4.833 ms, revolution 6 ms, 937 556 B / 40 MB/s =
    // 23.439 ms) and 1 875 112 B, an HD one 104.589 ms (93.756 ms of
    // transfer) and 7 500 448 B; the least-loaded split puts at most 133 SD
    // (4.558 s, 249 MB) or 33 HD (3.451 s, 248 MB) streams on a module.
    let o = run_file("scenarios/mixed-sd-hd.json", &[]);
    let (sd, hd) = (3_750_224u64, 15_000_896u64);
    let n_sd = o.streams.iter().filter(|r| r.bitrate_bps == sd).count() as u64;
    let n_hd = o.streams.iter().filter(|r| r.bitrate_bps == hd).count() as u64;
    assert_eq!(n_sd + n_hd, o.streams.len() as u64, "every stream is SD or HD");
    assert!(n_sd > 0 && n_hd > 0, "both classes play: {n_sd} SD, {n_hd} HD");
    assert_eq!(n_sd + 4 * n_hd, 266, "{n_sd} SD + 4 x {n_hd} HD");
    let s = &o.summary;
    assert_eq!(s.streams, n_sd + n_hd);
    assert_eq!(s.streams + s.sessions_blocked, 170);
    assert_eq!(s.sessions_blocked_switch, s.sessions_blocked, "only the switch binds");
    assert!(s.sessions_blocked > 0, "the scenario is loaded past its limit");
    assert_eq!(s.glitches, 0, "every admitted stream is served in time");
    // The title's class decides the rate: the shares hold over the library
    // (the Weyl rule puts 350 of 500 titles in SD: frac((t + 1) / phi) < 0.7
    // for t in 0..500: ((t + 1) x 2 654 435 769 mod 2^32) < round(0.7 x 2^32),
    // counted outside vodsim).
    let sc = crate::common::scenario(&std::fs::read_to_string(crate::common::repo().join("scenarios/mixed-sd-hd.json")).unwrap(), &[]);
    let sd_titles = sc.scenario.title_classes().iter().filter(|&&c| c == 0).count();
    assert_eq!(sd_titles, 350, "SD titles of 500");
}

#[test]
fn mixed_sd_hd_passes_the_invariant_checks() {
    // --check: switch and FATC within their rates, buffers within their
    // bytes, no stream fed twice, every period resolved once.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = crate::common::vodsim(&["run", "scenarios/mixed-sd-hd.json", "--check", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let streams = std::fs::read_to_string(out.join("streams.csv")).unwrap();
    assert!(streams.lines().next().unwrap().ends_with(",bitrate_bps"));
}
