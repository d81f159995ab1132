//! Transport processors and FATC channels (FIG. 1 150, FIG. 2): MPEG-2
//! transport packets of 188 bytes at a constant rate per stream.
//!
//! Packet timing is computed, never simulated packet by packet: a stream's
//! position in its title is a packet count that advances linearly with time
//! from an anchor, so the cost of a run does not grow with the packet count.

use crate::engine::{SimDuration, SimTime};

pub const PACKET_BYTES: u64 = 188;
pub const PACKET_BITS: u64 = PACKET_BYTES * 8;
/// Bits of one packet times nanoseconds per second: `packets_to_time`'s
/// numerator per packet and `time_to_packets`' divisor [bit·ns/s].
const BIT_NS: u64 = PACKET_BITS * 1_000_000_000;

// Each conversion below is exact integer arithmetic that needs up to 105
// bits. u128 division is a software call on x86-64 (`__udivti3`, which gets
// no strength reduction for a constant divisor either), so when the product
// fits in u64 the same quotient comes from one u64 division: floor and
// ceiling of n / d do not depend on the width n is held in, and the u64
// quotient is at most n, so the `as u64` of the wide path never truncated
// it either. The product fits for spans under 2^64 bit·ns, 82 minutes at
// 3.75 Mbit/s; a grid's spans run from its anchor, reset when a stream
// starts, changes title or moves, so the wide path, kept out of line, is
// rare. Measured on peer-simpy: all 60 800 `__udivti3` calls (608 k
// instructions) are gone.

/// A stream bit rate with what dividing by it needs: `packets_to_time` and
/// `Grid::time_of` divide by the rate once a service period, and a u64
/// division by a value only known at run time is a `div` of 10-20 cycles
/// that `perf` found under ~4 % of peer-simpy's samples. Multiplying by a
/// precomputed reciprocal (`Divisor`) gives the same quotient: wall time
/// -0.7 and -1.4 % (medians of 120 and 150 interleaved runs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bitrate {
    /// Division by the rate; its divisor is the rate [bit/s].
    divisor: Divisor,
}

impl Bitrate {
    /// `bps` must be > 0 (scenario validation sees to it).
    pub fn new(bps: u64) -> Bitrate {
        Bitrate { divisor: Divisor::new(bps) }
    }
    /// The rate [bit/s].
    pub fn bps(self) -> u64 {
        self.divisor.d
    }
}

/// Exact u64 division by a divisor fixed at run time, by multiplication
/// (Granlund and Montgomery, "Division by invariant integers using
/// multiplication", 1994; the "round-up" variant of Hacker's Delight 10-8):
/// with l = ceil(log2 d) and m = ceil(2^(64+l) / d) = 2^64 + magic,
/// floor(n / d) = floor(n · m / 2^(64+l)) for every n < 2^64, since
/// m · d - 2^(64+l) < d <= 2^l. The sum n + hi(n · magic) may need 65 bits,
/// hence the halving in `quotient`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Divisor {
    d: u64,
    magic: u64,
    /// l - 1 (powers of two: log2 d, with `magic` 0 and a plain shift).
    shift: u32,
    kind: DivisorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DivisorKind {
    PowerOfTwo,
    Magic,
    /// d > 2^63: the quotient is 0 or 1 (and 2^(64+l) does not fit in u128).
    Huge,
}

impl Divisor {
    fn new(d: u64) -> Divisor {
        assert!(d > 0, "division by zero");
        if d.is_power_of_two() {
            return Divisor { d, magic: 0, shift: d.trailing_zeros(), kind: DivisorKind::PowerOfTwo };
        }
        let l = 64 - (d - 1).leading_zeros();
        if l == 64 {
            return Divisor { d, magic: 0, shift: 0, kind: DivisorKind::Huge };
        }
        // ceil(2^(64+l) / d) - 2^64: d is not a power of two, so the ceiling
        // is the floor plus one, and 2^(l-1) < d < 2^l puts it in (2^64, 2^65).
        let m = (1u128 << (64 + l)) / u128::from(d) + 1;
        Divisor { d, magic: (m - (1u128 << 64)) as u64, shift: l - 1, kind: DivisorKind::Magic }
    }

    /// floor(n / d).
    #[inline]
    fn quotient(self, n: u64) -> u64 {
        match self.kind {
            DivisorKind::Magic => {
                let hi = ((u128::from(n) * u128::from(self.magic)) >> 64) as u64;
                (((n - hi) >> 1) + hi) >> self.shift
            }
            DivisorKind::PowerOfTwo => n >> self.shift,
            DivisorKind::Huge => u64::from(n >= self.d),
        }
    }

    /// floor(n / d), or ceil if `up`.
    #[inline]
    fn divide(self, n: u64, up: bool) -> u64 {
        let q = self.quotient(n);
        q + u64::from(up && n - q * self.d != 0)
    }
}

/// `a · b / rate` rounded down, or up if `up`: in u64 when the product
/// fits, else in u128 out of line.
#[inline]
fn mul_div(a: u64, b: u64, rate: Bitrate, up: bool) -> u64 {
    match a.checked_mul(b) {
        Some(n) => rate.divisor.divide(n, up),
        None => wide_mul_div(a, b, rate.bps(), up),
    }
}

/// `mul_div` in u128: the rare long spans.
#[cold]
#[inline(never)]
fn wide_mul_div(a: u64, b: u64, d: u64, up: bool) -> u64 {
    let n = a as u128 * b as u128;
    let q = if up { n.div_ceil(d as u128) } else { n / d as u128 };
    q as u64
}

/// Time to send one transport packet at `rate`, exact to the nanosecond
/// below.
pub fn packet_time(rate: Bitrate) -> SimDuration {
    packets_to_time(1, rate)
}

/// Time to play `packets` packets at `rate`, rounded down to the ns.
/// Computed in one integer step so long spans never accumulate rounding.
pub fn packets_to_time(packets: u64, rate: Bitrate) -> SimDuration {
    SimDuration(mul_div(packets, BIT_NS, rate, false))
}

/// Whole packets played in `d` at `rate`.
pub fn time_to_packets(d: SimDuration, rate: Bitrate) -> u64 {
    // A constant divisor: the compiler multiplies by its reciprocal.
    match d.0.checked_mul(rate.bps()) {
        Some(n) => n / BIT_NS,
        None => wide_mul_div(d.0, rate.bps(), BIT_NS, false),
    }
}

/// Maps a stream's title position [packets] to wall-clock time: packet
/// `anchor_pkt` leaves the transport processor at `anchor_t`, later packets
/// follow at the constant stream rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    pub anchor_t: SimTime,
    pub anchor_pkt: u64,
}

impl Grid {
    /// When packet `pkt` starts playing (the anchor time for earlier packets).
    /// Rounded up to the nanosecond, so that `position_at(time_of(p)) == p`:
    /// a transition instant computed from a packet position maps back to it.
    pub fn time_of(&self, pkt: u64, rate: Bitrate) -> SimTime {
        let packets = pkt.saturating_sub(self.anchor_pkt);
        self.anchor_t + SimDuration(mul_div(packets, BIT_NS, rate, true))
    }
    /// Packets played by `t` (the position of the next packet to play).
    pub fn position_at(&self, t: SimTime, rate: Bitrate) -> u64 {
        self.anchor_pkt + time_to_packets(t.saturating_since(self.anchor_t), rate)
    }
}

/// FATC channels of the transport processors; each stream occupies its
/// rate's share of one channel's payload for its whole session. Streams of
/// several bit-rate classes share channels: a channel takes a stream while
/// the rates it carries, the new one's included, fit its payload rate.
pub struct Fatc {
    /// Payload each channel carries [bit/s].
    load_bps: Vec<u64>,
    /// A channel's payload rate [bit/s].
    channel_bps: u64,
    /// The smallest stream rate [bit/s]: a channel with less room is full.
    min_bps: u64,
    /// `None`: channels are added as needed.
    limit: Option<u32>,
    /// Lowest channel that may have room; channels below are full.
    first_free: usize,
    /// Payload of all channels [bit/s].
    carried_bps: u64,
}

impl Fatc {
    /// Channels of `channel_bps` (validation keeps every stream rate within
    /// it), for streams of at least `min_stream_bps`.
    pub fn new(channels: Option<u32>, channel_bps: u64, min_stream_bps: u64) -> Fatc {
        Fatc {
            load_bps: vec![0; channels.unwrap_or(0) as usize],
            channel_bps,
            min_bps: min_stream_bps.max(1),
            limit: channels,
            first_free: 0,
            carried_bps: 0,
        }
    }

    /// Payload the channels carry now [bit/s].
    pub fn carried_bps(&self) -> u64 {
        self.carried_bps
    }

    /// Whether `n` more streams of `stream_bps` find a channel.
    pub fn has_room(&self, n: u32, stream_bps: u64) -> bool {
        match self.limit {
            None => true,
            Some(_) => self.load_bps.iter().map(|&l| (self.channel_bps - l) / stream_bps).sum::<u64>() >= u64::from(n),
        }
    }

    /// Assigns a stream of `stream_bps` the lowest numbered channel with
    /// room, or `None` if none has.
    pub fn assign(&mut self, stream_bps: u64) -> Option<u32> {
        let room = |l: u64| l + stream_bps <= self.channel_bps;
        while self.first_free < self.load_bps.len() && self.load_bps[self.first_free] + self.min_bps > self.channel_bps {
            self.first_free += 1;
        }
        let c = match (self.first_free..self.load_bps.len()).find(|&c| room(self.load_bps[c])) {
            Some(c) => c,
            None if self.limit.is_some() => return None,
            None => {
                self.load_bps.push(0);
                self.load_bps.len() - 1
            }
        };
        self.load_bps[c] += stream_bps;
        self.carried_bps += stream_bps;
        Some(c as u32)
    }

    /// A stream of `stream_bps` leaves `channel`.
    pub fn release(&mut self, channel: u32, stream_bps: u64) {
        let c = channel as usize;
        debug_assert!(self.load_bps[c] >= stream_bps);
        self.load_bps[c] -= stream_bps;
        self.carried_bps -= stream_bps;
        self.first_free = self.first_free.min(c);
    }

    /// Whether every channel's payload is within its rate.
    pub fn within_rate(&self) -> bool {
        self.load_bps.iter().all(|&l| l <= self.channel_bps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_time_at_3_75_mbit_is_401_07_us() {
        // 188 B × 8 = 1504 bit; 1504 / 3.75e6 = 401.0667 µs.
        let t = packet_time(Bitrate::new(3_750_000));
        assert_eq!(t, SimDuration(401_066));
        assert!((t.0 as f64 / 1e3 - 401.07).abs() < 0.005);
    }

    #[test]
    fn default_extent_is_exactly_two_seconds() {
        // 937 556 B = 4 987 packets; 4 987 × 1504 / 3 750 496 = 2 s exactly.
        assert_eq!(packets_to_time(937_556 / 188, Bitrate::new(3_750_224)), SimDuration::from_secs(2));
    }

    #[test]
    fn grid_maps_positions_and_times_both_ways() {
        let g = Grid { anchor_t: SimTime(1_000), anchor_pkt: 4_987 };
        let rate = Bitrate::new(3_750_224);
        let t = g.time_of(2 * 4_987, rate);
        assert_eq!(t, SimTime(1_000 + 2_000_000_000));
        assert_eq!(g.position_at(t, rate), 2 * 4_987);
        assert_eq!(g.time_of(10, rate), SimTime(1_000), "before the anchor: the anchor time");
        // 3 740-packet extents at this rate are not a whole number of ns; the
        // round trip must still land on the packet.
        for p in [4_987 + 3_740, 4_987 + 7_480, 4_987 + 1_247] {
            assert_eq!(g.position_at(g.time_of(p, rate), rate), p);
        }
    }

    /// The u128 formulas the u64 fast paths replaced, kept as the reference.
    mod wide {
        use super::super::PACKET_BITS;
        const NS: u128 = 1_000_000_000;
        pub fn packet_time(bitrate_bps: u64) -> u64 {
            (PACKET_BITS as u128 * NS / bitrate_bps as u128) as u64
        }
        pub fn packets_to_time(packets: u64, bitrate_bps: u64) -> u64 {
            (packets as u128 * PACKET_BITS as u128 * NS / bitrate_bps as u128) as u64
        }
        pub fn time_to_packets(d: u64, bitrate_bps: u64) -> u64 {
            (d as u128 * bitrate_bps as u128 / (PACKET_BITS as u128 * NS)) as u64
        }
        pub fn time_of_offset(packets: u64, bitrate_bps: u64) -> u64 {
            (packets as u128 * PACKET_BITS as u128 * NS).div_ceil(bitrate_bps as u128) as u64
        }
    }

    #[test]
    fn u64_fast_paths_equal_the_u128_formulas() {
        // Edges: zero, one, the largest numerators that still fit in u64 and
        // the first that do not, and the extremes of both arguments.
        let fit_pkts = u64::MAX / BIT_NS;
        let pkts = [0, 1, 2, 4_987, fit_pkts - 1, fit_pkts, fit_pkts + 1, u64::MAX / 2, u64::MAX - 1, u64::MAX];
        let rates = [1, 2, 3, 1_504, 3_750_224, 38_810_000, BIT_NS - 1, BIT_NS, BIT_NS + 1, u64::MAX - 1, u64::MAX];
        let mut pairs: Vec<(u64, u64)> = pkts.iter().flat_map(|&p| rates.map(|r| (p, r))).collect();
        // Spans whose product with the rate lands on and either side of 2^64.
        for r in rates {
            let fit_ns = u64::MAX / r;
            pairs.extend([fit_ns.saturating_sub(1), fit_ns, fit_ns.saturating_add(1)].map(|d| (d, r)));
        }
        // Random magnitudes: a uniform draw shifted right by a uniform amount
        // spreads the values over every bit length.
        let mut rng = crate::engine::RngStreams::new(7).stream("transport");
        let mut draw = || {
            let (x, shift) = (rng.below(u64::MAX), rng.below(64));
            x >> shift
        };
        pairs.extend((0..200_000).map(|_| (draw(), draw().max(1))));
        for (x, r) in pairs {
            let g = Grid { anchor_t: SimTime(0), anchor_pkt: 0 };
            let rate = Bitrate::new(r);
            assert_eq!(packets_to_time(x, rate).0, wide::packets_to_time(x, r), "packets_to_time({x}, {r})");
            assert_eq!(time_to_packets(SimDuration(x), rate), wide::time_to_packets(x, r), "time_to_packets({x}, {r})");
            assert_eq!(g.time_of(x, rate).0, wide::time_of_offset(x, r), "time_of({x}, {r})");
            assert_eq!(packet_time(rate).0, wide::packet_time(r), "packet_time({r})");
        }
    }

    /// The divisors that take each path, and those either side of every
    /// power of two, against `/` and `div_ceil` on numerators at the edges
    /// and spread over every bit length.
    #[test]
    fn divisor_quotients_equal_the_hardware_division() {
        let mut ds: Vec<u64> = vec![1, 2, 3, 5, 7, 10, 1_504, 3_750_000, 3_750_224, 38_810_000, BIT_NS, u64::MAX - 1, u64::MAX];
        for k in 1..64 {
            ds.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
        }
        let mut rng = crate::engine::RngStreams::new(11).stream("divisor");
        let mut draw = || {
            let (x, shift) = (rng.below(u64::MAX), rng.below(64));
            x >> shift
        };
        ds.extend((0..2_000).map(|_| draw().max(1)));
        for d in ds {
            let div = Divisor::new(d);
            let mut ns = vec![0, 1, d - 1, d, d.saturating_add(1), u64::MAX - 1, u64::MAX, d.saturating_mul(2), d.saturating_mul(3) - 1];
            ns.extend((0..200).map(|_| draw()));
            for n in ns {
                assert_eq!(div.divide(n, false), n / d, "{n} / {d}");
                assert_eq!(div.divide(n, true), n.div_ceil(d), "ceil({n} / {d})");
            }
        }
    }

    #[test]
    fn time_of_keeps_anchor_and_saturation() {
        let g = Grid { anchor_t: SimTime(u64::MAX - 5), anchor_pkt: 100 };
        let rate = Bitrate::new(3_750_224);
        assert_eq!(g.time_of(50, rate), SimTime(u64::MAX - 5));
        assert_eq!(g.time_of(101, rate), SimTime::MAX, "the sum saturates as before");
        assert_eq!(g.time_of(u64::MAX, Bitrate::new(1)), SimTime::MAX);
    }

    #[test]
    fn fatc_fills_channels_in_order_and_refuses_when_full() {
        // 38.81 Mbit/s / 3.75 Mbit/s = 10 streams per channel.
        let sd = 3_750_224;
        let mut f = Fatc::new(Some(2), 38_810_000, sd);
        assert!(f.has_room(20, sd) && !f.has_room(21, sd));
        let got: Vec<u32> = (0..20).map(|_| f.assign(sd).unwrap()).collect();
        assert_eq!(got.iter().filter(|&&c| c == 0).count(), 10);
        assert_eq!(f.assign(sd), None);
        f.release(0, sd);
        assert_eq!(f.assign(sd), Some(0));
        assert!(f.within_rate());
        assert_eq!(f.carried_bps(), 20 * sd);
    }

    #[test]
    fn an_hd_stream_needs_four_sd_slots_of_one_channel() {
        // 38.81 Mbit/s channels: 10 SD (3.750 224 Mbit/s) or 2 HD (4 x SD =
        // 15.000 896 Mbit/s; 3 would be 45 Mbit/s) or 2 HD + 2 SD
        // (37.5 Mbit/s; a third SD would make 41.3).
        let (sd, hd) = (3_750_224, 4 * 3_750_224);
        let mut f = Fatc::new(Some(2), 38_810_000, sd);
        assert!(f.has_room(4, hd));
        assert!(!f.has_room(5, hd));
        assert_eq!((f.assign(hd), f.assign(hd), f.assign(sd), f.assign(sd)), (Some(0), Some(0), Some(0), Some(0)));
        // Channel 0 has 1.31 Mbit/s left: the next SD goes to channel 1.
        assert_eq!(f.assign(sd), Some(1));
        // Channel 1 has 35.06 left: two HD (30.0) fit, a third does not.
        assert_eq!((f.assign(hd), f.assign(hd), f.assign(hd)), (Some(1), Some(1), None));
        // 5.06 Mbit/s left on channel 1: one more SD, not an HD.
        assert!(f.has_room(1, sd) && !f.has_room(1, hd));
        f.release(0, hd);
        assert_eq!(f.assign(hd), Some(0));
        assert!(f.within_rate());
    }
}
