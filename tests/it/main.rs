//! One integration test binary, a module per area.

mod admission;
mod bad_input;
mod balance;
mod closed_output;
mod common;
mod crash;
mod determinism;
mod drive;
mod golden;
mod interrupt;
mod limits;
mod metrics;
mod migration;
mod outputs;
mod peer;
mod properties;
mod provenance;
mod rerun;
mod scenarios_load;
mod steady_state;
mod sweep;
mod ts;
