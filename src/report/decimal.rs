//! Floats as text with a fixed number of decimals, the way every output
//! writes them: `{:.N}` of an `f64`, except that a negative zero loses its
//! sign, so files compare byte for byte.

use std::fmt::{self, Write};

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
pub(crate) struct FixedPoint {
    buf: [u8; 32],
    start: usize,
}

impl FixedPoint {
    pub(crate) fn of(v: f64, d: usize) -> Option<FixedPoint> {
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

    pub(crate) fn as_str(&self) -> &str {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    /// The contract: std's `{:.d$}`, without the sign of a negative zero.
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

    /// Floats of every kind, and the ties of every precision.
    pub(crate) fn values() -> Vec<f64> {
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
            vs.push(f64::from_bits(rng.random()));
            // Decimal magnitudes from 1e-15 to 1e15, either sign.
            let x = rng.random_range(1.0..10.0) * 10f64.powi(rng.random_range(-15..=15));
            vs.push(if rng.random() { x } else { -x });
            // Small negatives, most of which round to zero at 6 or 9 decimals.
            vs.push(-rng.random_range(0.0..2e-6) * 10f64.powi(rng.random_range(-4..=0)));
        }
        vs
    }

    #[test]
    fn fx_writes_what_std_writes_but_negative_zeros() {
        for v in values() {
            for d in 0..=9 {
                check(v, d);
            }
        }
    }

    #[test]
    fn fixed_point_writes_output_values_as_std_does() {
        // What rows hold: instants and durations of whole nanoseconds in
        // seconds, packet counts times the packet time, ratios; the integer
        // path must take them (and agree), not hand them back to std.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..100_000 {
            let ns: u64 = rng.random_range(0..20_000_000_000_000);
            let pkts: u64 = rng.random_range(0..10_000_000);
            let ratio: f64 = rng.random();
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
