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
}

/// Scheduling of a component's own events of type `E`.
pub trait Schedule<E>: Clock {
    /// Schedules `event` at `at` (see `EventQueue::schedule`).
    fn schedule(&mut self, at: SimTime, event: E);
    /// Schedules `event`, due after every other event scheduled this way
    /// (see `EventQueue::schedule_in_order`).
    fn schedule_in_order(&mut self, at: SimTime, event: E);
}

impl<F: Copy> Clock for EventQueue<F> {
    fn now(&self) -> SimTime {
        EventQueue::now(self)
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
}
