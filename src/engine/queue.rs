//! The pending-event set: a 4-ary min-heap keyed by `(time, sequence)`.
//!
//! The sequence number is handed out at insertion, so events due at the same
//! instant come out in the order they were scheduled (FIFO), on every run
//! and every platform. Time and sequence are packed into one `u128` key so
//! a comparison is one wide compare. Four children per node halve the depth
//! of a binary heap and keep siblings in one cache line: on the metro
//! scenario (~100 k pending) that made the whole run 1.5x faster than
//! `std::collections::BinaryHeap` (docs/performance.md). The storage is
//! reused, so steady state (one event out, about one in) allocates nothing.

use super::time::SimTime;

struct Entry<E> {
    key: u128,
    event: E,
}

/// Pending events of type `E`, popped in `(time, insertion order)` order.
pub struct EventQueue<E> {
    heap: Vec<Entry<E>>,
    next_seq: u64,
    now: SimTime,
    processed: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

const ARITY: usize = 4;

fn time_of(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(1024)
    }

    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue { heap: Vec::with_capacity(capacity), next_seq: 0, now: SimTime::ZERO, processed: 0 }
    }

    /// The time of the event popped last (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events popped so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `at`. Scheduling in the past is a model bug: in
    /// debug builds it panics, in release the event is clamped to `now` so
    /// the clock still never runs backwards.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at:?} < now {:?}", self.now);
        let at = at.max(self.now);
        let key = (u128::from(at.0) << 64) | u128::from(self.next_seq);
        self.next_seq += 1;
        let h = &mut self.heap;
        h.push(Entry { key, event });
        // Sift up: move parents down into the hole until the key fits.
        let mut i = h.len() - 1;
        while i > 0 {
            let p = (i - 1) / ARITY;
            if h[p].key <= key {
                break;
            }
            h.swap(p, i);
            i = p;
        }
    }

    /// Time of the next pending event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| time_of(e.key))
    }

    /// Removes the next event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() { last } else { std::mem::replace(&mut self.heap[0], last) };
        self.sift_down_from_root();
        let at = time_of(top.key);
        assert!(at >= self.now, "simulated time went backwards: {at:?} < {:?}", self.now);
        self.now = at;
        self.processed += 1;
        Some((at, top.event))
    }

    /// Restores the heap after the root was replaced by the last leaf.
    /// Bottom-up (Wegener): the leaf almost always belongs near the bottom,
    /// so the smallest child moves up all the way down without comparing
    /// against it, then the leaf sifts up the few levels it must. The child
    /// minimum is picked without branches — the keys are random, and
    /// mispredicted branches were most of the cost of a pop.
    fn sift_down_from_root(&mut self) {
        let h = &mut self.heap;
        let n = h.len();
        if n <= 1 {
            return;
        }
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            if first + ARITY <= n {
                let (k0, k1, k2, k3) = (h[first].key, h[first + 1].key, h[first + 2].key, h[first + 3].key);
                let (a, ka) = if k1 < k0 { (first + 1, k1) } else { (first, k0) };
                let (b, kb) = if k3 < k2 { (first + 3, k3) } else { (first + 2, k2) };
                let best = if kb < ka { b } else { a };
                h.swap(i, best);
                i = best;
            } else if first < n {
                let mut best = first;
                for c in first + 1..n {
                    if h[c].key < h[best].key {
                        best = c;
                    }
                }
                h.swap(i, best);
                i = best;
                break;
            } else {
                break;
            }
        }
        // The former last leaf is at `i`; move it up to where it fits.
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

    /// Pops the next event only if it is due at or before `until`.
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        if self.peek_time()? > until {
            return None;
        }
        self.pop()
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
    fn pop_until_leaves_later_events() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 1);
        q.schedule(SimTime(20), 2);
        assert_eq!(q.pop_until(SimTime(15)), Some((SimTime(10), 1)));
        assert_eq!(q.pop_until(SimTime(15)), None);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn random_schedules_pop_sorted_by_time_then_insertion() {
        // Against a sort of the same (time, seq) pairs: the heap must agree
        // exactly, ties included.
        let mut rng = crate::engine::RngStreams::new(9).stream("queue");
        let mut q = EventQueue::new();
        let mut expected = Vec::new();
        let mut seq = 0u64;
        for round in 0..200 {
            for _ in 0..rng.below(20) {
                let at = q.now().0 + rng.below(50);
                q.schedule(SimTime(at), seq);
                expected.push((at, seq));
                seq += 1;
            }
            for _ in 0..rng.below(15) + (round % 3) {
                let Some((t, e)) = q.pop() else { break };
                expected.sort();
                let (et, es) = expected.remove(0);
                assert_eq!((t.0, e), (et, es));
            }
        }
    }
}
