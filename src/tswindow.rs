//! `vodsim ts`: the packet schedule a viewer's set-top box received around
//! one hand-off, so that a real MPEG-2 decoder can judge the migration
//! (issue 22). `--out` writes it as a `.ts` file of synthetic packets that
//! name their title offsets ([`synthetic_ts`]) or, with `--title`, of the
//! title's real bytes ([`viewer_ts`]; `scripts/ts-check.py` encodes the title
//! and decodes the result with FFmpeg).
//!
//! The schedule is derived, not re-simulated: a finished run's
//! `manifest.json` holds the resolved scenario (bitrate, extent sizes,
//! random-access spacing; with bit-rate classes, `streams.csv` says which
//! class the stream is of) and its `migrations.csv` row holds the transition
//! packet and the packets lost or repeated at the hand-off, which fix where
//! the source's output stopped. Positions are title packet offsets (188-byte
//! packets from the title's start); the viewer's channel is a constant-rate
//! sequence of packet slots at the title's bitrate, so a slot with nothing
//! to send (the picture froze) is a null packet.

use crate::cli::CliError;
use crate::engine::SimDuration;
use crate::headend::transport::{Bitrate, time_to_packets};
use crate::scenario;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// What `vodsim ts` was asked for.
#[derive(Debug)]
pub struct TsArgs {
    pub run_dir: PathBuf,
    /// Only migrations of this stream.
    pub stream: Option<u32>,
    /// Only migrations with this outcome (`seamless`, `duplicate`, `lost`).
    pub outcome: Option<String>,
    /// The row of `migrations.csv` (0 = the first data row); overrides the
    /// filters.
    pub row: Option<usize>,
    /// Content shown on each side of the hand-off [s].
    pub window_s: f64,
}

/// Where a run of the viewer's packet slots came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    Source,
    /// Nothing: the picture froze (null packets on the channel).
    Nothing,
    Destination,
}

/// A run of consecutive packet slots of the viewer's channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: Feed,
    /// First slot of the run (slot 0: the window's first packet).
    pub slot: u64,
    /// Slots in the run.
    pub packets: u64,
    /// First title packet sent (consecutive packets follow); 0 for `None`.
    pub title_packet: u64,
    /// The first packet carries the discontinuity indicator.
    pub discontinuity: bool,
}

/// The schedule: the segments in slot order, and the JSON `vodsim ts`
/// prints (which holds them too).
#[derive(Debug)]
pub struct Schedule {
    pub segments: Vec<Segment>,
    pub json: Value,
}

/// One `migrations.csv` row, the columns the schedule needs.
#[derive(Debug)]
struct Row {
    index: usize,
    t_s: f64,
    policy: String,
    stream_id: u32,
    source: usize,
    destination: usize,
    outcome: String,
    packet_offset: u64,
    discontinuity: bool,
    lost_s: f64,
    duplicate_s: f64,
    stall_s: f64,
    lost_packets: u64,
    duplicate_packets: u64,
}

/// Where the viewer's picture came from around the hand-off.
#[derive(Debug, PartialEq, Eq)]
pub struct Splice {
    /// First title packet the viewer did not get from the source.
    pub source_stop: u64,
    /// First title packet the destination sent.
    pub destination_first: u64,
    /// Packet slots with nothing for the viewer between the two (a freeze).
    pub gap_slots: u64,
}

/// Where the source stopped and the destination started, from a hand-off's
/// transition packet `q`, the packets lost and repeated there, and its
/// stall in whole packet slots. A `naive` restart also loses the whole slot
/// that restarts at `q` (`policy.rs`, `naive_restart`): the destination's
/// first packet is the end of that slot, a slot of freeze later.
pub fn splice(naive: bool, q: u64, lost: u64, dup: u64, stall_slots: u64, n_dst: u64) -> Splice {
    if naive {
        let slot = n_dst - q % n_dst;
        let lost_at_resume = lost.saturating_sub(slot);
        Splice { source_stop: q.saturating_sub(lost_at_resume), destination_first: q + slot, gap_slots: stall_slots + slot }
    } else {
        Splice { source_stop: (q + dup).saturating_sub(lost), destination_first: q, gap_slots: stall_slots }
    }
}

fn bad(file: &Path, what: impl std::fmt::Display) -> CliError {
    CliError::BadInput(format!("{}: {what}", file.display()))
}

/// `bitrate_bps` of stream `id` in `streams.csv` at `path`.
fn stream_rate(path: &Path, id: u32) -> Result<u64, CliError> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
    let headers = rdr.headers().map_err(|e| bad(path, e))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| bad(path, format!("no column `{name}`")));
    let (id_col, rate_col) = (col("stream_id")?, col("bitrate_bps")?);
    for rec in rdr.records() {
        let rec = rec.map_err(|e| bad(path, e))?;
        if rec.get(id_col).and_then(|c| c.parse::<u32>().ok()) == Some(id) {
            let cell = rec.get(rate_col).unwrap_or("");
            return cell.parse().map_err(|_| bad(path, format!("stream {id}: bitrate_bps: expected an integer, got `{cell}`")));
        }
    }
    Err(bad(path, format!("no row for stream {id}")))
}

fn read_rows(path: &Path) -> Result<Vec<Row>, CliError> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
    let headers = rdr.headers().map_err(|e| bad(path, e))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).ok_or_else(|| bad(path, format!("no column `{name}`")));
    let names = [
        "t_s",
        "policy",
        "stream_id",
        "source",
        "destination",
        "outcome",
        "packet_offset",
        "discontinuity",
        "lost_s",
        "duplicate_s",
        "stall_s",
        "lost_packets",
        "duplicate_packets",
    ];
    let mut idx = Vec::with_capacity(names.len());
    for n in names {
        idx.push(col(n)?);
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| bad(path, e))?;
        let cell = |k: usize| rec.get(idx[k]).unwrap_or("");
        let num = |k: usize| -> Result<f64, CliError> {
            cell(k).parse::<f64>().map_err(|_| bad(path, format!("row {i}: {}: expected a number, got `{}`", names[k], cell(k))))
        };
        let int = |k: usize| -> Result<u64, CliError> {
            cell(k).parse::<u64>().map_err(|_| bad(path, format!("row {i}: {}: expected an integer, got `{}`", names[k], cell(k))))
        };
        // No destination: nothing reached the viewer from a second module.
        if cell(4).is_empty() {
            continue;
        }
        rows.push(Row {
            index: i,
            t_s: num(0)?,
            policy: cell(1).to_string(),
            stream_id: int(2)? as u32,
            source: int(3)? as usize,
            destination: int(4)? as usize,
            outcome: cell(5).to_string(),
            packet_offset: int(6)?,
            discontinuity: int(7)? != 0,
            lost_s: num(8)?,
            duplicate_s: num(9)?,
            stall_s: num(10)?,
            lost_packets: int(11)?,
            duplicate_packets: int(12)?,
        });
    }
    Ok(rows)
}

/// The schedule of `args` (its JSON documented in `docs/outputs.md`, "ts").
pub fn schedule(args: &TsArgs) -> Result<Schedule, CliError> {
    if !(args.window_s > 0.0 && args.window_s <= 60.0) {
        return Err(CliError::BadInput(format!("--window-s: expected a number of seconds in (0, 60], got {}", args.window_s)));
    }
    let manifest_path = args.run_dir.join("manifest.json");
    let text =
        std::fs::read_to_string(&manifest_path).map_err(|e| bad(&manifest_path, format!("cannot read: {e} (expected a run directory)")))?;
    let manifest: Value = serde_json::from_str(&text).map_err(|e| bad(&manifest_path, format!("malformed JSON: {e}")))?;
    let resolved = manifest.get("scenario").ok_or_else(|| bad(&manifest_path, "scenario: expected the resolved scenario"))?;
    let file = format!("{} (scenario)", manifest_path.display());
    let loaded = scenario::load_str(&file, &resolved.to_string(), &[], None)?;
    let sc = &loaded.scenario;
    let csv_path = args.run_dir.join("migrations.csv");
    let rows = read_rows(&csv_path)?;
    let row = match args.row {
        Some(n) => {
            rows.iter().find(|r| r.index == n).ok_or_else(|| bad(&csv_path, format!("--row {n}: no such row with a destination")))?
        }
        None => rows
            .iter()
            .filter(|r| matches!(r.outcome.as_str(), "seamless" | "duplicate" | "lost"))
            .filter(|r| args.stream.is_none_or(|s| r.stream_id == s))
            .filter(|r| args.outcome.as_ref().is_none_or(|o| &r.outcome == o))
            .min_by_key(|r| r.index)
            .ok_or_else(|| bad(&csv_path, "no finished migration with a destination matches --stream/--outcome"))?,
    };
    // The stream's bit-rate class (its rate in streams.csv): its packet
    // clock, extents and title length.
    let class = match sc.classes.len() {
        1 => &sc.classes[0],
        _ => {
            let rate = stream_rate(&args.run_dir.join("streams.csv"), row.stream_id)?;
            sc.classes.iter().find(|c| c.bitrate_bps == rate).ok_or_else(|| {
                bad(&args.run_dir.join("streams.csv"), format!("stream {}: bitrate_bps {rate} is no class of the scenario", row.stream_id))
            })?
        }
    };
    let bitrate = Bitrate::new(class.bitrate_bps);
    let n_modules = class.extent_packets.len();
    if row.source >= n_modules || row.destination >= n_modules {
        return Err(bad(&csv_path, format!("row {}: module out of range for {n_modules} modules", row.index)));
    }
    let n_dst = class.extent_packets[row.destination];
    // The stall of a hand-off within one packet time is the grace the
    // discontinuity indicator absorbs: no slot goes empty.
    let stall_slots = time_to_packets(SimDuration::from_secs_f64(row.stall_s), bitrate);
    let sp = splice(row.policy == "naive", row.packet_offset, row.lost_packets, row.duplicate_packets, stall_slots, n_dst);
    let window = time_to_packets(SimDuration::from_secs_f64(args.window_s), bitrate).max(1);
    let src_from = sp.source_stop.saturating_sub(window);
    let dst_end = (sp.destination_first + window).min(class.title_packets);
    let rap = time_to_packets(SimDuration::from_secs_f64(sc.raw.content.random_access_interval_s), bitrate).max(1);
    let mut segments =
        vec![Segment { from: Feed::Source, slot: 0, packets: sp.source_stop - src_from, title_packet: src_from, discontinuity: false }];
    let mut slot = sp.source_stop - src_from;
    if sp.gap_slots > 0 {
        segments.push(Segment { from: Feed::Nothing, slot, packets: sp.gap_slots, title_packet: 0, discontinuity: false });
        slot += sp.gap_slots;
    }
    segments.push(Segment {
        from: Feed::Destination,
        slot,
        packets: dst_end.saturating_sub(sp.destination_first),
        title_packet: sp.destination_first,
        discontinuity: row.discontinuity,
    });
    let seg_json: Vec<Value> = segments
        .iter()
        .map(|g| match g.from {
            Feed::Nothing => json!({ "from": "none", "slot": g.slot, "packets": g.packets }),
            f => json!({
                "from": if f == Feed::Source { "source" } else { "destination" },
                "module": if f == Feed::Source { row.source } else { row.destination },
                "slot": g.slot, "title_packet": g.title_packet, "packets": g.packets, "discontinuity": g.discontinuity,
            }),
        })
        .collect();
    let json = json!({
        "run": args.run_dir.display().to_string(),
        "row": row.index,
        "t_s": row.t_s,
        "stream_id": row.stream_id,
        "policy": row.policy,
        "outcome": row.outcome,
        "source": row.source,
        "destination": row.destination,
        "packet_offset": row.packet_offset,
        "discontinuity": row.discontinuity,
        "lost_s": row.lost_s,
        "duplicate_s": row.duplicate_s,
        "stall_s": row.stall_s,
        "lost_packets": row.lost_packets,
        "duplicate_packets": row.duplicate_packets,
        "bitrate_bps": class.bitrate_bps,
        "packet_bytes": 188,
        "random_access_packets": rap,
        "extent_packets": class.extent_packets,
        "title_packets": class.title_packets,
        "source_stop_packet": sp.source_stop,
        "destination_first_packet": sp.destination_first,
        "gap_slots": sp.gap_slots,
        "segments": seg_json,
    });
    Ok(Schedule { segments, json })
}

/// Bytes in a transport-stream packet.
const PKT: usize = 188;

/// The PID of every content packet of the synthetic stream.
pub const SYNTHETIC_PID: u16 = 0x0100;
/// What fills a synthetic packet's payload after its title offset.
pub const SYNTHETIC_FILLER: u8 = 0xA5;

/// A null packet (PID 0x1FFF): an empty slot of the viewer's channel.
fn null_packet() -> [u8; PKT] {
    let mut null = [0xFFu8; PKT];
    null[..4].copy_from_slice(&[0x47, 0x1F, 0xFF, 0x10]);
    null
}

/// The viewer's transport stream without the title's bytes: each content
/// slot a packet on [`SYNTHETIC_PID`] whose payload starts with the title
/// packet offset it stands for (8 bytes, big-endian), then
/// [`SYNTHETIC_FILLER`]; a null packet for each empty slot. The transport
/// processor (patent, FIG. 1, 150) multiplexes whatever module feeds it into
/// one output stream, so it, not the module, stamps the continuity counter:
/// it counts the packets it sends on the PID (0, 1, … mod 16; null packets
/// carry none), and a packet shown twice or one lost is content the viewer
/// sees, not a counter error. The destination's first packet carries an
/// adaptation field whose only flag is the discontinuity indicator where
/// the schedule sets it, as the destination module does at the transition.
pub fn synthetic_ts(segments: &[Segment]) -> Vec<u8> {
    let mut out = Vec::with_capacity(segments.iter().map(|g| g.packets as usize * PKT).sum());
    let mut cc = 0u8;
    for g in segments {
        for k in 0..g.packets {
            if g.from == Feed::Nothing {
                out.extend_from_slice(&null_packet());
                continue;
            }
            let mut p = [SYNTHETIC_FILLER; PKT];
            let disc = g.discontinuity && k == 0;
            // adaptation_field_control: payload only (0x10), or adaptation
            // field then payload (0x30).
            p[..4].copy_from_slice(&[0x47, (SYNTHETIC_PID >> 8) as u8, SYNTHETIC_PID as u8, if disc { 0x30 } else { 0x10 } | cc]);
            let mut at = 4;
            if disc {
                // adaptation_field_length 1, then its flags: the
                // discontinuity_indicator is the top bit (ISO/IEC 13818-1,
                // 2.4.3.4).
                p[4..6].copy_from_slice(&[1, 0x80]);
                at = 6;
            }
            p[at..at + 8].copy_from_slice(&(g.title_packet + k).to_be_bytes());
            out.extend_from_slice(&p);
            cc = (cc + 1) & 15;
        }
    }
    out
}

/// The viewer's transport stream: each slot of `segments` filled with the
/// title packet it carries, verbatim (a module plays its stored stream:
/// continuity counters and PCRs as stored), or with a null packet; the
/// destination's first packet gets the discontinuity indicator where the
/// schedule sets it. `title` holds title packets from `title_first` on.
pub fn viewer_ts(segments: &[Segment], title: &[u8], title_first: u64) -> Result<Vec<u8>, String> {
    if !title.len().is_multiple_of(PKT) {
        return Err(format!("{} bytes, expected whole 188-byte packets", title.len()));
    }
    if let Some(k) = (0..title.len() / PKT).find(|k| title[k * PKT] != 0x47) {
        return Err(format!("packet {k} (title packet {}) has no 0x47 sync byte", title_first + k as u64));
    }
    let have = title_first..title_first + (title.len() / PKT) as u64;
    let null = null_packet();
    let mut out = Vec::with_capacity(segments.iter().map(|g| g.packets as usize * PKT).sum());
    for g in segments {
        if g.from == Feed::Nothing {
            for _ in 0..g.packets {
                out.extend_from_slice(&null);
            }
            continue;
        }
        let need = g.title_packet..g.title_packet + g.packets;
        if need.start < have.start || need.end > have.end {
            return Err(format!("holds title packets {}..{}, the schedule needs {}..{}", have.start, have.end, need.start, need.end));
        }
        let from = (need.start - have.start) as usize * PKT;
        let at = out.len();
        out.extend_from_slice(&title[from..from + g.packets as usize * PKT]);
        if g.discontinuity && g.packets > 0 {
            // adaptation_field_control bit 0x20, a non-empty field, then the
            // discontinuity_indicator, the top bit of its flags (ISO/IEC
            // 13818-1, 2.4.3.4).
            let p = &mut out[at..at + PKT];
            if p[3] & 0x20 == 0 || p[4] == 0 {
                return Err(format!(
                    "title packet {} (the destination's first) has no adaptation field for the discontinuity indicator: a transition point must be a random-access point",
                    g.title_packet
                ));
            }
            p[5] |= 0x80;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seamless_hand_off_continues_at_the_packet_the_source_stopped_at() {
        // module-failure.json, stream 0: transition 5 116 662, nothing lost
        // or repeated, a 10 µs stall (less than one 401 µs packet slot).
        let s = splice(false, 5_116_662, 0, 0, 0, 4987);
        assert_eq!(s, Splice { source_stop: 5_116_662, destination_first: 5_116_662, gap_slots: 0 });
    }

    #[test]
    fn a_duplicate_hand_off_resumes_behind_where_the_source_stopped() {
        // No warning, stream 4: resumed at 433 869 with 3 762 packets shown
        // twice, so the source had reached 433 869 + 3 762 = 437 631.
        let s = splice(false, 433_869, 0, 3762, 674, 4987);
        assert_eq!(s, Splice { source_stop: 437_631, destination_first: 433_869, gap_slots: 674 });
    }

    #[test]
    fn a_naive_restart_loses_the_slot_it_restarts_in() {
        // Stream 0: restarted at the extent boundary 5 111 675 (= 1 025 ×
        // 4 987) with 4 987 packets lost, all of them the restarting slot:
        // the destination's first packet is one extent on, after a whole
        // slot of freeze.
        let s = splice(true, 5_111_675, 4987, 0, 0, 4987);
        assert_eq!(s, Splice { source_stop: 5_111_675, destination_first: 5_116_662, gap_slots: 4987 });
        // Stopped 100 packets early (the module died mid-slot): those 100
        // are lost too, before the freeze.
        let s = splice(true, 5_111_675, 5087, 0, 250, 4987);
        assert_eq!(s, Splice { source_stop: 5_111_575, destination_first: 5_116_662, gap_slots: 5237 });
    }

    fn packet(pid: u16, cc: u8, af: bool) -> [u8; PKT] {
        let mut p = [0u8; PKT];
        p[..4].copy_from_slice(&[0x47, (pid >> 8) as u8, pid as u8, if af { 0x30 } else { 0x10 } | cc]);
        if af {
            p[4] = 1;
            p[5] = 0x40; // random_access_indicator
        }
        p
    }

    #[test]
    fn the_viewer_gets_stored_packets_verbatim_nulls_when_frozen_and_the_indicator_on_the_destination_s_first() {
        // Title packets 100..110 on PID 0x100, CC = packet mod 16, each with
        // an adaptation field. Source 100..104, 2 null slots, destination
        // from 103 (one packet repeated) with the indicator.
        let title: Vec<u8> = (100u64..110).flat_map(|k| packet(0x100, (k % 16) as u8, true)).collect();
        let segs = [
            Segment { from: Feed::Source, slot: 0, packets: 4, title_packet: 100, discontinuity: false },
            Segment { from: Feed::Nothing, slot: 4, packets: 2, title_packet: 0, discontinuity: false },
            Segment { from: Feed::Destination, slot: 6, packets: 3, title_packet: 103, discontinuity: true },
        ];
        let out = match viewer_ts(&segs, &title, 100) {
            Ok(o) => o,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(out.len(), 9 * PKT);
        let cc: Vec<u8> = out.chunks(PKT).map(|p| p[3] & 15).collect();
        let pid: Vec<u16> = out.chunks(PKT).map(|p| u16::from(p[1] & 0x1F) << 8 | u16::from(p[2])).collect();
        assert_eq!(pid, [0x100, 0x100, 0x100, 0x100, 0x1FFF, 0x1FFF, 0x100, 0x100, 0x100]);
        // 100..=103 is CC 4..=7; 103..=105 again 7..=9: verbatim.
        assert_eq!(&cc[..4], &[4, 5, 6, 7]);
        assert_eq!(&cc[6..], &[7, 8, 9]);
        let flags: Vec<u8> = out.chunks(PKT).map(|p| p[5]).collect();
        assert_eq!(flags[6], 0xC0, "discontinuity + random access on the destination's first");
        assert_eq!((flags[3], flags[7]), (0x40, 0x40), "no other packet changed");
        assert_eq!(&out[7 * PKT..], &title[4 * PKT..6 * PKT]);
    }

    #[test]
    fn a_synthetic_stream_names_each_slot_s_title_packet_and_counts_continuity_in_the_viewer_s_order() {
        // Source 100..104, 2 null slots, destination from 103 (one packet
        // shown twice) with the indicator: 9 slots, 7 of them content.
        let segs = [
            Segment { from: Feed::Source, slot: 0, packets: 4, title_packet: 100, discontinuity: false },
            Segment { from: Feed::Nothing, slot: 4, packets: 2, title_packet: 0, discontinuity: false },
            Segment { from: Feed::Destination, slot: 6, packets: 3, title_packet: 103, discontinuity: true },
        ];
        let out = synthetic_ts(&segs);
        assert_eq!(out.len(), 9 * PKT);
        let pid: Vec<u16> = out.chunks(PKT).map(|p| u16::from(p[1] & 0x1F) << 8 | u16::from(p[2])).collect();
        assert_eq!(pid, [0x100, 0x100, 0x100, 0x100, 0x1FFF, 0x1FFF, 0x100, 0x100, 0x100]);
        let content: Vec<&[u8]> = out.chunks(PKT).filter(|p| p[1] != 0x1F).collect();
        // The counter counts content packets 0..=6 across the hand-off; the
        // repeat of 103 is in the payload only.
        assert_eq!(content.iter().map(|p| p[3] & 15).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5, 6]);
        let at = |p: &[u8]| if p[3] & 0x20 != 0 { 5 + usize::from(p[4]) } else { 4 };
        let offsets: Vec<u64> = content.iter().map(|p| u64::from_be_bytes(p[at(p)..at(p) + 8].try_into().expect("8 bytes"))).collect();
        assert_eq!(offsets, [100, 101, 102, 103, 103, 104, 105]);
        // Only the destination's first has an adaptation field: the
        // discontinuity indicator alone.
        let af: Vec<usize> = (0..content.len()).filter(|&k| content[k][3] & 0x20 != 0).collect();
        assert_eq!(af, [4]);
        assert_eq!((content[4][3], &content[4][4..6]), (0x34, &[1u8, 0x80][..]));
        assert!(content[4][14..].iter().chain(&content[0][12..]).all(|&b| b == SYNTHETIC_FILLER));
        // Without the indicator no packet has an adaptation field.
        let plain = [Segment { discontinuity: false, ..segs[2].clone() }];
        assert!(synthetic_ts(&plain).chunks(PKT).all(|p| p[3] & 0x30 == 0x10));
    }

    #[test]
    fn the_viewer_stream_refuses_a_title_that_lacks_the_packets_or_the_adaptation_field() {
        let title: Vec<u8> = (0u64..4).flat_map(|k| packet(0x100, k as u8, false)).collect();
        let dst =
            |first: u64, disc: bool| Segment { from: Feed::Destination, slot: 0, packets: 2, title_packet: first, discontinuity: disc };
        assert!(viewer_ts(&[dst(3, false)], &title, 0).is_err_and(|e| e.contains("needs 3..5")));
        assert!(viewer_ts(&[dst(1, true)], &title, 0).is_err_and(|e| e.contains("no adaptation field")));
        assert!(viewer_ts(&[dst(1, false)], &title, 0).is_ok());
        assert!(viewer_ts(&[dst(1, false)], &title[1..], 0).is_err_and(|e| e.contains("whole 188-byte")));
    }
}
