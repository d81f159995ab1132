//! Named, seeded random streams.
//!
//! Every component draws from its own ChaCha8 stream whose key is derived
//! from the scenario seed and the component's *name* (e.g. `"disk/3/7"`),
//! not from the order components were created in. Adding a disk or a fault
//! therefore never shifts the draws of another component, and two runs with
//! the same seed draw exactly the same numbers.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Derives per-component streams from one master seed.
#[derive(Clone, Copy, Debug)]
pub struct RngStreams {
    seed: u64,
}

/// One component's random stream.
pub struct RngStream(ChaCha8Rng);

impl RngStreams {
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The stream named `name`. The same (seed, name) always gives the same
    /// stream; different names give independent streams.
    pub fn stream(&self, name: &str) -> RngStream {
        let mut key = [0u8; 32];
        // Two independent 128-bit FNV-style mixes of (seed, name) fill the
        // key; ChaCha's key schedule does the real diffusion, this only has
        // to make distinct (seed, name) pairs give distinct keys.
        for (lane, chunk) in key.chunks_mut(8).enumerate() {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ (lane as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for b in self.seed.to_le_bytes().iter().chain(name.as_bytes()) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            h = splitmix(h ^ self.seed.rotate_left(17 * lane as u32));
            chunk.copy_from_slice(&h.to_le_bytes());
        }
        RngStream(ChaCha8Rng::from_seed(key))
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngStream {
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0.random::<f64>()
    }
    /// Uniform integer in [0, n); `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.random_range(0..n)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.uniform() < p
    }
    /// Exponentially distributed with the given mean.
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - U is in (0, 1], so ln never sees zero.
        -mean * (1.0 - self.uniform()).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_same_draws_and_names_are_independent() {
        let streams = RngStreams::new(42);
        let a: Vec<u64> = (0..4).map(|_| streams.stream("disk/0/1").below(1 << 40)).collect();
        let mut s1 = streams.stream("disk/0/1");
        let mut s2 = streams.stream("disk/0/2");
        let b: Vec<u64> = (0..4).map(|_| s1.below(1 << 40)).collect();
        let c: Vec<u64> = (0..4).map(|_| s2.below(1 << 40)).collect();
        assert_eq!(a[0], b[0]);
        assert_ne!(b, c);
        assert_ne!(RngStreams::new(1).stream("x").below(1 << 40), RngStreams::new(2).stream("x").below(1 << 40));
    }

    #[test]
    fn uniform_mean_is_near_one_half() {
        let mut s = RngStreams::new(7).stream("stat");
        let n = 100_000;
        let mean = (0..n).map(|_| s.uniform()).sum::<f64>() / n as f64;
        // Standard error is 1/sqrt(12 n) = 0.0009; 5 sigma.
        assert!((mean - 0.5).abs() < 0.0046, "mean {mean}");
    }
}
