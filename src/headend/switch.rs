//! The non-blocking switch (FIG. 2, 230): multiplexes the module buffers
//! round-robin onto the transport processors with ~1 Gbit/s in aggregate.
//!
//! Round-robin service of the buffers gives each module a max-min fair share
//! of the capacity: a module offering less than its share gets all it
//! offers, the rest is split among the others. A module offered more than
//! its share delivers each of its streams at `share / offered` of the
//! stream rate, and the shortfall shows up as glitches.

use super::Headend;
use super::stream::{NO_MODULE, StreamId};
use crate::engine::SimTime;

/// Fraction of its offered load each module gets through (1.0 = all).
/// `offered[m]` is module m's demand [bit/s].
pub fn max_min_factors(offered: &[u64], capacity_bps: u64, out: &mut Vec<f64>) {
    out.clear();
    out.resize(offered.len(), 1.0);
    let total: u64 = offered.iter().sum();
    if total <= capacity_bps {
        return;
    }
    // Water-filling: modules sorted by demand; each takes the smaller of its
    // demand and an equal split of what is left.
    let mut order: Vec<usize> = (0..offered.len()).filter(|&m| offered[m] > 0).collect();
    order.sort_by_key(|&m| (offered[m], m));
    let mut left = capacity_bps as f64;
    let mut remaining = order.len();
    for m in order {
        let share = left / remaining as f64;
        let demand = offered[m] as f64;
        let got = demand.min(share);
        out[m] = got / demand;
        left -= got;
        remaining -= 1;
    }
}

impl Headend {
    /// Each module's share of the switch from what it offers now.
    pub(super) fn recompute_switch(&mut self, now: SimTime) {
        for (m, md) in self.modules.iter().enumerate() {
            self.switch_offered[m] = if self.module_live(m) { md.feeding_bps } else { 0 };
        }
        let capacity = self.sc.raw.headend.switch_bps;
        max_min_factors(&self.switch_offered, capacity, &mut self.switch_factor);
        self.switch_dirty = false;
        if self.check {
            let served: f64 = self.switch_offered.iter().zip(&self.switch_factor).map(|(&o, &f)| o as f64 * f).sum();
            if served > capacity as f64 * (1.0 + 1e-9) {
                self.violated(now, format!("switch carries {served:.0} bit/s > capacity {capacity}"));
            }
        }
    }

    /// Sets who feeds stream `s`'s user through the switch; enabling a
    /// second module while another still feeds the user breaks the core
    /// invariant.
    pub(super) fn set_feeder(&mut self, now: SimTime, s: StreamId, m: u16) {
        let cur = self.feeder[s as usize];
        if m != NO_MODULE && cur != NO_MODULE && cur != m {
            self.violated(now, format!("stream {s} fed by modules {cur} and {m} at once"));
        }
        let bps = self.rate(s).bps();
        if cur != NO_MODULE {
            let md = &mut self.modules[cur as usize];
            md.feeding -= 1;
            md.feeding_bps -= bps;
        }
        if m != NO_MODULE {
            let md = &mut self.modules[m as usize];
            md.feeding += 1;
            md.feeding_bps += bps;
        }
        self.switch_dirty = true;
        self.feeder[s as usize] = m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_capacity_everyone_is_served() {
        let mut f = Vec::new();
        max_min_factors(&[300, 300, 300], 1000, &mut f);
        assert_eq!(f, vec![1.0, 1.0, 1.0]);
    }

    #[test]
    fn over_capacity_shares_are_max_min_fair() {
        // Capacity 1000: the small module (100) is served fully, the two
        // large ones split the remaining 900 → 450 each of 600 = 0.75.
        let mut f = Vec::new();
        max_min_factors(&[600, 100, 600], 1000, &mut f);
        assert_eq!(f[1], 1.0);
        assert!((f[0] - 0.75).abs() < 1e-12 && (f[2] - 0.75).abs() < 1e-12);
    }
}
