//! The discrete-event engine: simulated time, the pending-event queue and
//! seeded random streams.
//!
//! It knows nothing of video, disks or server modules: a model supplies its
//! own event type and decides what each event means. Keeping the two apart
//! lets the engine be tested (and benchmarked against a bare heap) alone.

mod hugepages;
mod prefetch;
mod queue;
mod rng;
mod schedule;
mod time;

pub use hugepages::HugePageAlloc;
pub use prefetch::prefetch;
pub use queue::EventQueue;
pub use rng::{RngStream, RngStreams};
pub use schedule::{Clock, Schedule};
pub use time::{SimDuration, SimTime};
