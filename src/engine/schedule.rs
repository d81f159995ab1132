//! The door between a model component and the one event queue they share.
//!
//! Every component has its own event type and schedules only that; the
//! simulation's event type wraps them all and routes each popped event to
//! its owner. Sharing one queue keeps one global (time, seq) order across
//! components, which byte-identical results depend on.

use super::{EventQueue, SimTime};

/// The simulation clock.
pub trait Clock {
    /// The time of the event being handled.
    fn now(&self) -> SimTime;
    /// The sequence number of the event being handled (`EventQueue::now_seq`).
    fn now_seq(&self) -> u64;
}

/// Scheduling of a component's own events of type `E`.
pub trait Schedule<E>: Clock {
    /// Schedules `event` at `at` (see `EventQueue::schedule`).
    fn schedule(&mut self, at: SimTime, event: E);
    /// Schedules `event`, due after every other event scheduled this way
    /// (see `EventQueue::schedule_in_order`).
    fn schedule_in_order(&mut self, at: SimTime, event: E);
    /// Takes a sequence number for an event scheduled later, or never
    /// (see `EventQueue::reserve_seq`).
    fn reserve_seq(&mut self) -> u64;
    /// Schedules `event` at `at` with a reserved sequence number (see
    /// `EventQueue::schedule_seq`).
    fn schedule_seq(&mut self, at: SimTime, seq: u64, event: E);
}

impl<F: Copy> Clock for EventQueue<F> {
    fn now(&self) -> SimTime {
        EventQueue::now(self)
    }

    fn now_seq(&self) -> u64 {
        EventQueue::now_seq(self)
    }
}

impl<E, F: Copy + From<E>> Schedule<E> for EventQueue<F> {
    #[inline]
    fn schedule(&mut self, at: SimTime, event: E) {
        EventQueue::schedule(self, at, F::from(event));
    }

    #[inline]
    fn schedule_in_order(&mut self, at: SimTime, event: E) {
        EventQueue::schedule_in_order(self, at, F::from(event));
    }

    #[inline]
    fn reserve_seq(&mut self) -> u64 {
        EventQueue::reserve_seq(self)
    }

    #[inline]
    fn schedule_seq(&mut self, at: SimTime, seq: u64, event: E) {
        EventQueue::schedule_seq(self, at, seq, F::from(event));
    }
}
