//! Streams (one per content/audio/data flow of a user) and the reads that
//! feed them.

use super::transport::Grid;
use crate::engine::SimTime;

pub type StreamId = u32;
pub type ReadId = u32;
pub const NO_MODULE: u16 = u16::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Left normally (title ended with `leave`, or session time over).
    Ended,
    /// Stopped by the head-end (migration failed, nowhere to go).
    Terminated,
}

/// One stream's state and per-stream counters: what an extent deadline
/// touches, in two aligned cache lines (anything only a report needs is in
/// `StreamLog`).
#[derive(Clone, Debug)]
#[repr(align(64))]
pub struct Stream {
    pub id: StreamId,
    pub title: u32,
    /// Module feeding the stream now (`NO_MODULE` while nobody is).
    pub module: u16,
    pub status: Status,
    /// Bit-rate class of its titles (`Layout::class_of`); kept when the
    /// viewer moves on to another title.
    pub class: u8,
    /// `Layout::site` of `module` and `class` (any while `module` is
    /// `NO_MODULE`).
    pub site: u16,
    /// Bumped whenever pending events for the stream become meaningless
    /// (migration, termination); events carry the generation they were
    /// scheduled under and are dropped when it no longer matches.
    pub epoch: u32,
    pub grid: Grid,
    /// Extent (in the feeding module's numbering) whose slot is current.
    pub cur: u32,
    /// End of the current slot, the deadline of extent `cur + 1`.
    pub next_deadline: SimTime,
    /// Whether the current slot's extent has reached the buffer.
    pub cur_ok: bool,
    /// Read of the current slot's extent (held in the buffer until the slot ends).
    pub playing: Option<ReadId>,
    /// Read of extent `cur + 1`, in flight or done.
    pub next_read: Option<ReadId>,
    /// Read of an earlier extent still in flight; the next read waits for it
    /// (a stream's reads are sequential, as in the SimPy peer).
    pub stale_read: Option<ReadId>,
    /// The source stops output at this instant (migration hand-off).
    pub stop_at: Option<SimTime>,
    /// Output of this stream stopped at this instant without a hand-off yet
    /// (failed module or buffer).
    pub dark_since: Option<SimTime>,
    // Counters every period updates.
    pub periods: u32,
    pub delivered: u32,
    pub glitches: u32,
    pub lost_pkts: u64,
}

const _: () = assert!(std::mem::size_of::<Stream>() == 128, "Stream outgrew its two cache lines");
const _: () = assert!(std::mem::size_of::<Read>() == 64, "Read outgrew its cache line");

/// What a stream's report needs beyond the hot state: kept in a parallel
/// `Vec` so every event touches fewer cache lines of `Stream` (216 → 136
/// bytes; cache misses on stream state dominate the metro scenario).
#[derive(Clone, Debug)]
pub struct StreamLog {
    pub user: u32,
    /// Title to continue with after this one (chosen when first needed).
    pub next_title: Option<u32>,
    pub module_start: u16,
    /// FATC channel carrying the stream.
    pub channel: u32,
    pub dup_pkts: u64,
    pub stall_ns: u64,
    pub migrations: u32,
    /// When the viewing time is over, if it is limited.
    pub session_end: Option<SimTime>,
    /// End of the last freeze: a stall starting there continues it.
    pub frozen_until: SimTime,
    /// Admitted, first extent not yet in the buffer: playout has not started.
    pub awaiting_start: bool,
    /// From admission to the first extent in the buffer (arrivals only; the
    /// initial population is already playing).
    pub startup: Option<crate::engine::SimDuration>,
    /// Periods and deliveries during the warm-up (not reported).
    pub warm_periods: u32,
    pub warm_delivered: u32,
    /// Admission by the session controller.
    pub started: SimTime,
    pub ended: Option<SimTime>,
}

/// What a read is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A stream's own sequential read, valid while the stream's generation matches.
    Stream { stream: StreamId, epoch: u32 },
    /// The transitional read of migration `mig` of stream `stream` at its
    /// destination.
    Migration { mig: u32, stream: StreamId },
    /// Nobody wants it any more; released when it completes.
    Orphan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadState {
    WaitingBuffer,
    Queued,
    InService,
    Done,
    Failed,
}

/// One extent read: from issue, through the buffer and the disk, until its
/// buffer space is released. One aligned cache line: a deadline looks at
/// two reads it has not touched for a service period.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
pub struct Read {
    pub owner: Owner,
    pub module: u16,
    pub disk: u16,
    pub title: u32,
    pub extent: u32,
    pub bytes: u64,
    pub cylinder: u32,
    pub deadline: SimTime,
    pub issued: SimTime,
    pub done_at: SimTime,
    pub state: ReadState,
    /// Buffer space is held from issue to release.
    pub holds_buffer: bool,
    /// Its completion must be a queue event: someone waits for it (see the
    /// `array` module).
    pub notify: bool,
}

/// Reads in flight, in a slab with a free list so steady state allocates nothing.
#[derive(Default)]
pub struct Reads {
    slots: Vec<Read>,
    free: Vec<ReadId>,
    pub live: usize,
}

impl Reads {
    pub fn insert(&mut self, r: Read) -> ReadId {
        self.live += 1;
        if let Some(id) = self.free.pop() {
            self.slots[id as usize] = r;
            id
        } else {
            self.slots.push(r);
            (self.slots.len() - 1) as ReadId
        }
    }
    pub fn remove(&mut self, id: ReadId) {
        self.live -= 1;
        self.free.push(id);
    }
    pub fn get(&self, id: ReadId) -> &Read {
        &self.slots[id as usize]
    }
    pub fn get_mut(&mut self, id: ReadId) -> &mut Read {
        &mut self.slots[id as usize]
    }
}
