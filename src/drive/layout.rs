//! Logical blocks to physical sectors and sectors to platter angles, as
//! DiskSim's `dm_layout_g1` does it: zones with their own sectors per track,
//! slips that push every later block of the zone one sector on, spares at the
//! zone's end, and per-track angular skews so that a head or cylinder switch
//! finds the next block just arriving under the head.
//!
//! Angles are fractions of a revolution in units of 2^-32 (a `u32` wraps
//! exactly once per turn), DiskSim's fixed point: a sector is
//! `2^32 / sectors_per_track` units and a skew of `k` sectors is `k` of them.

use super::spec::DriveSpec;

/// One revolution in angle units.
pub(crate) const TURN: u64 = 1 << 32;

/// A physical sector: cylinder, surface (head) and sector on the track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pbn {
    pub cylinder: u32,
    pub head: u32,
    pub sector: u32,
}

/// A zone ready for lookups.
#[derive(Clone, Debug)]
pub(crate) struct Zone {
    pub first_cyl: u32,
    pub spt: u32,
    /// First LBN of the zone.
    pub first_lbn: u64,
    /// LBNs the zone maps.
    pub blocks: u64,
    /// Reserved sectors at the zone front.
    pub dead: u64,
    /// Angle units per sector.
    pub width: u32,
    /// `TURN mod spt`: the angle left over after `spt` sectors.
    pub trkspace: u32,
    pub first_angle: u32,
    pub track_skew: u32,
    pub cyl_skew: u32,
    /// Slipped physical sectors (zone-relative), ascending.
    pub slips: Vec<u64>,
    /// No slip is listed twice (so `phys_in_zone` may bisect).
    pub slips_distinct: bool,
}

/// The drive's LBN space.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub zones: Vec<Zone>,
    pub surfaces: u32,
    pub capacity: u64,
}

/// `start + mult·q` in angle units, adding `x` for every wrap past a full
/// turn (DiskSim's `addmult`: the `trkspace` a track's whole sectors leave).
fn addmult(start: u32, mult: u64, q: u32, x: u32) -> u32 {
    let total = u128::from(start) + u128::from(mult) * u128::from(q);
    let wraps = total >> 32;
    (total as u64 as u32).wrapping_add((wraps as u64 as u32).wrapping_mul(x))
}

impl Layout {
    pub fn new(spec: &DriveSpec) -> Layout {
        let mut first_lbn = 0u64;
        let zones = spec
            .zones
            .iter()
            .map(|z| {
                let blocks = spec.zone_blocks(z);
                let width = (TURN / u64::from(z.sectors_per_track)) as u32;
                let mut slips = z.slips.clone();
                slips.sort_unstable();
                let slips_distinct = slips.windows(2).all(|w| w[0] < w[1]);
                let zone = Zone {
                    first_cyl: z.first_cylinder,
                    spt: z.sectors_per_track,
                    first_lbn,
                    blocks,
                    dead: z.reserved_front_sectors,
                    width,
                    trkspace: (TURN % u64::from(z.sectors_per_track)) as u32,
                    first_angle: z.first_block_offset_sectors.wrapping_mul(width),
                    track_skew: z.track_skew_sectors.wrapping_mul(width),
                    cyl_skew: z.cylinder_skew_sectors.wrapping_mul(width),
                    slips,
                    slips_distinct,
                };
                first_lbn += blocks;
                zone
            })
            .collect();
        Layout { zones, surfaces: spec.surfaces, capacity: first_lbn }
    }

    /// Index of the zone holding `lbn` (< capacity).
    pub fn zone_of(&self, lbn: u64) -> usize {
        self.zones.partition_point(|z| z.first_lbn + z.blocks <= lbn).min(self.zones.len() - 1)
    }

    /// Zone-relative physical index of `lbn` (counting from the zone's first
    /// sector, reserved front included): the LBN's place plus every slip at
    /// or before where it lands.
    pub fn phys_in_zone(z: &Zone, lbn: u64) -> u64 {
        let p = lbn - z.first_lbn + z.dead;
        if z.slips_distinct {
            // Slip i counts iff every earlier one did and slips[i] ≤ p + i,
            // i.e. slips[i] − i ≤ p; with distinct ascending slips
            // slips[i] − i never decreases, so the slips counted are a
            // prefix found by bisection (the Cheetah's zones have up to
            // 112 slips, and this runs for every track a read crosses).
            let (mut lo, mut hi) = (0, z.slips.len());
            while lo < hi {
                let mid = (lo + hi) / 2;
                if z.slips[mid] - mid as u64 <= p { lo = mid + 1 } else { hi = mid }
            }
            return p + lo as u64;
        }
        let mut p = p;
        for &s in &z.slips {
            if s <= p {
                p += 1;
            } else {
                break;
            }
        }
        p
    }

    /// Physical sector of `lbn` (< capacity).
    pub fn ltop(&self, lbn: u64) -> (usize, Pbn) {
        let zi = self.zone_of(lbn);
        let z = &self.zones[zi];
        let p = Self::phys_in_zone(z, lbn);
        let per_cyl = u64::from(z.spt) * u64::from(self.surfaces);
        let cyl = z.first_cyl as u64 + p / per_cyl;
        let in_cyl = p % per_cyl;
        (zi, Pbn { cylinder: cyl as u32, head: (in_cyl / u64::from(z.spt)) as u32, sector: (in_cyl % u64::from(z.spt)) as u32 })
    }

    /// Angle at which physical sector `p` of zone `zi` begins.
    pub fn angle(&self, zi: usize, p: Pbn) -> u32 {
        let z = &self.zones[zi];
        let cylno = u64::from(p.cylinder - z.first_cyl);
        let switches = u64::from(p.head) + u64::from(self.surfaces - 1) * cylno;
        let mut a = addmult(z.first_angle, switches, z.track_skew, z.trkspace);
        a = addmult(a, cylno, z.cyl_skew, z.trkspace);
        addmult(a, u64::from(p.sector), z.width, z.trkspace)
    }

    /// Blocks from `lbn` to the end of its track, at most `max`: the head
    /// reads them back to back from `lbn`'s angle. A slip inside the run is
    /// not passed over sector by sector: DiskSim's controller counts the
    /// track's blocks from where it landed (its `ptol` ignores the zone's
    /// slips), and the validated model's response times follow that.
    pub fn run_len(&self, zi: usize, lbn: u64, max: u64) -> u64 {
        let z = &self.zones[zi];
        let p = Self::phys_in_zone(z, lbn);
        let track_end = (p / u64::from(z.spt) + 1) * u64::from(z.spt);
        (self.lbns_below(z, track_end) - lbn).min(max)
    }

    /// LBNs on the physical track holding `lbn`: `[first, end)`.
    pub fn track_bounds(&self, lbn: u64) -> (u64, u64) {
        let zi = self.zone_of(lbn);
        let z = &self.zones[zi];
        let p = Self::phys_in_zone(z, lbn);
        let track_start = p / u64::from(z.spt) * u64::from(z.spt);
        let track_end = track_start + u64::from(z.spt);
        (self.lbns_below(z, track_start), self.lbns_below(z, track_end))
    }

    /// LBNs on the cylinder holding `lbn`: `[first, end)`.
    pub fn cylinder_bounds(&self, lbn: u64) -> (u64, u64) {
        let zi = self.zone_of(lbn);
        let z = &self.zones[zi];
        let p = Self::phys_in_zone(z, lbn);
        let per_cyl = u64::from(z.spt) * u64::from(self.surfaces);
        let start = p / per_cyl * per_cyl;
        (self.lbns_below(z, start), self.lbns_below(z, start + per_cyl))
    }

    /// First LBN whose zone-relative physical index is `>= phys`, clamped
    /// to the zone.
    fn lbns_below(&self, z: &Zone, phys: u64) -> u64 {
        let slipped = z.slips.partition_point(|&s| s < phys) as u64;
        let rel = phys.saturating_sub(slipped).saturating_sub(z.dead).min(z.blocks);
        z.first_lbn + rel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addmult_adds_trkspace_per_wrap() {
        // 3 sectors of a 3-sector track: width 1431655765, trkspace 1.
        let w = (TURN / 3) as u32;
        assert_eq!(addmult(0, 3, w, 1), u32::MAX);
        assert_eq!(addmult(0, 2, w, 1), 2 * w);
        assert_eq!(addmult(1, 3, w, 1), 1);
    }
}

#[cfg(test)]
mod map_tests {
    use super::*;
    use crate::drive::spec::toy_spec;

    fn toy() -> Layout {
        Layout::new(&toy_spec())
    }

    #[test]
    fn bisected_slips_place_every_block_as_the_linear_count_does() {
        let l = Layout::new(&crate::drive::DriveSpec::cheetah_9lp());
        for z in &l.zones {
            assert!(z.slips_distinct);
            let linear = Zone { slips_distinct: false, ..z.clone() };
            // Every block around each slip, and a stride through the zone.
            let near = z.slips.iter().flat_map(|&s| s.saturating_sub(z.slips.len() as u64 + 2)..s + 2);
            let stride = (0..z.blocks).step_by(997);
            for rel in near.chain(stride).filter(|&r| r < z.blocks) {
                let lbn = z.first_lbn + rel;
                assert_eq!(Layout::phys_in_zone(z, lbn), Layout::phys_in_zone(&linear, lbn), "lbn {lbn}");
            }
        }
    }

    #[test]
    fn slips_push_later_blocks_one_sector_on() {
        let l = toy();
        let p = |lbn| l.ltop(lbn).1;
        assert_eq!(p(4), Pbn { cylinder: 0, head: 0, sector: 4 });
        assert_eq!(p(5), Pbn { cylinder: 0, head: 0, sector: 6 });
        // 15 → physical 16; 16 → 18 (past the slip at 17); 18 → 20 = cyl 1.
        assert_eq!(p(15), Pbn { cylinder: 0, head: 1, sector: 6 });
        assert_eq!(p(16), Pbn { cylinder: 0, head: 1, sector: 8 });
        assert_eq!(p(18), Pbn { cylinder: 1, head: 0, sector: 0 });
        // Zone 1 starts after 200 − 2 spares = 198 blocks and holds 160 − 2.
        assert_eq!(l.ltop(198), (1, Pbn { cylinder: 10, head: 0, sector: 0 }));
        assert_eq!(l.capacity, 198 + 158);
        // Track 0 holds LBNs 0..9 (one slip), track 1 10..18.
        assert_eq!(l.track_bounds(3), (0, 9));
        assert_eq!(l.track_bounds(9), (9, 18));
        assert_eq!(l.cylinder_bounds(12), (0, 18));
    }

    #[test]
    fn skews_turn_each_track_and_cylinder() {
        let l = toy();
        let w = (TURN / 10) as u32;
        // (0, 1): one track switch = 3 sectors; (1, 0, 2): one track switch,
        // one cylinder switch, 2 sectors = 9 sectors; (1, 1): 2 track
        // switches and a cylinder switch = 10 sectors, 6 units short of a
        // turn (w = 2^32 / 10 rounded down); (2, 1): 3 × 3 + 2 × 4 = 17
        // sectors, wrapping once, which adds the 6 units back: 7 sectors.
        assert_eq!(l.angle(0, Pbn { cylinder: 0, head: 1, sector: 0 }), 3 * w);
        assert_eq!(l.angle(0, Pbn { cylinder: 1, head: 0, sector: 2 }), 9 * w);
        assert_eq!(l.angle(0, Pbn { cylinder: 1, head: 1, sector: 0 }), 10 * w);
        assert_eq!(l.angle(0, Pbn { cylinder: 2, head: 1, sector: 0 }), 7 * w);
    }
}
