//! Output rows and totals. CSVs are tidy (one observation per row, header,
//! `.` decimals, no index) so `pandas.read_csv(path)` needs no arguments;
//! floats are printed with fixed decimals so files compare byte for byte.

use super::csv_text::CsvText;
use serde::{Deserialize, Serialize};

/// One row of `modules.csv`: the module's state at `t_s`, and what
/// happened on it in the interval ending at `t_s` (after the previous row's
/// `t_s`; nothing before the warm-up counts).
#[derive(Clone, Debug)]
pub struct ModuleRow {
    /// End of the interval [ns], exactly.
    pub t: crate::engine::SimTime,
    pub t_s: f64,
    pub module: u32,
    pub streams: u32,
    /// Streams the session controller admits on the module at most
    /// (`Headend::module_limit`).
    pub admission_limit: u32,
    pub disk_util: f64,
    pub buffer_bytes: u64,
    pub buffer_peak_bytes: u64,
    pub buffer_util: f64,
    pub switch_bps: u64,
    pub failed: bool,
    pub degraded: bool,
    pub interval: IntervalCounts,
}

/// What happened on one module in one reporting interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IntervalCounts {
    pub glitches: u64,
    pub freezes: u64,
    pub lost_s: f64,
    pub duplicate_s: f64,
    pub migrations_in: u64,
    pub migrations_out: u64,
    pub sessions_started: u64,
    pub sessions_blocked: u64,
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
    /// Command overheads of the validated drive (0 for the formula disk).
    pub overhead_ms: f64,
    pub deadline_s: f64,
}

/// One row of `streams.csv`.
#[derive(Clone, Debug)]
pub struct StreamRow {
    pub stream_id: u32,
    pub user_id: u32,
    pub title: u32,
    pub module_start: u32,
    /// `None` once nobody feeds the stream (it ended).
    pub module_end: Option<u32>,
    pub start_s: f64,
    pub end_s: f64,
    pub periods: u32,
    pub delivered: u32,
    pub glitches: u32,
    pub freezes: u32,
    pub freeze_s: f64,
    /// Content never seen, the rest of a terminated session included.
    pub lost_s: f64,
    pub terminated_lost_s: f64,
    pub duplicate_s: f64,
    pub stall_s: f64,
    /// From admission to the first extent in the buffer; `None` for the
    /// initial population (already playing) and a session that never started.
    pub startup_s: Option<f64>,
    pub migrations: u32,
    pub terminated: bool,
    /// The stream's rate (its titles' bit-rate class) [bit/s].
    pub bitrate_bps: u64,
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
    /// `None`: no destination was found.
    pub destination: Option<u32>,
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
    /// What happened on the way, in order, separated by "; ".
    pub note: String,
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
    /// `sessions_blocked` by the resource that refused them.
    pub sessions_blocked_no_module: u64,
    pub sessions_blocked_buffer: u64,
    pub sessions_blocked_disk: u64,
    pub sessions_blocked_switch: u64,
    pub sessions_blocked_fatc: u64,
    pub streams_per_disk: f64,
    pub stream_periods: u64,
    pub extents_delivered: u64,
    pub glitches: u64,
    pub glitch_rate: f64,
    pub freezes: u64,
    pub freeze_s: f64,
    pub lost_s: f64,
    pub terminated_lost_s: f64,
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
    pub migrations_pending: u64,
    pub seamless_fraction: f64,
    pub smbus_messages: u64,
    pub smbus_lost: u64,
    pub streams_terminated: u64,
    /// Start-up latency of the sessions admitted after the start (from
    /// the warm-up on) [s]: mean and nearest-rank percentiles; 0 when no
    /// session started.
    pub startup_s_mean: f64,
    pub startup_s_p50: f64,
    pub startup_s_p95: f64,
    pub startup_s_p99: f64,
}

impl Summary {
    /// The totals a sweep aggregates, by name, in file order.
    pub fn totals(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("events", self.events as f64),
            ("streams", self.streams as f64),
            ("sessions_blocked", self.sessions_blocked as f64),
            ("sessions_blocked_no_module", self.sessions_blocked_no_module as f64),
            ("sessions_blocked_buffer", self.sessions_blocked_buffer as f64),
            ("sessions_blocked_disk", self.sessions_blocked_disk as f64),
            ("sessions_blocked_switch", self.sessions_blocked_switch as f64),
            ("sessions_blocked_fatc", self.sessions_blocked_fatc as f64),
            ("streams_per_disk", self.streams_per_disk),
            ("stream_periods", self.stream_periods as f64),
            ("extents_delivered", self.extents_delivered as f64),
            ("glitches", self.glitches as f64),
            ("glitch_rate", self.glitch_rate),
            ("freezes", self.freezes as f64),
            ("freeze_s", self.freeze_s),
            ("lost_s", self.lost_s),
            ("terminated_lost_s", self.terminated_lost_s),
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
            ("migrations_pending", self.migrations_pending as f64),
            ("seamless_fraction", self.seamless_fraction),
            ("smbus_messages", self.smbus_messages as f64),
            ("smbus_lost", self.smbus_lost as f64),
            ("streams_terminated", self.streams_terminated as f64),
            ("startup_s_mean", self.startup_s_mean),
            ("startup_s_p50", self.startup_s_p50),
            ("startup_s_p95", self.startup_s_p95),
            ("startup_s_p99", self.startup_s_p99),
        ]
    }
}

/// A CSV's text after `header` (comma separated), with room for `rows`
/// rows of about `row_bytes` each, so that it is not regrown and copied as
/// it fills.
fn csv_with_header(header: &str, rows: usize, row_bytes: usize) -> CsvText {
    CsvText::new(header.split(','), header.len() + 1 + rows * row_bytes)
}

pub fn modules_csv(rows: &[ModuleRow]) -> String {
    let header = "t_s,module,streams,admission_limit,disk_util,buffer_bytes,buffer_peak_bytes,buffer_util,switch_bps,failed,degraded,\
                  glitches,freezes,lost_s,duplicate_s,migrations_in,migrations_out,sessions_started,sessions_blocked";
    let mut out = csv_with_header(header, rows.len(), 110);
    for r in rows {
        out.row()
            .fx(r.t_s, 6)
            .int(r.module)
            .int(r.streams)
            .int(r.admission_limit)
            .fx(r.disk_util, 6)
            .int(r.buffer_bytes)
            .int(r.buffer_peak_bytes)
            .fx(r.buffer_util, 6)
            .int(r.switch_bps)
            .flag(r.failed)
            .flag(r.degraded)
            .int(r.interval.glitches)
            .int(r.interval.freezes)
            .fx(r.interval.lost_s, 6)
            .fx(r.interval.duplicate_s, 6)
            .int(r.interval.migrations_in)
            .int(r.interval.migrations_out)
            .int(r.interval.sessions_started)
            .int(r.interval.sessions_blocked)
            .end();
    }
    out.into_string()
}

pub fn streams_csv(rows: &[StreamRow]) -> String {
    let header = "stream_id,user_id,title,module_start,module_end,start_s,end_s,periods,delivered,glitches,freezes,freeze_s,lost_s,\
                  terminated_lost_s,duplicate_s,stall_s,startup_s,migrations,terminated,bitrate_bps";
    let mut out = csv_with_header(header, rows.len(), 90);
    for r in rows {
        out.row()
            .int(r.stream_id)
            .int(r.user_id)
            .int(r.title)
            .int(r.module_start)
            .opt_int(r.module_end)
            .fx(r.start_s, 6)
            .fx(r.end_s, 6)
            .int(r.periods)
            .int(r.delivered)
            .int(r.glitches)
            .int(r.freezes)
            .fx(r.freeze_s, 6)
            .fx(r.lost_s, 6)
            .fx(r.terminated_lost_s, 6)
            .fx(r.duplicate_s, 6)
            .fx(r.stall_s, 6)
            .opt_fx(r.startup_s, 6)
            .int(r.migrations)
            .flag(r.terminated)
            .int(r.bitrate_bps)
            .end();
    }
    out.into_string()
}

pub fn migrations_csv(rows: &[MigrationRow]) -> String {
    let header = "t_s,cause,policy,user_id,stream_id,source,destination,transitional_extent,packet_offset,discontinuity,direct,modified,outcome,lost_s,duplicate_s,stall_s,lost_packets,duplicate_packets,smbus_messages,alternates,recomputes,carousel_tries,handoff_s,note";
    let mut out = csv_with_header(header, rows.len(), 140);
    for r in rows {
        out.row()
            .fx(r.t_s, 6)
            .text(r.cause)
            .text(r.policy)
            .int(r.user_id)
            .int(r.stream_id)
            .int(r.source)
            .opt_int(r.destination)
            .int(r.transitional_extent)
            .int(r.packet_offset)
            .flag(r.discontinuity)
            .flag(r.direct)
            .flag(r.modified)
            .text(r.outcome)
            .fx(r.lost_s, 6)
            .fx(r.duplicate_s, 6)
            .fx(r.stall_s, 6)
            .int(r.lost_packets)
            .int(r.duplicate_packets)
            .int(r.smbus_messages)
            .int(r.alternates)
            .int(r.recomputes)
            .int(r.carousel_tries)
            .fx(r.handoff_s, 6)
            .text(&r.note)
            .end();
    }
    out.into_string()
}

pub fn reads_csv(rows: &[ReadRow]) -> String {
    let header =
        "t_issue_s,t_start_s,t_done_s,module,disk,stream_id,title,extent,cylinder,seek_ms,rotation_ms,transfer_ms,deadline_s,overhead_ms";
    let mut out = csv_with_header(header, rows.len(), 110);
    for r in rows {
        out.row()
            .fx(r.t_issue_s, 9)
            .fx(r.t_start_s, 9)
            .fx(r.t_done_s, 9)
            .int(r.module)
            .int(r.disk)
            .int(r.stream_id)
            .int(r.title)
            .int(r.extent)
            .int(r.cylinder)
            .fx(r.seek_ms, 6)
            .fx(r.rotation_ms, 6)
            .fx(r.transfer_ms, 6)
            .fx(r.deadline_s, 9)
            .fx(r.overhead_ms, 6)
            .end();
    }
    out.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_row_has_fixed_decimals_and_no_negative_zero() {
        let stream = StreamRow {
            stream_id: 7,
            user_id: 3,
            title: 499,
            module_start: 0,
            module_end: None,
            start_s: 0.25,
            end_s: -0.0,
            periods: 300,
            delivered: 299,
            glitches: 1,
            freezes: 1,
            freeze_s: 0.5,
            lost_s: 2.5,
            terminated_lost_s: 2.0,
            duplicate_s: 0.0,
            stall_s: 1e-7,
            startup_s: None,
            migrations: 2,
            terminated: true,
            bitrate_bps: 15_000_896,
        };
        assert_eq!(
            streams_csv(&[stream]).lines().nth(1),
            Some("7,3,499,0,,0.250000,0.000000,300,299,1,1,0.500000,2.500000,2.000000,0.000000,0.000000,,2,1,15000896")
        );
    }
}
