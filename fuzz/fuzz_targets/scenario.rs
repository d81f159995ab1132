//! Fuzz target: arbitrary bytes as a scenario file, plus `--set` overrides
//! after NUL bytes (`SCENARIO_JSON [\0 PATH=VALUE]*`), through parse →
//! override → validate, and every scenario that validates through a short
//! checked run (see `vodsim_fuzz::shrink`). A crash is a panic anywhere
//! (loader, validator, model) or a broken model invariant.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|&b| b == 0);
    let Some(json) = parts.next() else { return };
    let Ok(text) = std::str::from_utf8(json) else { return };
    let sets: Vec<String> = parts.filter_map(|p| std::str::from_utf8(p).ok()).map(str::to_string).take(8).collect();
    vodsim_fuzz::load_and_run(text, &sets);
});
