//! Results: the rows and totals of CONTRACT.md, and writing them so that a
//! reader never sees a half-written file under its final name.

mod atomic;
mod rows;

pub use atomic::{AtomicDir, write_atomic};
pub use rows::*;
