//! Repeated in-process runs of one scenario: the simulation alone, without
//! process start-up or output files, so that two builds of the hot path can
//! be compared to a few percent on a noisy machine (the minimum over many
//! runs moves far less than a single process's wall time).
//!
//! Usage: `cargo bench --bench simulate [-- SCENARIO [RUNS] [--set PATH=VALUE]...]`
//! (defaults: scenarios/peer-simpy.json, 40 runs). Prints
//! `simulate scenario=<path> runs=<N> events=<E> min_ms=<X> median_ms=<Y>`.

use std::path::PathBuf;
use std::time::Instant;
use vodsim::sim::{RunOptions, simulate};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (mut positional, mut sets) = (Vec::new(), Vec::new());
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--set", Some(v)) => sets.push(v),
            ("--set", None) => fail("--set needs PATH=VALUE"),
            (_, next) => positional.extend(std::iter::once(a).chain(next)),
        }
    }
    let path = PathBuf::from(positional.first().map_or("scenarios/peer-simpy.json", String::as_str));
    let runs: usize = match positional.get(1).map(|r| r.parse()) {
        None => 40,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => fail(&format!("RUNS must be a positive whole number, got {:?}", positional[1])),
    };
    let loaded = match vodsim::scenario::load(&path, &sets, None) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut walls = Vec::with_capacity(runs);
    let mut events = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let out = match simulate(&loaded.scenario, RunOptions::default(), "", |_| {}) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("simulate: {e}");
                std::process::exit(1);
            }
        };
        walls.push(t0.elapsed().as_secs_f64() * 1e3);
        events = out.summary.events;
    }
    walls.sort_by(f64::total_cmp);
    println!("simulate scenario={} runs={runs} events={events} min_ms={:.3} median_ms={:.3}", path.display(), walls[0], walls[runs / 2]);
}

fn fail(why: &str) -> ! {
    eprintln!("simulate: {why}");
    std::process::exit(2);
}
