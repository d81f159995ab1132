//! vodsim: a deterministic discrete-event simulator of a video-on-demand
//! head-end and of the user-migration protocol between its server modules.

pub mod engine;
