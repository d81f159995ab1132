//! Semantic checks on a typed scenario. Every problem is collected, so a
//! user fixes a file in one pass instead of one error per run.

use super::raw::*;
use super::{Problem, ScenarioError};

/// Bits in one 188-byte MPEG-2 transport packet.
pub const PACKET_BITS: u64 = 188 * 8;
/// Largest stream population accepted (memory stays bounded).
pub const MAX_STREAMS: u32 = 10_000_000;
/// Longest scenario name: it names a directory (file systems take 255
/// bytes a component) and leaves room for what is added to it in
/// temporary names [bytes].
const MAX_NAME_BYTES: usize = 100;
/// Longest simulated time accepted [s] (about 116 days).
const MAX_DURATION_S: f64 = 1e7;
/// Server modules at most.
const MAX_MODULES: u32 = 4096;
/// Disks per module at most.
const MAX_DISKS_PER_MODULE: u32 = 1024;
/// Disks in the whole head-end at most (each has its own state and RNG).
const MAX_DISKS: u64 = 65_536;
/// Rows per module of `modules.csv` at most (`duration_s / report_interval_s`).
const MAX_REPORT_ROWS: f64 = 1e6;
/// Load observations at most (`duration_s / load_balance.interval_s`).
const MAX_OBSERVATIONS: f64 = 1e7;
/// Extents of the whole library on one module at most (titles × extents per
/// title), so cylinder arithmetic of the striped layout stays within u64.
const MAX_LIBRARY_EXTENTS: u64 = 1 << 40;

/// Bit-rate classes at most (`content.classes`).
pub const MAX_CLASSES: usize = 16;

/// A checked scenario: the user's fields plus what follows from them.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub raw: RawScenario,
    /// Packets per extent on each module, at `content.bitrate_bps` (the
    /// reference rate, which sets each module's service period).
    pub extent_packets: Vec<u64>,
    /// Packets in a title at the reference rate.
    pub title_packets: u64,
    /// The catalogue's bit-rate classes: `content.classes`, or one class at
    /// `content.bitrate_bps` (then its extents and titles are the ones above).
    pub classes: Vec<Class>,
    /// Streams each module admits at most.
    pub max_streams_per_module: u32,
    /// Modules holding each title (same for every title).
    pub replicas: u32,
    /// The validated drive of every disk (`headend.disk.model: validated`),
    /// `None` for the formula disk.
    pub drive: Option<crate::drive::DriveSpec>,
    /// Titles each module's disks have room for, in title order (the most
    /// popular first); `u64::MAX` for the formula disk, which has no blocks.
    pub titles_fit: Vec<u64>,
}

/// One bit-rate class of titles, with its extents.
#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    /// Name in outputs; empty for the single class of `content.bitrate_bps`.
    pub name: String,
    /// [bit/s]
    pub bitrate_bps: u64,
    /// Packets in each title of the class.
    pub title_packets: u64,
    /// Packets per extent on each module: the module's service period at the
    /// class's rate, rounded to whole packets.
    pub extent_packets: Vec<u64>,
}

impl Scenario {
    /// Upper bounds of the classes' shares of the titles, as fractions of
    /// 2^32 (the last is 2^32): class c takes a title whose `title_key`
    /// falls below `bounds[c]` and not below `bounds[c - 1]`.
    pub fn class_bounds(&self) -> Vec<u64> {
        class_bounds(self.raw.content.classes.as_deref().unwrap_or_default())
    }

    /// Class of every title (empty with a single class: every title is of
    /// class 0).
    pub fn title_classes(&self) -> Vec<u8> {
        if self.classes.len() < 2 {
            return Vec::new();
        }
        let bounds = self.class_bounds();
        (0..self.raw.content.titles).map(|t| class_of_key(&bounds, title_key(t))).collect()
    }
}

/// Where title `t` falls in [0, 2^32): the fractional part of (t + 1) / φ,
/// a Weyl sequence, so that every run of consecutive titles — the most
/// popular ones above all (Zipf ranks follow title numbers) — is split
/// among the classes close to their shares, with no random draw.
pub fn title_key(t: u32) -> u64 {
    // 2^32 / φ rounded (Knuth's multiplicative hashing constant).
    (u64::from(t) + 1).wrapping_mul(2_654_435_769) & 0xFFFF_FFFF
}

fn class_of_key(bounds: &[u64], key: u64) -> u8 {
    bounds.iter().position(|&b| key < b).unwrap_or(bounds.len().saturating_sub(1)) as u8
}

fn class_bounds(classes: &[RawClass]) -> Vec<u64> {
    let mut acc = 0.0;
    let mut bounds: Vec<u64> = classes
        .iter()
        .map(|c| {
            acc += c.share;
            (acc * 4_294_967_296.0).round().min(4_294_967_296.0) as u64
        })
        .collect();
    if let Some(last) = bounds.last_mut() {
        *last = 1 << 32;
    }
    bounds
}

/// Bytes in one block of the validated drive (DiskSim's sector).
pub const SECTOR_BYTES: u64 = 512;

struct Checker<'a> {
    file: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn bad(&mut self, path: &str, message: String) {
        let p = Problem { file: self.file.to_string(), path: path.to_string(), message };
        // One field shared by several modules is reported once.
        if !self.problems.contains(&p) {
            self.problems.push(p);
        }
    }
    /// A finite number in [lo, hi].
    fn range(&mut self, path: &str, v: f64, lo: f64, hi: f64, what: &str) {
        if !(v.is_finite() && v >= lo && v <= hi) {
            self.bad(path, format!("expected {what}, got {}", num(v)));
        }
    }
    fn positive(&mut self, path: &str, v: f64, hi: f64) {
        if !(v.is_finite() && v > 0.0 && v <= hi) {
            self.bad(path, format!("expected a number > 0 and <= {}, got {}", num(hi), num(v)));
        }
    }
    fn int_range(&mut self, path: &str, v: u64, lo: u64, hi: u64) {
        if v < lo || v > hi {
            let upper = if hi == u64::MAX { String::new() } else { format!(" and <= {hi}") };
            self.bad(path, format!("expected an integer >= {lo}{upper}, got {v}"));
        }
    }
    fn probability(&mut self, path: &str, v: f64) {
        self.range(path, v, 0.0, 1.0, "a probability in [0, 1]");
    }
    /// A periodic interval that cuts a valid `duration` into at most `most`
    /// pieces (`what` names them, for the message); unchecked unless both
    /// are positive, which `positive` reports on its own.
    fn at_most_per_run(&mut self, path: &str, interval: f64, duration: Option<f64>, most: f64, what: &str) {
        if let Some(duration) = duration
            && interval > 0.0
            && duration / interval > most
        {
            let least = num(duration / most);
            self.bad(path, format!("expected at least duration_s / {most:e} = {least} s ({what}), got {}", num(interval)));
        }
    }
}

pub fn validate(file: &str, raw: RawScenario) -> Result<Scenario, ScenarioError> {
    let mut c = Checker { file, problems: Vec::new() };
    // Sections in file order, so problems are listed as a reader meets them.
    let duration = c.run(&raw);
    let h = &raw.headend;
    let ct = &raw.content;
    let (modules, modules_ok) = c.modules(h);
    c.content(ct, h);
    let (sizes, size_path) = c.extent_sizes(h, modules, modules_ok);
    c.data_path(h, ct);
    c.disk(&h.disk);
    c.workload(&raw.workload, &raw, duration);
    c.smbus(&raw.smbus);
    c.migration(&raw.migration, duration);
    for (i, f) in raw.faults.iter().enumerate() {
        c.fault(i, f, &raw);
    }
    let title_packets = title_packets(ct);
    c.library_size(ct, title_packets, &sizes, &size_path);
    let classes = c.classes(&raw, &sizes);

    if !c.problems.is_empty() {
        return Err(ScenarioError { problems: c.problems });
    }
    // Valid sizes are whole packets, at least one.
    let largest = sizes.iter().copied().max().unwrap_or(188);
    let extent_packets: Vec<u64> = sizes.iter().map(|b| b / 188).collect();
    // With classes, a bound on streams (for output estimates; admission
    // counts each stream's own bytes): all of the smallest extents.
    let fewest_bytes = classes.iter().flat_map(|c| c.extent_packets.iter().map(|p| p * 188)).min().unwrap_or(largest);
    let per_stream = if classes.is_empty() { largest } else { fewest_bytes };
    let derived_max = (h.buffer_bytes / (2 * per_stream)).min(u32::MAX as u64) as u32;
    let max_streams_per_module = h.max_streams_per_module.unwrap_or(derived_max);
    let replicas = raw.content.replicas.unwrap_or(h.modules);
    let drive = match h.disk.model {
        DiskModel::Formula => None,
        DiskModel::Validated => Some(c.drive(&h.disk)),
    }
    .flatten();
    let titles_fit = match &drive {
        Some(spec) => c.capacity(&raw, spec, &extent_packets, title_packets, replicas),
        None => vec![u64::MAX; extent_packets.len()],
    };
    if !c.problems.is_empty() {
        return Err(ScenarioError { problems: c.problems });
    }
    let classes = if classes.is_empty() {
        vec![Class { name: String::new(), bitrate_bps: raw.content.bitrate_bps, title_packets, extent_packets: extent_packets.clone() }]
    } else {
        classes
    };
    Ok(Scenario { raw, extent_packets, title_packets, classes, max_streams_per_module, replicas, drive, titles_fit })
}

impl Checker<'_> {
    /// The validated drive `headend.disk.drive` describes, loaded and checked.
    fn drive(&mut self, d: &RawDisk) -> Option<crate::drive::DriveSpec> {
        const PATH: &str = "headend.disk.drive";
        let loaded = match &d.drive {
            None => return Some(crate::drive::DriveSpec::cheetah_9lp()),
            Some(serde_json::Value::String(rel)) => {
                let base = std::path::Path::new(self.file).parent().unwrap_or(std::path::Path::new(""));
                crate::drive::load_any(&base.join(rel))
            }
            Some(v @ serde_json::Value::Object(_)) => {
                crate::drive::DriveSpec::from_json(std::path::Path::new(&format!("{}: {PATH}", self.file)), &v.to_string())
            }
            Some(v) => {
                self.bad(PATH, format!("expected null (the built-in Cheetah 9LP), a file name or a drive object, got {v}"));
                return None;
            }
        };
        match loaded {
            Ok(spec) => Some(spec),
            Err(e) => {
                self.bad(PATH, format!("expected a usable drive description: {e}"));
                None
            }
        }
    }

    /// Titles each module's disks hold (`Scenario::titles_fit`); with
    /// `content.when_full: refuse`, a problem for each module holding more.
    /// A title takes the same blocks on every disk of a module: its extents
    /// on one disk (FIG. 3A striping, rounded up) times the blocks of an
    /// extent.
    fn capacity(
        &mut self,
        raw: &RawScenario,
        spec: &crate::drive::DriveSpec,
        extent_packets: &[u64],
        title_packets: u64,
        replicas: u32,
    ) -> Vec<u64> {
        let h = &raw.headend;
        let capacity = spec.capacity_sectors();
        let mut fit = Vec::with_capacity(extent_packets.len());
        for (m, &packets) in extent_packets.iter().enumerate() {
            let sectors = (packets * 188).div_ceil(SECTOR_BYTES);
            let per_disk = title_packets.div_ceil(packets).div_ceil(u64::from(h.disks_per_module));
            let title_sectors = (per_disk * sectors).max(1);
            let fits = capacity / title_sectors;
            fit.push(fits);
            let held = crate::headend::layout::titles_held(h.modules, replicas, raw.content.titles, m as u32);
            if held > fits && raw.content.when_full == WhenFull::Refuse {
                let gb = |s: u64| s as f64 * SECTOR_BYTES as f64 / 1e9;
                self.bad(
                    "content.titles",
                    format!(
                        "module {m} stores {held} titles of {:.2} GB but its {} disks ({}, {:.2} GB each) hold {fits}; expected fewer titles, fewer content.replicas, more disks, or content.when_full = \"store-fewer\"",
                        gb(title_sectors) * f64::from(h.disks_per_module),
                        h.disks_per_module,
                        if spec.name.is_empty() { "validated drive" } else { spec.name.as_str() },
                        gb(capacity)
                    ),
                );
            }
        }
        fit
    }

    /// Name, duration and reporting; the duration if it is usable for the
    /// per-run limits below.
    fn run(&mut self, raw: &RawScenario) -> Option<f64> {
        // The name is a directory of the default output path.
        if raw.name.is_empty()
            || raw.name.len() > MAX_NAME_BYTES
            || raw.name.chars().all(|ch| ch == '.')
            || !raw.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        {
            self.bad(
                "name",
                format!(
                    "expected a directory name of 1 to {MAX_NAME_BYTES} letters, digits, '-', '_' or '.', not only dots, got {:?}",
                    raw.name
                ),
            );
        }
        self.positive("duration_s", raw.duration_s, MAX_DURATION_S);
        self.positive("report_interval_s", raw.report_interval_s, MAX_DURATION_S);
        // A longer interval than the run is fine: one row at the end.
        let duration = Some(raw.duration_s).filter(|&d| d > 0.0 && d <= MAX_DURATION_S);
        if !(raw.warmup_s.is_finite() && raw.warmup_s >= 0.0 && duration.is_none_or(|d| raw.warmup_s < d)) {
            self.bad("warmup_s", format!("expected a number >= 0 and < duration_s, got {}", num(raw.warmup_s)));
        }
        let rows = "at most a million rows per module in modules.csv";
        self.at_most_per_run("report_interval_s", raw.report_interval_s, duration, MAX_REPORT_ROWS, rows);
        duration
    }

    /// Module and disk counts; the module count that per-module lists may
    /// be built for, and whether it was valid.
    fn modules(&mut self, h: &RawHeadend) -> (usize, bool) {
        self.int_range("headend.modules", h.modules.into(), 1, MAX_MODULES.into());
        self.int_range("headend.disks_per_module", h.disks_per_module.into(), 1, MAX_DISKS_PER_MODULE.into());
        let disks = u64::from(h.modules) * u64::from(h.disks_per_module);
        if h.modules <= MAX_MODULES && h.disks_per_module <= MAX_DISKS_PER_MODULE && disks > MAX_DISKS {
            self.bad(
                "headend.disks_per_module",
                format!(
                    "expected headend.modules x headend.disks_per_module <= {MAX_DISKS} disks in all, got {} x {} = {disks}",
                    h.modules, h.disks_per_module
                ),
            );
        }
        // Per-module lists are built only for a valid module count (an absurd
        // one is reported above and must not allocate).
        let modules_ok = (1..=MAX_MODULES).contains(&h.modules);
        let modules = if modules_ok { h.modules as usize } else { 1 };
        (modules, modules_ok)
    }

    fn content(&mut self, ct: &RawContent, h: &RawHeadend) {
        self.int_range("content.titles", ct.titles.into(), 1, 10_000_000);
        self.int_range("content.bitrate_bps", ct.bitrate_bps, PACKET_BITS, 1_000_000_000_000);
        self.positive("content.title_s", ct.title_s, MAX_DURATION_S);
        self.range("content.zipf_s", ct.zipf_s, 0.0, 10.0, "a Zipf exponent in [0, 10]");
        self.positive("content.random_access_interval_s", ct.random_access_interval_s, 3600.0);
        if let Some(r) = ct.replicas {
            if r == 0 {
                self.bad(
                    "content.replicas",
                    "expected an integer >= 1 (a title replicated on no module can never be played), got 0".into(),
                );
            } else if r > h.modules {
                self.bad("content.replicas", format!("expected at most headend.modules = {}, got {r}", h.modules));
            }
        }
    }

    /// Extent size of every module (and the path that set it), and whether
    /// all were valid; the buffer must hold two of the largest.
    fn extent_sizes(&mut self, h: &RawHeadend, modules: usize, modules_ok: bool) -> (Vec<u64>, Vec<String>) {
        let mut sizes: Vec<u64> = vec![h.extent_bytes; modules];
        let mut size_path = vec!["headend.extent_bytes".to_string(); modules];
        if let Some(by_module) = &h.extent_bytes_by_module {
            if by_module.len() != modules {
                if modules_ok {
                    self.bad(
                        "headend.extent_bytes_by_module",
                        format!("expected one entry per module (headend.modules = {modules}), got {}", by_module.len()),
                    );
                }
            } else {
                sizes.clone_from(by_module);
                size_path = (0..modules).map(|i| format!("headend.extent_bytes_by_module[{i}]")).collect();
            }
        }
        let problems_before = self.problems.len();
        for (size, path) in sizes.iter().zip(&size_path) {
            if *size == 0 || size % 188 != 0 {
                self.bad(
                    path,
                    format!("expected a whole number (>= 1) of 188-byte packets, got {size} bytes ({:.2} packets)", *size as f64 / 188.0),
                );
            } else if *size > 1 << 30 {
                self.bad(path, format!("expected at most 1 GiB, got {size}"));
            }
        }
        let largest = sizes.iter().copied().max().unwrap_or(0);
        let sizes_ok = self.problems.len() == problems_before;
        if sizes_ok && h.buffer_bytes < largest.saturating_mul(2) {
            self.bad(
                "headend.buffer_bytes",
                format!(
                    "expected at least two extents ({} bytes: the extent playing and the one being read), got {}",
                    largest.saturating_mul(2),
                    h.buffer_bytes
                ),
            );
        }
        (sizes, size_path)
    }

    /// Admission, switch and transport.
    fn data_path(&mut self, h: &RawHeadend, ct: &RawContent) {
        if let Some(rate) = h.host_bus_bytes_per_s {
            self.positive("headend.host_bus_bytes_per_s", rate, 1e12);
        }
        if let Some(0) = h.max_streams_per_module {
            self.bad("headend.max_streams_per_module", "expected an integer >= 1, got 0".into());
        }
        self.int_range("headend.switch_bps", h.switch_bps, 1, u64::MAX);
        if h.switch_bps < ct.bitrate_bps {
            self.bad(
                "headend.switch_bps",
                format!("expected at least content.bitrate_bps = {} (one stream), got {}", ct.bitrate_bps, h.switch_bps),
            );
        }
        self.range("headend.admission.disk_margin", h.admission.disk_margin, 0.0, 0.9, "a fraction from 0 to 0.9");
        let det = &h.detection;
        self.range("headend.detection.io_timeout_ms", det.io_timeout_ms, 0.0, 1e7, "a time from 0 to 1e7 ms");
        self.positive("headend.detection.heartbeat_period_ms", det.heartbeat_period_ms, 1e7);
        self.int_range("headend.detection.heartbeat_misses", det.heartbeat_misses.into(), 0, 1000);
        if h.transport.channel_bps < ct.bitrate_bps {
            self.bad(
                "headend.transport.channel_bps",
                format!(
                    "expected at least content.bitrate_bps = {} (one stream per channel), got {}",
                    ct.bitrate_bps, h.transport.channel_bps
                ),
            );
        }
        if let Some(n) = h.transport.channels {
            // More channels than streams can ever exist is a typo, and the
            // channel table is allocated up front.
            self.int_range("headend.transport.channels", n.into(), 1, MAX_STREAMS.into());
        }
    }

    fn disk(&mut self, d: &RawDisk) {
        self.int_range("headend.disk.cylinders", d.cylinders.into(), 2, 10_000_000);
        self.range("headend.disk.rpm", d.rpm, 1.0, 1e6, "a spindle speed from 1 to 1e6 rev/min");
        if d.zones == 0 {
            self.bad("headend.disk.zones", "expected an integer >= 1 (recording zones), got 0".into());
        } else if d.zones > d.cylinders {
            self.bad(
                "headend.disk.zones",
                format!(
                    "expected at most headend.disk.cylinders = {} (a zone is at least one cylinder wide), got {}",
                    d.cylinders, d.zones
                ),
            );
        }
        self.range("headend.disk.outer_bytes_per_s", d.outer_bytes_per_s, 1.0, 1e12, "a media rate from 1 to 1e12 bytes/s");
        self.range("headend.disk.inner_bytes_per_s", d.inner_bytes_per_s, 1.0, 1e12, "a media rate from 1 to 1e12 bytes/s");
        self.positive("headend.disk.scan_window_ms", d.scan_window_ms, 1e9);
        for (path, v) in [
            ("headend.disk.seek.short_a_ms", d.seek.short_a_ms),
            ("headend.disk.seek.short_b_ms", d.seek.short_b_ms),
            ("headend.disk.seek.long_c_ms", d.seek.long_c_ms),
            ("headend.disk.seek.long_e_ms", d.seek.long_e_ms),
        ] {
            self.range(path, v, 0.0, 1e5, "a time in ms >= 0");
        }
    }

    fn workload(&mut self, w: &RawWorkload, raw: &RawScenario, duration: Option<f64>) {
        self.int_range("workload.streams", w.streams.into(), 0, MAX_STREAMS.into());
        // The model draws gaps of mean 1 / rate: a denormal rate would make it
        // infinite.
        if !(w.arrivals_per_s == 0.0 || (1e-9..=1e6).contains(&w.arrivals_per_s)) {
            self.bad(
                "workload.arrivals_per_s",
                format!("expected 0 (no arrivals) or a rate from 1e-9 to 1e6 sessions/s, got {}", num(w.arrivals_per_s)),
            );
        }
        if duration.is_some() && w.arrivals_per_s * raw.duration_s > f64::from(MAX_STREAMS) {
            self.bad(
                "workload.arrivals_per_s",
                format!(
                    "expected at most {MAX_STREAMS} arrivals over the run (arrivals_per_s x duration_s), got {} x {} = {}",
                    num(w.arrivals_per_s),
                    num(raw.duration_s),
                    num(w.arrivals_per_s * raw.duration_s)
                ),
            );
        }
        if let Some(m) = w.mean_session_s {
            self.positive("workload.mean_session_s", m, MAX_DURATION_S);
        }
        self.int_range("workload.streams_per_user", w.streams_per_user.into(), 1, 16);
    }

    fn smbus(&mut self, s: &RawSmbus) {
        self.range("smbus.latency_us", s.latency_us, 0.0, 1e9, "a latency >= 0 µs");
        self.range("smbus.per_byte_ns", s.per_byte_ns, 0.0, 1e9, "a time >= 0 ns");
        self.range("smbus.jitter_us", s.jitter_us, 0.0, 1e9, "a jitter >= 0 µs");
        self.probability("smbus.loss", s.loss);
        self.range("smbus.trigger_latency_us", s.trigger_latency_us, 0.0, 1e9, "a latency >= 0 µs");
    }

    fn migration(&mut self, m: &RawMigration, duration: Option<f64>) {
        self.positive("migration.response_timeout_ms", m.response_timeout_ms, 1e9);
        self.int_range("migration.max_destinations", m.max_destinations.into(), 1, MAX_MODULES.into());
        self.int_range("migration.max_recomputes", m.max_recomputes.into(), 0, 1000);
        self.range("migration.max_shift_s", m.max_shift_s, 0.0, 1e6, "a time >= 0 s");
        self.int_range("migration.trigger_grace_packets", m.trigger_grace_packets.into(), 0, 1_000_000);
        self.int_range("migration.stream_migrated_wait_packets", m.stream_migrated_wait_packets.into(), 1, 1_000_000);
        self.positive("migration.control_transfer_wait_ms", m.control_transfer_wait_ms, 1e9);
        self.range("migration.reconnect_detect_s", m.reconnect_detect_s, 0.0, 1e6, "a time >= 0 s");
        if let Some(lb) = &m.load_balance {
            self.positive("migration.load_balance.interval_s", lb.interval_s, MAX_DURATION_S);
            let observations = "at most ten million observations";
            self.at_most_per_run("migration.load_balance.interval_s", lb.interval_s, duration, MAX_OBSERVATIONS, observations);
            self.range("migration.load_balance.threshold", lb.threshold, 0.0, 10.0, "a utilisation in (0, 10]");
            if lb.threshold == 0.0 {
                self.bad("migration.load_balance.threshold", "expected a utilisation > 0, got 0".into());
            }
            self.range("migration.load_balance.relative", lb.relative, 1.0, 1e3, "a factor >= 1");
            if let Some(low) = lb.low_threshold
                && !(low.is_finite() && low >= 0.0 && low <= lb.threshold)
            {
                self.bad(
                    "migration.load_balance.low_threshold",
                    format!("expected a utilisation from 0 to threshold = {}, got {}", num(lb.threshold), num(low)),
                );
            }
            self.range("migration.load_balance.hold_s", lb.hold_s, 0.0, MAX_DURATION_S, "a time >= 0 s");
            self.int_range("migration.load_balance.max_moves", lb.max_moves.into(), 1, 1_000_000);
        }
    }

    fn fault(&mut self, i: usize, f: &RawFault, raw: &RawScenario) {
        let h = &raw.headend;
        let p = |field: &str| format!("faults[{i}].{field}");
        if !(f.at_s.is_finite() && f.at_s >= 0.0) {
            self.bad(&p("at_s"), format!("expected a time >= 0 s, got {}", num(f.at_s)));
        } else if f.at_s > raw.duration_s {
            self.bad(&p("at_s"), format!("expected a time within duration_s = {}, got {}", num(raw.duration_s), num(f.at_s)));
        }
        let bus = f.kind == FaultKind::SmbusBurst;
        match (bus, f.module) {
            (false, None) => {
                self.bad(&p("module"), format!("required for kind {}: expected a module index below {}", f.kind.as_str(), h.modules))
            }
            (false, Some(mi)) if mi >= h.modules => {
                self.bad(&p("module"), format!("expected a module index below headend.modules = {}, got {mi}", h.modules))
            }
            (true, Some(_)) => self.bad(&p("module"), "not used by kind smbus-burst; remove it".into()),
            _ => {}
        }
        match (f.kind == FaultKind::Disk, f.disk) {
            (true, None) => self.bad(&p("disk"), format!("required for kind disk: expected a disk index below {}", h.disks_per_module)),
            (true, Some(di)) if di >= h.disks_per_module => {
                self.bad(&p("disk"), format!("expected a disk index below headend.disks_per_module = {}, got {di}", h.disks_per_module))
            }
            (false, Some(_)) => self.bad(&p("disk"), format!("only used by kind disk, not {}; remove it", f.kind.as_str())),
            _ => {}
        }
        match f.repair_after_s {
            Some(_) if bus => {
                self.bad(&p("repair_after_s"), "not used by kind smbus-burst (it ends after its duration_s); remove it".into())
            }
            Some(r) => self.positive(&p("repair_after_s"), r, MAX_DURATION_S),
            None => {}
        }
        if bus {
            match f.duration_s {
                None => self.bad(&p("duration_s"), "required for kind smbus-burst: expected a time > 0 s".into()),
                Some(dur) => self.positive(&p("duration_s"), dur, MAX_DURATION_S),
            }
            if let Some(l) = f.loss {
                self.probability(&p("loss"), l);
            }
            if let Some(x) = f.extra_latency_us {
                self.range(&p("extra_latency_us"), x, 0.0, 1e9, "a latency >= 0 µs");
            }
        } else {
            for (field, present) in
                [("duration_s", f.duration_s.is_some()), ("extra_latency_us", f.extra_latency_us.is_some()), ("loss", f.loss.is_some())]
            {
                if present {
                    self.bad(&p(field), format!("only used by kind smbus-burst, not {}; remove it", f.kind.as_str()));
                }
            }
        }
    }

    /// `content.classes`, resolved: each class's title and extent packets
    /// (empty when absent or when the extent sizes are invalid).
    fn classes(&mut self, raw: &RawScenario, sizes: &[u64]) -> Vec<Class> {
        let (ct, h) = (&raw.content, &raw.headend);
        let Some(list) = &ct.classes else {
            return Vec::new();
        };
        let before = self.problems.len();
        if list.is_empty() || list.len() > MAX_CLASSES {
            self.bad("content.classes", format!("expected 1 to {MAX_CLASSES} classes (or null), got {}", list.len()));
            return Vec::new();
        }
        if h.disk.model == DiskModel::Validated {
            self.bad(
                "content.classes",
                "expected headend.disk.model = \"formula\" with bit-rate classes (the validated drive's block layout has one extent size per module); remove content.classes or use the formula disk".into(),
            );
        }
        for (i, k) in list.iter().enumerate() {
            let p = |f: &str| format!("content.classes[{i}].{f}");
            if k.name.is_empty() || !k.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch)) {
                self.bad(&p("name"), format!("expected a non-empty name of letters, digits, '-', '_' or '.', got {:?}", k.name));
            } else if list[..i].iter().any(|o| o.name == k.name) {
                self.bad(&p("name"), format!("expected a name no other class has, got {:?} again", k.name));
            }
            self.int_range(&p("bitrate_bps"), k.bitrate_bps, PACKET_BITS, 1_000_000_000_000);
            if !(k.share.is_finite() && k.share > 0.0 && k.share <= 1.0) {
                self.bad(&p("share"), format!("expected a fraction of the titles in (0, 1], got {}", num(k.share)));
            }
            if h.switch_bps < k.bitrate_bps {
                self.bad(
                    &p("bitrate_bps"),
                    format!("expected at most headend.switch_bps = {} (one stream), got {}", h.switch_bps, k.bitrate_bps),
                );
            }
            if h.transport.channel_bps < k.bitrate_bps {
                self.bad(
                    &p("bitrate_bps"),
                    format!(
                        "expected at most headend.transport.channel_bps = {} (one stream per channel), got {}",
                        h.transport.channel_bps, k.bitrate_bps
                    ),
                );
            }
        }
        let total: f64 = list.iter().map(|k| k.share).sum();
        if total.is_finite() && (total - 1.0).abs() > 1e-6 {
            self.bad("content.classes", format!("expected shares that sum to 1 (within 1e-6), got {}", num(total)));
        }
        let ref_bps = ct.bitrate_bps;
        if self.problems.len() > before || sizes.iter().any(|&b| b == 0 || b % 188 != 0) || ref_bps < PACKET_BITS {
            return Vec::new();
        }
        // Every class must own a title, or its share is a typo.
        let bounds = class_bounds(list);
        let mut owned = vec![0u64; list.len()];
        for t in 0..ct.titles.min(10_000_000) {
            owned[class_of_key(&bounds, title_key(t)) as usize] += 1;
        }
        for (i, &n) in owned.iter().enumerate() {
            if n == 0 {
                self.bad(
                    &format!("content.classes[{i}].share"),
                    format!(
                        "expected a share that gives the class at least one of content.titles = {} titles, got {}",
                        ct.titles,
                        num(list[i].share)
                    ),
                );
            }
        }
        let classes: Vec<Class> = list
            .iter()
            .map(|k| {
                // The module's period at the class's rate, to the nearest packet.
                let scale =
                    |p: u64| ((u128::from(p) * u128::from(k.bitrate_bps) + u128::from(ref_bps / 2)) / u128::from(ref_bps)).max(1) as u64;
                Class {
                    name: k.name.clone(),
                    bitrate_bps: k.bitrate_bps,
                    title_packets: ((ct.title_s * k.bitrate_bps as f64) / PACKET_BITS as f64).floor().max(1.0) as u64,
                    extent_packets: sizes.iter().map(|b| scale(b / 188)).collect(),
                }
            })
            .collect();
        for (i, k) in classes.iter().enumerate() {
            let largest = k.extent_packets.iter().copied().max().unwrap_or(0) * 188;
            if largest > 1 << 30 {
                self.bad(&format!("content.classes[{i}].bitrate_bps"), format!("expected extents of at most 1 GiB, got {largest} bytes"));
            } else if h.buffer_bytes < 2 * largest {
                self.bad(
                    "headend.buffer_bytes",
                    format!(
                        "expected at least two extents of class {} ({} bytes: the extent playing and the one being read), got {}",
                        k.name,
                        2 * largest,
                        h.buffer_bytes
                    ),
                );
            }
            let paths: Vec<String> = (0..sizes.len()).map(|_| format!("content.classes[{i}].bitrate_bps")).collect();
            let sizes_c: Vec<u64> = k.extent_packets.iter().map(|p| p * 188).collect();
            self.library_size(ct, k.title_packets, &sizes_c, &paths);
        }
        if self.problems.len() > before { Vec::new() } else { classes }
    }

    /// The library must stay within the extent counts the layout handles.
    fn library_size(&mut self, ct: &RawContent, title_packets: u64, sizes: &[u64], size_path: &[String]) {
        if ct.title_s.is_finite() && ct.title_s > 0.0 && ct.bitrate_bps > 0 {
            for (size, path) in sizes.iter().zip(size_path) {
                let packets = size / 188;
                if packets == 0 {
                    continue;
                }
                let extents = title_packets.div_ceil(packets);
                if extents > u64::from(u32::MAX) || extents.saturating_mul(ct.titles.into()) > MAX_LIBRARY_EXTENTS {
                    self.bad(
                        path,
                        format!(
                            "expected fewer extents: content.title_s = {} s at content.bitrate_bps makes {extents} extents per title and {} in the library (at most {} per title and {MAX_LIBRARY_EXTENTS} in all); use larger extents or shorter titles",
                            num(ct.title_s),
                            extents.saturating_mul(ct.titles.into()),
                            u32::MAX
                        ),
                    );
                    break;
                }
            }
        }
    }
}

/// Whole packets in one title (at least one).
fn title_packets(ct: &RawContent) -> u64 {
    ((ct.title_s * ct.bitrate_bps as f64) / PACKET_BITS as f64).floor().max(1.0) as u64
}

/// A number as a user would write it: plain, or in e-notation when very
/// large or small.
fn num(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-4..1e15).contains(&v.abs()) { format!("{v:e}") } else { format!("{v}") }
}
