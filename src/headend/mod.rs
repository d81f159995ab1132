//! The head-end of FIG. 1–2: server modules with disk arrays (`array.rs`,
//! `disk.rs`) and buffers (`buffer.rs`), the switch (`switch.rs`), the
//! transport processors and FATC channels (`transport.rs`) and the session
//! controller (`session.rs`); the extents of FIG. 3A in `layout.rs`; a
//! stream's service periods in `playout.rs`; the rows of `modules.csv` in
//! `report.rs`.
//!
//! `Headend` owns all of that state; its fields are private to this module.
//! Other components (the migration protocol, fault injection, the load
//! observer, `sim.rs`) reach it only through the calls listed in
//! `interface.rs`, and schedule nothing of its: it schedules its own events
//! (`HeadendEv`) through the `Schedule` door of the shared queue.
//!
//! Steady state costs about two events per stream-period: a `Boundary` at
//! each extent deadline (resolve the period, release the extent that finished
//! playing, issue the next read) and a disk completion per read, most of
//! them resolved without a queue round-trip (`array.rs`). Packets, switch
//! multiplexing and FATC channels are computed, not simulated.
//!
//! The functions on that path (`handle`, the boundary's slot and read
//! issue in `playout.rs`, the read's way through `array.rs`) are
//! `#[inline(always)]`: grown by the fidelity work past the inliner's
//! limits, they had become separate calls, and forcing them back into the
//! event loop took peer-simpy's in-process time from 4.81 to 4.10 ms (-15 %,
//! medians of 60 interleaved runs of the fast build; 61.4 -> 58.4 M
//! instructions), outputs byte-identical (docs/performance.md).

pub mod array;
pub mod buffer;
pub mod disk;
pub mod layout;
pub mod session;
pub mod smbus;
pub mod stream;
pub mod switch;
pub mod transport;

#[cfg(test)]
mod detection_tests;
mod estimate;
mod interface;
mod ledger;
mod playout;
mod prefetch;
mod report;
#[cfg(test)]
mod test_worlds;

pub use self::array::DiskState;
pub use self::estimate::{PlannedRead, ReadPlan};
pub use self::interface::{Agenda, Results};
pub use self::ledger::{Impact, ImpactRec};

use self::buffer::Buffer;
use self::disk::{Discipline, DiskParams, RequestQueue, SeekCurve, TransferTable, ZoneTable};
use self::layout::{Blocks, Layout};
use self::session::Popularity;
use self::stream::*;
use self::transport::{Bitrate, Fatc, packets_to_time};
use crate::drive::{BusSpec, Drive, DriveSpec};
use crate::engine::{RngStream, RngStreams, SimDuration, SimTime};
use crate::report::{ModuleRow, ReadRow};
use crate::scenario::{MAX_CLASSES, PopularOn, QueueDiscipline, SECTOR_BYTES, Scenario};

/// The head-end's own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadendEv {
    /// An extent deadline of a stream: its next slot starts.
    Boundary { stream: StreamId, epoch: u32 },
    /// A stream of the initial population issues its first read (its phase).
    FirstRead { stream: StreamId, epoch: u32 },
    /// A disk completes its read in service, when the completion matters to
    /// someone (late, orphaned or migration read, hardware down); quiet
    /// completions are resolved without an event (`array.rs`).
    DiskDone {
        module: u16,
        disk: u16,
        /// The read in service; only for prefetching (the disk's `current`
        /// is what counts).
        read: ReadId,
    },
    /// A new session arrives at the session controller.
    Arrival,
    /// A session's viewing time is over.
    SessionEnd { stream: StreamId, epoch: u32 },
    /// A reporting interval ends: one `modules.csv` row per module.
    Report,
}

/// What one of the head-end's events means to another component, for
/// `sim.rs` to route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The transitional read of migration `mig` finished (done or failed).
    Transitional { mig: u32, read: ReadId },
    /// The viewing time of the session of stream `stream`, scheduled under
    /// generation `epoch`, is over; whether it ends depends on migration.
    SessionOver { stream: StreamId, epoch: u32 },
}

/// One server module (FIG. 2, 220): its buffer, state and admission count.
struct Module {
    buffer: Buffer,
    /// Data path down: no reads, no output.
    failed: bool,
    /// Must shed its users and takes no new ones (warning, secondary storage).
    degraded: bool,
    /// Streams this module feeds or has promised to take (admission count).
    streams: u32,
    /// Streams whose output this module sends through the switch now.
    feeding: u32,
    /// Their rates summed [bit/s].
    feeding_bps: u64,
    /// Of `streams`, those of each bit-rate class (admission with several).
    streams_by_class: [u32; MAX_CLASSES],
    /// `busy_ns` summed over disks at the last report.
    busy_at_report: u64,
    period: SimDuration,
    /// Transfer times of this module's whole extent, by zone.
    extent_transfer: TransferTable,
    /// When the module's shared host bus is next free (`host_bus_bytes_per_s`).
    bus_free: SimTime,
}

/// Whole-run counters that are not per stream.
#[derive(Default, Clone, Debug)]
pub struct Counters {
    pub blocked: u64,
    /// Sessions blocked by reason, indexed by `session::Blocked`.
    pub blocked_by: [u64; 5],
    pub reads_completed: u64,
    pub reads_failed: u64,
    pub sessions_started: u64,
    /// Disk completions resolved without a queue event (`array.rs`).
    pub lazy_completions: u64,
}

pub struct Headend {
    sc: Scenario,
    end: SimTime,
    /// The stream rate of each bit-rate class of titles (`Stream::class`).
    rates: [Bitrate; MAX_CLASSES],
    /// Bit-rate classes in use (`Layout::classes`).
    classes: usize,
    streams: Vec<Stream>,
    /// Report-only state of each stream, same index as `streams`.
    logs: Vec<StreamLog>,
    /// Module feeding each stream's user right now, for the "never two
    /// modules at once" invariant (kept apart from `Stream::module`, which
    /// is who owns the stream's state).
    feeder: Vec<u16>,
    reads: Reads,
    modules: Vec<Module>,
    /// Every module's disks, module by module (`Layout::disk_ix`): one index
    /// where a `Vec` per module took two dependent loads and two bounds
    /// checks, several times a service period.
    disks: Vec<DiskState>,
    layout: Layout,
    disk: DiskParams,
    /// Each disk's validated drive, indexed like `disks`; empty for the
    /// formula disk.
    drives: Vec<Drive>,
    /// A drive at rest, for service time estimates (validated drive only).
    drive_model: Option<Drive>,
    /// Rate of each module's shared host bus [bytes/s], if any.
    host_bus: Option<f64>,
    fatc: Fatc,
    counters: Counters,
    /// Every viewer-impact happening from the warm-up on.
    ledger: ledger::Ledger,
    module_rows: Vec<ModuleRow>,
    read_rows: Option<Vec<ReadRow>>,
    /// Where each row of `read_rows` goes in `reads.csv`: the order the
    /// eager run starts the reads in (`array.rs`, `sort_read_rows`).
    read_order: Vec<(SimTime, u64, u64)>,
    check: bool,
    /// Resolve quiet disk completions without queue events (`array.rs`).
    lazy_disks: bool,
    /// Prefetch the state of upcoming events: only worth it when the
    /// streams' state outgrows the cache (`prefetch.rs`).
    prefetch: bool,
    /// First broken invariant, with the instant it broke.
    violation: Option<String>,
    /// Each disk's random stream (rotation, random placement), indexed like
    /// `disks` (`Layout::disk_ix`); kept out of `DiskState` so the state the
    /// hot path touches stays small (a ChaCha state is ~300 bytes).
    disk_rng: Vec<RngStream>,
    rng_session: RngStream,
    rng_arrival: RngStream,
    popularity: Popularity,
    /// Next module to try for round-robin assignment.
    rr_next: u32,
    /// The initial population is placed: sessions admitted from now on
    /// start up (their first extent is read before playout starts).
    arrivals_open: bool,
    switch_factor: Vec<f64>,
    switch_dirty: bool,
    switch_offered: Vec<u64>,
    last_report: SimTime,
    next_user: u32,
}

impl Headend {
    /// The head-end of scenario `sc`; `trace` keeps a row per disk read,
    /// `check` checks invariants (always on in debug builds), `lazy_disks`
    /// resolves quiet disk completions without queue events.
    pub fn new(sc: &Scenario, trace: bool, check: bool, lazy_disks: bool) -> Headend {
        let raw = &sc.raw;
        let streams = RngStreams::new(raw.seed);
        let h = &raw.headend;
        let d = &h.disk;
        let disk = DiskParams::new(
            d.cylinders,
            d.rpm,
            SeekCurve {
                split_cylinders: d.seek.split_cylinders,
                short_a_ms: d.seek.short_a_ms,
                short_b_ms: d.seek.short_b_ms,
                long_c_ms: d.seek.long_c_ms,
                long_e_ms: d.seek.long_e_ms,
            },
            ZoneTable::new(d.cylinders, d.zones, d.outer_bytes_per_s, d.inner_bytes_per_s).unwrap_or_else(|_| ZoneTable::cheetah_9lp()),
        );
        let discipline = match d.queue {
            QueueDiscipline::Fifo => Discipline::Fifo,
            QueueDiscipline::Edf => Discipline::Edf,
            QueueDiscipline::ScanEdf => Discipline::ScanEdf,
        };
        let bitrate = Bitrate::new(raw.content.bitrate_bps);
        let mut rates = [Bitrate::new(sc.classes[0].bitrate_bps); MAX_CLASSES];
        for (r, c) in rates.iter_mut().zip(&sc.classes) {
            *r = Bitrate::new(c.bitrate_bps);
        }
        // A module's bus replaces the drive's own host interface (DiskSim's
        // validation rig's, 0.105 ms a sector for the Cheetah 9LP).
        let drive_model = sc.drive.as_ref().map(|spec| match h.host_bus_bytes_per_s {
            Some(rate) => {
                Drive::from_spec(&DriveSpec { bus: Some(BusSpec { sector_ms: SECTOR_BYTES as f64 / rate * 1e3 }), ..spec.clone() })
            }
            None => Drive::from_spec(spec),
        });
        let validated = drive_model.is_some();
        let disks = (0..h.modules as usize)
            .flat_map(|m| (0..h.disks_per_module as usize).map(move |k| (m, k)))
            .map(|(m, k)| DiskState {
                // The peer starts every head at a random cylinder; the
                // validated drive, as DiskSim's, at cylinder 0.
                head: match validated {
                    true => 0,
                    false => streams.stream(&format!("disk/{m}/{k}/head")).below(d.cylinders as u64) as u32,
                },
                queue: RequestQueue::with_scan_window(discipline, SimDuration::from_millis_f64(d.scan_window_ms)),
                current: None,
                current_done: SimTime::ZERO,
                current_start: SimTime::ZERO,
                current_seq: 0,
                lazy: false,
                notify_queued: 0,
                failed: false,
                hung: false,
                busy_ns: 0,
            })
            .collect();
        let modules = (0..h.modules as usize)
            .map(|m| Module {
                buffer: Buffer::new(h.buffer_bytes),
                failed: false,
                degraded: false,
                streams: 0,
                feeding: 0,
                feeding_bps: 0,
                streams_by_class: [0; MAX_CLASSES],
                busy_at_report: 0,
                period: packets_to_time(sc.extent_packets[m], bitrate),
                extent_transfer: disk.zones.transfer_table(sc.classes[0].extent_packets[m] * 188),
                bus_free: SimTime::ZERO,
            })
            .collect();
        let classes: Vec<(u64, Vec<u64>)> = sc.classes.iter().map(|c| (c.title_packets, c.extent_packets.clone())).collect();
        let layout =
            Layout::with_classes(h.modules, h.disks_per_module, raw.content.titles, sc.replicas, &classes, sc.title_classes(), d.cylinders);
        let layout = match &sc.drive {
            Some(spec) => layout.with_blocks(Blocks {
                capacity_sectors: spec.capacity_sectors(),
                extent_sectors: sc.extent_packets.iter().map(|&p| (p * 188).div_ceil(SECTOR_BYTES)).collect(),
                fit: sc.titles_fit.clone(),
                popular_inner: h.popular_on == PopularOn::Inner,
            }),
            None => layout,
        };
        let drives = match &drive_model {
            Some(d) => vec![d.clone(); (h.modules * h.disks_per_module) as usize],
            None => Vec::new(),
        };
        Headend {
            sc: sc.clone(),
            end: SimTime::from_secs_f64(raw.duration_s),
            rates,
            classes: sc.classes.len(),
            streams: Vec::with_capacity(raw.workload.streams as usize),
            logs: Vec::with_capacity(raw.workload.streams as usize),
            feeder: Vec::with_capacity(raw.workload.streams as usize),
            reads: Reads::default(),
            modules,
            disks,
            layout,
            disk,
            drives,
            drive_model,
            host_bus: h.host_bus_bytes_per_s,
            fatc: Fatc::new(h.transport.channels, h.transport.channel_bps, sc.classes.iter().map(|c| c.bitrate_bps).min().unwrap_or(1)),
            counters: Counters::default(),
            ledger: ledger::Ledger { warmup: SimTime::from_secs_f64(sc.raw.warmup_s), recs: Vec::new() },
            module_rows: Vec::new(),
            read_rows: if trace { Some(Vec::new()) } else { None },
            read_order: Vec::new(),
            check: check || cfg!(debug_assertions),
            // The shared bus goes to reads in dispatch order, which is time
            // order only when every completion is an event.
            lazy_disks: lazy_disks && h.host_bus_bytes_per_s.is_none(),
            // 2 048 streams' state is 256 KiB: a quarter of the L2 cache.
            prefetch: raw.workload.streams >= 2048,
            violation: None,
            disk_rng: (0..h.modules)
                .flat_map(|m| (0..h.disks_per_module).map(move |k| (m, k)))
                .map(|(m, k)| streams.stream(&format!("disk/{m}/{k}")))
                .collect(),
            rng_session: streams.stream("session"),
            rng_arrival: streams.stream("arrivals"),
            popularity: Popularity::new(raw.content.titles, raw.content.zipf_s),
            rr_next: 0,
            arrivals_open: false,
            switch_factor: vec![1.0; h.modules as usize],
            switch_dirty: true,
            switch_offered: vec![0; h.modules as usize],
            last_report: SimTime::ZERO,
            next_user: 0,
        }
    }

    /// Records the first broken invariant; the run stops after this event.
    fn violated(&mut self, now: SimTime, what: String) {
        if self.violation.is_none() {
            self.violation = Some(format!("at t = {now}: {what}"));
        }
    }

    /// Slot [start, end) of extent `e` for stream `s` on its module.
    #[inline]
    fn slot_end(&self, s: StreamId, e: u32) -> SimTime {
        let st = &self.streams[s as usize];
        let (_, end) = self.layout.extent_span_at(st.site as usize, e);
        st.grid.time_of(end, self.rates[st.class as usize])
    }

    /// The rate of stream `s`.
    #[inline]
    fn rate(&self, s: StreamId) -> Bitrate {
        self.rates[self.streams[s as usize].class as usize]
    }

    /// The disks of module `m`.
    fn module_disks(&self, m: usize) -> &[DiskState] {
        &self.disks[self.layout.disk_ix(m, 0)..self.layout.disk_ix(m + 1, 0)]
    }
}
