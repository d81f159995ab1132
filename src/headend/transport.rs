//! Transport processors and FATC channels (FIG. 1 150, FIG. 2): MPEG-2
//! transport packets of 188 bytes at a constant rate per stream.
//!
//! Packet timing is computed, never simulated packet by packet: a stream's
//! position in its title is a packet count that advances linearly with time
//! from an anchor, so the cost of a run does not grow with the packet count.

use crate::engine::{SimDuration, SimTime};

pub const PACKET_BYTES: u64 = 188;
pub const PACKET_BITS: u64 = PACKET_BYTES * 8;
const NS: u128 = 1_000_000_000;

/// Time to send one transport packet at `bitrate_bps` [ns], exact to the
/// nanosecond below.
pub fn packet_time(bitrate_bps: u64) -> SimDuration {
    SimDuration((PACKET_BITS as u128 * NS / bitrate_bps as u128) as u64)
}

/// Time to play `packets` packets at `bitrate_bps`, rounded down to the ns.
/// Computed in one integer step so long spans never accumulate rounding.
pub fn packets_to_time(packets: u64, bitrate_bps: u64) -> SimDuration {
    SimDuration((packets as u128 * PACKET_BITS as u128 * NS / bitrate_bps as u128) as u64)
}

/// Whole packets played in `d` at `bitrate_bps`.
pub fn time_to_packets(d: SimDuration, bitrate_bps: u64) -> u64 {
    (d.0 as u128 * bitrate_bps as u128 / (PACKET_BITS as u128 * NS)) as u64
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
        let bits = pkt.saturating_sub(self.anchor_pkt) as u128 * PACKET_BITS as u128 * NS;
        self.anchor_t + SimDuration(bits.div_ceil(bitrate_bps as u128) as u64)
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
