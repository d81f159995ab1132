//! `DriveSpec`: everything that decides a drive's service times, as plain
//! data. Loaded from DiskSim's parameter files (`disksim.rs`) or from the
//! project's own JSON (`DriveSpec::from_json`); every field carries its unit.

use super::error::DriveError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A disk drive: geometry, mechanism, interface and cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriveSpec {
    /// Free text naming the drive (DiskSim's block name when loaded from one).
    #[serde(default)]
    pub name: String,
    /// Data surfaces, one head each [count].
    pub surfaces: u32,
    /// Spindle speed [revolutions per minute].
    pub rpm: f64,
    /// Zones from the outer edge (cylinder 0) inwards, in LBN order.
    pub zones: Vec<ZoneSpec>,
    /// Where spare sectors sit and what a slip does (DiskSim's sparing scheme).
    #[serde(default)]
    pub sparing: Sparing,
    /// Seek time against distance.
    pub seek: SeekSpec,
    /// Time to switch to another surface of the same cylinder [ms].
    #[serde(default)]
    pub head_switch_ms: f64,
    /// Extra settling before writing after any move [ms].
    #[serde(default)]
    pub write_settle_ms: f64,
    /// Command processing overheads (all zero when absent).
    #[serde(default)]
    pub overhead: OverheadSpec,
    /// Host interface transfer, per sector; none means free.
    #[serde(default)]
    pub bus: Option<BusSpec>,
    /// On-board read cache with read-ahead; none means every read goes to the media.
    #[serde(default)]
    pub cache: Option<CacheSpec>,
}

/// One recording zone: a run of cylinders with the same sectors per track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    /// First cylinder of the zone [cylinder number].
    pub first_cylinder: u32,
    /// Last cylinder of the zone, inclusive [cylinder number].
    pub last_cylinder: u32,
    /// Physical sectors on every track of the zone [sectors].
    pub sectors_per_track: u32,
    /// Angle of the zone's first block from physical sector 0 of its track [sectors].
    #[serde(default)]
    pub first_block_offset_sectors: u32,
    /// Sectors reserved at the front of the zone, outside the LBN space [sectors].
    #[serde(default)]
    pub reserved_front_sectors: u64,
    /// Angular skew of the first block of a track after a head switch [sectors].
    #[serde(default)]
    pub track_skew_sectors: u32,
    /// Angular skew of the first block of a cylinder after a cylinder switch [sectors].
    #[serde(default)]
    pub cylinder_skew_sectors: u32,
    /// Spare sectors of the zone (at its end with `sectors_per_zone` sparing) [sectors].
    #[serde(default)]
    pub spare_sectors: u64,
    /// Physical sectors skipped over when the LBNs were laid out (defects
    /// found at format time), numbered from the zone's first physical sector
    /// [zone-relative physical sector numbers].
    #[serde(default)]
    pub slips: Vec<u64>,
}

/// Sparing schemes supported (DiskSim's `Sparing scheme used`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sparing {
    /// No spares; slips still shift later blocks within the zone (DiskSim 0).
    #[default]
    None,
    /// `spare_sectors` at the end of each zone; a slip shifts every later
    /// block of the zone by one sector (DiskSim 9, the Cheetah 9LP's).
    SectorsPerZone,
}

/// Seek time against distance in cylinders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SeekSpec {
    /// A measured table, linearly interpolated between points and
    /// extrapolated past the last two, as DiskSim's `extracted` seek type.
    Table {
        /// `[distance_cylinders, time_ms]` pairs, distances increasing from 1.
        points_cyl_ms: Vec<(u32, f64)>,
    },
    /// Ruemmler & Wilkes' two regimes: `a + b·√d` up to `split_cylinders`,
    /// `c + e·d` beyond (vodsim's formula disk).
    TwoRegime {
        /// Longest seek in the square-root regime [cylinders].
        split_cylinders: u32,
        /// Constant of the short regime [ms].
        short_a_ms: f64,
        /// Coefficient of √d [ms/√cylinder].
        short_b_ms: f64,
        /// Constant of the long regime [ms].
        long_c_ms: f64,
        /// Coefficient of d [ms/cylinder].
        long_e_ms: f64,
    },
}

/// Command overheads of the drive's controller, DiskSim's names in brackets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverheadSpec {
    /// Read served from the cache, previous command a read [ms] ("Read hit over. after read").
    #[serde(default)]
    pub read_hit_after_read_ms: f64,
    /// Read served from the cache, previous command a write [ms].
    #[serde(default)]
    pub read_hit_after_write_ms: f64,
    /// Read needing the media, previous command a read [ms] ("Read miss over. after read").
    #[serde(default)]
    pub read_miss_after_read_ms: f64,
    /// Read needing the media, previous command a write [ms].
    #[serde(default)]
    pub read_miss_after_write_ms: f64,
    /// Write, previous command a read [ms] ("Write miss over. after read").
    #[serde(default)]
    pub write_after_read_ms: f64,
    /// Write taken into a write-back cache, previous command a read [ms]
    /// ("Write hit over. after read").
    #[serde(default)]
    pub write_back_after_read_ms: f64,
    /// Write taken into a write-back cache, previous command a write [ms].
    #[serde(default)]
    pub write_back_after_write_ms: f64,
    /// Write, previous command a write [ms].
    #[serde(default)]
    pub write_after_write_ms: f64,
    /// Added to every command before the above [ms] ("Per-request overhead time").
    #[serde(default)]
    pub per_request_ms: f64,
    /// Between the last data and the completion message, reads [ms].
    #[serde(default)]
    pub read_completion_ms: f64,
    /// Between the last data and the completion message, writes [ms].
    #[serde(default)]
    pub write_completion_ms: f64,
}

/// The host interface.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSpec {
    /// Time to move one sector between the drive's buffer and the host
    /// [ms/sector] (DiskSim's "Bulk sector transfer time").
    pub sector_ms: f64,
}

/// The on-board cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Buffer segments, each caching one run of blocks [count].
    pub segments: u32,
    /// Capacity of a segment [sectors].
    pub segment_sectors: u64,
    /// How far the drive keeps reading past a read.
    pub read_ahead: ReadAhead,
    /// Cap on read-ahead past a request's end, except for `next_track` [sectors].
    #[serde(default)]
    pub max_read_ahead_sectors: u64,
    /// Writes complete once their data is in the buffer and reach the media
    /// afterwards (DiskSim's "Fast write level" above 0).
    #[serde(default)]
    pub write_back: bool,
}

/// Read-ahead policies (DiskSim's "Buffer continuous read" 0–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadAhead {
    /// Stop at the request's last block (0).
    None,
    /// To the end of the track holding the request's last block (1).
    TrackEnd,
    /// To the end of the cylinder holding the request's last block (2).
    CylinderEnd,
    /// Until the segment is full (3).
    SegmentEnd,
    /// To the end of the track holding the block after the request, one
    /// track further if the segment began on an earlier track (4, DEC).
    NextTrack,
}

/// `cheetah_9lp`'s description, generated from DiskSim's
/// `v1_validated.parv` (tests/it/drive.rs checks they still agree).
const CHEETAH_9LP_JSON: &str = include_str!("cheetah9lp.json");

impl DriveSpec {
    /// The Seagate Cheetah 9LP (ST39102LW, 9.1 GB, 10 045 rpm, 11 zones) as
    /// DiskSim's validated model describes it: layout with its slips, the
    /// measured seek table, a 3-segment read cache with read-ahead, 0.105
    /// ms/sector host transfer and ~0.28 ms command overheads. For the
    /// mechanism alone (DiskSim's `v4_mech`) set `overhead` to its default
    /// and `bus` and `cache` to `None`. Needs no file at run time.
    pub fn cheetah_9lp() -> DriveSpec {
        // A constant of the source, checked by a test, not input.
        serde_json::from_str(CHEETAH_9LP_JSON).expect("the embedded Cheetah 9LP description parses")
    }

    /// Reads the project's JSON drive description.
    pub fn from_json_file(path: &Path) -> Result<DriveSpec, DriveError> {
        let text = std::fs::read_to_string(path).map_err(|source| DriveError::Io { path: path.to_path_buf(), source })?;
        DriveSpec::from_json(path, &text)
    }

    /// Parses JSON text; `path` only names the source in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<DriveSpec, DriveError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let spec: DriveSpec = serde_path_to_error::deserialize(de).map_err(|e| DriveError::Json {
            path: path.to_path_buf(),
            field: e.path().to_string(),
            reason: e.inner().to_string(),
        })?;
        spec.validate().map_err(|(param, expected)| DriveError::Param { path: path.to_path_buf(), param, expected })?;
        Ok(spec)
    }

    /// Total blocks the zones map [sectors].
    pub fn capacity_sectors(&self) -> u64 {
        self.zones.iter().map(|z| self.zone_blocks(z)).sum()
    }

    /// Blocks mapped by zone `z` (DiskSim's `blksinband`) [sectors].
    pub(crate) fn zone_blocks(&self, z: &ZoneSpec) -> u64 {
        let cyls = u64::from(z.last_cylinder.saturating_sub(z.first_cylinder)) + 1;
        let raw = cyls * u64::from(self.surfaces) * u64::from(z.sectors_per_track);
        let spare = match self.sparing {
            Sparing::None => 0,
            Sparing::SectorsPerZone => z.spare_sectors,
        };
        raw.saturating_sub(z.reserved_front_sectors).saturating_sub(spare)
    }

    /// `Ok`, or the first field (JSON path) that cannot describe a drive and
    /// what it should be.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let bad = |f: &str, e: &str| Err((f.to_string(), e.to_string()));
        let nonneg = |v: f64| v.is_finite() && v >= 0.0;
        if self.surfaces == 0 || self.surfaces > 255 {
            return bad("surfaces", "an integer in 1..=255");
        }
        if !(self.rpm.is_finite() && self.rpm >= 1.0) {
            return bad("rpm", "a number >= 1");
        }
        if self.zones.is_empty() {
            return bad("zones", "at least one zone");
        }
        let mut next_cyl = 0u32;
        for (i, z) in self.zones.iter().enumerate() {
            let f = |name: &str| format!("zones[{i}].{name}");
            if i > 0 && z.first_cylinder < next_cyl {
                return Err((f("first_cylinder"), format!("a cylinder after the previous zone's last, {}", next_cyl - 1)));
            }
            if z.last_cylinder < z.first_cylinder {
                return Err((f("last_cylinder"), format!("a cylinder >= first_cylinder {}", z.first_cylinder)));
            }
            next_cyl = z.last_cylinder.saturating_add(1);
            if z.sectors_per_track == 0 || z.sectors_per_track > 1 << 20 {
                return Err((f("sectors_per_track"), "an integer in 1..=1048576".into()));
            }
            let raw = (u64::from(z.last_cylinder - z.first_cylinder) + 1) * u64::from(self.surfaces) * u64::from(z.sectors_per_track);
            if z.reserved_front_sectors + z.spare_sectors + z.slips.len() as u64 >= raw {
                return Err((f("spare_sectors"), "reserved, spare and slipped sectors fewer than the zone's sectors".into()));
            }
            if let Some(s) = z.slips.iter().find(|&&s| s >= raw) {
                return Err((f("slips"), format!("physical sectors below {raw}, got {s}")));
            }
        }
        match &self.seek {
            SeekSpec::Table { points_cyl_ms } => {
                if points_cyl_ms.len() < 2 {
                    return bad("seek.table.points_cyl_ms", "at least two [distance_cylinders, time_ms] points");
                }
                let mut last = 0u32;
                for (i, &(d, ms)) in points_cyl_ms.iter().enumerate() {
                    if d <= last {
                        return Err((
                            format!("seek.table.points_cyl_ms[{i}]"),
                            format!("distances increasing from 1, got {d} after {last}"),
                        ));
                    }
                    if !nonneg(ms) {
                        return Err((format!("seek.table.points_cyl_ms[{i}]"), "a finite time >= 0 ms".into()));
                    }
                    last = d;
                }
            }
            SeekSpec::TwoRegime { short_a_ms, short_b_ms, long_c_ms, long_e_ms, .. } => {
                for (n, v) in [("short_a_ms", short_a_ms), ("short_b_ms", short_b_ms), ("long_c_ms", long_c_ms), ("long_e_ms", long_e_ms)] {
                    if !nonneg(*v) {
                        return Err((format!("seek.two_regime.{n}"), "a finite number >= 0".into()));
                    }
                }
            }
        }
        if !nonneg(self.head_switch_ms) {
            return bad("head_switch_ms", "a finite number >= 0");
        }
        if !nonneg(self.write_settle_ms) {
            return bad("write_settle_ms", "a finite number >= 0");
        }
        let o = &self.overhead;
        for (n, v) in [
            ("read_hit_after_read_ms", o.read_hit_after_read_ms),
            ("read_hit_after_write_ms", o.read_hit_after_write_ms),
            ("read_miss_after_read_ms", o.read_miss_after_read_ms),
            ("read_miss_after_write_ms", o.read_miss_after_write_ms),
            ("write_after_read_ms", o.write_after_read_ms),
            ("write_after_write_ms", o.write_after_write_ms),
            ("write_back_after_read_ms", o.write_back_after_read_ms),
            ("write_back_after_write_ms", o.write_back_after_write_ms),
            ("per_request_ms", o.per_request_ms),
            ("read_completion_ms", o.read_completion_ms),
            ("write_completion_ms", o.write_completion_ms),
        ] {
            if !nonneg(v) {
                return Err((format!("overhead.{n}"), "a finite number >= 0".into()));
            }
        }
        if let Some(b) = &self.bus
            && !nonneg(b.sector_ms)
        {
            return bad("bus.sector_ms", "a finite number >= 0");
        }
        if let Some(c) = &self.cache {
            if c.segments == 0 {
                return bad("cache.segments", "an integer >= 1");
            }
            if c.segment_sectors == 0 {
                return bad("cache.segment_sectors", "an integer >= 1");
            }
        }
        Ok(())
    }
}

/// Two surfaces, two zones of 10 cylinders (10 then 8 sectors per track,
/// skews 3 and 4 sectors, 2 spares each), slips at physical sectors 5 and
/// 17 of zone 0, 6 000 rpm, seeks 1 ms (1 cylinder) to 3 ms (19).
#[cfg(test)]
pub(crate) fn toy_spec() -> DriveSpec {
    let zone = |first, last, spt, slips: Vec<u64>| ZoneSpec {
        first_cylinder: first,
        last_cylinder: last,
        sectors_per_track: spt,
        first_block_offset_sectors: 0,
        reserved_front_sectors: 0,
        track_skew_sectors: 3,
        cylinder_skew_sectors: 4,
        spare_sectors: 2,
        slips,
    };
    DriveSpec {
        name: "toy".into(),
        surfaces: 2,
        rpm: 6000.0,
        zones: vec![zone(0, 9, 10, vec![17, 5]), zone(10, 19, 8, vec![])],
        sparing: Sparing::SectorsPerZone,
        seek: SeekSpec::Table { points_cyl_ms: vec![(1, 1.0), (19, 3.0)] },
        head_switch_ms: 0.03,
        write_settle_ms: 0.0,
        overhead: OverheadSpec::default(),
        bus: None,
        cache: None,
    }
}
