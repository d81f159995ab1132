//! vodsim: a deterministic discrete-event simulator of a video-on-demand
//! head-end and of the user-migration protocol between its server modules
//! (the patent in `shared/spec/patent-user-migration.txt`).
//!
//! `engine` knows nothing of video; `headend` models FIG. 1–3; `migration`
//! models FIG. 4–6; `faults` injects what makes migration necessary;
//! `scenario` reads and checks inputs; `report` writes results; `sim` runs
//! one scenario; `run` ties a scenario file to an output directory;
//! `sweep` runs a scenario over parameter values and seeds, and merges shards;
//! `provenance` says which source and compiler built the binary;
//! `interrupt` turns Ctrl-C and SIGTERM into a clean stop; `tswindow` tells
//! which packets a viewer received around a hand-off.

pub mod balance;
pub mod cli;
pub mod drive;
pub mod engine;
pub mod faults;
pub mod headend;
pub mod interrupt;
pub mod migration;
pub mod provenance;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod tswindow;
