//! Scenario files as users write them: serde types with documented units and
//! defaults. `deny_unknown_fields` everywhere, so a typo is an error instead
//! of a silently defaulted field. Nothing here is validated beyond types;
//! `validate.rs` turns a `RawScenario` into a checked `Scenario`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Used in default output paths (`results/<name>/seed-<N>/`).
    pub name: String,
    /// What the scenario demonstrates and the outcome it is expected to show.
    #[serde(default)]
    pub description: String,
    /// Master seed; every component's random stream is derived from it.
    pub seed: u64,
    /// Simulated time [s].
    pub duration_s: f64,
    /// Interval between rows of `modules.csv` [s].
    #[serde(default = "d_report_interval")]
    pub report_interval_s: f64,
    /// Warm-up [s]: nothing that happens before it counts in any total,
    /// per-stream figure or per-interval column (the rows of `modules.csv`
    /// before it are written, with zero impact columns).
    #[serde(default)]
    pub warmup_s: f64,
    #[serde(default)]
    pub content: RawContent,
    pub headend: RawHeadend,
    pub workload: RawWorkload,
    #[serde(default)]
    pub smbus: RawSmbus,
    #[serde(default)]
    pub migration: RawMigration,
    /// Injected failures, warnings and bus disturbances.
    #[serde(default)]
    pub faults: Vec<RawFault>,
}

fn d_report_interval() -> f64 {
    10.0
}

/// The title library (FIG. 3A): every title is a sequence of extents.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawContent {
    /// Number of titles in the library.
    #[serde(default = "d_titles")]
    pub titles: u32,
    /// Play time of every title [s].
    #[serde(default = "d_title_s")]
    pub title_s: f64,
    /// Constant MPEG-2 transport-stream rate of every title [bit/s]. The
    /// default is 3.75 Mbit/s rounded up so that a 2 s extent is a whole
    /// number (4 987) of 188-byte packets. With `classes` it is the
    /// reference rate only: `headend.extent_bytes` at this rate sets each
    /// module's service period, and titles play at their class's rate.
    #[serde(default = "d_bitrate")]
    pub bitrate_bps: u64,
    /// Bit-rate classes of the catalogue (e.g. SD and HD), each with its
    /// share of the titles; `null` = every title at `bitrate_bps`. A title's
    /// class follows from its number by a fixed rule (no random draw, see
    /// `scenarios/README.md`), and each of its extents holds one service
    /// period of its own rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<RawClass>>,
    /// Modules holding a copy of each title; `null` = every module. Title t
    /// is stored on modules t, t+1, … (mod M).
    #[serde(default)]
    pub replicas: Option<u32>,
    /// Zipf exponent of title popularity (0 = uniform). Title 0 is the most
    /// popular, title 1 the next, and so on.
    #[serde(default)]
    pub zipf_s: f64,
    /// What a module whose titles take more blocks than its disks hold does
    /// (`headend.disk.model: validated` only; the formula disk has no
    /// blocks): `refuse` the scenario (exit 2), or `store-fewer`: keep the
    /// most popular titles that fit; the others are not stored there, so
    /// sessions and migrations for them go elsewhere or are refused (FIG. 5
    /// steps 506/508).
    #[serde(default)]
    pub when_full: WhenFull,
    /// Interval between random-access points (PCR + random_access_indicator)
    /// in the transport stream [s]; packet-offset transitions land on them.
    #[serde(default = "d_rap")]
    pub random_access_interval_s: f64,
}

fn d_titles() -> u32 {
    500
}
fn d_title_s() -> f64 {
    5400.0
}
fn d_bitrate() -> u64 {
    3_750_224
}
fn d_rap() -> f64 {
    0.5
}

impl Default for RawContent {
    fn default() -> Self {
        RawContent {
            titles: d_titles(),
            title_s: d_title_s(),
            bitrate_bps: d_bitrate(),
            classes: None,
            replicas: None,
            zipf_s: 0.0,
            when_full: WhenFull::default(),
            random_access_interval_s: d_rap(),
        }
    }
}

/// One bit-rate class of the catalogue.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    /// Name in outputs (`SD`, `HD`).
    pub name: String,
    /// Constant transport-stream rate of the class's titles [bit/s].
    pub bitrate_bps: u64,
    /// Fraction of the titles in the class; the shares sum to 1.
    pub share: f64,
}

/// What a module does with titles that do not fit on its disks.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum WhenFull {
    #[default]
    Refuse,
    StoreFewer,
}

/// The information server of FIG. 2.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHeadend {
    /// Number of server modules (M).
    pub modules: u32,
    /// Disks in each module's array.
    pub disks_per_module: u32,
    /// Bytes per extent; must be a whole number of 188-byte packets. The
    /// service period of a module is the play time of one of its extents.
    #[serde(default = "d_extent_bytes")]
    pub extent_bytes: u64,
    /// Per-module extent size overriding `extent_bytes` (one entry per
    /// module), for studying packet-offset transitions.
    #[serde(default)]
    pub extent_bytes_by_module: Option<Vec<u64>>,
    /// Buffer memory of each module [bytes].
    #[serde(default = "d_buffer_bytes")]
    pub buffer_bytes: u64,
    /// Streams a module admits at most; `null` = buffer_bytes / (2 extents),
    /// since each stream holds the extent playing plus the one being read.
    #[serde(default)]
    pub max_streams_per_module: Option<u32>,
    /// Aggregate capacity of the non-blocking switch [bit/s].
    #[serde(default = "d_switch_bps")]
    pub switch_bps: u64,
    #[serde(default)]
    pub transport: RawTransport,
    #[serde(default)]
    pub admission: RawAdmission,
    #[serde(default)]
    pub detection: RawDetection,
    #[serde(default)]
    pub disk: RawDisk,
    /// Where an extent sits on its disk: `striped` (titles laid out in
    /// order, so the cylinder follows from the extent) or `random` (a fresh
    /// uniformly random cylinder per read, as the SimPy peer does).
    #[serde(default)]
    pub placement: Placement,
    /// Which end of each disk holds the most popular titles (validated
    /// drive, striped placement): `outer` (title 0 from block 0, the outer
    /// zone with the highest media rate, later titles inwards) or `inner`
    /// (title 0 at the last blocks, later titles outwards).
    #[serde(default)]
    pub popular_on: PopularOn,
    /// Host bus shared by each module's disk array (e.g. Ultra2 SCSI,
    /// 80e6) [bytes/s]; `null` = none, each disk's own interface only. A
    /// read's last `bytes / rate` seconds cross the bus after the media,
    /// and reads of one module's disks take the bus in the order their
    /// disks dispatch them (every disk completion is then an event, so that
    /// order is time order). With the validated drive the bus also replaces
    /// the drive's own host interface (its `bus`, per sector).
    #[serde(default)]
    pub host_bus_bytes_per_s: Option<f64>,
}

/// Which end of a disk the most popular titles occupy.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PopularOn {
    #[default]
    Outer,
    Inner,
}

fn d_extent_bytes() -> u64 {
    937_556
}
fn d_buffer_bytes() -> u64 {
    // 512 MiB: 286 streams at two extents each.
    512 * 1024 * 1024
}
fn d_switch_bps() -> u64 {
    1_000_000_000
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    #[default]
    Striped,
    Random,
}

/// The session controller's admission test (a migration's destination
/// passes the same one): a stream is admitted only if its module's disks,
/// its buffer, the switch and an FATC channel all have room for it.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAdmission {
    /// `false`: admit up to the buffer's limit (`max_streams_per_module`)
    /// and the FATC channels only, as a head-end without admission control
    /// does, for studying overload.
    #[serde(default = "d_true")]
    pub enabled: bool,
    /// Fraction of each disk's time per service period kept free of
    /// admitted streams, for reads slower than expected, migrations'
    /// transitional reads and queueing (0–0.9).
    #[serde(default = "d_disk_margin")]
    pub disk_margin: f64,
}

fn d_disk_margin() -> f64 {
    0.1
}

impl Default for RawAdmission {
    fn default() -> Self {
        RawAdmission { enabled: true, disk_margin: d_disk_margin() }
    }
}

/// How the head-end learns of a failure; until then nobody migrates.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDetection {
    /// A disk that breaks is noticed when the read it is serving times out,
    /// this long after that read started (an idle disk: after the fault);
    /// the read fails then [ms]. 0 = at once.
    #[serde(default = "d_io_timeout")]
    pub io_timeout_ms: f64,
    /// Interval between a module's heartbeats on the SMBUS [ms].
    #[serde(default = "d_heartbeat_period")]
    pub heartbeat_period_ms: f64,
    /// A module whose data path fails is noticed when this many heartbeats
    /// in a row are missed (its first missed heartbeat is the first due at
    /// or after the fault); 0 = known at once.
    #[serde(default = "d_heartbeat_misses")]
    pub heartbeat_misses: u32,
}

// A real-time disk controller times a read out after a few service times
// (a whole-extent read is ~50–65 ms), not after the 30 s of a general
// purpose SCSI stack.
fn d_io_timeout() -> f64 {
    200.0
}
fn d_heartbeat_period() -> f64 {
    100.0
}
fn d_heartbeat_misses() -> u32 {
    3
}

impl Default for RawDetection {
    fn default() -> Self {
        RawDetection { io_timeout_ms: d_io_timeout(), heartbeat_period_ms: d_heartbeat_period(), heartbeat_misses: d_heartbeat_misses() }
    }
}

/// Transport processors and their FATC channels.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTransport {
    /// FATC channels in all; `null` = as many as the streams need.
    #[serde(default)]
    pub channels: Option<u32>,
    /// Payload rate of one FATC channel [bit/s] (256-QAM, 6 MHz: 38.8 Mbit/s).
    #[serde(default = "d_channel_bps")]
    pub channel_bps: u64,
}

fn d_channel_bps() -> u64 {
    38_810_000
}

impl Default for RawTransport {
    fn default() -> Self {
        RawTransport { channels: None, channel_bps: d_channel_bps() }
    }
}

/// One disk drive: the validated drive of `src/drive/` (`model:
/// validated`, described by `drive`) or the formula disk (`model:
/// formula`, described by the fields from `cylinders` to
/// `inner_bytes_per_s`, whose defaults approximate a Seagate Cheetah 9LP
/// (ST39102LW), product manual rev. C, 1998: 6 962 cylinders, 10 045 rpm,
/// single-cylinder seek 0.831 ms, full stroke 10.627 ms, 21.8 → 14.3 MB/s
/// media rate). `queue` and `scan_window_ms` apply to both.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDisk {
    /// `validated`: DiskSim's drive model (zones, skews, tracked platter
    /// angle, seek table, overheads, cache; `src/drive/`), titles occupying
    /// blocks; `formula`: seek curve, uniform random rotational latency and
    /// zoned media rate, titles taking no space (the SimPy peer's model).
    #[serde(default)]
    pub model: DiskModel,
    /// The validated drive: `null` = the built-in Seagate Cheetah 9LP
    /// (DiskSim's `v1_validated`); a string = a DiskSim `.parv`/`.diskspecs`
    /// file or the project's JSON drive description, relative to the
    /// scenario file; an object = the project's JSON drive description
    /// inline (`src/drive/spec.rs`).
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub drive: Option<serde_json::Value>,
    #[serde(default = "d_cylinders")]
    pub cylinders: u32,
    /// Spindle speed [rev/min]; rotational latency is uniform over one revolution.
    #[serde(default = "d_rpm")]
    pub rpm: f64,
    #[serde(default)]
    pub seek: RawSeek,
    /// Recording zones (equal width), rates spaced linearly outer → inner.
    #[serde(default = "d_zones")]
    pub zones: u32,
    /// Media transfer rate in the outermost zone [bytes/s].
    #[serde(default = "d_outer")]
    pub outer_bytes_per_s: f64,
    /// Media transfer rate in the innermost zone [bytes/s].
    #[serde(default = "d_inner")]
    pub inner_bytes_per_s: f64,
    /// Request queue discipline: `fifo`, `edf` or `scan-edf`.
    #[serde(default)]
    pub queue: QueueDiscipline,
    /// Deadline window within which `scan-edf` serves in elevator order [ms].
    #[serde(default = "d_scan_window")]
    pub scan_window_ms: f64,
}

fn d_cylinders() -> u32 {
    6962
}
fn d_rpm() -> f64 {
    10_045.0
}
fn d_zones() -> u32 {
    8
}
fn d_outer() -> f64 {
    21.8e6
}
fn d_inner() -> f64 {
    14.3e6
}
fn d_scan_window() -> f64 {
    100.0
}

impl Default for RawDisk {
    fn default() -> Self {
        RawDisk {
            model: DiskModel::default(),
            drive: None,
            cylinders: d_cylinders(),
            rpm: d_rpm(),
            seek: RawSeek::default(),
            zones: d_zones(),
            outer_bytes_per_s: d_outer(),
            inner_bytes_per_s: d_inner(),
            queue: QueueDiscipline::default(),
            scan_window_ms: d_scan_window(),
        }
    }
}

/// Which disk model serves reads.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DiskModel {
    /// Kept the default so that a scenario written before the validated
    /// drive runs as it did; the project's scenarios choose `validated`.
    #[default]
    Formula,
    Validated,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum QueueDiscipline {
    Fifo,
    #[default]
    Edf,
    ScanEdf,
}

/// Two-regime seek curve: a + b·√d for d ≤ split, c + e·d beyond [ms]. The
/// defaults fit the Cheetah 9LP: 0.831 ms at d = 1, 5.4 ms at a third of
/// the stroke, 10.627 ms at full stroke, continuous at d = 1000.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSeek {
    #[serde(default = "d_split")]
    pub split_cylinders: u32,
    #[serde(default = "d_a")]
    pub short_a_ms: f64,
    #[serde(default = "d_b")]
    pub short_b_ms: f64,
    #[serde(default = "d_c")]
    pub long_c_ms: f64,
    #[serde(default = "d_e")]
    pub long_e_ms: f64,
}

fn d_split() -> u32 {
    1000
}
fn d_a() -> f64 {
    0.7304
}
fn d_b() -> f64 {
    0.10065
}
fn d_c() -> f64 {
    2.787
}
fn d_e() -> f64 {
    0.001_126_3
}

impl Default for RawSeek {
    fn default() -> Self {
        RawSeek { split_cylinders: d_split(), short_a_ms: d_a(), short_b_ms: d_b(), long_c_ms: d_c(), long_e_ms: d_e() }
    }
}

/// The session controller's load.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Streams active at t = 0, each on a random title at a random extent
    /// with a random phase in the first service period.
    pub streams: u32,
    /// Poisson session arrivals after t = 0 [sessions/s]; 0 = none.
    #[serde(default)]
    pub arrivals_per_s: f64,
    /// What a stream does at the end of its title: `leave` or `new-title`.
    #[serde(default)]
    pub on_title_end: TitleEnd,
    /// Mean viewing time of an arriving session [s], exponential; `null` =
    /// until the title ends.
    #[serde(default)]
    pub mean_session_s: Option<f64>,
    /// How the session controller picks a module: `least-loaded` among
    /// modules holding the title, or `round-robin` over modules.
    #[serde(default)]
    pub assignment: Assignment,
    /// Streams per user (box 405: content plus e.g. audio or data streams),
    /// migrated together.
    #[serde(default = "d_one")]
    pub streams_per_user: u32,
}

fn d_one() -> u32 {
    1
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TitleEnd {
    #[default]
    NewTitle,
    Leave,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Assignment {
    #[default]
    LeastLoaded,
    RoundRobin,
}

/// The server-module bus carrying the migration protocol's messages.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSmbus {
    /// Fixed latency of a message [µs].
    #[serde(default = "d_latency")]
    pub latency_us: f64,
    /// Serialisation time per byte on the shared bus [ns]; messages queue
    /// behind each other, so a mass migration congests the bus.
    #[serde(default = "d_per_byte")]
    pub per_byte_ns: f64,
    /// Extra latency drawn uniformly in [0, jitter] per message [µs].
    #[serde(default)]
    pub jitter_us: f64,
    /// Probability that a message is lost.
    #[serde(default)]
    pub loss: f64,
    /// Latency of the high-priority trigger message, which bypasses the
    /// queue [µs]; the patent requires it to arrive within one packet time
    /// (`migration.packet_time`: 38.75 µs on the default FATC), so the
    /// default is that of a dedicated backplane interrupt line.
    #[serde(default = "d_trigger")]
    pub trigger_latency_us: f64,
}

// A message between two modules' control processors over a backplane bus:
// interrupt, driver and copy on both sides, tens of µs. Together with the
// trigger it must fit in the step-614 wait (4 packet times = 155 µs on the
// default FATC).
fn d_latency() -> f64 {
    20.0
}
fn d_per_byte() -> f64 {
    80.0
}
// The trigger rides a dedicated interrupt line: hardware plus one interrupt
// service, well inside one FATC packet time (38.75 µs).
fn d_trigger() -> f64 {
    10.0
}

impl Default for RawSmbus {
    fn default() -> Self {
        RawSmbus { latency_us: d_latency(), per_byte_ns: d_per_byte(), jitter_us: 0.0, loss: 0.0, trigger_latency_us: d_trigger() }
    }
}

/// How users are migrated away from a failing or overloaded module.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMigration {
    /// `protocol` (FIG. 4–6), `reconnect` (what a set-top box and session
    /// controller do without the protocol: the stream stops, the box
    /// notices after `reconnect_detect_s` and asks again; a survivor starts
    /// the title at the last position shown through normal start-up) or
    /// `naive` (a strawman: restart on a survivor at the next period, no
    /// handshake, in-flight extents lost).
    #[serde(default)]
    pub policy: Policy,
    /// `reconnect`: time for the set-top box to notice its stream stopped
    /// and ask the session controller again [s].
    #[serde(default = "d_reconnect_detect")]
    pub reconnect_detect_s: f64,
    /// How long a source waits for an answer to a migrate request before
    /// trying another destination [ms].
    #[serde(default = "d_response_timeout")]
    pub response_timeout_ms: f64,
    /// Destinations tried per user before the migration fails.
    #[serde(default = "d_max_destinations")]
    pub max_destinations: u32,
    /// Times the source recomputes a transitional extent whose deadline
    /// passed (FIG. 4 step 426 → 408) before giving up.
    #[serde(default = "d_max_recomputes")]
    pub max_recomputes: u32,
    /// A modified acceptance is appropriate (step 418) if it moves the
    /// transition by at most this much [s].
    #[serde(default = "d_max_shift")]
    pub max_shift_s: f64,
    /// What a "packet time" of steps 530 and 614 is: `fatc` (the patent's
    /// definition, "the amount of time required to transmit a packet via the
    /// forward application transport channel": 188 · 8 bits at
    /// `headend.transport.channel_bps`, 38.75 µs by default) or `stream`
    /// (188 · 8 bits at the stream's rate, 401 µs by default; with
    /// `content.classes`, at the reference `content.bitrate_bps`).
    #[serde(default)]
    pub packet_time: PacketTime,
    /// A trigger is timely (FIG. 5 step 530) if it arrives at most this
    /// long after the transition instant [packet times].
    #[serde(default = "d_trigger_grace")]
    pub trigger_grace_packets: u32,
    /// How long the source waits for "stream migrated" (step 614) [packet times].
    #[serde(default = "d_migrated_wait")]
    pub stream_migrated_wait_packets: u32,
    /// How long the destination waits for control transfer (step 642) [ms].
    #[serde(default = "d_control_wait")]
    pub control_transfer_wait_ms: f64,
    /// Accept a response whose retrieved extent has already been passed
    /// (step 606 alternative): the user sees some content twice.
    #[serde(default = "d_true")]
    pub allow_passed_extent: bool,
    /// Transition points: `extent` boundaries, `packet-offset` (random-access
    /// points inside extents) or `auto` (packet offsets only between modules
    /// whose extent sizes differ).
    #[serde(default)]
    pub transition: Transition,
    /// Order of the destination's steps: `accept-first` (FIG. 5: answer as
    /// soon as the transitional read is scheduled) or `retrieve-first`
    /// (FIG. 6: answer after the read, retrying the next extent for up to one
    /// carousel loop, step 632).
    #[serde(default)]
    pub handshake: Handshake,
    /// Periodic load observation; `null` = no load balancing.
    #[serde(default)]
    pub load_balance: Option<RawLoadBalance>,
}

fn d_response_timeout() -> f64 {
    50.0
}
fn d_max_destinations() -> u32 {
    3
}
fn d_max_recomputes() -> u32 {
    3
}
fn d_max_shift() -> f64 {
    4.0
}
fn d_trigger_grace() -> u32 {
    1
}
fn d_migrated_wait() -> u32 {
    4
}
fn d_control_wait() -> f64 {
    10.0
}
fn d_true() -> bool {
    true
}

impl Default for RawMigration {
    fn default() -> Self {
        RawMigration {
            policy: Policy::default(),
            reconnect_detect_s: d_reconnect_detect(),
            response_timeout_ms: d_response_timeout(),
            max_destinations: d_max_destinations(),
            max_recomputes: d_max_recomputes(),
            max_shift_s: d_max_shift(),
            packet_time: PacketTime::default(),
            trigger_grace_packets: d_trigger_grace(),
            stream_migrated_wait_packets: d_migrated_wait(),
            control_transfer_wait_ms: d_control_wait(),
            allow_passed_extent: true,
            transition: Transition::default(),
            handshake: Handshake::default(),
            load_balance: None,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    #[default]
    Protocol,
    Reconnect,
    Naive,
}

fn d_reconnect_detect() -> f64 {
    2.0
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Protocol => "protocol",
            Policy::Reconnect => "reconnect",
            Policy::Naive => "naive",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PacketTime {
    #[default]
    Fatc,
    Stream,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Transition {
    #[default]
    Auto,
    Extent,
    PacketOffset,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Handshake {
    #[default]
    AcceptFirst,
    RetrieveFirst,
}

impl RawLoadBalance {
    /// The low mark of the hysteresis.
    pub fn low(&self) -> f64 {
        self.low_threshold.unwrap_or(0.8 * self.threshold)
    }
}

/// Periodic observation of module load (FIG. 4 step 404). A module's load
/// is the largest of its disks' measured utilisation over the interval, its
/// buffer's occupancy and its streams against its admission limit (0–1).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLoadBalance {
    /// Observation period [s]; disk utilisation is measured over it.
    pub interval_s: f64,
    /// A module whose load exceeds this starts shedding users (the high mark).
    #[serde(default = "d_threshold")]
    pub threshold: f64,
    /// A shedding module stops once its load is at or below this, or at or
    /// below the mean of live modules (the low mark); `null` = 0.8 ×
    /// `threshold`.
    #[serde(default)]
    pub low_threshold: Option<f64>,
    /// …or whose load exceeds the mean load of live modules by this factor.
    #[serde(default = "d_relative")]
    pub relative: f64,
    /// Users moved per shedding module per observation, at most.
    #[serde(default = "d_max_moves")]
    pub max_moves: u32,
    /// A user the observer moved is not moved by it again (so never back to
    /// the module it left) for this long [s].
    #[serde(default = "d_hold")]
    pub hold_s: f64,
}

fn d_threshold() -> f64 {
    0.85
}
fn d_relative() -> f64 {
    1.25
}
fn d_max_moves() -> u32 {
    4
}
fn d_hold() -> f64 {
    300.0
}

/// One injected event.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// When it happens [s].
    pub at_s: f64,
    pub kind: FaultKind,
    /// The module concerned (all kinds but `smbus-burst`).
    #[serde(default)]
    pub module: Option<u32>,
    /// The disk concerned (`disk` only).
    #[serde(default)]
    pub disk: Option<u32>,
    /// Time from the fault to its repair [s]; `null` = never repaired.
    #[serde(default)]
    pub repair_after_s: Option<f64>,
    /// `smbus-burst`: how long the disturbance lasts [s].
    #[serde(default)]
    pub duration_s: Option<f64>,
    /// `smbus-burst`: latency added to every message [µs].
    #[serde(default)]
    pub extra_latency_us: Option<f64>,
    /// `smbus-burst`: loss probability during the burst.
    #[serde(default)]
    pub loss: Option<f64>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// One disk of a module's array stops serving reads; known when its
    /// read in service times out (`headend.detection.io_timeout_ms`).
    Disk,
    /// The module's data path fails: no reads, its buffer is lost, output
    /// stops; known when its heartbeats have been missed
    /// (`headend.detection`). Its control processor still runs the source
    /// side of the protocol over the SMBUS.
    Module,
    /// The module's buffer memory fails: content in it is lost, output stops.
    Buffer,
    /// The module's secondary storage fails: it keeps streaming but must
    /// shed its users and takes no new ones.
    SecondaryStorage,
    /// "Failure likely": users are migrated away before anything breaks.
    FailureLikely,
    /// SMBUS delay and loss burst.
    SmbusBurst,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Disk => "disk",
            FaultKind::Module => "module",
            FaultKind::Buffer => "buffer",
            FaultKind::SecondaryStorage => "secondary-storage",
            FaultKind::FailureLikely => "failure-likely",
            FaultKind::SmbusBurst => "smbus-burst",
        }
    }
}
