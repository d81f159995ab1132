//! The head-end of FIG. 1–2: server modules with disk arrays and buffers,
//! the switch, the transport processors and the session controller, driven
//! by the engine's event queue.
//!
//! Steady state costs about two events per stream-period: a `Boundary` at
//! each extent deadline (resolve the period, release the extent that finished
//! playing, issue the next read) and a disk completion per read, most of
//! them resolved without a queue round-trip (`array`). Packets, switch
//! multiplexing and FATC channels are computed, not simulated.

pub mod array;
pub mod buffer;
pub mod disk;
pub mod layout;
pub mod session;
pub mod smbus;
pub mod stream;
pub mod switch;
pub mod transport;

mod core;
mod observe;

pub use self::array::DiskState;
pub use self::core::{Ev, Headend, Module};
