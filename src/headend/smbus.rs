//! The server-module bus (SMBUS) carrying the migration protocol.
//!
//! One shared bus: a message occupies it for a fixed per-byte time, so a
//! mass migration after a module failure queues messages behind each other.
//! After serialisation a message takes the fixed latency plus jitter; it may
//! be lost. The trigger message is high priority: it bypasses the queue.
//! Delay and loss bursts add to all of this while they last.

use crate::engine::{RngStream, SimDuration, SimTime};

pub struct Smbus {
    pub latency: SimDuration,
    pub per_byte_ns: f64,
    pub jitter: SimDuration,
    pub loss: f64,
    pub trigger_latency: SimDuration,
    /// Added latency and loss of the burst in force, if any.
    pub burst_extra: SimDuration,
    pub burst_loss: f64,
    free_at: SimTime,
    rng: RngStream,
    pub sent: u64,
    pub lost: u64,
}

impl Smbus {
    pub fn new(
        latency: SimDuration,
        per_byte_ns: f64,
        jitter: SimDuration,
        loss: f64,
        trigger_latency: SimDuration,
        rng: RngStream,
    ) -> Smbus {
        Smbus {
            latency,
            per_byte_ns,
            jitter,
            loss,
            trigger_latency,
            burst_extra: SimDuration::ZERO,
            burst_loss: 0.0,
            free_at: SimTime::ZERO,
            rng,
            sent: 0,
            lost: 0,
        }
    }

    /// Sends a `bytes`-long message at `now`; returns its arrival time, or
    /// `None` if it is lost. `urgent` messages (the trigger) skip the queue.
    pub fn send(&mut self, now: SimTime, bytes: u64, urgent: bool) -> Option<SimTime> {
        self.sent += 1;
        let jitter = if self.jitter.0 > 0 { SimDuration(self.rng.below(self.jitter.0 + 1)) } else { SimDuration::ZERO };
        let arrival = if urgent {
            now + self.trigger_latency + self.burst_extra + jitter
        } else {
            let start = now.max(self.free_at);
            self.free_at = start + SimDuration((bytes as f64 * self.per_byte_ns).round() as u64);
            self.free_at + self.latency + self.burst_extra + jitter
        };
        let p = 1.0 - (1.0 - self.loss) * (1.0 - self.burst_loss);
        if self.rng.chance(p) {
            self.lost += 1;
            return None;
        }
        Some(arrival)
    }

    /// A conservative guess of a request/response round trip, used by a
    /// source to choose how far ahead a transitional extent must be.
    pub fn round_trip_estimate(&self, now: SimTime) -> SimDuration {
        let queue = self.free_at.saturating_since(now);
        let one = self.latency + self.burst_extra + self.jitter + SimDuration((64.0 * self.per_byte_ns) as u64);
        queue + one + one
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn messages_queue_on_the_bus_but_triggers_do_not() {
        let rng = RngStreams::new(1).stream("smbus");
        let mut bus = Smbus::new(SimDuration(100_000), 80.0, SimDuration::ZERO, 0.0, SimDuration(50_000), rng);
        // 64 bytes × 80 ns = 5.12 µs on the bus, then 100 µs latency.
        assert_eq!(bus.send(SimTime(0), 64, false), Some(SimTime(105_120)));
        assert_eq!(bus.send(SimTime(0), 64, false), Some(SimTime(110_240)), "second message waits for the first");
        assert_eq!(bus.send(SimTime(0), 16, true), Some(SimTime(50_000)), "trigger bypasses the queue");
    }

    #[test]
    fn loss_one_loses_everything() {
        let rng = RngStreams::new(1).stream("smbus");
        let mut bus = Smbus::new(SimDuration(1), 0.0, SimDuration::ZERO, 1.0, SimDuration(1), rng);
        assert!((0..10).all(|_| bus.send(SimTime(0), 10, false).is_none()));
        assert_eq!(bus.lost, 10);
    }
}
