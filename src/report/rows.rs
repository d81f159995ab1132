//! Output rows and totals. CSVs are tidy (one observation per row, header,
//! `.` decimals, no index) so `pandas.read_csv(path)` needs no arguments;
//! floats are printed with fixed decimals so files compare byte for byte.

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One row of `modules.csv`.
#[derive(Clone, Debug)]
pub struct ModuleRow {
    pub t_s: f64,
    pub module: u32,
    pub streams: u32,
    pub disk_util: f64,
    pub buffer_bytes: u64,
    pub buffer_peak_bytes: u64,
    pub buffer_util: f64,
    pub switch_bps: u64,
    pub failed: bool,
    pub degraded: bool,
}

/// One row of `reads.csv` (with `--trace`).
#[derive(Clone, Debug)]
pub struct ReadRow {
    pub t_issue_s: f64,
    pub t_start_s: f64,
    pub t_done_s: f64,
    pub module: u32,
    pub disk: u32,
    pub stream_id: i64,
    pub title: u32,
    pub extent: u32,
    pub cylinder: u32,
    pub seek_ms: f64,
    pub rotation_ms: f64,
    pub transfer_ms: f64,
    pub deadline_s: f64,
}

/// One row of `streams.csv`.
#[derive(Clone, Debug)]
pub struct StreamRow {
    pub stream_id: u32,
    pub user_id: u32,
    pub title: u32,
    pub module_start: i64,
    pub module_end: i64,
    pub start_s: f64,
    pub end_s: f64,
    pub periods: u32,
    pub delivered: u32,
    pub glitches: u32,
    pub lost_s: f64,
    pub duplicate_s: f64,
    pub stall_s: f64,
    pub migrations: u32,
    pub terminated: bool,
}

/// One row of `migrations.csv`.
#[derive(Clone, Debug)]
pub struct MigrationRow {
    pub t_s: f64,
    pub cause: &'static str,
    pub policy: &'static str,
    pub user_id: u32,
    pub stream_id: u32,
    pub source: u32,
    pub destination: i64,
    pub transitional_extent: u32,
    pub packet_offset: u64,
    /// The transition is inside a destination extent: the destination set
    /// the discontinuity indicator on its first packet.
    pub discontinuity: bool,
    pub direct: bool,
    pub modified: bool,
    pub outcome: &'static str,
    pub lost_s: f64,
    pub duplicate_s: f64,
    pub stall_s: f64,
    pub lost_packets: u64,
    pub duplicate_packets: u64,
    pub smbus_messages: u32,
    pub alternates: u32,
    pub recomputes: u32,
    pub carousel_tries: u32,
    pub handoff_s: f64,
    pub note: &'static str,
}

/// `summary.json`: one object, keys in this order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub policy: String,
    pub vodsim_version: String,
    pub scenario_sha256: String,
    pub duration_s: f64,
    pub wall_s: f64,
    pub events: u64,
    pub streams: u64,
    pub sessions_blocked: u64,
    pub streams_per_disk: f64,
    pub stream_periods: u64,
    pub extents_delivered: u64,
    pub glitches: u64,
    pub glitch_rate: f64,
    pub lost_s: f64,
    pub duplicate_s: f64,
    pub stall_s: f64,
    pub lost_packets: u64,
    pub duplicate_packets: u64,
    pub reads_completed: u64,
    pub reads_failed: u64,
    pub migrations: u64,
    pub migrations_seamless: u64,
    pub migrations_duplicate: u64,
    pub migrations_lost: u64,
    pub migrations_failed: u64,
    pub seamless_fraction: f64,
    pub smbus_messages: u64,
    pub smbus_lost: u64,
    pub streams_terminated: u64,
}

impl Summary {
    /// The totals a sweep aggregates, by name, in file order.
    pub fn totals(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("events", self.events as f64),
            ("streams", self.streams as f64),
            ("sessions_blocked", self.sessions_blocked as f64),
            ("streams_per_disk", self.streams_per_disk),
            ("stream_periods", self.stream_periods as f64),
            ("extents_delivered", self.extents_delivered as f64),
            ("glitches", self.glitches as f64),
            ("glitch_rate", self.glitch_rate),
            ("lost_s", self.lost_s),
            ("duplicate_s", self.duplicate_s),
            ("stall_s", self.stall_s),
            ("lost_packets", self.lost_packets as f64),
            ("duplicate_packets", self.duplicate_packets as f64),
            ("reads_completed", self.reads_completed as f64),
            ("reads_failed", self.reads_failed as f64),
            ("migrations", self.migrations as f64),
            ("migrations_seamless", self.migrations_seamless as f64),
            ("migrations_duplicate", self.migrations_duplicate as f64),
            ("migrations_lost", self.migrations_lost as f64),
            ("migrations_failed", self.migrations_failed as f64),
            ("seamless_fraction", self.seamless_fraction),
            ("smbus_messages", self.smbus_messages as f64),
            ("smbus_lost", self.smbus_lost as f64),
            ("streams_terminated", self.streams_terminated as f64),
        ]
    }
}

/// Formats a float with `d` decimals, without a negative zero.
pub fn fx(v: f64, d: usize) -> String {
    let s = format!("{v:.d$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
}

pub fn modules_csv(rows: &[ModuleRow]) -> String {
    let mut out = String::from("t_s,module,streams,disk_util,buffer_bytes,buffer_peak_bytes,buffer_util,switch_bps,failed,degraded\n");
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{}",
            fx(r.t_s, 6),
            r.module,
            r.streams,
            fx(r.disk_util, 6),
            r.buffer_bytes,
            r.buffer_peak_bytes,
            fx(r.buffer_util, 6),
            r.switch_bps,
            r.failed as u8,
            r.degraded as u8
        );
    }
    out
}

pub fn streams_csv(rows: &[StreamRow]) -> String {
    let mut out = String::from(
        "stream_id,user_id,title,module_start,module_end,start_s,end_s,periods,delivered,glitches,lost_s,duplicate_s,stall_s,migrations,terminated\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.stream_id,
            r.user_id,
            r.title,
            r.module_start,
            r.module_end,
            fx(r.start_s, 6),
            fx(r.end_s, 6),
            r.periods,
            r.delivered,
            r.glitches,
            fx(r.lost_s, 6),
            fx(r.duplicate_s, 6),
            fx(r.stall_s, 6),
            r.migrations,
            r.terminated as u8
        );
    }
    out
}

pub fn migrations_csv(rows: &[MigrationRow]) -> String {
    let mut out = String::from(
        "t_s,cause,policy,user_id,stream_id,source,destination,transitional_extent,packet_offset,discontinuity,direct,modified,outcome,lost_s,duplicate_s,stall_s,lost_packets,duplicate_packets,smbus_messages,alternates,recomputes,carousel_tries,handoff_s,note\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            fx(r.t_s, 6),
            r.cause,
            r.policy,
            r.user_id,
            r.stream_id,
            r.source,
            r.destination,
            r.transitional_extent,
            r.packet_offset,
            r.discontinuity as u8,
            r.direct as u8,
            r.modified as u8,
            r.outcome,
            fx(r.lost_s, 6),
            fx(r.duplicate_s, 6),
            fx(r.stall_s, 6),
            r.lost_packets,
            r.duplicate_packets,
            r.smbus_messages,
            r.alternates,
            r.recomputes,
            r.carousel_tries,
            fx(r.handoff_s, 6),
            r.note
        );
    }
    out
}

pub fn reads_csv(rows: &[ReadRow]) -> String {
    let mut out = String::from(
        "t_issue_s,t_start_s,t_done_s,module,disk,stream_id,title,extent,cylinder,seek_ms,rotation_ms,transfer_ms,deadline_s\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            fx(r.t_issue_s, 9),
            fx(r.t_start_s, 9),
            fx(r.t_done_s, 9),
            r.module,
            r.disk,
            r.stream_id,
            r.title,
            r.extent,
            r.cylinder,
            fx(r.seek_ms, 6),
            fx(r.rotation_ms, 6),
            fx(r.transfer_ms, 6),
            fx(r.deadline_s, 9)
        );
    }
    out
}
