//! Closed-loop replay of a DiskSim ASCII trace through one drive, as
//! `src/closedloop.c` beside DiskSim does: request i+1 is issued when
//! request i has completed and the drive has gone idle (read-ahead done),
//! the head on cylinder 0 and the platter at angle 0 at time 0; arrival
//! times in the trace are ignored.

use super::error::DriveError;
use super::service::{Drive, Op, Service};
use crate::engine::SimTime;
use std::path::Path;

/// One trace line: `arrival_ms devno blkno sectors flags`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceRequest {
    pub lbn: u64,
    pub sectors: u32,
    /// Flags bit 0 set: a read.
    pub read: bool,
}

/// Parses a DiskSim ASCII trace; `path` only names it in errors.
pub fn parse_trace(path: &Path, text: &str) -> Result<Vec<TraceRequest>, DriveError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        let bad = |reason: String| DriveError::Trace { path: path.to_path_buf(), line: i + 1, reason };
        if f.len() != 5 {
            return Err(bad(format!("expected 5 fields `arrival_ms devno blkno sectors flags`, got {}", f.len())));
        }
        if !f[0].parse::<f64>().is_ok_and(f64::is_finite) {
            return Err(bad(format!("arrival_ms: expected a number, got `{}`", f[0])));
        }
        if f[1].parse::<u32>().is_err() {
            return Err(bad(format!("devno: expected a whole number, got `{}`", f[1])));
        }
        let lbn = f[2].parse::<u64>().map_err(|_| bad(format!("blkno: expected a whole number >= 0, got `{}`", f[2])))?;
        let sectors = match f[3].parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(bad(format!("sectors: expected a whole number >= 1, got `{}`", f[3]))),
        };
        let flags = f[4].parse::<u32>().map_err(|_| bad(format!("flags: expected a whole number, got `{}`", f[4])))?;
        out.push(TraceRequest { lbn, sectors, read: flags & 1 == 1 });
    }
    Ok(out)
}

/// Reads and parses a trace file.
pub fn load_trace(path: &Path) -> Result<Vec<TraceRequest>, DriveError> {
    let text = std::fs::read_to_string(path).map_err(|source| DriveError::Io { path: path.to_path_buf(), source })?;
    parse_trace(path, &text)
}

/// Replays `trace` through `drive`, closed loop. A request outside the
/// drive is an error naming its line (1-based among the requests).
pub fn replay(drive: &mut Drive, trace: &[TraceRequest], path: &Path) -> Result<Vec<Service>, DriveError> {
    let mut now = SimTime::ZERO;
    let mut out = Vec::with_capacity(trace.len());
    for (i, r) in trace.iter().enumerate() {
        let op = if r.read { Op::Read } else { Op::Write };
        let s = drive.service_op(now, op, r.lbn, r.sectors).map_err(|e| DriveError::Trace {
            path: path.to_path_buf(),
            line: i + 1,
            reason: e.to_string(),
        })?;
        now = s.end.max(s.idle_at);
        out.push(s);
    }
    Ok(out)
}

/// The CSV header of `vodsim disk-replay`.
pub const CSV_HEADER: [&str; 10] =
    ["idx", "lbn", "sectors", "start_ms", "end_ms", "response_ms", "seek_ms", "rotation_ms", "transfer_ms", "overhead_ms"];

/// One CSV row for request `idx`.
pub fn csv_row(idx: usize, r: &TraceRequest, s: &Service) -> [String; 10] {
    let ms = |ns: u64| format!("{:.6}", ns as f64 / 1e6);
    [
        idx.to_string(),
        r.lbn.to_string(),
        r.sectors.to_string(),
        ms(s.start.as_nanos()),
        ms(s.end.as_nanos()),
        ms(s.end.as_nanos() - s.start.as_nanos()),
        ms(s.seek.as_nanos()),
        ms(s.rotation.as_nanos()),
        ms(s.transfer.as_nanos()),
        ms(s.overhead.as_nanos()),
    ]
}

/// Mean and nearest-rank percentiles of response times [ms].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// `Stats` of `xs` (not empty).
pub fn stats(xs: &[f64]) -> Stats {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = |p: f64| v[((p / 100.0 * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    Stats { mean: v.iter().sum::<f64>() / v.len() as f64, p5: rank(5.0), p50: rank(50.0), p95: rank(95.0) }
}
