//! Structure-aware fuzz target: the input picks values for the scenario's
//! fields (from edge values and ranges around them) and a list of faults,
//! on top of a small valid head-end, so that most inputs validate and reach
//! the model. Same run as the `scenario` target (`vodsim_fuzz::load_and_run`).

#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

/// Numeric fields, by dotted path.
const NUMBERS: &[&str] = &[
    "duration_s",
    "report_interval_s",
    "content.titles",
    "content.title_s",
    "content.bitrate_bps",
    "content.replicas",
    "content.zipf_s",
    "content.random_access_interval_s",
    "headend.modules",
    "headend.disks_per_module",
    "headend.buffer_bytes",
    "headend.max_streams_per_module",
    "headend.switch_bps",
    "headend.transport.channels",
    "headend.transport.channel_bps",
    "headend.disk.cylinders",
    "headend.disk.rpm",
    "headend.disk.zones",
    "headend.disk.outer_bytes_per_s",
    "headend.disk.inner_bytes_per_s",
    "headend.disk.scan_window_ms",
    "headend.disk.seek.split_cylinders",
    "headend.disk.seek.short_a_ms",
    "headend.disk.seek.long_e_ms",
    "workload.streams",
    "workload.arrivals_per_s",
    "workload.mean_session_s",
    "workload.streams_per_user",
    "smbus.latency_us",
    "smbus.per_byte_ns",
    "smbus.jitter_us",
    "smbus.loss",
    "smbus.trigger_latency_us",
    "migration.response_timeout_ms",
    "migration.max_destinations",
    "migration.max_recomputes",
    "migration.max_shift_s",
    "migration.trigger_grace_packets",
    "migration.stream_migrated_wait_packets",
    "migration.control_transfer_wait_ms",
    "migration.load_balance.interval_s",
    "migration.load_balance.threshold",
    "migration.load_balance.relative",
    "migration.load_balance.max_moves",
];

/// Fields with a fixed set of values.
const CHOICES: &[(&str, &[&str])] = &[
    ("headend.disk.queue", &["fifo", "edf", "scan-edf"]),
    ("headend.placement", &["striped", "random"]),
    ("workload.on_title_end", &["leave", "new-title"]),
    ("workload.assignment", &["least-loaded", "round-robin"]),
    ("migration.policy", &["protocol", "naive"]),
    ("migration.transition", &["auto", "extent", "packet-offset"]),
    ("migration.handshake", &["accept-first", "retrieve-first"]),
];

const KINDS: &[&str] = &["disk", "module", "buffer", "secondary-storage", "failure-likely", "smbus-burst"];

#[derive(Arbitrary, Debug)]
enum Num {
    Small(u8),
    Medium(u16),
    Large(u32),
    Float(f64),
    Fraction(u8),
    Tiny(u8),
    Null,
}

impl Num {
    fn json(&self) -> Value {
        match *self {
            Num::Small(v) => json!(v),
            Num::Medium(v) => json!(v),
            Num::Large(v) => json!(v),
            Num::Float(v) if v.is_finite() => json!(v),
            Num::Float(_) => json!(0.0),
            Num::Fraction(v) => json!(f64::from(v) / 255.0),
            Num::Tiny(v) => json!(f64::from(v) * 1e-6),
            Num::Null => Value::Null,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Fault {
    kind: u8,
    /// Fraction of the run (0–255 → 0–1).
    at: u8,
    module: u8,
    disk: u8,
    repair: Option<Num>,
    duration: Num,
    extra_latency: Option<Num>,
    loss: Option<Num>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    numbers: Vec<(u8, Num)>,
    choices: Vec<(u8, u8)>,
    extent_packets: Vec<u16>,
    faults: Vec<Fault>,
}

fn set(doc: &mut Value, path: &str, v: Value) {
    let mut node = doc;
    let mut parts = path.split('.').peekable();
    while let Some(p) = parts.next() {
        if !node.is_object() {
            *node = json!({});
        }
        if parts.peek().is_none() {
            node[p] = v;
            return;
        }
        node = node.as_object_mut().expect("object").entry(p).or_insert(json!({}));
    }
}

fn scenario(input: &Input) -> Value {
    let mut doc = json!({
        "name": "knobs", "seed": input.seed, "duration_s": 5,
        "report_interval_s": 1,
        "content": { "titles": 10, "title_s": 60 },
        "headend": { "modules": 3, "disks_per_module": 2, "buffer_bytes": 20000000 },
        "workload": { "streams": 12 },
    });
    for (i, n) in input.numbers.iter().take(24) {
        set(&mut doc, NUMBERS[*i as usize % NUMBERS.len()], n.json());
    }
    for (i, c) in input.choices.iter().take(8) {
        let (path, values) = CHOICES[*i as usize % CHOICES.len()];
        set(&mut doc, path, json!(values[*c as usize % values.len()]));
    }
    if let Some(lb) = doc["migration"].get_mut("load_balance").and_then(Value::as_object_mut) {
        lb.entry("interval_s").or_insert(json!(1.0));
    }
    let modules = doc["headend"]["modules"].as_u64().unwrap_or(1).clamp(1, 64);
    if !input.extent_packets.is_empty() {
        let sizes: Vec<u64> =
            (0..modules as usize).map(|m| u64::from(input.extent_packets[m % input.extent_packets.len()]).max(1) * 188).collect();
        set(&mut doc, "headend.extent_bytes_by_module", json!(sizes));
    }
    let duration = doc["duration_s"].as_f64().unwrap_or(1.0);
    let disks = doc["headend"]["disks_per_module"].as_u64().unwrap_or(1).max(1);
    let faults: Vec<Value> = input
        .faults
        .iter()
        .take(8)
        .map(|f| {
            let kind = KINDS[f.kind as usize % KINDS.len()];
            let mut v = json!({ "at_s": f64::from(f.at) / 255.0 * duration, "kind": kind });
            if kind == "smbus-burst" {
                v["duration_s"] = f.duration.json();
                if let Some(x) = &f.extra_latency {
                    v["extra_latency_us"] = x.json();
                }
                if let Some(x) = &f.loss {
                    v["loss"] = x.json();
                }
            } else {
                v["module"] = json!(u64::from(f.module) % modules);
                if let Some(r) = &f.repair {
                    v["repair_after_s"] = r.json();
                }
            }
            if kind == "disk" {
                v["disk"] = json!(u64::from(f.disk) % disks);
            }
            v
        })
        .collect();
    doc["faults"] = json!(faults);
    doc
}

fuzz_target!(|input: Input| {
    let text = scenario(&input).to_string();
    vodsim_fuzz::load_and_run(&text, &[]);
});
