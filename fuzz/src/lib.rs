//! What both fuzz targets share: cutting a valid scenario down so that one
//! input runs in milliseconds, and running it with invariant checks on.

use vodsim::scenario::{Scenario, load_str};
use vodsim::sim::{RunOptions, simulate};

/// Longest simulated time run [s]; fault times are scaled into it.
pub const MAX_DURATION_S: f64 = 5.0;
/// Most initial streams run.
pub const MAX_STREAMS: u32 = 50;

/// Loads `text` with `sets`; if it validates, cuts it down and runs it
/// checked. A broken invariant panics, so libFuzzer records it as a crash.
pub fn load_and_run(text: &str, sets: &[String]) {
    let Ok(loaded) = load_str("fuzz.json", text, sets, None) else { return };
    let Some(sc) = shrink(loaded.scenario) else { return };
    if let Err(e) = simulate(&sc, RunOptions { trace: true, check: true, ..Default::default() }, "fuzz", |_| {}) {
        panic!("{e}");
    }
}

/// Stream-periods (extent deadlines) a run may have at most.
pub const MAX_PERIODS: f64 = 20_000.0;

/// Caps what makes a run slow, keeping the scenario valid: at most
/// `MAX_STREAMS` initial streams, 10 arrivals/s, report and load-balance
/// intervals of at least 0.1 s, and a duration of at most `MAX_DURATION_S`
/// and short enough for about `MAX_PERIODS` stream-periods (tiny extents
/// make short periods); fault times are scaled into the new duration.
/// `None` for head-ends with more than 256 disks or 100 000 titles, which
/// take long to set up.
pub fn shrink(mut sc: Scenario) -> Option<Scenario> {
    let shortest_period_s = sc.extent_packets.iter().copied().min().unwrap_or(1) as f64 * 1504.0 / sc.raw.content.bitrate_bps.max(1) as f64;
    let r = &mut sc.raw;
    if u64::from(r.headend.modules) * u64::from(r.headend.disks_per_module) > 256 || r.content.titles > 100_000 {
        return None;
    }
    r.workload.streams = r.workload.streams.min(MAX_STREAMS);
    r.workload.arrivals_per_s = r.workload.arrivals_per_s.min(10.0);
    r.report_interval_s = r.report_interval_s.max(0.1);
    if let Some(lb) = &mut r.migration.load_balance {
        lb.interval_s = lb.interval_s.max(0.1);
    }
    let users = f64::from(r.workload.streams * r.workload.streams_per_user.max(1)) + r.workload.arrivals_per_s * MAX_DURATION_S;
    let budget_s = if users > 0.0 { MAX_PERIODS * shortest_period_s / users } else { MAX_DURATION_S };
    let cap = MAX_DURATION_S.min(budget_s).max(1e-3);
    if r.duration_s > cap {
        let f = cap / r.duration_s;
        r.duration_s = cap;
        for fault in &mut r.faults {
            fault.at_s = (fault.at_s * f).min(cap);
        }
    }
    Some(sc)
}
