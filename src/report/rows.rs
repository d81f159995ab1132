//! Output rows and totals. CSVs are tidy (one observation per row, header,
//! `.` decimals, no index) so `pandas.read_csv(path)` needs no arguments;
//! floats are printed with fixed decimals so files compare byte for byte.

use serde::{Deserialize, Serialize};
use std::fmt::{self, Write};

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
    format!("{:.d$}", Fx(v))
}

/// A float as `{:.N}` prints an `f64` — the precision comes from the format
/// spec, `write!(out, "{:.6}", Fx(v))` — except that a value printing as a
/// negative zero (`-0.000`) loses its sign: the text of [`fx`], and of every
/// float in the CSVs (`CsvRow::fx` writes it through `FixedPoint` directly
/// and through `Fx` only for values beyond it). It writes into the
/// formatter, so a float neither allocates a `String` nor nests a second
/// `fmt::write`. Only the precision of the spec is meant to be used.
#[derive(Clone, Copy, Debug)]
pub struct Fx(pub f64);

// A `String` per float (the old `fx` in every row) made allocation and a
// nested `fmt::write` cost as much as the digits themselves. Writing through
// `Fx` took `write_outputs` from 3.89 M to 3.00 M instructions on
// peer-simpy.json and from 770 M to 509 M on default.json with `--trace`
// (callgrind). What was left was mostly std's float-to-decimal, ~750
// instructions a float; `FixedPoint` now writes the same text for the values
// outputs hold, and std only the rest. The CSV rows have since left
// `writeln!` altogether (`CsvRow`).
impl fmt::Display for Fx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fx(v) = *self;
        // Without a precision the text would silently be the shortest
        // round-trip form, which no output uses.
        let d = f.precision().expect("Fx is written with a precision, as in {:.6}");
        if f.width().is_none()
            && !f.sign_plus()
            && let Some(text) = FixedPoint::of(v, d)
        {
            return f.write_str(text.as_str());
        }
        // std writes a '-' only for a sign-negative value, so any other
        // (NaN included) cannot print as a negative zero.
        if v.is_sign_positive() {
            return fmt::Display::fmt(&v, f);
        }
        // Negative values are rare in the outputs: the text is formatted
        // once to see whether it is a negative zero, and again to write it,
        // which needs no buffer however long the text is.
        let mut probe = NegativeZeroProbe::default();
        let _ = write!(probe, "{v:.d$}");
        if probe.is_negative_zero() { write!(SkipFirst { out: f, skipped: false }, "{v:.d$}") } else { fmt::Display::fmt(&v, f) }
    }
}

/// The text of `{:.d$}` for the values outputs hold (finite, below 2^53 in
/// magnitude, at most 9 decimals), computed exactly in integers, with the
/// sign dropped from a negative zero as `Fx` does. std's float-to-decimal
/// took ~750 instructions a float, most of `write_outputs` on peer-simpy;
/// this takes a few dozen. `Fx`'s tests compare both over every kind of value.
struct FixedPoint {
    buf: [u8; 32],
    start: usize,
}

impl FixedPoint {
    fn of(v: f64, d: usize) -> Option<FixedPoint> {
        const POW10: [u64; 10] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
        let scale = *POW10.get(d)?;
        if !v.is_finite() || v.abs() >= 9_007_199_254_740_992.0 {
            return None;
        }
        // v = ±m · 2^e exactly, m < 2^53.
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (m, e) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
        // |v| · 10^d (< 2^53 · 2^30), rounded to the nearest whole number,
        // ties to even: the decimal std prints, in units of the last decimal.
        let scaled = u128::from(m) * u128::from(scale);
        let units: u128 = if e >= 0 {
            scaled << e
        } else if e <= -128 {
            // Below 2^83 · 2^-128: far under half a unit.
            0
        } else {
            let shift = (-e) as u32;
            let (q, r) = (scaled >> shift, scaled & ((1u128 << shift) - 1));
            let half = 1u128 << (shift - 1);
            q + u128::from(r > half || (r == half && q & 1 == 1))
        };
        // Digits in u64 arithmetic (a u128 division is a library call).
        let units = u64::try_from(units).ok()?;
        let mut out = FixedPoint { buf: [0; 32], start: 32 };
        let (mut whole, mut frac) = (units / scale, units % scale);
        for _ in 0..d {
            out.push(b'0' + (frac % 10) as u8);
            frac /= 10;
        }
        if d > 0 {
            out.push(b'.');
        }
        loop {
            out.push(b'0' + (whole % 10) as u8);
            whole /= 10;
            if whole == 0 {
                break;
            }
        }
        if v.is_sign_negative() && units != 0 {
            out.push(b'-');
        }
        Some(out)
    }

    fn push(&mut self, byte: u8) {
        self.start -= 1;
        self.buf[self.start] = byte;
    }

    fn as_str(&self) -> &str {
        // Only ASCII digits, '.' and '-' were pushed.
        std::str::from_utf8(&self.buf[self.start..]).unwrap_or_default()
    }
}

/// Sees text go by and tells whether it was `-` then only `0` and `.`.
#[derive(Default)]
struct NegativeZeroProbe {
    seen: usize,
    negative_zero: bool,
}

impl NegativeZeroProbe {
    fn is_negative_zero(&self) -> bool {
        self.seen > 1 && self.negative_zero
    }
}

impl fmt::Write for NegativeZeroProbe {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            self.negative_zero = if self.seen == 0 { b == b'-' } else { self.negative_zero && (b == b'0' || b == b'.') };
            self.seen += 1;
        }
        Ok(())
    }
}

/// Passes text on without its first byte (the sign of a negative zero).
struct SkipFirst<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    skipped: bool,
}

impl fmt::Write for SkipFirst<'_, '_> {
    fn write_str(&mut self, mut s: &str) -> fmt::Result {
        if !self.skipped && !s.is_empty() {
            s = &s[1..];
            self.skipped = true;
        }
        self.out.write_str(s)
    }
}

/// Appends one CSV row to a `String`, field by field: integers through
/// `itoa` and floats through `FixedPoint`, the text `Display` and [`Fx`]
/// give, without `core::fmt`'s dispatch per argument. `writeln!` with a
/// format string spent ~830 ns a row of peer-simpy's output (350 µs of a
/// 13 ms run writing 420 rows), and `--trace` writes a row per disk read.
struct CsvRow<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> CsvRow<'a> {
    fn new(out: &'a mut String) -> Self {
        CsvRow { out, first: true }
    }

    fn sep(&mut self) -> &mut String {
        if !std::mem::replace(&mut self.first, false) {
            self.out.push(',');
        }
        self.out
    }

    fn int(&mut self, v: impl itoa::Integer) -> &mut Self {
        let mut buf = itoa::Buffer::new();
        let text = buf.format(v);
        self.sep().push_str(text);
        self
    }

    fn flag(&mut self, v: bool) -> &mut Self {
        self.int(u8::from(v))
    }

    /// `v` with `d` decimals, as `{:.d$}` of [`Fx`] writes it.
    fn fx(&mut self, v: f64, d: usize) -> &mut Self {
        let out = self.sep();
        match FixedPoint::of(v, d) {
            Some(text) => out.push_str(text.as_str()),
            None => {
                let _ = write!(out, "{:.d$}", Fx(v));
            }
        }
        self
    }

    fn text(&mut self, v: &str) -> &mut Self {
        self.sep().push_str(v);
        self
    }

    fn end(&mut self) {
        self.out.push('\n');
    }
}

/// A CSV's text with room for `rows` rows of about `row_bytes` each after
/// `header`, so that it is not regrown and copied as it fills.
fn csv_with_header(header: &str, rows: usize, row_bytes: usize) -> String {
    let mut out = String::with_capacity(header.len() + rows * row_bytes);
    out.push_str(header);
    out
}

pub fn modules_csv(rows: &[ModuleRow]) -> String {
    let header = "t_s,module,streams,disk_util,buffer_bytes,buffer_peak_bytes,buffer_util,switch_bps,failed,degraded\n";
    let mut out = csv_with_header(header, rows.len(), 80);
    for r in rows {
        CsvRow::new(&mut out)
            .fx(r.t_s, 6)
            .int(r.module)
            .int(r.streams)
            .fx(r.disk_util, 6)
            .int(r.buffer_bytes)
            .int(r.buffer_peak_bytes)
            .fx(r.buffer_util, 6)
            .int(r.switch_bps)
            .flag(r.failed)
            .flag(r.degraded)
            .end();
    }
    out
}

pub fn streams_csv(rows: &[StreamRow]) -> String {
    let header = "stream_id,user_id,title,module_start,module_end,start_s,end_s,periods,delivered,glitches,lost_s,duplicate_s,stall_s,migrations,terminated\n";
    let mut out = csv_with_header(header, rows.len(), 90);
    for r in rows {
        CsvRow::new(&mut out)
            .int(r.stream_id)
            .int(r.user_id)
            .int(r.title)
            .int(r.module_start)
            .int(r.module_end)
            .fx(r.start_s, 6)
            .fx(r.end_s, 6)
            .int(r.periods)
            .int(r.delivered)
            .int(r.glitches)
            .fx(r.lost_s, 6)
            .fx(r.duplicate_s, 6)
            .fx(r.stall_s, 6)
            .int(r.migrations)
            .flag(r.terminated)
            .end();
    }
    out
}

pub fn migrations_csv(rows: &[MigrationRow]) -> String {
    let header = "t_s,cause,policy,user_id,stream_id,source,destination,transitional_extent,packet_offset,discontinuity,direct,modified,outcome,lost_s,duplicate_s,stall_s,lost_packets,duplicate_packets,smbus_messages,alternates,recomputes,carousel_tries,handoff_s,note\n";
    let mut out = csv_with_header(header, rows.len(), 140);
    for r in rows {
        CsvRow::new(&mut out)
            .fx(r.t_s, 6)
            .text(r.cause)
            .text(r.policy)
            .int(r.user_id)
            .int(r.stream_id)
            .int(r.source)
            .int(r.destination)
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
    out
}

pub fn reads_csv(rows: &[ReadRow]) -> String {
    let header = "t_issue_s,t_start_s,t_done_s,module,disk,stream_id,title,extent,cylinder,seek_ms,rotation_ms,transfer_ms,deadline_s\n";
    let mut out = csv_with_header(header, rows.len(), 110);
    for r in rows {
        CsvRow::new(&mut out)
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
            .end();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The allocating formatter `Fx` replaced; its text is the contract.
    fn fx_reference(v: f64, d: usize) -> String {
        let s = format!("{v:.d$}");
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
    }

    fn check(v: f64, d: usize) {
        let want = fx_reference(v, d);
        assert_eq!(format!("{:.d$}", Fx(v)), want, "v = {v:e} ({:#018x}), d = {d}", v.to_bits());
        let mut row = String::from("x");
        let _ = write!(row, "{:.d$},{:.*}|", Fx(v), d, Fx(v));
        assert_eq!(row, format!("x{want},{want}|"));
        assert_eq!(fx(v, d), want);
    }

    fn values() -> Vec<f64> {
        let mut vs = vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::EPSILON,
            -f64::EPSILON,
        ];
        // Ties and their neighbours at every precision: where a negative
        // value stops printing as zero and where rounding direction matters.
        for d in 0..=10 {
            let unit = 10f64.powi(-d);
            for n in [0.5, 1.0, 1.5, 2.5, 3.5, 9.5, 10.5, 12345.5] {
                let t = n * unit;
                for x in [t, t.next_up(), t.next_down(), t.next_up().next_up(), t.next_down().next_down()] {
                    vs.extend([x, -x]);
                }
            }
        }
        vs.extend([0.0000005, -0.0000005, 0.0000015, -0.0000015, 0.0000000005, -0.0000000005, 0.5, -0.5, -0.4999999999999999]);
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
        for _ in 0..5_000 {
            // Any bit pattern: every exponent, subnormals, NaN payloads.
            vs.push(f64::from_bits(rng.r#gen()));
            // Decimal magnitudes from 1e-15 to 1e15, either sign.
            let x = rng.gen_range(1.0..10.0) * 10f64.powi(rng.gen_range(-15..=15));
            vs.push(if rng.r#gen() { x } else { -x });
            // Small negatives, most of which round to zero at 6 or 9 decimals.
            vs.push(-rng.gen_range(0.0..2e-6) * 10f64.powi(rng.gen_range(-4..=0)));
        }
        vs
    }

    #[test]
    fn fx_writes_the_text_of_the_allocating_formatter() {
        for v in values() {
            for d in 0..=9 {
                check(v, d);
            }
        }
    }

    #[test]
    fn csv_rows_write_the_text_of_the_format_strings() {
        // Every float kind (negative zeros, NaN, values past FixedPoint's
        // range), integers at their extremes, text, flags: one field each
        // way, then a whole row against its `writeln!`.
        for v in values() {
            for d in [0, 6, 9] {
                let mut row = String::new();
                CsvRow::new(&mut row).fx(v, d).int(i64::MIN).int(u64::MAX).flag(true).text("a b").end();
                assert_eq!(row, format!("{:.d$},{},{},1,a b\n", Fx(v), i64::MIN, u64::MAX), "v = {v:e}, d = {d}");
            }
        }
        let stream = StreamRow {
            stream_id: 7,
            user_id: 3,
            title: 499,
            module_start: 0,
            module_end: -1,
            start_s: 0.25,
            end_s: -0.0,
            periods: 300,
            delivered: 299,
            glitches: 1,
            lost_s: 2.5,
            duplicate_s: 0.0,
            stall_s: 1e-7,
            migrations: 2,
            terminated: true,
        };
        assert_eq!(streams_csv(&[stream]).lines().nth(1), Some("7,3,499,0,-1,0.250000,0.000000,300,299,1,2.500000,0.000000,0.000000,2,1"));
    }

    #[test]
    fn fixed_point_writes_output_values_as_std_does() {
        // What rows hold: instants and durations of whole nanoseconds in
        // seconds, packet counts times the packet time, ratios; the integer
        // path must take them (and agree), not hand them back to std.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100_000 {
            let ns: u64 = rng.gen_range(0..20_000_000_000_000);
            let pkts: u64 = rng.gen_range(0..10_000_000);
            let ratio: f64 = rng.r#gen();
            for v in [ns as f64 / 1e9, pkts as f64 * 401_066.0 / 1e9, ratio, -ratio * 1e-6] {
                for d in [0, 3, 6, 9] {
                    let text = FixedPoint::of(v, d).expect("an output value takes the integer path");
                    assert_eq!(text.as_str(), fx_reference(v, d), "v = {v:e}, d = {d}");
                }
            }
        }
        assert!(FixedPoint::of(1e300, 6).is_none() && FixedPoint::of(f64::NAN, 6).is_none() && FixedPoint::of(1.0, 10).is_none());
    }

    #[test]
    fn fx_matches_for_long_texts() {
        // Precisions from sweep ranges can be anything; negative zeros of
        // any length must lose their sign too.
        for v in [-1e-300, -0.0, -1e-30, -1.0, -123.456, 1e300, -1e300, -f64::from_bits(1), f64::NAN, f64::NEG_INFINITY] {
            for d in [10, 17, 30, 64, 100, 400] {
                check(v, d);
            }
        }
    }

    #[test]
    fn negative_zero_loses_its_sign() {
        assert_eq!(fx(-0.0, 6), "0.000000");
        assert_eq!(fx(-0.0000004, 6), "0.000000");
        assert_eq!(fx(-0.0000006, 6), "-0.000001");
        assert_eq!(fx(-0.4, 0), "0");
        assert_eq!(fx(-1e-12, 9), "0.000000000");
        assert_eq!(fx(f64::NAN, 6), "NaN");
        assert_eq!(fx(f64::NEG_INFINITY, 6), "-inf");
    }

    #[test]
    #[should_panic(expected = "precision")]
    fn fx_without_a_precision_is_refused() {
        let _ = format!("{}", Fx(1.0));
    }
}
