//! Simulated time as integer nanoseconds.
//!
//! Floating-point time makes simultaneous events compare unequal after a few
//! additions and ties resolve differently across platforms; an integer count
//! of nanoseconds never drifts and orders exactly. `u64` nanoseconds cover
//! 584 years of simulated time.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant of simulated time [ns since the start of the run].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct SimTime(pub u64);

/// A span of simulated time [ns].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct SimDuration(pub u64);

pub const NS_PER_S: u64 = 1_000_000_000;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Converts seconds (as a user writes them in a scenario) to an instant,
    /// rounding to the nearest nanosecond.
    pub fn from_secs_f64(s: f64) -> SimTime {
        SimTime(SimDuration::from_secs_f64(s).0)
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    /// Time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

/// The largest double below 1/2.
const HALF_BELOW: f64 = 0.499_999_999_999_999_94;

/// `x.round() as u64`, exactly (half away from zero, negatives and NaN to
/// 0, saturating), without the software `round` that baseline x86-64 calls:
/// four of those per disk read were 5 % of a run's instructions.
#[inline]
fn round_to_u64(x: f64) -> u64 {
    // Signed conversions are single instructions on x86-64, unsigned ones
    // a dozen; every duration a run computes is far below 2^63 ns.
    if (0.0..9.223_372_036_854_775e18).contains(&x) {
        // Truncating x plus the largest double below 1/2 rounds half away
        // from zero for every x >= 0 (LLVM lowers `round` this way where
        // SSE4.1 has a truncation): with x = n + f, the sum rounds below
        // n + 1 when f < 1/2 and to n + 1 or above when f >= 1/2, and no
        // sum is a tie that rounding to even could pull across n + 1.
        // One add ahead of the conversion and no branch (which way a
        // service time rounds is a coin toss): 4-7 % of peer-simpy's wall
        // time against rounding by compare and add (docs/performance.md).
        return (x + HALF_BELOW) as i64 as u64;
    }
    let whole = x as u64;
    // Exact: below 2^52 `x - trunc(x)` is representable, above it x is whole.
    if x - whole as f64 >= 0.5 { whole.saturating_add(1) } else { whole }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub fn from_secs_f64(s: f64) -> SimDuration {
        debug_assert!(s.is_finite() && s >= 0.0, "negative or non-finite duration {s}");
        SimDuration(round_to_u64(s * NS_PER_S as f64))
    }
    pub fn from_millis_f64(ms: f64) -> SimDuration {
        debug_assert!(ms.is_finite() && ms >= 0.0, "negative or non-finite duration {ms} ms");
        // One rounding (1e6 is exact), and no division: every read's seek
        // comes through here.
        SimDuration(round_to_u64(ms * 1e6))
    }
    pub fn from_micros_f64(us: f64) -> SimDuration {
        SimDuration::from_secs_f64(us / 1e6)
    }
    pub const fn from_nanos(ns: u64) -> SimDuration {
        SimDuration(ns)
    }
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * NS_PER_S)
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NS_PER_S as f64
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// Panics in debug builds if `rhs` is later: a negative span is a model bug.
    fn sub(self, rhs: SimTime) -> SimDuration {
        debug_assert!(self >= rhs, "time went backwards: {self:?} - {rhs:?}");
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}
impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9}s", self.as_secs_f64())
    }
}
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9}s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_rounding_agrees_with_round_everywhere() {
        let edges = [0.0, -0.0, 0.49999999999999994, 0.5, 1.5, 2.5, -0.5, -0.7, 4503599627370495.5, 4503599627370497.0];
        let big = [
            9007199254740993.0,
            // Around 2^63, where the signed fast path ends.
            ((1u64 << 63) - 1024) as f64,
            (1u64 << 63) as f64,
            (1u64 << 63) as f64 + 2048.0,
            1.8446744073709552e19,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut rng = crate::engine::RngStreams::new(3).stream("round");
        // Either side of every half-way point, at every magnitude.
        let halves = (0..62).flat_map(|k| {
            let n = (1u64 << k) as f64;
            [n - 0.5, n + 0.5, n + 1.5].into_iter().flat_map(|h| [h.next_down(), h, h.next_up()])
        });
        let random = (0..100_000).map(|i| rng.uniform() * 10f64.powi(i % 20) + if i % 7 == 0 { 0.5 } else { 0.0 });
        for x in edges.into_iter().chain(big).chain(halves).chain(random) {
            assert_eq!(round_to_u64(x), x.round() as u64, "x = {x:e}");
        }
    }

    #[test]
    fn seconds_round_trip_to_the_nanosecond() {
        assert_eq!(SimTime::from_secs_f64(2.0), SimTime(2_000_000_000));
        assert_eq!(SimDuration::from_millis_f64(0.831), SimDuration(831_000));
        assert_eq!(SimDuration::from_micros_f64(401.066_667), SimDuration(401_067));
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(SimTime::MAX + SimDuration(5), SimTime::MAX);
        assert_eq!(SimTime(3).saturating_since(SimTime(10)), SimDuration::ZERO);
    }
}
