//! The session controller (FIG. 1, 145): starts sessions on a module that
//! holds the title and has room, and counts the ones nobody can admit.

use crate::engine::RngStream;

/// Title popularity: Zipf with exponent s over `titles` titles (s = 0 is
/// uniform), sampled by binary search over the cumulative weights.
pub struct Popularity {
    cdf: Vec<f64>,
}

impl Popularity {
    pub fn new(titles: u32, s: f64) -> Popularity {
        if s == 0.0 {
            return Popularity { cdf: Vec::new() };
        }
        let mut cdf = Vec::with_capacity(titles as usize);
        let mut acc = 0.0;
        for rank in 1..=titles {
            acc += 1.0 / (rank as f64).powf(s);
            cdf.push(acc);
        }
        for v in &mut cdf {
            *v /= acc;
        }
        Popularity { cdf }
    }

    pub fn draw(&self, titles: u32, rng: &mut RngStream) -> u32 {
        if self.cdf.is_empty() {
            return rng.below(titles as u64) as u32;
        }
        let u = rng.uniform();
        (self.cdf.partition_point(|&c| c <= u) as u32).min(titles - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn zipf_one_favours_rank_one_by_the_harmonic_number() {
        // With s = 1 over 10 titles, P(title 0) = 1 / H_10 = 1 / 2.929 = 0.3414.
        let p = Popularity::new(10, 1.0);
        let mut rng = RngStreams::new(3).stream("zipf");
        let n = 200_000;
        let hits = (0..n).filter(|_| p.draw(10, &mut rng) == 0).count() as f64 / n as f64;
        assert!((hits - 0.3414).abs() < 0.005, "P(top title) = {hits}");
    }
}
