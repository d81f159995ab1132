//! Results: the rows and totals of CONTRACT.md, and writing them so that a
//! reader never sees a half-written file under its final name.

mod atomic;
mod csv_text;
mod decimal;
mod rows;

pub use atomic::{DirLock, StagedDir, lock_parent, remove_replaced, write_atomic};
pub(crate) use csv_text::CsvText;
pub use decimal::{Fx, fx};
pub use rows::*;
