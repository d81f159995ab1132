//! The head-end state and its steady-state behaviour: sessions, extent
//! deadlines, buffers, disks. Migration lives in `crate::migration` and
//! reaches in through `stop_output` / `resume_on`.

use super::array::DiskState;
use super::buffer::Buffer;
use super::disk::{Discipline, DiskParams, RequestQueue, SeekCurve, TransferTable, ZoneTable};
use super::layout::Layout;
use super::session::Popularity;
use super::smbus::Smbus;
use super::stream::*;
use super::switch::max_min_factors;
use super::transport::{Bitrate, Fatc, Grid, packets_to_time, time_to_packets};
use crate::engine::{EventQueue, RngStream, RngStreams, SimDuration, SimTime, prefetch};
use crate::migration::{Migration, MsgKind, TimerKind};
use crate::report::{ModuleRow, ReadRow};
use crate::scenario::{Assignment, QueueDiscipline, Scenario, TitleEnd};

/// Model events.
///
/// The tag is a `u32` of its own (`repr(u32)`: 16 bytes, every field at a
/// 4-byte offset). With Rust's default layout the tag was one byte and the
/// fields started at byte 1, so the event loop copied an event as an
/// 11-byte block in overlapping 8- and 4-byte pieces and read it back as
/// whole fields: three failed store-to-load forwardings per event, ~12 % of
/// peer-simpy's user time in `perf record` samples. The same outputs, and
/// 9-15 % less wall time on peer-simpy (medians of 100 interleaved runs).
#[derive(Clone, Copy, Debug)]
#[repr(u32)]
pub enum Ev {
    /// An extent deadline of a stream: its next slot starts.
    Boundary {
        stream: StreamId,
        epoch: u32,
    },
    /// A stream of the initial population issues its first read (its phase).
    FirstRead {
        stream: StreamId,
        epoch: u32,
    },
    /// A disk completes its read in service, when the completion matters to
    /// someone (late, orphaned or migration read, hardware down); quiet
    /// completions are resolved without an event (`array`).
    DiskDone {
        module: u16,
        disk: u16,
        /// The read in service; only for prefetching (the disk's `current`
        /// is what counts).
        read: ReadId,
    },
    Arrival,
    SessionEnd {
        stream: StreamId,
        epoch: u32,
    },
    Report,
    Fault(u32),
    Repair(u32),
    BurstEnd(u32),
    LoadCheck,
    /// Naive policy: move the stream at its next period boundary.
    NaiveRestart {
        stream: StreamId,
        /// The migration record of the restart.
        mig: u32,
    },
    Msg {
        mig: u32,
        round: u32,
        kind: MsgKind,
    },
    Timer {
        mig: u32,
        round: u32,
        kind: TimerKind,
    },
}

const _: () = assert!(std::mem::size_of::<Ev>() == 16, "Ev changed size: check the event loop's copies (see its docs)");

pub struct Module {
    pub buffer: Buffer,
    /// Data path down: no reads, no output.
    pub failed: bool,
    /// Must shed its users and takes no new ones (warning, secondary storage).
    pub degraded: bool,
    /// Streams this module feeds or has promised to take (admission count).
    pub streams: u32,
    /// Migrate requests sent to this module and not yet answered; the
    /// source counts them so a mass migration spreads over destinations.
    pub pending_in: u32,
    /// Streams whose output this module sends through the switch now.
    pub feeding: u32,
    /// `busy_ns` summed over disks at the last report / load observation.
    pub busy_at_report: u64,
    pub busy_at_observe: u64,
    pub period: SimDuration,
    /// Transfer times of this module's whole extent, by zone.
    pub extent_transfer: TransferTable,
}

/// Whole-run counters that are not per stream.
#[derive(Default, Clone, Debug)]
pub struct Counters {
    pub blocked: u64,
    pub reads_completed: u64,
    pub reads_failed: u64,
    pub sessions_started: u64,
    pub invariant_checks: u64,
    /// Disk completions resolved without a queue event (`array` module).
    pub lazy_completions: u64,
}

pub struct Headend {
    pub sc: Scenario,
    pub q: EventQueue<Ev>,
    pub end: SimTime,
    /// The stream rate of every title.
    pub bitrate: Bitrate,
    pub streams: Vec<Stream>,
    /// Report-only state of each stream, same index as `streams`.
    pub logs: Vec<StreamLog>,
    /// Module feeding each stream's user right now, for the "never two
    /// modules at once" invariant (kept apart from `Stream::module`, which
    /// is who owns the stream's state).
    pub feeder: Vec<u16>,
    pub reads: Reads,
    pub modules: Vec<Module>,
    /// Every module's disks, module by module (`Layout::disk_ix`): one index where
    /// `modules[m].disks[d]` took two dependent loads and two bounds
    /// checks, several times a service period.
    pub disks: Vec<DiskState>,
    pub layout: Layout,
    pub disk: DiskParams,
    pub fatc: Fatc,
    pub smbus: Smbus,
    pub migrations: Vec<Migration>,
    pub counters: Counters,
    pub module_rows: Vec<ModuleRow>,
    pub read_rows: Option<Vec<ReadRow>>,
    pub check: bool,
    /// Resolve quiet disk completions without queue events (`array`).
    pub lazy_disks: bool,
    /// Prefetch the state of upcoming events: only worth it when the
    /// streams' state outgrows the cache (peer-simpy's 200 streams ran 15 %
    /// slower with it).
    pub(crate) prefetch: bool,
    /// First broken invariant, with the event that broke it.
    pub violation: Option<String>,
    /// Each disk's random stream (rotation, random placement), indexed like
    /// `disks` (`Layout::disk_ix`); kept out of `DiskState` so the state the hot
    /// path touches stays small (a ChaCha state is ~300 bytes).
    pub(crate) disk_rng: Vec<RngStream>,
    pub(crate) rng_session: RngStream,
    pub(crate) rng_arrival: RngStream,
    pub(crate) popularity: Popularity,
    pub(crate) rr_next: u32,
    pub(crate) switch_factor: Vec<f64>,
    pub(crate) switch_dirty: bool,
    pub(crate) switch_offered: Vec<u64>,
    pub(crate) last_report: SimTime,
    pub(crate) next_user: u32,
}

impl Headend {
    pub fn new(sc: &Scenario, trace: bool, check: bool) -> Headend {
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
        let disks = (0..h.modules as usize)
            .flat_map(|m| (0..h.disks_per_module as usize).map(move |k| (m, k)))
            .map(|(m, k)| DiskState {
                // The peer starts every head at a random cylinder.
                head: streams.stream(&format!("disk/{m}/{k}/head")).below(d.cylinders as u64) as u32,
                queue: RequestQueue::with_scan_window(discipline, SimDuration::from_millis_f64(d.scan_window_ms)),
                current: None,
                current_done: SimTime::ZERO,
                lazy: false,
                notify_queued: 0,
                failed: false,
                busy_ns: 0,
            })
            .collect();
        let modules = (0..h.modules as usize)
            .map(|m| Module {
                buffer: Buffer::new(h.buffer_bytes),
                failed: false,
                degraded: false,
                streams: 0,
                pending_in: 0,
                feeding: 0,
                busy_at_report: 0,
                busy_at_observe: 0,
                period: packets_to_time(sc.extent_packets[m], bitrate),
                extent_transfer: disk.zones.transfer_table(sc.extent_packets[m] * 188),
            })
            .collect();
        let layout = Layout::new(
            h.modules,
            h.disks_per_module,
            raw.content.titles,
            sc.replicas,
            sc.title_packets,
            sc.extent_packets.clone(),
            d.cylinders,
        );
        let s = &raw.smbus;
        let smbus = Smbus::new(
            SimDuration::from_micros_f64(s.latency_us),
            s.per_byte_ns,
            SimDuration::from_micros_f64(s.jitter_us),
            s.loss,
            SimDuration::from_micros_f64(s.trigger_latency_us),
            streams.stream("smbus"),
        );
        Headend {
            sc: sc.clone(),
            q: EventQueue::with_capacity(raw.workload.streams as usize * 3 + 64),
            end: SimTime::from_secs_f64(raw.duration_s),
            bitrate,
            streams: Vec::with_capacity(raw.workload.streams as usize),
            logs: Vec::with_capacity(raw.workload.streams as usize),
            feeder: Vec::with_capacity(raw.workload.streams as usize),
            reads: Reads::default(),
            modules,
            disks,
            layout,
            disk,
            fatc: Fatc::new(h.transport.channels, h.transport.channel_bps, bitrate.bps()),
            smbus,
            migrations: Vec::new(),
            counters: Counters::default(),
            module_rows: Vec::new(),
            read_rows: if trace { Some(Vec::new()) } else { None },
            check: check || cfg!(debug_assertions),
            lazy_disks: true,
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
            switch_factor: vec![1.0; h.modules as usize],
            switch_dirty: true,
            switch_offered: vec![0; h.modules as usize],
            last_report: SimTime::ZERO,
            next_user: 0,
        }
    }

    // ----- helpers ---------------------------------------------------------

    pub fn now(&self) -> SimTime {
        self.q.now()
    }

    /// Records the first broken invariant; the run stops after this event.
    pub fn violated(&mut self, what: String) {
        if self.violation.is_none() {
            self.violation = Some(format!("at t = {}: {what}", self.now()));
        }
    }

    pub fn period_of(&self, m: usize) -> SimDuration {
        self.modules[m].period
    }

    /// Slot [start, end) of extent `e` for stream `s` on its module.
    pub fn slot_end(&self, s: StreamId, e: u32) -> SimTime {
        let st = &self.streams[s as usize];
        let (_, end) = self.layout.extent_span(st.module as usize, e);
        st.grid.time_of(end, self.bitrate)
    }

    /// Packets [from, end) of the current slot's extent that the viewer is
    /// to see: a stream that started or resumed mid-extent (at its grid
    /// anchor) never sees the part before.
    pub fn slot_packets(&self, s: StreamId) -> (u64, u64) {
        let st = &self.streams[s as usize];
        let (a, b) = self.layout.extent_span(st.module as usize, st.cur);
        (a.max(st.grid.anchor_pkt).min(b), b)
    }

    /// Title position of stream `s` at `t` [packets].
    pub fn position_at(&self, s: StreamId, t: SimTime) -> u64 {
        let st = &self.streams[s as usize];
        st.grid.position_at(t, self.bitrate).min(self.layout.title_packets)
    }

    /// The disks of module `m`.
    pub fn module_disks(&self, m: usize) -> &[DiskState] {
        &self.disks[self.layout.disk_ix(m, 0)..self.layout.disk_ix(m + 1, 0)]
    }

    pub fn module_live(&self, m: usize) -> bool {
        !self.modules[m].failed && !self.modules[m].buffer.failed
    }

    /// Can module `m` take one more stream of title `t`?
    pub fn admits(&self, m: usize, t: u32) -> bool {
        let md = &self.modules[m];
        self.module_live(m) && !md.degraded && md.streams < self.sc.max_streams_per_module && self.layout.holds(m, t)
    }

    /// Module for a new stream of title `t`, per `workload.assignment`.
    pub fn choose_module(&mut self, t: u32) -> Option<usize> {
        let m = self.modules.len();
        match self.sc.raw.workload.assignment {
            Assignment::LeastLoaded => (0..m).filter(|&i| self.admits(i, t)).min_by_key(|&i| (self.modules[i].streams, i)),
            Assignment::RoundRobin => {
                let start = self.rr_next as usize;
                let pick = (0..m).map(|k| (start + k) % m).find(|&i| self.admits(i, t))?;
                self.rr_next = ((pick + 1) % m) as u32;
                Some(pick)
            }
        }
    }

    /// Sets who feeds stream `s`'s user; enabling a second module while
    /// another still feeds the user breaks the core invariant.
    pub fn set_feeder(&mut self, s: StreamId, m: u16) {
        let cur = self.feeder[s as usize];
        if m != NO_MODULE && cur != NO_MODULE && cur != m {
            self.violated(format!("stream {s} fed by modules {cur} and {m} at once"));
        }
        if cur != NO_MODULE {
            self.modules[cur as usize].feeding -= 1;
        }
        if m != NO_MODULE {
            self.modules[m as usize].feeding += 1;
        }
        self.switch_dirty = true;
        self.feeder[s as usize] = m;
    }

    /// Starts loading the state the next few events will touch, in stages
    /// an event apart so each load has an event's time to arrive: two events
    /// ahead, a deadline's stream; one ahead, what the stream points to (its
    /// reads, and the disks of the extent about to play and of the next one
    /// to read, with their queues and random streams); next, the reads those
    /// disks have in service. A real disk completion: its disk and read, then
    /// the read's stream. Changes nothing the model computes (see
    /// `engine::prefetch`); on the metro scenario the first version (stream
    /// and reads only) cut the wall time by a quarter (15.2 → 11.2 s for 10
    /// simulated minutes).
    pub fn prefetch_upcoming(&self) {
        if !self.prefetch {
            // A small model's state mostly stays in cache, but not the next
            // stream's two lines (last touched a service period ago): one
            // prefetch, no more: peer-simpy's wall time -1.2 and -1.7 %
            // (medians of 120 interleaved runs), where also prefetching that
            // stream's reads cost more than it saved (+3.8 %).
            if let Some(Ev::Boundary { stream, .. }) = self.q.upcoming().next() {
                prefetch(&self.streams[*stream as usize]);
            }
            return;
        }
        for (k, ev) in self.q.upcoming().take(5).enumerate() {
            match (*ev, k) {
                (Ev::Boundary { stream, .. }, 4) => prefetch(&self.streams[stream as usize]),
                (Ev::Boundary { stream, .. }, 2 | 0) => {
                    let st = &self.streams[stream as usize];
                    if k == 2 {
                        for r in [st.playing, st.next_read].into_iter().flatten() {
                            prefetch(self.reads.get(r));
                        }
                    }
                    if st.module == NO_MODULE {
                        continue;
                    }
                    let m = st.module as usize;
                    for e in [st.cur.wrapping_add(1), st.cur.wrapping_add(2)] {
                        let d = self.layout.disk_of(st.title, e);
                        if k == 2 {
                            self.prefetch_disk(m, d);
                        } else if let Some(r) = self.disks[self.layout.disk_ix(m, d)].current {
                            prefetch(self.reads.get(r));
                        }
                    }
                }
                (Ev::DiskDone { module, disk, read }, 1 | 2) => {
                    self.prefetch_disk(module as usize, disk as usize);
                    prefetch(self.reads.get(read));
                }
                (Ev::DiskDone { read, .. }, 0) => {
                    if let Owner::Stream { stream, .. } = self.reads.get(read).owner {
                        prefetch(&self.streams[stream as usize]);
                    }
                }
                _ => {}
            }
        }
    }

    /// Starts loading what a dispatch on disk `d` of module `m` touches: its
    /// state, its queue and its random stream.
    fn prefetch_disk(&self, m: usize, d: usize) {
        let ix = self.layout.disk_ix(m, d);
        let disk = &self.disks[ix];
        prefetch(disk);
        disk.queue.prefetch();
        prefetch(&self.disk_rng[ix]);
    }

    // ----- sessions --------------------------------------------------------

    /// Starts the initial population and schedules the first of everything.
    pub fn start(&mut self) {
        let raw = self.sc.raw.clone();
        let k = raw.workload.streams_per_user;
        let mut placed = 0;
        while placed < raw.workload.streams {
            let title = self.popularity.draw(raw.content.titles, &mut self.rng_session);
            let title_extents_max = self.layout.extents(0).max(1);
            let extent = self.rng_session.below(title_extents_max as u64) as u32;
            let phase = SimDuration((self.rng_session.uniform() * self.modules[0].period.0 as f64) as u64);
            let n = k.min(raw.workload.streams - placed);
            self.start_user(SimTime::ZERO + phase, title, extent, n);
            placed += n;
        }
        if raw.workload.arrivals_per_s > 0.0 {
            let gap = self.rng_arrival.exponential(1.0 / raw.workload.arrivals_per_s);
            self.q.schedule(SimTime::from_secs_f64(gap), Ev::Arrival);
        }
        self.q.schedule(SimTime::from_secs_f64(raw.report_interval_s).min(self.end), Ev::Report);
        for (i, f) in raw.faults.iter().enumerate() {
            self.q.schedule(SimTime::from_secs_f64(f.at_s), Ev::Fault(i as u32));
        }
        if let Some(lb) = &raw.migration.load_balance {
            self.q.schedule(SimTime::from_secs_f64(lb.interval_s), Ev::LoadCheck);
        }
    }

    /// Starts a user with `n` streams of `title` from `extent`; the first
    /// reads are issued at `t0` and the first extent plays one period later.
    pub fn start_user(&mut self, t0: SimTime, title: u32, extent: u32, n: u32) {
        let user = self.next_user;
        self.next_user += 1;
        let Some(m) = self.choose_module(title) else {
            self.counters.blocked += 1;
            return;
        };
        if self.modules[m].streams + n > self.sc.max_streams_per_module {
            self.counters.blocked += 1;
            return;
        }
        let extent = extent.min(self.layout.extents(m) - 1);
        for _ in 0..n {
            let Some(channel) = self.fatc.assign() else {
                self.counters.blocked += 1;
                return;
            };
            self.counters.sessions_started += 1;
            let id = self.streams.len() as StreamId;
            let start_pkt = self.layout.extent_span(m, extent).0;
            let first_deadline = t0 + self.modules[m].period;
            let session_end =
                self.sc.raw.workload.mean_session_s.map(|mean| t0 + SimDuration::from_secs_f64(self.rng_session.exponential(mean)));
            self.streams.push(Stream {
                id,
                title,
                module: m as u16,
                status: Status::Active,
                epoch: 0,
                grid: Grid { anchor_t: first_deadline, anchor_pkt: start_pkt },
                // Nothing plays before the first slot: `cur` is the extent
                // before the first, and wraps to it on the first boundary.
                cur: extent.wrapping_sub(1),
                next_deadline: first_deadline,
                cur_ok: true,
                playing: None,
                next_read: None,
                stale_read: None,
                stop_at: None,
                dark_since: None,
                migration: None,
                periods: 0,
                delivered: 0,
                glitches: 0,
                lost_pkts: 0,
            });
            self.logs.push(StreamLog {
                user,
                next_title: None,
                module_start: m as u16,
                channel,
                dup_pkts: 0,
                stall_ns: 0,
                migrations: 0,
                // Admission by the session controller; the first read may
                // follow later (the initial population's random phase).
                started: self.now(),
                ended: None,
            });
            self.feeder.push(NO_MODULE);
            self.set_feeder(id, m as u16);
            self.modules[m].streams += 1;
            self.switch_dirty = true;
            self.q.schedule(first_deadline, Ev::Boundary { stream: id, epoch: 0 });
            if let Some(e) = session_end {
                self.q.schedule(e, Ev::SessionEnd { stream: id, epoch: 0 });
            }
            // Reads start at t0; the initial population's t0 is its phase.
            if t0 == self.now() {
                self.issue_next_read(id);
            } else {
                self.q.schedule(t0, Ev::FirstRead { stream: id, epoch: 0 });
            }
        }
    }

    pub fn on_first_read(&mut self, s: StreamId, epoch: u32) {
        let st = &self.streams[s as usize];
        if st.epoch == epoch && st.next_read.is_none() {
            self.issue_next_read(s);
        }
    }

    pub fn on_arrival(&mut self) {
        let now = self.now();
        let titles = self.sc.raw.content.titles;
        let title = self.popularity.draw(titles, &mut self.rng_arrival);
        let k = self.sc.raw.workload.streams_per_user;
        self.start_user(now, title, 0, k);
        let gap = self.rng_arrival.exponential(1.0 / self.sc.raw.workload.arrivals_per_s);
        self.q.schedule(now + SimDuration::from_secs_f64(gap), Ev::Arrival);
    }

    /// Ends a stream: releases everything it holds.
    pub fn end_stream(&mut self, s: StreamId, status: Status) {
        let now = self.now();
        if self.streams[s as usize].status != Status::Active {
            return;
        }
        self.settle_stream_reads(s);
        let st = &mut self.streams[s as usize];
        st.status = status;
        self.logs[s as usize].ended = Some(now);
        st.epoch = st.epoch.wrapping_add(1);
        let m = st.module;
        let channel = self.logs[s as usize].channel;
        // Deadlines that fell due while the user was dark count as missed.
        if let Some(dark) = st.dark_since {
            self.count_missed(s, dark, now);
        }
        self.drop_reads(s);
        if m != NO_MODULE {
            self.modules[m as usize].streams -= 1;
            self.switch_dirty = true;
        }
        self.streams[s as usize].module = NO_MODULE;
        self.set_feeder(s, NO_MODULE);
        self.fatc.release(channel);
    }

    // ----- periods ---------------------------------------------------------

    pub fn on_boundary(&mut self, s: StreamId, epoch: u32) {
        let now = self.now();
        let st = &self.streams[s as usize];
        if st.epoch != epoch || st.status != Status::Active || st.dark_since.is_some() {
            return;
        }
        if st.stop_at.is_some_and(|stop| now >= stop) {
            // The source has handed over (or is about to): the destination
            // resolves this deadline.
            return;
        }
        debug_assert_eq!(now, st.next_deadline);
        self.close_slot(s);
        let st = &mut self.streams[s as usize];
        let next = st.cur.wrapping_add(1);
        let m = st.module as usize;
        if next >= self.layout.extents(m) {
            match self.sc.raw.workload.on_title_end {
                TitleEnd::Leave => {
                    self.end_stream(s, Status::Ended);
                    return;
                }
                TitleEnd::NewTitle => {
                    let titles = self.sc.raw.content.titles;
                    let t = match self.logs[s as usize].next_title.take() {
                        Some(t) => t,
                        None => self.popularity.draw(titles, &mut self.rng_session),
                    };
                    let st = &mut self.streams[s as usize];
                    st.title = t;
                    st.grid = Grid { anchor_t: now, anchor_pkt: 0 };
                    st.cur = 0;
                }
            }
        } else {
            st.cur = next;
        }
        let r = self.streams[s as usize].next_read.take();
        self.open_slot(s, r);
    }

    /// Ends the current slot: the extent that played is released; one that
    /// never arrived is lost whole.
    fn close_slot(&mut self, s: StreamId) {
        if !self.streams[s as usize].cur_ok {
            let (from, end) = self.slot_packets(s);
            self.streams[s as usize].lost_pkts += end - from;
        }
        if let Some(r) = self.streams[s as usize].playing.take() {
            if self.read_state(r) == ReadState::Done {
                self.release_settled(r, ReadState::Done);
            } else {
                // Still on its way: useless now, released when it lands.
                self.streams[s as usize].stale_read = Some(r);
            }
        }
    }

    /// Starts the slot of extent `cur` now; `read` is the read that was to
    /// bring it. Resolves the period (delivered or glitch, exactly once),
    /// schedules the next deadline and issues the next read if none is
    /// in flight.
    pub(crate) fn open_slot(&mut self, s: StreamId, read: Option<ReadId>) {
        let now = self.now();
        if self.switch_dirty {
            self.recompute_switch();
        }
        let cur = self.streams[s as usize].cur;
        let slot_end = self.slot_end(s, cur);
        let m = self.streams[s as usize].module as usize;
        let factor = self.switch_factor[m];
        // What the viewer misses of the slot if the switch throttles the
        // module (nearly never, so not computed otherwise).
        let throttled_pkts = if factor < 1.0 {
            let (from, end) = self.slot_packets(s);
            ((1.0 - factor) * (end - from) as f64).round() as u64
        } else {
            0
        };
        let st = &mut self.streams[s as usize];
        st.next_deadline = slot_end;
        st.periods += 1;
        let state = read.map(|r| (r, self.read_state(r)));
        let st = &mut self.streams[s as usize];
        match state {
            Some((r, ReadState::Done)) => {
                st.playing = Some(r);
                st.cur_ok = true;
                if factor < 1.0 {
                    // The switch cannot carry the module's offered load: the
                    // extent trickles out at `factor` of the stream rate and the
                    // viewer misses the rest of the slot.
                    st.glitches += 1;
                    st.lost_pkts += throttled_pkts;
                } else {
                    st.delivered += 1;
                }
            }
            Some((r, ReadState::Failed)) => {
                st.glitches += 1;
                st.cur_ok = false;
                self.release_settled(r, ReadState::Failed);
            }
            Some((r, _)) => {
                // Late: shown from the moment it lands.
                st.glitches += 1;
                st.cur_ok = false;
                st.playing = Some(r);
                self.await_completion(r);
            }
            None => {
                st.glitches += 1;
                st.cur_ok = false;
            }
        }
        let st = &self.streams[s as usize];
        let epoch = st.epoch;
        if self.check && st.periods != st.delivered + st.glitches {
            let msg = format!("stream {s}: {} periods but {} delivered + {} glitches", st.periods, st.delivered, st.glitches);
            self.violated(msg);
        }
        // The next deadline is a period on, after every deadline scheduled
        // before it (nearly always): the queue's lane takes it in O(1)
        // (peer-simpy: 75.6 to 69.7 M instructions without PGO). Not when
        // prefetching: the model then wants the next five events in order at
        // every event, which the lane's events would have to be merged into;
        // metro ran 3.94 G instructions for 120 simulated seconds that way,
        // against 3.75 G with deadlines on the wheel (callgrind).
        let (at, deadline) = (slot_end.max(now), Ev::Boundary { stream: s, epoch });
        if self.prefetch {
            self.q.schedule(at, deadline);
        } else {
            self.q.schedule_in_order(at, deadline);
        }
        self.maybe_issue_next(s);
    }

    fn in_flight(&self, r: Option<ReadId>) -> bool {
        r.is_some_and(|r| matches!(self.reads.get(r).state, ReadState::WaitingBuffer | ReadState::Queued | ReadState::InService))
    }

    /// Issues the read of the next extent unless an earlier one is still in
    /// flight (reads of a stream are sequential).
    pub(crate) fn maybe_issue_next(&mut self, s: StreamId) {
        let st = &self.streams[s as usize];
        // An extent that has arrived (`cur_ok`) is not in flight: the common
        // case skips looking its read up.
        debug_assert!(!st.cur_ok || !self.in_flight(st.playing));
        if st.next_read.is_some() || st.stale_read.is_some() || (!st.cur_ok && self.in_flight(st.playing)) {
            return;
        }
        self.issue_next_read(s);
    }

    /// Issues the read for the extent after the current one, due at the end
    /// of the current slot — unless the source stops before then.
    pub fn issue_next_read(&mut self, s: StreamId) {
        let st = &self.streams[s as usize];
        if st.status != Status::Active || st.dark_since.is_some() || st.module == NO_MODULE {
            return;
        }
        if st.stop_at.is_some_and(|stop| st.next_deadline >= stop) {
            return;
        }
        let m = st.module as usize;
        let deadline = st.next_deadline;
        let next = st.cur.wrapping_add(1);
        let epoch = st.epoch;
        let (title, extent) = if next < self.layout.extents(m) {
            (st.title, next)
        } else if self.sc.raw.workload.on_title_end == TitleEnd::Leave {
            return;
        } else {
            let titles = self.sc.raw.content.titles;
            let t = match self.logs[s as usize].next_title {
                Some(t) => t,
                None => {
                    let t = self.popularity.draw(titles, &mut self.rng_session);
                    self.logs[s as usize].next_title = Some(t);
                    t
                }
            };
            (t, 0)
        };
        // The stream names the read before it reaches the disk, so a
        // dispatch at once already knows whom it is for.
        self.issue_stream_read(s, epoch, m, title, extent, deadline);
    }

    // ----- switch ----------------------------------------------------------

    pub(crate) fn recompute_switch(&mut self) {
        for (m, md) in self.modules.iter().enumerate() {
            self.switch_offered[m] = if self.module_live(m) { md.feeding as u64 * self.bitrate.bps() } else { 0 };
        }
        let capacity = self.sc.raw.headend.switch_bps;
        max_min_factors(&self.switch_offered, capacity, &mut self.switch_factor);
        self.switch_dirty = false;
        if self.check {
            let served: f64 = self.switch_offered.iter().zip(&self.switch_factor).map(|(&o, &f)| o as f64 * f).sum();
            if served > capacity as f64 * (1.0 + 1e-9) {
                self.violated(format!("switch carries {served:.0} bit/s > capacity {capacity}"));
            }
        }
    }

    // ----- hand-over primitives used by migration ----------------------------

    /// The source stops feeding stream `s` now: output off, reads dropped.
    /// Returns the title position the viewer has seen up to [packets].
    pub fn stop_output(&mut self, s: StreamId) -> u64 {
        let now = self.now();
        let p = self.position_at(s, now);
        self.settle_stream_reads(s);
        let st = &mut self.streams[s as usize];
        if st.dark_since.is_none() {
            st.dark_since = Some(now);
        }
        st.stop_at = Some(now);
        st.epoch = st.epoch.wrapping_add(1);
        self.set_feeder(s, NO_MODULE);
        self.drop_reads(s);
        p
    }

    /// Deadlines of `s`'s grid in (from, to) fell due with nobody feeding
    /// the user: each is a missed period.
    pub fn count_missed(&mut self, s: StreamId, from: SimTime, to: SimTime) {
        let st = &self.streams[s as usize];
        if st.module == NO_MODULE || to <= from {
            return;
        }
        let m = st.module as usize;
        let n = self.layout.extent_packets[m];
        let first = st.grid.position_at(from, self.bitrate) / n + 1;
        let mut count = 0;
        let mut e = first;
        while (e * n) < self.layout.title_packets {
            let t = st.grid.time_of(e * n, self.bitrate);
            if t >= to {
                break;
            }
            if t > from {
                count += 1;
            }
            e += 1;
        }
        let st = &mut self.streams[s as usize];
        st.periods += count;
        st.glitches += count;
    }

    /// Stream `s` (stopped by `stop_output`) resumes on module `dst` now,
    /// playing from title position `q` [packets]; `first` is the read that
    /// brings the extent holding `q`, if the destination issued one.
    /// Returns (lost, duplicated) packets and the freeze the viewer saw.
    pub fn resume_on(&mut self, s: StreamId, dst: usize, q: u64, p_stop: u64, first: Option<ReadId>) -> (u64, u64, SimDuration) {
        let now = self.now();
        let dark = self.streams[s as usize].dark_since.unwrap_or(now);
        self.count_missed(s, dark, now);
        let stall = now.saturating_since(dark);
        let lost = q.saturating_sub(p_stop);
        let dup = p_stop.saturating_sub(q);
        let src = self.streams[s as usize].module;
        if src != NO_MODULE && src as usize != dst {
            self.modules[src as usize].streams -= 1;
        }
        let extent = (q / self.layout.extent_packets[dst]) as u32;
        let st = &mut self.streams[s as usize];
        st.lost_pkts += lost;
        let log = &mut self.logs[s as usize];
        log.dup_pkts += dup;
        log.stall_ns += stall.0;
        log.migrations += 1;
        let st = &mut self.streams[s as usize];
        st.module = dst as u16;
        st.epoch = st.epoch.wrapping_add(1);
        st.grid = Grid { anchor_t: now, anchor_pkt: q };
        st.cur = extent;
        st.dark_since = None;
        st.stop_at = None;
        st.migration = None;
        self.switch_dirty = true;
        self.set_feeder(s, dst as u16);
        if let Some(r) = first {
            self.reads.get_mut(r).owner = Owner::Stream { stream: s, epoch: self.streams[s as usize].epoch };
        }
        self.open_slot(s, first);
        (lost, dup, stall)
    }

    /// Time to play `pkts` packets.
    pub fn pkt_time(&self, pkts: u64) -> SimDuration {
        packets_to_time(pkts, self.bitrate)
    }

    pub fn time_pkts(&self, d: SimDuration) -> u64 {
        time_to_packets(d, self.bitrate)
    }
}
