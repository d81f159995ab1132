//! Fuzz target: arbitrary bytes as a scenario file (plus `--set` overrides
//! after NUL bytes) through parse → override → validate, and every scenario
//! that validates through a short checked run.
//!
//! Input layout: `SCENARIO_JSON [\0 PATH=VALUE]*`. A crash is either a panic
//! anywhere (loader, validator, model) or a broken model invariant
//! (`SimError::Invariant`, turned into a panic here).
//!
//! So that each input runs in milliseconds, a validated scenario is cut
//! down before it runs: at most 5 simulated seconds (fault times scaled
//! into that window), 50 initial streams, 10 arrivals/s, report and
//! load-balance intervals of at least 0.1 s; head-ends with more than 256
//! disks or 100 000 titles are skipped.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vodsim::scenario::{Scenario, load_str};
use vodsim::sim::{RunOptions, simulate};

const MAX_DURATION_S: f64 = 5.0;
const MAX_STREAMS: u32 = 50;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0);
    let Some(json) = parts.next() else { return };
    let Ok(text) = std::str::from_utf8(json) else { return };
    let sets: Vec<String> = parts.filter_map(|p| std::str::from_utf8(p).ok()).map(str::to_string).take(8).collect();
    let Ok(loaded) = load_str("fuzz.json", text, &sets, None) else { return };
    let Some(sc) = shrink(loaded.scenario) else { return };
    if let Err(e) = simulate(&sc, RunOptions { trace: true, check: true }, "fuzz", |_| {}) {
        panic!("{e}");
    }
});

/// Caps what makes a run slow, keeping the scenario valid; `None` for a
/// head-end too large to set up quickly.
fn shrink(mut sc: Scenario) -> Option<Scenario> {
    let r = &mut sc.raw;
    if u64::from(r.headend.modules) * u64::from(r.headend.disks_per_module) > 256 || r.content.titles > 100_000 {
        return None;
    }
    if r.duration_s > MAX_DURATION_S {
        let f = MAX_DURATION_S / r.duration_s;
        r.duration_s = MAX_DURATION_S;
        for fault in &mut r.faults {
            fault.at_s = (fault.at_s * f).min(MAX_DURATION_S);
        }
    }
    r.workload.streams = r.workload.streams.min(MAX_STREAMS);
    r.workload.arrivals_per_s = r.workload.arrivals_per_s.min(10.0);
    r.report_interval_s = r.report_interval_s.max(0.1);
    if let Some(lb) = &mut r.migration.load_balance {
        lb.interval_s = lb.interval_s.max(0.1);
    }
    Some(sc)
}
