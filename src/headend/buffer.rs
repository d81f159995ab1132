//! Module buffers (FIG. 2, 225): each holds at least one extent per stream
//! served. An extent occupies buffer from the start of its read until it has
//! been played out; a read that finds no room waits, and may miss its
//! deadline.

use super::stream::ReadId;
use std::collections::VecDeque;

pub struct Buffer {
    /// [bytes]
    pub capacity: u64,
    /// [bytes]
    pub used: u64,
    /// Reads waiting for room, first come first served.
    pub waiting: VecDeque<ReadId>,
    /// Largest `used` seen since the last report [bytes].
    pub peak: u64,
    pub failed: bool,
}

impl Buffer {
    pub fn new(capacity: u64) -> Buffer {
        Buffer { capacity, used: 0, waiting: VecDeque::new(), peak: 0, failed: false }
    }

    /// Reserves `bytes` if they fit (and nobody is queued ahead).
    pub fn try_reserve(&mut self, bytes: u64) -> bool {
        if !self.waiting.is_empty() || self.used + bytes > self.capacity {
            return false;
        }
        self.used += bytes;
        self.peak = self.peak.max(self.used);
        true
    }

    /// Reserves for a waiting read at the head of the queue, if it fits now.
    pub fn reserve_waiting(&mut self, bytes: u64) -> bool {
        if self.used + bytes > self.capacity {
            return false;
        }
        self.used += bytes;
        self.peak = self.peak.max(self.used);
        true
    }

    pub fn release(&mut self, bytes: u64) {
        debug_assert!(self.used >= bytes, "buffer released more than it held");
        self.used -= bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_never_exceed_capacity() {
        let mut b = Buffer::new(2_000);
        assert!(b.try_reserve(937));
        assert!(b.try_reserve(937));
        assert!(!b.try_reserve(937), "a third extent does not fit");
        b.waiting.push_back(7);
        b.release(937);
        assert!(!b.try_reserve(10), "queued reads go first");
        assert!(b.reserve_waiting(937));
        assert!(b.used <= b.capacity && b.peak == 1_874);
    }
}
