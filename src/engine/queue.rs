//! The pending-event set, popped in `(time, insertion sequence)` order.
//!
//! The sequence number is handed out at insertion, so events due at the same
//! instant come out in the order they were scheduled (FIFO), on every run
//! and every platform. Time and sequence are packed into one `u128` key.
//!
//! Structure: a timing wheel of ~1 ms buckets covering the next ~2.1 s in
//! front of `current`, the bucket being served, kept sorted, and `far`, a
//! 4-ary heap of the events beyond the wheel. A head-end's events are
//! mostly extent deadlines one service period ahead, so they spread over
//! the wheel and only the ~1 ms slice being served is ever ordered. On the
//! metro scenario (50 k streams, ~50 k pending) a single heap spent 45 % of
//! the run in cache-missing sift-downs (perf; docs/performance.md). Order is
//! exactly that of one global heap: `current` holds every pending key below
//! the next bucket boundary. Storage is reused, so steady state allocates
//! nothing.
//!
//! Beside the wheel, a FIFO `lane` takes the events a model schedules with
//! `schedule_in_order`: those it expects to come due in the order they are
//! scheduled, such as deadlines one fixed period after the event that
//! schedules them. While each such key is above the lane's last one, it is
//! appended in O(1), and the lane's front is its smallest; any other goes
//! to the wheel as usual, so the order is still that of one global heap.
//! On peer-simpy (one deadline a stream-period, nearly all in order) a run
//! fell from 75.6 to 69.7 M instructions (callgrind, built without the
//! PGO profile); a model that asks for `upcoming` events at every event is
//! better off without the lane (see `Headend::open_slot`).
//!
//! `current` is sorted once when its bucket comes due (the bucket's `Vec`
//! is swapped in, not copied) and popped from its end: with a few to a few
//! dozen events a bucket that is cheaper than a heap, and it makes the next
//! events known in order for a model that prefetches their state
//! (`upcoming`). A two-level occupancy bitmap finds the next non-empty
//! bucket in a few instructions however sparse the wheel is.

use super::time::SimTime;

#[derive(Clone, Copy)]
struct Entry<E> {
    key: u128,
    event: E,
}

/// log2 of the time the wheel covers [ns]: 2^31 ns ≈ 2.15 s ahead, just over
/// the usual 2 s service period, so deadlines land on the wheel.
const HORIZON_SHIFT: u32 = 31;
/// Most buckets on the wheel: 2 048 of 2^20 ns ≈ 1.05 ms, for tens of
/// thousands of pending events (metro). A queue expecting fewer gets fewer,
/// wider buckets, about one per four pending events, so that the wheel stays
/// small enough to keep in cache: every bucket is a `Vec` with its own heap
/// block, and the ~200 streams of peer-simpy ran 5 % faster on 256 buckets
/// than on 2 048 (`cargo bench --bench simulate`), as 8 192 had made that
/// run 35 % slower.
const MAX_SLOTS: u64 = 2048;
const MIN_SLOTS: u64 = 64;
/// Words of the occupancy bitmap; the summary word has one bit per word.
const WORDS: usize = (MAX_SLOTS / 64) as usize;
const _: () = assert!(WORDS <= 64 && MAX_SLOTS.is_power_of_two() && MIN_SLOTS.is_power_of_two() && MIN_SLOTS >= 64);
const ARITY: usize = 4;

/// Pending events of type `E`.
pub struct EventQueue<E> {
    /// Events in buckets up to `cur`, sorted by descending key: the next
    /// event is the last.
    current: Vec<Entry<E>>,
    /// `wheel[b % slots]` holds the events of bucket b, cur < b < cur + slots.
    wheel: Vec<Vec<Entry<E>>>,
    /// Buckets on the wheel, a power of two in MIN_SLOTS ..= MAX_SLOTS.
    slots: u64,
    /// log2 of the bucket width [ns].
    shift: u32,
    /// One bit per wheel slot: non-empty.
    occupied: [u64; WORDS],
    /// One bit per word of `occupied`: non-zero.
    summary: u64,
    /// Heap of the events beyond the wheel.
    far: Vec<Entry<E>>,
    /// Events scheduled in order (`schedule_in_order`), ascending keys;
    /// those from `lane_head` on are pending. A `Vec` and an index: one
    /// compare finds the front, where a ring (`VecDeque`, or one of our
    /// own) wraps its index and checks its length apart: peer-simpy took
    /// 52.2 M instructions with our ring against 49.7 M with this.
    lane: Vec<Entry<E>>,
    lane_head: usize,
    /// While `current` is empty: the first bucket holding an event of the
    /// wheel or `far` (`u64::MAX` if none), so that a lane event due before
    /// it is popped without serving that bucket first.
    rest_next: u64,
    cur: u64,
    /// The first occupied wheel bucket after `cur`, as far as `upcoming`
    /// needs to know (refreshed when a bucket is served, lowered when an
    /// earlier one is scheduled into).
    peek_bucket: Option<u64>,
    len: usize,
    next_seq: u64,
    now: SimTime,
    /// The sequence number of the event popped last: with `now`, the key of
    /// the event being handled.
    now_seq: u64,
    processed: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The queue key of an event at `at` with sequence number `seq`: events are
/// popped in ascending key order.
fn key_of(at: SimTime, seq: u64) -> u128 {
    (u128::from(at.0) << 64) | u128::from(seq)
}

fn time_of(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

fn heap_push<E>(h: &mut Vec<Entry<E>>, e: Entry<E>) {
    h.push(e);
    let last = h.len() - 1;
    sift_up(h, last);
}

/// Moves the entry at `i` up to where its key fits.
fn sift_up<E>(h: &mut [Entry<E>], mut i: usize) {
    let key = h[i].key;
    while i > 0 {
        let p = (i - 1) / ARITY;
        if h[p].key <= key {
            break;
        }
        h.swap(p, i);
        i = p;
    }
}

/// Removes the smallest entry. Bottom-up (Wegener): the last leaf moved to
/// the root almost always belongs near the bottom, so the smallest child
/// moves up all the way down without comparing against it, then the leaf
/// sifts up the few levels it must. The child minimum is picked without
/// branches: the keys are random and mispredictions dominated a pop.
fn heap_pop<E>(h: &mut Vec<Entry<E>>) -> Option<Entry<E>> {
    let last = h.pop()?;
    if h.is_empty() {
        return Some(last);
    }
    let top = std::mem::replace(&mut h[0], last);
    let n = h.len();
    let mut i = 0;
    loop {
        let first = ARITY * i + 1;
        if first + ARITY <= n {
            let c = &h[first..first + ARITY];
            let (a, ka) = if c[1].key < c[0].key { (1, c[1].key) } else { (0, c[0].key) };
            let (b, kb) = if c[3].key < c[2].key { (3, c[3].key) } else { (2, c[2].key) };
            let best = first + if kb < ka { b } else { a };
            h.swap(i, best);
            i = best;
        } else {
            if first < n {
                let mut best = first;
                for c in first + 1..n {
                    if h[c].key < h[best].key {
                        best = c;
                    }
                }
                h.swap(i, best);
                i = best;
            }
            break;
        }
    }
    sift_up(h, i);
    Some(top)
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(1024)
    }

    /// A queue for about `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        let slots = (capacity as u64 / 4).next_power_of_two().clamp(MIN_SLOTS, MAX_SLOTS);
        Self::with_slots(capacity, slots)
    }

    /// A queue whose wheel has `slots` buckets (a power of two in 64 ..= 2048).
    fn with_slots(capacity: usize, slots: u64) -> Self {
        debug_assert!(slots.is_power_of_two() && (MIN_SLOTS..=MAX_SLOTS).contains(&slots));
        EventQueue {
            current: Vec::with_capacity(64),
            wheel: (0..slots).map(|_| Vec::new()).collect(),
            slots,
            shift: HORIZON_SHIFT - slots.trailing_zeros(),
            occupied: [0; WORDS],
            summary: 0,
            far: Vec::with_capacity(capacity.min(1 << 16)),
            lane: Vec::new(),
            lane_head: 0,
            rest_next: u64::MAX,
            cur: 0,
            peek_bucket: None,
            len: 0,
            next_seq: 0,
            now: SimTime::ZERO,
            now_seq: 0,
            processed: 0,
        }
    }

    fn bucket_of(&self, key: u128) -> u64 {
        ((key >> 64) as u64) >> self.shift
    }

    /// The wheel slot of bucket `b` (a mask: `slots` is a power of two, and
    /// a division by a runtime value is tens of cycles).
    fn slot_of(&self, b: u64) -> usize {
        (b & (self.slots - 1)) as usize
    }

    /// The time of the event popped last (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The sequence number of the event being handled (popped last): of
    /// two events due now, the one with the lower number comes first.
    pub fn now_seq(&self) -> u64 {
        self.now_seq
    }

    /// Takes the next sequence number without scheduling anything: the
    /// place an event scheduled now would take among events due at the
    /// same instant, for an event that may be scheduled later with
    /// `schedule_seq` (or never).
    pub fn reserve_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Schedules `event` at `at` with sequence number `seq`, one handed out
    /// by `reserve_seq` and used for no other pending event at `at`.
    pub fn schedule_seq(&mut self, at: SimTime, seq: u64, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at:?} < now {:?}", self.now);
        let at = at.max(self.now);
        self.schedule_key(key_of(at, seq), event);
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug: in
    /// debug builds it panics, in release the event is clamped to `now` so
    /// the clock still never runs backwards.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let key = self.key_for(at);
        self.schedule_key(key, event);
    }

    /// `schedule`, for an event the caller expects to be due after every
    /// other event it scheduled this way (a deadline one period after the
    /// event being handled): such an event is appended to the lane, and one
    /// that is not goes to the wheel. The order of events is the same either
    /// way; only the cost differs.
    pub fn schedule_in_order(&mut self, at: SimTime, event: E) {
        let key = self.key_for(at);
        // The last entry may have been popped already; its key is then below
        // any new one, as it should be.
        if self.lane.last().is_none_or(|last| last.key < key) {
            if self.lane_head >= 64 && self.lane_head * 2 >= self.lane.len() {
                // Popped entries are half the lane: drop them. Each pending
                // entry moves at most once for as many pops, one copy a pop.
                self.lane.drain(..self.lane_head);
                self.lane_head = 0;
            }
            self.len += 1;
            self.lane.push(Entry { key, event });
        } else {
            self.schedule_key(key, event);
        }
    }

    /// The key of an event at `at` (clamped to `now`), taking the next
    /// sequence number.
    #[inline]
    fn key_for(&mut self, at: SimTime) -> u128 {
        debug_assert!(at >= self.now, "event scheduled in the past: {at:?} < now {:?}", self.now);
        let at = at.max(self.now);
        let key = key_of(at, self.next_seq);
        self.next_seq += 1;
        key
    }

    /// Puts an event into `current`, the wheel or `far`.
    fn schedule_key(&mut self, key: u128, event: E) {
        self.len += 1;
        let b = self.bucket_of(key);
        let e = Entry { key, event };
        if b <= self.cur && !self.current.is_empty() {
            // Rare (an event due within the bucket being served): keep the
            // order by inserting at its place.
            let at = self.current.partition_point(|x| x.key > key);
            self.current.insert(at, e);
            return;
        }
        self.rest_next = self.rest_next.min(b);
        if b > self.cur && b < self.cur + self.slots {
            let slot = self.slot_of(b);
            if self.peek_bucket.is_none_or(|p| b < p) {
                self.peek_bucket = Some(b);
            }
            self.wheel[slot].push(e);
            self.occupied[slot / 64] |= 1 << (slot % 64);
            self.summary |= 1 << (slot / 64);
        } else {
            // Beyond the wheel, or due in the bucket just served while
            // `current` is empty: `far` may then hold keys of buckets up to
            // `cur`, and `refill` takes them before any later bucket.
            heap_push(&mut self.far, e);
        }
    }

    /// First occupied wheel bucket after `cur`, if any.
    fn next_wheel_bucket(&self) -> Option<u64> {
        if self.summary == 0 {
            return None;
        }
        let start = (self.cur + 1) & (self.slots - 1);
        let (w0, bit0) = (start / 64, start % 64);
        // The start word from the start bit, then the later words, then
        // (wrapping round) the earlier words and the start word's low bits.
        let slot = {
            let here = self.occupied[w0 as usize] & (!0u64 << bit0);
            if here != 0 {
                w0 * 64 + u64::from(here.trailing_zeros())
            } else {
                let later = self.summary & (!0u64 << w0 << 1);
                let w = if later != 0 { later.trailing_zeros() } else { self.summary.trailing_zeros() };
                u64::from(w) * 64 + u64::from(self.occupied[w as usize].trailing_zeros())
            }
        };
        Some(self.cur + ((slot + self.slots - start) & (self.slots - 1)) + 1)
    }

    /// The smallest pending key and whether it is the lane's front (else
    /// the last of `current`), moving the next bucket into `current` only
    /// when the lane has nothing due before it.
    #[inline]
    fn locate(&mut self) -> Option<(u128, bool)> {
        let lane = self.lane.get(self.lane_head).map(|e| e.key);
        if self.current.is_empty() {
            if let Some(key) = lane {
                let b = self.bucket_of(key);
                if b < self.rest_next {
                    // Every wheel and far event is in a later bucket, so the
                    // wheel may move on to this one (keeping its horizon
                    // ahead of the clock).
                    self.cur = self.cur.max(b);
                    return Some((key, true));
                }
            }
            if !self.refill() {
                return lane.map(|key| (key, true));
            }
        }
        let rest = self.current.last().map(|e| e.key);
        match (lane, rest) {
            (Some(l), Some(r)) if l < r => Some((l, true)),
            (_, Some(r)) => Some((r, false)),
            (l, None) => l.map(|key| (key, true)),
        }
    }

    /// Moves the next bucket (and far events due in it) into `current`.
    fn refill(&mut self) -> bool {
        let filled = self.fill_current();
        // What is left on the wheel and in `far` is in later buckets.
        let far = self.far.first().map_or(u64::MAX, |e| self.bucket_of(e.key));
        self.rest_next = self.next_wheel_bucket().map_or(far, |w| w.min(far));
        filled
    }

    fn fill_current(&mut self) -> bool {
        while self.current.is_empty() {
            if self.len == self.lane.len() - self.lane_head {
                return false;
            }
            let wheel = self.next_wheel_bucket();
            let far = self.far.first().map(|e| self.bucket_of(e.key));
            let next = match (wheel, far) {
                (Some(w), Some(f)) => w.min(f),
                (Some(w), None) => w,
                (None, Some(f)) => f,
                (None, None) => return false,
            };
            // `next` is below `cur` only for a far event due in a served
            // bucket; `cur` never goes back, so the wheel's slots keep their
            // meaning.
            self.cur = self.cur.max(next);
            if wheel == Some(next) {
                let slot = self.slot_of(next);
                std::mem::swap(&mut self.current, &mut self.wheel[slot]);
                self.occupied[slot / 64] &= !(1 << (slot % 64));
                if self.occupied[slot / 64] == 0 {
                    self.summary &= !(1 << (slot / 64));
                }
            }
            while self.far.first().is_some_and(|e| self.bucket_of(e.key) <= self.cur) {
                if let Some(e) = heap_pop(&mut self.far) {
                    self.current.push(e);
                }
            }
            // A sparse wheel (~1 event a bucket, small models) skips all of
            // this: nothing to order, and small models stay in cache.
            if self.current.len() <= 1 {
                self.peek_bucket = None;
                continue;
            }
            // Keys are unique (the sequence), so an unstable sort is exact.
            self.current.sort_unstable_by_key(|e| std::cmp::Reverse(e.key));
            // The next bucket was written a service period ago and has left
            // the cache since: start loading it while this one is served.
            self.peek_bucket = self.next_wheel_bucket();
            if let Some(b) = self.peek_bucket {
                for e in self.wheel[self.slot_of(b)].iter().step_by(2) {
                    super::prefetch(e);
                }
            }
        }
        true
    }

    /// Time of the next pending event, if any.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.locate().map(|(key, _)| time_of(key))
    }

    /// Events to be popped soon, for a model that prefetches their state:
    /// those of the bucket being served in order, then those of the lane in
    /// order or, with the lane empty and that bucket nearly done, those of
    /// the next bucket on the wheel in no particular order (so the first
    /// events of a bucket are prefetched too; with ~5 events a bucket most
    /// were not). The served bucket and the lane are not merged: a model
    /// that prefetches has no use for the lane (`Headend::open_slot`), and
    /// merging cost the metro scenario 2.4 % of its instructions. Looking
    /// changes nothing.
    pub fn upcoming(&self) -> impl Iterator<Item = &E> {
        let then: &[Entry<E>] = match self.lane.get(self.lane_head..) {
            Some(lane) if !lane.is_empty() => lane,
            _ if self.current.len() < 8 => self.peek_bucket.map_or(&[], |b| &self.wheel[self.slot_of(b)]),
            _ => &[],
        };
        self.current.iter().rev().chain(then).map(|e| &e.event)
    }

    /// Removes the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (_, in_lane) = self.locate()?;
        self.take_next(in_lane)
    }

    fn take_next(&mut self, in_lane: bool) -> Option<(SimTime, E)> {
        let top = if in_lane {
            let top = *self.lane.get(self.lane_head)?;
            self.lane_head += 1;
            top
        } else {
            self.current.pop()?
        };
        self.len -= 1;
        let at = time_of(top.key);
        assert!(at >= self.now, "simulated time went backwards: {at:?} < {:?}", self.now);
        self.now = at;
        self.now_seq = top.key as u64;
        self.processed += 1;
        Some((at, top.event))
    }

    /// Pops the next event only if it is due at or before `until`.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        let (key, in_lane) = self.locate()?;
        if time_of(key) > until {
            return None;
        }
        self.take_next(in_lane)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), 'b');
        q.schedule(SimTime(1), 'a');
        q.schedule(SimTime(5), 'c');
        q.schedule(SimTime(5), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
        assert_eq!(q.processed(), 4);
        assert_eq!(q.now(), SimTime(5));
    }

    #[test]
    fn a_reserved_sequence_number_keeps_its_place_among_equal_times() {
        // 'a' takes its number before 'b' and 'c' are scheduled and is
        // scheduled after them: it still comes first of the three.
        let mut q = EventQueue::new();
        let a = q.reserve_seq();
        q.schedule(SimTime(5), 'b');
        q.schedule(SimTime(5), 'c');
        q.schedule_seq(SimTime(5), a, 'a');
        assert_eq!(q.pop(), Some((SimTime(5), 'a')));
        assert_eq!(q.now_seq(), a);
        assert_eq!(q.pop(), Some((SimTime(5), 'b')));
        assert_eq!(q.now_seq(), a + 1);
        // Reserved and never used: the numbers after it are unaffected.
        let unused = q.reserve_seq();
        q.schedule(SimTime(5), 'd');
        assert_eq!(q.pop(), Some((SimTime(5), 'c')));
        assert_eq!(q.pop(), Some((SimTime(5), 'd')));
        assert_eq!(q.now_seq(), unused + 1);
    }

    #[test]
    fn pop_until_leaves_later_events() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1);
        q.schedule(SimTime(20), 2);
        assert_eq!(q.pop_until(SimTime(15)), Some((SimTime(10), 1)));
        assert_eq!(q.pop_until(SimTime(15)), None);
        assert_eq!(q.len(), 1);
    }

    /// Every wheel size a queue can get.
    fn every_wheel<E: Copy>() -> impl Iterator<Item = EventQueue<E>> {
        std::iter::successors(Some(MIN_SLOTS), |&s| (s < MAX_SLOTS).then_some(s * 2)).map(|s| EventQueue::with_slots(64, s))
    }

    #[test]
    fn wheel_size_follows_the_expected_pending_events() {
        let slots = |capacity| EventQueue::<u8>::with_capacity(capacity).slots;
        assert_eq!(slots(0), MIN_SLOTS);
        assert_eq!(slots(200 * 3 + 64), 256);
        assert_eq!(slots(1000 * 3 + 64), 1024);
        assert_eq!(slots(50_000 * 3 + 64), MAX_SLOTS);
        for q in every_wheel::<u8>() {
            assert_eq!(q.slots << q.shift, 1 << HORIZON_SHIFT, "{} slots", q.slots);
        }
    }

    #[test]
    fn far_future_and_past_bucket_events_keep_global_order() {
        every_wheel().for_each(far_future_and_past_bucket_events);
    }

    fn far_future_and_past_bucket_events(mut q: EventQueue<usize>) {
        // Beyond the wheel (~2.1 s), exactly on bucket edges, and, after a
        // peek moved to a later bucket, an earlier event: all in (time, seq).
        let s = 1_000_000_000u64;
        let edge = 1u64 << q.shift;
        for (i, t) in [100 * s, 3 * s, edge - 1, edge, 9 * s, 100 * s, 0].iter().enumerate() {
            q.schedule(SimTime(*t), i);
        }
        let mut got: Vec<(u64, usize)> = Vec::new();
        while let Some((t, e)) = q.pop_until(SimTime(5 * s)) {
            got.push((t.0, e));
        }
        assert_eq!(q.peek_time(), Some(SimTime(9 * s)));
        q.schedule(SimTime(6 * s), 7);
        while let Some((t, e)) = q.pop() {
            got.push((t.0, e));
        }
        let want = vec![(0, 6), (edge - 1, 2), (edge, 3), (3 * s, 1), (6 * s, 7), (9 * s, 4), (100 * s, 0), (100 * s, 5)];
        assert_eq!(got, want);
        assert!(q.is_empty());
    }

    #[test]
    fn random_schedules_pop_sorted_by_time_then_insertion() {
        every_wheel().for_each(random_schedules_agree_with_a_sort);
    }

    fn random_schedules_agree_with_a_sort(mut q: EventQueue<u64>) {
        // Against a sort of the same (time, seq) pairs: the queue must agree
        // exactly, ties included, whichever way each event was scheduled.
        let mut rng = crate::engine::RngStreams::new(9).stream("queue");
        let mut expected = std::collections::BTreeSet::new();
        let mut seq = 0u64;
        let mut lane_peak = 0;
        for round in 0..3000 {
            for _ in 0..rng.below(20) {
                // Ties, same bucket, across the wheel and beyond it.
                let span = [50, 5_000_000, 3_000_000_000, 20_000_000_000][rng.below(4) as usize];
                let at = q.now().0 + rng.below(span);
                if rng.below(3) == 0 {
                    q.schedule_in_order(SimTime(at), seq);
                } else {
                    q.schedule(SimTime(at), seq);
                }
                expected.insert((at, seq));
                seq += 1;
            }
            for _ in 0..rng.below(15) + (round % 3) {
                let served_next = !q.current.is_empty();
                let lane_before = q.lane.len() - q.lane_head;
                let next_up = q.upcoming().next().copied();
                let Some((t, e)) = q.pop() else { break };
                let (et, es) = expected.pop_first().expect("the queue popped an event never scheduled");
                assert_eq!((t.0, e), (et, es));
                // `upcoming` names the next event first whenever the served
                // bucket holds it (and, the lane not being merged in, the
                // lane does not hold an earlier one).
                assert!(next_up.is_none_or(|u| u == e) || !served_next || lane_before != 0);
                // A deadline one period on, as a stream schedules its next:
                // in order, mostly, as the lane expects.
                if rng.below(2) == 0 {
                    let at = t.0 + 2_000_000_000 + rng.below(3);
                    q.schedule_in_order(SimTime(at), seq);
                    expected.insert((at, seq));
                    seq += 1;
                }
                lane_peak = lane_peak.max(q.lane.len() - q.lane_head);
            }
        }
        assert!(lane_peak > 20, "the lane was hardly used: at most {lane_peak} events");
        let rest: Vec<(u64, u64)> = std::iter::from_fn(|| q.pop().map(|(t, e)| (t.0, e))).collect();
        assert_eq!(rest, expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn in_order_events_wait_in_the_lane_and_late_comers_take_the_wheel() {
        let mut q = EventQueue::new();
        for (t, e) in [(10, 'a'), (20, 'b'), (20, 'c'), (30, 'd')] {
            q.schedule_in_order(SimTime(t), e);
        }
        // Not after the lane's last event: the wheel takes it.
        q.schedule_in_order(SimTime(15), 'x');
        q.schedule(SimTime(20), 'y');
        assert_eq!(q.lane.len() - q.lane_head, 4);
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['a', 'x', 'b', 'c', 'y', 'd']);
        assert!(q.is_empty() && q.processed() == 6);
    }
}
