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

/// `a · b / d` rounded down, or up if `up`: in u64 when the product fits,
/// else in u128 out of line.
#[inline]
fn mul_div(a: u64, b: u64, d: u64, up: bool) -> u64 {
    match a.checked_mul(b) {
        Some(n) if up => n.div_ceil(d),
        Some(n) => n / d,
        None => wide_mul_div(a, b, d, up),
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

/// Time to send one transport packet at `bitrate_bps` [ns], exact to the
/// nanosecond below.
pub fn packet_time(bitrate_bps: u64) -> SimDuration {
    packets_to_time(1, bitrate_bps)
}

/// Time to play `packets` packets at `bitrate_bps`, rounded down to the ns.
/// Computed in one integer step so long spans never accumulate rounding.
pub fn packets_to_time(packets: u64, bitrate_bps: u64) -> SimDuration {
    SimDuration(mul_div(packets, BIT_NS, bitrate_bps, false))
}

/// Whole packets played in `d` at `bitrate_bps`.
pub fn time_to_packets(d: SimDuration, bitrate_bps: u64) -> u64 {
    mul_div(d.0, bitrate_bps, BIT_NS, false)
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
    pub fn time_of(&self, pkt: u64, bitrate_bps: u64) -> SimTime {
        let packets = pkt.saturating_sub(self.anchor_pkt);
        self.anchor_t + SimDuration(mul_div(packets, BIT_NS, bitrate_bps, true))
    }
    /// Packets played by `t` (the position of the next packet to play).
    pub fn position_at(&self, t: SimTime, bitrate_bps: u64) -> u64 {
        self.anchor_pkt + time_to_packets(t.saturating_since(self.anchor_t), bitrate_bps)
    }
}

/// FATC channels of the transport processors; each stream occupies a share
/// of one channel's payload for its whole session.
pub struct Fatc {
    /// Streams on each channel.
    load: Vec<u32>,
    /// Streams that fit on one channel.
    per_channel: u32,
    /// `None`: channels are added as needed.
    limit: Option<u32>,
    /// Lowest channel that may have room; channels below are full.
    first_free: usize,
}

impl Fatc {
    pub fn new(channels: Option<u32>, channel_bps: u64, stream_bps: u64) -> Fatc {
        let per_channel = (channel_bps / stream_bps).max(1) as u32;
        Fatc { load: vec![0; channels.unwrap_or(0) as usize], per_channel, limit: channels, first_free: 0 }
    }

    pub fn streams_per_channel(&self) -> u32 {
        self.per_channel
    }

    /// Assigns a channel with room (the lowest numbered), or `None` if every
    /// channel is full.
    pub fn assign(&mut self) -> Option<u32> {
        while self.first_free < self.load.len() && self.load[self.first_free] >= self.per_channel {
            self.first_free += 1;
        }
        if self.first_free == self.load.len() {
            if self.limit.is_some() {
                return None;
            }
            self.load.push(0);
        }
        self.load[self.first_free] += 1;
        Some(self.first_free as u32)
    }

    pub fn release(&mut self, channel: u32) {
        let c = channel as usize;
        debug_assert!(self.load[c] > 0);
        self.load[c] -= 1;
        self.first_free = self.first_free.min(c);
    }

    /// Payload carried by the busiest channel [bit/s] — must stay within a channel's rate.
    pub fn busiest_channel_streams(&self) -> u32 {
        self.load.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packet_time_at_3_75_mbit_is_401_07_us() {
        // 188 B × 8 = 1504 bit; 1504 / 3.75e6 = 401.0667 µs.
        let t = packet_time(3_750_000);
        assert_eq!(t, SimDuration(401_066));
        assert!((t.0 as f64 / 1e3 - 401.07).abs() < 0.005);
    }

    #[test]
    fn default_extent_is_exactly_two_seconds() {
        // 937 556 B = 4 987 packets; 4 987 × 1504 / 3 750 496 = 2 s exactly.
        assert_eq!(packets_to_time(937_556 / 188, 3_750_224), SimDuration::from_secs(2));
    }

    #[test]
    fn grid_maps_positions_and_times_both_ways() {
        let g = Grid { anchor_t: SimTime(1_000), anchor_pkt: 4_987 };
        let t = g.time_of(2 * 4_987, 3_750_224);
        assert_eq!(t, SimTime(1_000 + 2_000_000_000));
        assert_eq!(g.position_at(t, 3_750_224), 2 * 4_987);
        assert_eq!(g.time_of(10, 3_750_224), SimTime(1_000), "before the anchor: the anchor time");
        // 3 740-packet extents at this rate are not a whole number of ns; the
        // round trip must still land on the packet.
        for p in [4_987 + 3_740, 4_987 + 7_480, 4_987 + 1_247] {
            assert_eq!(g.position_at(g.time_of(p, 3_750_224), 3_750_224), p);
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
            assert_eq!(packets_to_time(x, r).0, wide::packets_to_time(x, r), "packets_to_time({x}, {r})");
            assert_eq!(time_to_packets(SimDuration(x), r), wide::time_to_packets(x, r), "time_to_packets({x}, {r})");
            assert_eq!(g.time_of(x, r).0, wide::time_of_offset(x, r), "time_of({x}, {r})");
            assert_eq!(packet_time(r).0, wide::packet_time(r), "packet_time({r})");
        }
    }

    #[test]
    fn time_of_keeps_anchor_and_saturation() {
        let g = Grid { anchor_t: SimTime(u64::MAX - 5), anchor_pkt: 100 };
        assert_eq!(g.time_of(50, 3_750_224), SimTime(u64::MAX - 5));
        assert_eq!(g.time_of(101, 3_750_224), SimTime::MAX, "the sum saturates as before");
        assert_eq!(g.time_of(u64::MAX, 1), SimTime::MAX);
    }

    #[test]
    fn fatc_fills_channels_in_order_and_refuses_when_full() {
        // 38.81 Mbit/s / 3.75 Mbit/s = 10 streams per channel.
        let mut f = Fatc::new(Some(2), 38_810_000, 3_750_224);
        assert_eq!(f.streams_per_channel(), 10);
        let got: Vec<u32> = (0..20).map(|_| f.assign().unwrap()).collect();
        assert_eq!(got.iter().filter(|&&c| c == 0).count(), 10);
        assert_eq!(f.assign(), None);
        f.release(0);
        assert_eq!(f.assign(), Some(0));
        assert!(f.busiest_channel_streams() as u64 * 3_750_224 <= 38_810_000);
    }
}
