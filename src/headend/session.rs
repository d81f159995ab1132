//! The session controller (FIG. 1, 145): starts sessions on a module that
//! holds the title and has room, counts the ones nobody can admit, and ends
//! sessions.

use super::ledger::Impact;
use super::stream::*;
use super::transport::Grid;
use super::{Agenda, Headend, HeadendEv};
use crate::engine::{RngStream, SimDuration, SimTime};
use crate::scenario::{Assignment, TitleEnd};

impl Headend {
    /// Starts the initial population and schedules the first of everything.
    pub fn start(&mut self, q: &mut impl Agenda) {
        let raw = self.sc.raw.clone();
        let k = raw.workload.streams_per_user;
        let mut placed = 0;
        while placed < raw.workload.streams {
            let title = self.popularity.draw(raw.content.titles, &mut self.rng_session);
            let title_extents_max = self.layout.extents(0, self.layout.class_of(title)).max(1);
            let extent = self.rng_session.below(title_extents_max as u64) as u32;
            let phase = SimDuration((self.rng_session.uniform() * self.modules[0].period.0 as f64) as u64);
            let n = k.min(raw.workload.streams - placed);
            self.start_user(q, SimTime::ZERO + phase, title, extent, n);
            placed += n;
        }
        self.arrivals_open = true;
        if raw.workload.arrivals_per_s > 0.0 {
            let gap = self.rng_arrival.exponential(1.0 / raw.workload.arrivals_per_s);
            q.schedule(SimTime::from_secs_f64(gap), HeadendEv::Arrival);
        }
        q.schedule(SimTime::from_secs_f64(raw.report_interval_s).min(self.end), HeadendEv::Report);
    }

    /// Can module `m` take one more stream of title `t`? It must hold the
    /// title, be live and not shedding, and have room in every resource a
    /// stream of it consumes (`module_limit`). The same test serves a new
    /// session and a migration's destination (FIG. 5 step 510).
    pub fn admits(&self, m: usize, t: u32) -> bool {
        self.fits(m, t, 1).is_ok()
    }

    /// Whether `n` more streams of title `t` fit on module `m`, or the
    /// resource that refuses them.
    fn fits(&self, m: usize, t: u32, n: u32) -> Result<(), Blocked> {
        let md = &self.modules[m];
        if !self.module_live(m) || md.degraded || !self.layout.holds(m, t) {
            return Err(Blocked::NoModule);
        }
        self.room(m, self.layout.class_of(t), n)
    }

    /// Whether module `m`'s resources take `n` more streams of class `c`.
    /// One class: its streams against `module_limit`. Several: what each
    /// resource's streams use, by their own class, plus the new ones,
    /// against the resource (`class_room`).
    pub(super) fn room(&self, m: usize, c: usize, n: u32) -> Result<(), Blocked> {
        if self.classes > 1 && self.sc.raw.headend.admission.enabled {
            return self.class_room(m, c, n);
        }
        let (limit, why) = self.module_limit(m);
        if self.modules[m].streams + n > limit {
            return Err(why);
        }
        Ok(())
    }

    /// Streams module `m` can carry and the resource that sets the limit:
    /// its disks' time per service period, less the safety margin
    /// (`headend.admission.disk_margin`), at the expected read time of one
    /// of its extents (from whichever disk model the head-end has), the
    /// bandwidth of the host bus its disks share (`host_bus_bytes_per_s`,
    /// same margin; counted as `disk`), or its buffer (two extents per stream; or `max_streams_per_module` when
    /// set), whichever is smaller. With several bit-rate classes, streams
    /// of the catalogue's mix (each class by its share), for reports and
    /// load shares; admission counts each stream's own class (`room`).
    pub fn module_limit(&self, m: usize) -> (u32, Blocked) {
        if !self.sc.raw.headend.admission.enabled {
            return (self.sc.max_streams_per_module, Blocked::Buffer);
        }
        if self.classes > 1 {
            return self.mix_limit(m);
        }
        let disk = self.layout.disks * self.disk_streams(m);
        let buffer = self.sc.max_streams_per_module;
        let mut limit = if disk < buffer { (disk, Blocked::Disk) } else { (buffer, Blocked::Buffer) };
        if let Some(rate) = self.host_bus {
            // The module's disks share one host bus: an extent per stream
            // per service period crosses it, within the same margin.
            let budget = rate * self.modules[m].period.as_secs_f64() * (1.0 - self.sc.raw.headend.admission.disk_margin);
            let bus = (budget / (self.layout.extent_packets(m, 0) * 188) as f64).floor() as u32;
            if bus < limit.0 {
                limit = (bus, Blocked::Disk);
            }
        }
        limit
    }

    /// Streams one disk of module `m` can serve per service period: each
    /// stream reads one extent per period from its array, spread evenly
    /// over the disks by striping (FIG. 3A).
    fn disk_streams(&self, m: usize) -> u32 {
        let budget = self.modules[m].period.0 as f64 * (1.0 - self.sc.raw.headend.admission.disk_margin);
        let read = self.typical_extent_read(m).0.max(1) as f64;
        (budget / read).floor() as u32
    }

    /// What one stream of class `c` takes of module `m` per service
    /// period: buffer (two extents: the one playing and the one being read)
    /// [bytes], disk time (one expected extent read, spread over the disks
    /// by striping) [ns] and host bus (one extent) [bytes].
    fn class_cost(&self, m: usize, c: usize) -> (f64, f64, f64) {
        let bytes = (self.layout.extent_packets(m, c) * 188) as f64;
        (2.0 * bytes, self.class_extent_read(m, c).0 as f64, bytes)
    }

    /// Module `m`'s budgets per service period: buffer [bytes], disk time of
    /// all its disks less the margin [ns], host bus less the margin [bytes]
    /// (unlimited without one).
    fn module_budget(&self, m: usize) -> (f64, f64, f64) {
        let keep = 1.0 - self.sc.raw.headend.admission.disk_margin;
        let period = self.modules[m].period;
        let disk = f64::from(self.layout.disks) * period.0 as f64 * keep;
        let bus = self.host_bus.map_or(f64::INFINITY, |rate| rate * period.as_secs_f64() * keep);
        (self.sc.raw.headend.buffer_bytes as f64, disk, bus)
    }

    /// `room` with several classes: the buffer holds two extents of each
    /// stream's own class, the disks serve one extent read of each per
    /// period within the margin, the host bus carries one extent of each;
    /// `max_streams_per_module`, when set, caps the count. The disks' time
    /// is pooled (striping spreads every stream's reads over all of them),
    /// where one class counts whole streams per disk (`disk_streams`), which
    /// keeps the outputs of every single-class scenario as they were.
    fn class_room(&self, m: usize, c: usize, n: u32) -> Result<(), Blocked> {
        let md = &self.modules[m];
        let (buffer, disk, bus) = self.usage_with(m, c, n);
        let (buffer_max, disk_max, bus_max) = self.module_budget(m);
        if disk > disk_max || bus > bus_max {
            return Err(Blocked::Disk);
        }
        let capped = self.sc.raw.headend.max_streams_per_module.is_some_and(|k| md.streams + n > k);
        if buffer > buffer_max || capped {
            return Err(Blocked::Buffer);
        }
        Ok(())
    }

    /// What module `m`'s streams, with `n` more of class `c`, take per
    /// service period: buffer [bytes], disk time [ns], host bus [bytes]
    /// (`class_cost` times the streams of each class).
    fn usage_with(&self, m: usize, c: usize, n: u32) -> (f64, f64, f64) {
        let (mut buffer, mut disk, mut bus) = (0.0, 0.0, 0.0);
        for (k, &count) in self.modules[m].streams_by_class[..self.classes].iter().enumerate() {
            let count = f64::from(count + if k == c { n } else { 0 });
            let (b, d, h) = self.class_cost(m, k);
            buffer += count * b;
            disk += count * d;
            bus += count * h;
        }
        (buffer, disk, bus)
    }

    /// `module_limit` with several classes: streams of the catalogue's mix
    /// (`content.classes` shares) that fit each resource.
    fn mix_limit(&self, m: usize) -> (u32, Blocked) {
        let shares: Vec<f64> = self.sc.raw.content.classes.iter().flatten().map(|k| k.share).collect();
        let (mut buffer, mut disk, mut bus) = (0.0, 0.0, 0.0);
        for (k, share) in shares.iter().enumerate() {
            let (b, d, h) = self.class_cost(m, k);
            buffer += share * b;
            disk += share * d;
            bus += share * h;
        }
        let (buffer_max, disk_max, bus_max) = self.module_budget(m);
        let mut buffer_n = (buffer_max / buffer).floor() as u32;
        if let Some(k) = self.sc.raw.headend.max_streams_per_module {
            buffer_n = buffer_n.min(k);
        }
        let disk_n = (disk_max / disk).floor().min((bus_max / bus).floor()) as u32;
        if disk_n < buffer_n { (disk_n, Blocked::Disk) } else { (buffer_n, Blocked::Buffer) }
    }

    /// Whether the switch carries `n` more streams of class `c` within its
    /// rate, head-end wide (every stream holds an FATC channel, so the
    /// channels' payload is the switch's load).
    fn switch_room(&self, c: usize, n: u32) -> bool {
        self.fatc.carried_bps() + u64::from(n) * self.rates[c].bps() <= self.sc.raw.headend.switch_bps
    }

    /// Module for `n` new streams of title `t`, per `workload.assignment`,
    /// or why none can take them.
    fn choose_module(&mut self, t: u32, n: u32) -> Result<usize, Blocked> {
        let m = self.modules.len();
        match self.sc.raw.workload.assignment {
            // Least loaded by the share of its admission limit in use, so
            // modules with different extent sizes (and so different limits)
            // fill evenly.
            Assignment::LeastLoaded => {
                let mut refused = Blocked::NoModule;
                let mut best: Option<(u64, usize)> = None;
                for i in 0..m {
                    match self.fits(i, t, n) {
                        Ok(()) => {
                            let key = self.load_key(i, t, n);
                            if best.is_none_or(|(k, _)| key < k) {
                                best = Some((key, i));
                            }
                        }
                        Err(why) => refused = refused.max(why),
                    }
                }
                best.map(|(_, i)| i).ok_or(refused)
            }
            Assignment::RoundRobin => self
                .next_round_robin(None, t)
                .ok_or_else(|| (0..m).filter_map(|i| self.fits(i, t, n).err()).max().unwrap_or(Blocked::NoModule)),
        }
    }

    /// Module `m`'s share of its admission limit in use with `n` more
    /// streams of title `t`, in millionths (no floats in the choice): the
    /// stream count against `module_limit`, or with several classes the
    /// fullest resource by bytes and time.
    fn load_key(&self, m: usize, t: u32, n: u32) -> u64 {
        if self.classes < 2 || !self.sc.raw.headend.admission.enabled {
            let limit = u64::from(self.module_limit(m).0.max(1));
            return u64::from(self.modules[m].streams + n) * 1_000_000 / limit;
        }
        let (buffer, disk, bus) = self.usage_with(m, self.layout.class_of(t), n);
        let (buffer_max, disk_max, bus_max) = self.module_budget(m);
        let used = (buffer / buffer_max).max(disk / disk_max).max(bus / bus_max);
        (used * 1e6) as u64
    }

    /// Module `m` counts `delta` streams of class `c` more (or fewer)
    /// against its admission limit.
    pub(super) fn count_stream(&mut self, m: usize, c: usize, delta: i32) {
        let md = &mut self.modules[m];
        md.streams = md.streams.wrapping_add_signed(delta);
        md.streams_by_class[c] = md.streams_by_class[c].wrapping_add_signed(delta);
        self.switch_dirty = true;
    }

    /// The next module in round-robin order, other than `skip`, that admits
    /// a stream of title `t`; the order moves on past it.
    pub fn next_round_robin(&mut self, skip: Option<usize>, t: u32) -> Option<usize> {
        let m = self.modules.len();
        let start = self.rr_next as usize;
        let pick = (0..m).map(|k| (start + k) % m).find(|&i| Some(i) != skip && self.admits(i, t))?;
        self.rr_next = ((pick + 1) % m) as u32;
        Some(pick)
    }

    /// Starts a user with `n` streams of `title` from `extent`; the first
    /// reads are issued at `t0` and the first extent plays one period later.
    fn start_user(&mut self, q: &mut impl Agenda, t0: SimTime, title: u32, extent: u32, n: u32) {
        let user = self.next_user;
        self.next_user += 1;
        // Admission (FIG. 1, 145): the switch and the FATC channels are the
        // head-end's, the disks and buffer the module's.
        let control = self.sc.raw.headend.admission.enabled;
        let class = self.layout.class_of(title);
        let rate = self.rates[class].bps();
        let m = if control && !self.switch_room(class, n) {
            Err(Blocked::Switch)
        } else if control && !self.fatc.has_room(n, rate) {
            Err(Blocked::Fatc)
        } else {
            self.choose_module(title, n)
        };
        let m = match m {
            Ok(m) => m,
            Err(why) => {
                let home = (0..self.modules.len()).find(|&i| self.layout.holds(i, title)).unwrap_or(0);
                self.block(q.now(), home);
                self.count_blocked(q.now(), why);
                return;
            }
        };
        let extent = extent.min(self.layout.extents(m, class) - 1);
        for _ in 0..n {
            let Some(channel) = self.fatc.assign(rate) else {
                // Only without admission control: a user's later streams.
                self.block(q.now(), m);
                self.count_blocked(q.now(), Blocked::Fatc);
                return;
            };
            self.counters.sessions_started += 1;
            let id = self.streams.len() as StreamId;
            self.ledger.record(q.now(), id, m as u16, Impact::SessionStarted);
            let start_pkt = self.layout.extent_span(m, class, extent).0;
            let first_deadline = t0 + self.modules[m].period;
            let session_end =
                self.sc.raw.workload.mean_session_s.map(|mean| t0 + SimDuration::from_secs_f64(self.rng_session.exponential(mean)));
            self.streams.push(Stream {
                id,
                title,
                module: m as u16,
                status: Status::Active,
                class: class as u8,
                site: self.layout.site(m, class) as u16,
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
                session_end,
                awaiting_start: self.arrivals_open,
                startup: None,
                frozen_until: SimTime::ZERO,
                warm_periods: 0,
                warm_delivered: 0,
                // Admission by the session controller; the first read may
                // follow later (the initial population's random phase).
                started: q.now(),
                ended: None,
            });
            self.feeder.push(NO_MODULE);
            self.set_feeder(q.now(), id, m as u16);
            self.count_stream(m, class, 1);
            if self.arrivals_open {
                // Start-up: playout starts when the first extent is in the
                // buffer (`start_playout`); its read is issued now with the
                // deadline one period on, as any stream's next read.
                self.issue_next_read(q, id);
                match self.streams[id as usize].next_read {
                    Some(r) if self.reads.get(r).state != ReadState::Failed => self.await_completion(q, r),
                    _ => self.start_playout(q, id),
                }
                if let Some(e) = session_end {
                    q.schedule(e, HeadendEv::SessionEnd { stream: id, epoch: 0 });
                }
                continue;
            }
            q.schedule(first_deadline, HeadendEv::Boundary { stream: id, epoch: 0 });
            if let Some(e) = session_end {
                q.schedule(e, HeadendEv::SessionEnd { stream: id, epoch: 0 });
            }
            // Reads start at t0; the initial population's t0 is its phase.
            if t0 == q.now() {
                self.issue_next_read(q, id);
            } else {
                q.schedule(t0, HeadendEv::FirstRead { stream: id, epoch: 0 });
            }
        }
    }

    /// The first extent of a starting stream `s` is in the buffer (or its
    /// read failed): playout starts now, its first slot now.
    pub(super) fn start_playout(&mut self, q: &mut impl Agenda, s: StreamId) {
        let now = q.now();
        let log = &mut self.logs[s as usize];
        log.awaiting_start = false;
        log.startup = Some(now.saturating_since(log.started));
        let st = &mut self.streams[s as usize];
        st.grid.anchor_t = now;
        st.next_deadline = now;
        q.schedule(now, HeadendEv::Boundary { stream: s, epoch: st.epoch });
    }

    /// A session nobody admits; counted on module `m` (the one chosen, or
    /// the first holding the title).
    fn block(&mut self, now: SimTime, m: usize) {
        self.counters.blocked += 1;
        self.ledger.record(now, u32::MAX, m as u16, Impact::SessionBlocked);
    }

    /// A session blocked by `why` at `now`, counted by reason after the
    /// warm-up, like `sessions_blocked`.
    fn count_blocked(&mut self, now: SimTime, why: Blocked) {
        if now >= self.ledger.warmup {
            self.counters.blocked_by[why as usize] += 1;
        }
    }

    pub(super) fn on_first_read(&mut self, q: &mut impl Agenda, s: StreamId, epoch: u32) {
        let st = &self.streams[s as usize];
        if st.epoch == epoch && st.next_read.is_none() {
            self.issue_next_read(q, s);
        }
    }

    pub(super) fn on_arrival(&mut self, q: &mut impl Agenda) {
        let now = q.now();
        let titles = self.sc.raw.content.titles;
        let title = self.popularity.draw(titles, &mut self.rng_arrival);
        let k = self.sc.raw.workload.streams_per_user;
        self.start_user(q, now, title, 0, k);
        let gap = self.rng_arrival.exponential(1.0 / self.sc.raw.workload.arrivals_per_s);
        q.schedule(now + SimDuration::from_secs_f64(gap), HeadendEv::Arrival);
    }

    /// Ends a stream: releases everything it holds.
    pub(super) fn end_stream(&mut self, q: &mut impl Agenda, s: StreamId, status: Status) {
        let now = q.now();
        if self.streams[s as usize].status != Status::Active {
            return;
        }
        self.settle_stream_reads(q, s);
        if status == Status::Terminated {
            self.terminated_loss(s, now);
        } else if let Some(dark) = self.streams[s as usize].dark_since {
            self.dark_unresumed(s, dark, now);
        }
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
        self.drop_reads(q, s);
        let class = self.streams[s as usize].class as usize;
        if m != NO_MODULE {
            self.count_stream(m as usize, class, -1);
        }
        self.streams[s as usize].module = NO_MODULE;
        self.set_feeder(now, s, NO_MODULE);
        self.fatc.release(channel, self.rates[class].bps());
    }

    /// The title a stream plays after `title_end` made it start another:
    /// drawn once, when first needed.
    pub(super) fn next_title_of(&mut self, s: StreamId) -> u32 {
        match self.logs[s as usize].next_title {
            Some(t) => t,
            None => {
                let t = self.draw_next_title(s);
                self.logs[s as usize].next_title = Some(t);
                t
            }
        }
    }

    /// A title for stream `s` to continue with, of its own class: what the
    /// viewer pays for (and what admission counted) stays the same. Drawn by
    /// popularity until one of the class comes up (one draw with a single
    /// class); after 10 000 misses, the class's most popular title.
    pub(super) fn draw_next_title(&mut self, s: StreamId) -> u32 {
        let titles = self.sc.raw.content.titles;
        let c = self.streams[s as usize].class as usize;
        for _ in 0..10_000 {
            let t = self.popularity.draw(titles, &mut self.rng_session);
            if self.layout.class_of(t) == c {
                return t;
            }
        }
        (0..titles).find(|&t| self.layout.class_of(t) == c).unwrap_or(0)
    }

    /// Whether a stream at the end of its title leaves.
    pub(super) fn leaves_at_title_end(&self) -> bool {
        self.sc.raw.workload.on_title_end == TitleEnd::Leave
    }
}

/// Why a session was refused, for `sessions_blocked_<reason>`; ordered so
/// that the last resource to refuse among several modules is the one
/// reported (a module that does not hold the title says least).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Blocked {
    /// No live, non-shedding module holds the title.
    NoModule,
    /// The buffer (or `max_streams_per_module`) of every module holding it is full.
    Buffer,
    /// The disks of every module holding it are fully booked.
    Disk,
    /// The switch carries as many streams as its rate allows.
    Switch,
    /// Every FATC channel is full.
    Fatc,
}

impl Blocked {
    pub fn as_str(self) -> &'static str {
        match self {
            Blocked::NoModule => "no_module",
            Blocked::Buffer => "buffer",
            Blocked::Disk => "disk",
            Blocked::Switch => "switch",
            Blocked::Fatc => "fatc",
        }
    }
}

/// Title popularity: Zipf with exponent s over `titles` titles (s = 0 is
/// uniform), sampled by binary search over the cumulative weights.
pub struct Popularity {
    cdf: Vec<f64>,
}

impl Popularity {
    pub fn new(titles: u32, s: f64) -> Popularity {
        if s == 0.0 {
            return Popularity { cdf: Vec::new() };
        }
        let mut cdf = Vec::with_capacity(titles as usize);
        let mut acc = 0.0;
        for rank in 1..=titles {
            acc += 1.0 / (rank as f64).powf(s);
            cdf.push(acc);
        }
        for v in &mut cdf {
            *v /= acc;
        }
        Popularity { cdf }
    }

    pub fn draw(&self, titles: u32, rng: &mut RngStream) -> u32 {
        if self.cdf.is_empty() {
            return rng.below(titles as u64) as u32;
        }
        let u = rng.uniform();
        (self.cdf.partition_point(|&c| c <= u) as u32).min(titles - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    /// The first title of class `c`.
    fn title_of_class(h: &Headend, c: usize) -> u32 {
        (0..h.sc.raw.content.titles).find(|&t| h.layout.class_of(t) == c).unwrap()
    }

    #[test]
    fn an_hd_stream_is_refused_where_an_sd_stream_still_fits() {
        // scenarios/mixed-sd-hd.json, module 0 (4 disks, 400 MB of buffer;
        // 2 s periods, 10 % disk margin: 7.2 s of disk time a period).
        // By hand, an expected extent read is a seek over a third of the
        // stroke (19 999 / 3 = 6 666 cylinders: 2.5 + 0.00035 x 6 666 =
        // 4.8331 ms), a revolution (6 ms at 10 000 rpm) and the transfer
        // at 40 MB/s: SD 937 556 B -> 23.4389 ms, 34.2720 ms in all; HD
        // 3 750 224 B -> 93.7556 ms, 104.5887 ms. A stream holds two
        // extents of buffer: SD 1 875 112 B, HD 7 500 448 B.
        // - SD alone: disk 7 200 / 34.2720 = 210.08 -> 210 (buffer would
        //   take 400e6 / 1 875 112 = 213.3): the disks bind.
        // - HD alone: buffer 400e6 / 7 500 448 = 53.3 -> 53 (disk would take
        //   7 200 / 104.5887 = 68.8): the buffer binds.
        // - 50 HD + 10 SD hold 375 022 400 + 18 751 120 = 393 773 520 B and
        //   5 571.6 ms: one more HD needs 401 273 968 B > 400e6 (refused by
        //   the buffer), one more SD 395 648 632 B and 5 605.9 ms (fits).
        let sc = crate::scenario::load(std::path::Path::new("scenarios/mixed-sd-hd.json"), &[], None).unwrap().scenario;
        let (sd, hd) = (0, 1);
        let fill = |c: usize| {
            let mut h = Headend::new(&sc, false, true, true);
            let mut n = 0;
            while h.room(0, c, 1).is_ok() {
                h.count_stream(0, c, 1);
                n += 1;
            }
            (n, h.room(0, c, 1))
        };
        assert_eq!(fill(sd), (210, Err(Blocked::Disk)));
        assert_eq!(fill(hd), (53, Err(Blocked::Buffer)));

        let mut h = Headend::new(&sc, false, true, true);
        h.count_stream(0, hd, 50);
        h.count_stream(0, sd, 10);
        assert_eq!(h.room(0, hd, 1), Err(Blocked::Buffer));
        assert_eq!(h.room(0, sd, 1), Ok(()));
        let (t_sd, t_hd) = (title_of_class(&h, sd), title_of_class(&h, hd));
        assert!(h.admits(0, t_sd) && !h.admits(0, t_hd));
        // Module 1 is empty: it takes either.
        assert!(h.admits(1, t_sd) && h.admits(1, t_hd));
    }

    #[test]
    fn zipf_one_favours_rank_one_by_the_harmonic_number() {
        // With s = 1 over 10 titles, P(title 0) = 1 / H_10 = 1 / 2.929 = 0.3414.
        let p = Popularity::new(10, 1.0);
        let mut rng = RngStreams::new(3).stream("zipf");
        let n = 200_000;
        let hits = (0..n).filter(|_| p.draw(10, &mut rng) == 0).count() as f64 / n as f64;
        assert!((hits - 0.3414).abs() < 0.005, "P(top title) = {hits}");
    }
}
