#!/usr/bin/env python3
"""Decode what a viewer received around one hand-off with FFmpeg, and judge it.

    python3 scripts/ts-check.py RUN_DIR [--stream ID] [--outcome O] [--row N]
        [--window-s S] [--out DIR] [--strip FILE.png] [--check] [--json]
    python3 scripts/ts-check.py RUN_DIR --all [--check]   # every hand-off

1. `vodsim ts RUN_DIR ...` gives the packet schedule: title packets
   [a, b) from the source, a freeze of k empty slots, title packets [c, d)
   from the destination (duplicates when c < b, a gap when c > b).
2. The title's content over that window is made here: FFmpeg encodes a
   test pattern (testsrc, 256x144, 24 frame/s, MPEG-2 video, no B-frames,
   an I-frame every 12 frames) that shows the title's frame number twice:
   as text, and as a 16-bit binary pattern with its complement (two rows of
   16x16 blocks at the top) that this script reads back from the decoded
   pixels, no OCR. The script multiplexes it itself into a constant-rate
   MPEG-2 transport stream at the scenario's bitrate, so that packet
   offsets are title time exactly: frame i of the title fills the packet
   slots [R + floor(i*f), R + floor((i+1)*f)) (f packets per frame, null
   packets after the frame's PES), R being the destination's first packet.
   Every I-frame's first packet carries an adaptation field with a PCR and
   the random_access_indicator, PAT and PMT just before it, so the packet
   the model resumes on is a random-access point, as the patent asks of a
   transition point; every frame's first packet carries a PCR.
3. The viewer's bytes: `vodsim ts RUN_DIR --title title.ts --out FILE.ts`
   fills each slot of the schedule with the title's packet verbatim (as a
   server module plays its stored transport stream: continuity counters and
   PCRs as stored) or with a null packet, and sets the discontinuity
   indicator on the destination's first packet where the model sets it.
   The checker cuts the file to begin and end at a random-access point (a
   set-top box tunes in at one).
4. Checks: `ffmpeg -v error` decoding it (every line it prints is a decode
   or demux error); the frame numbers decoded, in order (frames shown twice,
   frames missing, frames unreadable = damaged); and a transport-level pass
   over the bytes: continuity-counter errors and PCR errors (a PCR more than
   500 ns off the constant-rate packet clock since the previous PCR, not
   announced by a discontinuity indicator), as ETSI TR 101 290 defines them.

With --check, exits 1 unless what FFmpeg decoded agrees with what
migrations.csv says of the hand-off: frames shown twice = duplicate_s and
frames missing = lost_s, each within one frame (at 24 frame/s); a
`seamless` hand-off also decodes with no error of any kind, and one with the
discontinuity indicator shows no PCR or continuity error. A hand-off that
repeats or loses content is spliced at an arbitrary packet on the source's
side, so FFmpeg reports the damaged frame there; the model sets no
discontinuity indicator on those, so the PCR and continuity errors found
there are reported, not failed.

--strip FILE.png: 8 decoded frames around the transition (the destination's
first frame fifth), tiled with FFmpeg's tile filter.
"""

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

FPS = 24
GOP = 12  # frames: a random-access point every 0.5 s
WIDTH, HEIGHT = 256, 144
BITS = 16
PKT = 188
PID_PAT, PID_PMT, PID_VIDEO, PID_NULL = 0x0000, 0x1000, 0x0100, 0x1FFF
PTS_DELAY_90K = 18000  # 0.2 s from a frame's first packet to its display
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
ROOT = Path(__file__).resolve().parent.parent


class Failure(Exception):
    """A check that cannot be made; `code` is the exit status (2: bad input)."""

    def __init__(self, msg, code):
        super().__init__(msg)
        self.code = code


def die(msg, code=2):
    raise Failure(msg, code)


# ---------------------------------------------------------------- content

def encode_frames(first_frame, count, cache_dir):
    """MPEG-2 video frames `first_frame`.. of the test title, one bytes per frame."""
    cache = cache_dir / f"title-{first_frame}-{count}.m2v"
    if not cache.exists():
        boxes = ["drawbox=x=0:y=0:w=256:h=32:color=black:t=fill"]
        for b in range(BITS):
            bit = f"mod(floor((n+{first_frame})/pow(2\\,{b}))\\,65536)"
            for row, want in ((0, 1), (1, 0)):
                boxes.append(
                    f"drawbox=x={16 * b}:y={16 * row}:w=16:h=16:color=white:t=fill:"
                    f"enable='eq(mod({bit}\\,2)\\,{want})'")
        text = ""
        if os.path.exists(FONT):
            text = (f",drawtext=fontfile={FONT}:text='%{{eif\\:n+{first_frame}\\:d}}':"
                    "x=8:y=40:fontsize=48:fontcolor=white:box=1:boxcolor=black")
        vf = ",".join(boxes) + text
        tmp = cache.with_suffix(".part")
        run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             f"testsrc=size={WIDTH}x{HEIGHT}:rate={FPS}", "-frames:v", str(count), "-vf", vf,
             "-c:v", "mpeg2video", "-g", str(GOP), "-bf", "0", "-flags", "+cgop",
             "-sc_threshold", "1000000000", "-qscale:v", "3", "-f", "mpeg2video", str(tmp)])
        tmp.rename(cache)
    es = cache.read_bytes()
    frames = split_pictures(es)
    if len(frames) != count:
        die(f"{cache}: expected {count} pictures, found {len(frames)}", 1)
    return frames


def split_pictures(es):
    """Cuts an MPEG-2 video elementary stream into access units: a picture
    with the sequence and GOP headers before it."""
    starts, i = [], es.find(b"\x00\x00\x01")
    while i >= 0:
        starts.append((i, es[i + 3]))
        i = es.find(b"\x00\x00\x01", i + 3)
    units, begin, has_picture = [], 0, False
    for pos, code in starts:
        if code in (0xB3, 0xB8, 0x00) and has_picture:
            units.append(es[begin:pos])
            begin, has_picture = pos, False
        if code == 0x00:
            has_picture = True
        if code == 0xB7:  # sequence end: not part of any picture
            units.append(es[begin:pos])
            begin, has_picture = None, False
            break
    if begin is not None and has_picture:
        units.append(es[begin:])
    return units


# ---------------------------------------------------------------- multiplex

def crc32_mpeg(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
    return crc


def section_packet(pid, section, cc):
    body = section + crc32_mpeg(section).to_bytes(4, "big")
    payload = b"\x00" + body
    head = bytes([0x47, 0x40 | (pid >> 8), pid & 0xFF, 0x10 | cc])
    return head + payload + b"\xff" * (184 - len(payload))


def pat_packet(cc):
    sec = bytes([0x00, 0xB0, 13, 0x00, 0x01, 0xC1, 0x00, 0x00,
                 0x00, 0x01, 0xE0 | (PID_PMT >> 8), PID_PMT & 0xFF])
    return section_packet(PID_PAT, sec, cc)


def pmt_packet(cc):
    sec = bytes([0x02, 0xB0, 18, 0x00, 0x01, 0xC1, 0x00, 0x00,
                 0xE0 | (PID_VIDEO >> 8), PID_VIDEO & 0xFF, 0xF0, 0x00,
                 0x02, 0xE0 | (PID_VIDEO >> 8), PID_VIDEO & 0xFF, 0xF0, 0x00])
    return section_packet(PID_PMT, sec, cc)


NULL_PACKET = bytes([0x47, 0x1F, 0xFF, 0x10]) + b"\xff" * 184


def pcr_bytes(pcr):
    base, ext = (pcr // 300) % (1 << 33), pcr % 300
    return bytes([(base >> 25) & 0xFF, (base >> 17) & 0xFF, (base >> 9) & 0xFF, (base >> 1) & 0xFF,
                  ((base & 1) << 7) | 0x7E | (ext >> 8), ext & 0xFF])


def pts_bytes(pts):
    pts %= 1 << 33
    return bytes([0x21 | ((pts >> 29) & 0x0E), (pts >> 22) & 0xFF, 0x01 | ((pts >> 14) & 0xFE),
                  (pts >> 7) & 0xFF, 0x01 | ((pts << 1) & 0xFE)])


def pes_packets(frame, pts, pcr, key, cc):
    """TS packets of one picture's PES; the first carries a PCR (and the
    random_access_indicator on an I-frame). Returns (packets, next cc)."""
    data = b"\x00\x00\x01\xE0\x00\x00\x80\x80\x05" + pts_bytes(pts) + frame
    out, first = [], True
    while data:
        af = b""
        if first:
            af = bytes([0x10 | (0x40 if key else 0)]) + pcr_bytes(pcr)
        room = 184 - (1 + len(af) if af else 0)
        if len(data) < room:
            # Stuff the adaptation field so the last packet is full.
            if not af:
                need = 184 - len(data)
                af_field = bytes([need - 1]) + (bytes([0x00]) + b"\xff" * (need - 2) if need >= 2 else b"")
            else:
                af += b"\xff" * (room - len(data))
                af_field = bytes([len(af)]) + af
        elif af:
            af_field = bytes([len(af)]) + af
        else:
            af_field = b""
        take = 184 - len(af_field)
        chunk, data = data[:take], data[take:]
        afc = 0x30 if af_field else 0x10
        head = bytes([0x47, (0x40 if first else 0) | (PID_VIDEO >> 8), PID_VIDEO & 0xFF, afc | cc])
        pkt = head + af_field + chunk
        assert len(pkt) == PKT, len(pkt)
        out.append(pkt)
        cc, first = (cc + 1) & 15, False
    return out, cc


class Title:
    """The title's transport stream over [first_packet, end_packet)."""

    def __init__(self, sched, cache_dir, anchor=None):
        self.bitrate = sched["bitrate_bps"]
        self.ppf = self.bitrate / (PKT * 8) / FPS  # packet slots per frame
        self.anchor = sched["destination_first_packet"] if anchor is None else anchor
        spans = [(s["title_packet"], s["title_packet"] + s["packets"]) for s in sched["segments"] if s["from"] != "none"]
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        i_min = (math.floor((lo - self.anchor) / self.ppf) - 2 * GOP) // GOP * GOP
        i_max = math.ceil((hi - self.anchor) / self.ppf) + 2 * GOP
        self.frame0 = round(self.anchor / self.ppf)  # title frame number of frame i = 0
        # Near the title's start the window begins with its first frame;
        # packets before it (if the schedule asks for any) are null packets.
        while self.slot(i_min) < 0 or self.frame0 + i_min < 0:
            i_min += GOP
        self.i_min = i_min
        frames = encode_frames(self.frame0 + i_min, i_max - i_min + 1, cache_dir)
        self.first_packet = max(0, min(lo, self.slot(i_min)))
        self.packets = [NULL_PACKET] * (self.slot(i_min) - self.first_packet)
        cc = {PID_PAT: 0, PID_PMT: 0, PID_VIDEO: 0}
        # PAT and PMT go in the two slots before each I-frame.
        for k, frame in enumerate(frames[:-1]):
            i = i_min + k
            start, end = self.slot(i), self.slot(i + 1)
            pts = self.pcr(start) // 300 + PTS_DELAY_90K
            pes, cc[PID_VIDEO] = pes_packets(frame, pts, self.pcr(start), i % GOP == 0, cc[PID_VIDEO])
            # The window's first frame (the title's, near its start) has no
            # slot before it: its PAT and PMT lead its own slot.
            head, tail = [], []
            if k == 0:
                head = self.psi(cc)
            if (i + 1) % GOP == 0:
                tail = self.psi(cc)
            room = end - start - len(head) - len(tail)
            if len(pes) > room:
                die(f"frame {self.frame0 + i}: {len(pes)} packets, its slot holds {room}", 1)
            self.packets += head + pes + [NULL_PACKET] * (room - len(pes)) + tail
        self.end_packet = self.first_packet + len(self.packets)

    @staticmethod
    def psi(cc):
        """PAT and PMT, advancing their continuity counters in `cc`."""
        out = [pat_packet(cc[PID_PAT]), pmt_packet(cc[PID_PMT])]
        cc[PID_PAT], cc[PID_PMT] = (cc[PID_PAT] + 1) & 15, (cc[PID_PMT] + 1) & 15
        return out

    def slot(self, i):
        """First packet slot of frame i."""
        return self.anchor + math.floor(i * self.ppf)

    def pcr(self, packet):
        """The title's 27 MHz clock at packet offset `packet`: constant rate."""
        return packet * PKT * 8 * 27_000_000 // self.bitrate

    def get(self, packet):
        if not self.first_packet <= packet < self.end_packet:
            die(f"title packet {packet} outside the generated window", 1)
        return self.packets[packet - self.first_packet]


def viewer_bytes(sched, title, vodsim, out_dir):
    """The viewer's packets as `vodsim ts --title --out` writes them, with
    where each came from (source, none, destination), trimmed to start and
    end at a random-access point."""
    title_path, full = out_dir / "title.ts", out_dir / "viewer-window.ts"
    title_path.write_bytes(b"".join(title.packets))
    run([vodsim, "ts", sched["run"], "--row", str(sched["row"]), "--window-s", str(sched["window_s"]),
         "--title", str(title_path), "--title-first-packet", str(title.first_packet), "--out", str(full)])
    data = full.read_bytes()
    packets = [data[k:k + PKT] for k in range(0, len(data), PKT)]
    feed = []
    for seg in sched["segments"]:
        feed += [seg["from"]] * seg["packets"]
    if len(feed) != len(packets):
        die(f"{full}: {len(packets)} packets, the schedule has {len(feed)} slots", 1)
    out = list(zip(packets, feed))
    # Tune in at the first PAT (just before an I-frame), stop before the last.
    pats = [k for k, (pkt, _) in enumerate(out) if pid_of(pkt) == PID_PAT]
    if len(pats) < 2:
        die("window too short: fewer than two random-access points", 1)
    out, dst = out[pats[0]:pats[-1]], sched["segments"][-1]
    if not any(src == "destination" for _, src in out):
        die(f"the destination sent {dst['packets']} packet(s) before the title's end at "
            f"{sched['title_packets']}: too few to decode (the next title is not part of the window)", 1)
    return out, pats[0]


# ---------------------------------------------------------------- checks

def pid_of(pkt):
    return ((pkt[1] & 0x1F) << 8) | pkt[2]


def transport_errors(packets, bitrate):
    """Continuity-counter and PCR errors (TR 101 290 1.4 and 2.3): a PCR
    more than 500 ns from the previous one plus the constant-rate packet
    clock, without a discontinuity indicator."""
    cc_err, pcr_err, pcr_gap, last_cc, last_pcr = [], [], [], {}, None
    for slot, pkt in enumerate(packets):
        pid = pid_of(pkt)
        if pid == PID_NULL:
            continue
        afc, cc = (pkt[3] >> 4) & 3, pkt[3] & 15
        disc = bool(afc & 2 and pkt[4] > 0 and pkt[5] & 0x80)
        if afc & 1:
            prev = last_cc.get(pid)
            if prev is not None and not disc and cc != (prev + 1) & 15 and cc != prev:
                cc_err.append((slot, pid, prev, cc))
            last_cc[pid] = cc
        if afc & 2 and pkt[4] > 0 and pkt[5] & 0x10:
            b = pkt[6:12]
            base = (b[0] << 25) | (b[1] << 17) | (b[2] << 9) | (b[3] << 1) | (b[4] >> 7)
            pcr = base * 300 + (((b[4] & 1) << 8) | b[5])
            if last_pcr is not None and not disc:
                expect = last_pcr[1] + (slot - last_pcr[0]) * PKT * 8 * 27_000_000 / bitrate
                if abs(pcr - expect) > 0.5e-6 * 27e6:
                    pcr_err.append((slot, (pcr - expect) / 27e6))
                if (slot - last_pcr[0]) * PKT * 8 / bitrate > 0.1:
                    pcr_gap.append((slot, (slot - last_pcr[0]) * PKT * 8 / bitrate))
            last_pcr = (slot, pcr)
    return cc_err, pcr_err, pcr_gap


def decode(ts_path):
    """FFmpeg's error lines and the frame number of every decoded frame
    (None when the pattern does not read back: a damaged picture)."""
    p = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(ts_path), "-map", "0:v:0",
                        "-fps_mode", "passthrough", "-vf", f"crop={WIDTH}:32:0:0,setpts=N",
                        "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"], capture_output=True)
    if p.returncode != 0:
        die(f"ffmpeg failed on {ts_path}: {p.stderr.decode(errors='replace')}", 1)
    errors = [l for l in p.stderr.decode(errors="replace").splitlines() if l.strip()]
    size = WIDTH * 32
    numbers = []
    for k in range(len(p.stdout) // size):
        img = p.stdout[k * size:(k + 1) * size]
        rows = []
        for row in range(2):
            v = 0
            for b in range(BITS):
                px = [img[(16 * row + y) * WIDTH + 16 * b + x] for y in range(4, 12) for x in range(4, 12)]
                v |= (sum(px) / len(px) > 128) << b
            rows.append(v)
        numbers.append(rows[0] if rows[0] ^ rows[1] == 0xFFFF else None)
    return errors, numbers


def unwrap(numbers, near):
    """16-bit frame numbers back to title frame numbers, those nearest `near`."""
    out = []
    for n in numbers:
        if n is None:
            out.append(None)
        else:
            out.append(near + ((n - near + 32768) % 65536) - 32768)
    return out


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if p.returncode != 0:
        die(f"{' '.join(map(str, cmd))}: exit {p.returncode}: {p.stderr.decode(errors='replace')}",
            2 if p.returncode == 2 else 1)
    return p.stdout


def strip_png(ts_path, index, out_png):
    """8 decoded frames from `index` - 4, side by side."""
    a = max(0, index - 4)
    run(["ffmpeg", "-v", "error", "-y", "-nostdin", "-i", str(ts_path), "-map", "0:v:0",
         "-fps_mode", "passthrough",
         "-vf", f"select='between(n\\,{a}\\,{a + 7})',scale=192:108,tile=8x1:padding=2:color=gray",
         "-frames:v", "1", str(out_png)])


def check(sched, out_dir, vodsim, strip=None, anchor=None):
    """Builds the viewer's file in `out_dir`, decodes it and returns the
    report (without the verdict: see `judge`). `anchor` moves the title's
    random-access grid off the destination's first packet (a test's splice
    at an arbitrary packet)."""
    cache_dir = ROOT / "target" / "ts-check"
    cache_dir.mkdir(parents=True, exist_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    title = Title(sched, cache_dir, anchor)
    viewer, trimmed = viewer_bytes(sched, title, vodsim, out_dir)
    ts_path = out_dir / "viewer.ts"
    ts_path.write_bytes(b"".join(pkt for pkt, _ in viewer))
    (out_dir / "schedule.json").write_text(json.dumps(sched, indent=1))

    cc_err, pcr_err, pcr_gap = transport_errors([pkt for pkt, _ in viewer], title.bitrate)
    errors, raw_numbers = decode(ts_path)
    numbers = unwrap(raw_numbers, title.frame0)
    shown = [n for n in numbers if n is not None]
    repeated = len(shown) - len(set(shown))
    missing = (max(shown) - min(shown) + 1 - len(set(shown))) if shown else 0
    # The frame that starts at the destination's first packet (frame 0 of
    # the grid when the grid is anchored there).
    first_dst = title.frame0 + math.ceil((sched["destination_first_packet"] - title.anchor) / title.ppf)
    idx = max((k for k, n in enumerate(numbers) if n == first_dst), default=None)
    first_dst_pkt = next(pkt for pkt, src in viewer if src == "destination")
    disc_set = bool(first_dst_pkt[3] & 0x20 and first_dst_pkt[4] and first_dst_pkt[5] & 0x80)
    report = {
        "run": sched["run"], "row": sched["row"], "stream_id": sched["stream_id"], "policy": sched["policy"],
        "outcome": sched["outcome"], "file": str(ts_path), "packets": len(viewer),
        "tuned_in_after_packets": trimmed,
        "decoded_frames": len(numbers), "first_frame": min(shown, default=None),
        "last_frame": max(shown, default=None), "destination_first_frame": first_dst,
        "decode_errors": len(errors), "unreadable_frames": len(numbers) - len(shown),
        "repeated_frames": repeated, "expected_repeated_frames": round(sched["duplicate_s"] * FPS, 2),
        "missing_frames": missing, "expected_missing_frames": round(sched["lost_s"] * FPS, 2),
        "continuity_errors": len(cc_err), "pcr_errors": len(pcr_err), "pcr_gaps": len(pcr_gap),
        "discontinuity_indicator": disc_set, "model_discontinuity": sched["discontinuity"],
        "ffmpeg": errors[:10],
    }
    if strip:
        if idx is None:
            die("the destination's first frame was not decoded: no strip", 1)
        strip_png(ts_path, idx, strip)
        report["strip"] = str(strip)
    return report


def judge(sched, report):
    """Where the decode disagrees with migrations.csv (empty: it agrees)."""
    problems = []
    expect_dup, expect_lost = sched["duplicate_s"] * FPS, sched["lost_s"] * FPS
    if abs(report["repeated_frames"] - expect_dup) > 1:
        problems.append(f"{report['repeated_frames']} frames shown twice, migrations.csv says "
                        f"duplicate_s = {sched['duplicate_s']} ({expect_dup:.2f} frames)")
    if abs(report["missing_frames"] - expect_lost) > 1:
        problems.append(f"{report['missing_frames']} frames missing, migrations.csv says "
                        f"lost_s = {sched['lost_s']} ({expect_lost:.2f} frames)")
    if sched["outcome"] == "seamless":
        for key in ("decode_errors", "unreadable_frames", "continuity_errors", "pcr_errors", "pcr_gaps"):
            if report[key]:
                problems.append(f"seamless hand-off, yet {key} = {report[key]}")
    if sched["discontinuity"]:
        if not report["discontinuity_indicator"]:
            problems.append("the model sets the discontinuity indicator; the destination's first packet lacks it")
        if report["continuity_errors"] or report["pcr_errors"]:
            problems.append(f"discontinuity indicator set, yet {report['continuity_errors']} continuity "
                            f"and {report['pcr_errors']} PCR errors")
    return problems


def schedule(run_dir, vodsim, window_s=2.0, stream=None, outcome=None, row=None):
    """`vodsim ts`'s schedule of one hand-off of a finished run."""
    cmd = [vodsim, "ts", str(run_dir), "--window-s", str(window_s)]
    for flag, v in (("--stream", stream), ("--outcome", outcome), ("--row", row)):
        if v is not None:
            cmd += [flag, str(v)]
    sched = json.loads(run(cmd))
    sched["window_s"] = window_s
    return sched


def check_all(a, out_dir):
    """--all: every finished migration of the run, one line each."""
    with open(Path(a.run_dir) / "migrations.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    n = disagree = skipped = 0
    worst = 0.0
    for i, r in enumerate(rows):
        if r["outcome"] not in ("seamless", "duplicate", "lost") or not r["destination"]:
            continue
        try:
            sched = schedule(a.run_dir, a.vodsim, a.window_s, row=i)
            rep = check(sched, out_dir / f"row-{i}", a.vodsim)
        except Failure as e:
            skipped += 1
            print(f"row {i}: stream {r['stream_id']}: not checked: {e}")
            continue
        problems = judge(sched, rep)
        n += 1
        disagree += bool(problems)
        worst = max(worst, abs(rep["repeated_frames"] - sched["duplicate_s"] * FPS),
                    abs(rep["missing_frames"] - sched["lost_s"] * FPS))
        print(f"row {i}: stream {sched['stream_id']} {sched['outcome']}: {rep['repeated_frames']} frames twice "
              f"(model {rep['expected_repeated_frames']}), {rep['missing_frames']} missing "
              f"(model {rep['expected_missing_frames']}), {rep['decode_errors']} decode, "
              f"{rep['continuity_errors']} CC, {rep['pcr_errors']} PCR errors"
              + (f"; DISAGREES: {'; '.join(problems)}" if problems else ""))
    print(f"{n} hand-offs decoded, {disagree} disagree with migrations.csv, {skipped} not checked; "
          f"largest |frames - model| {worst:.2f}")
    return disagree == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--stream", type=int)
    ap.add_argument("--outcome")
    ap.add_argument("--row", type=int)
    ap.add_argument("--window-s", type=float, default=2.0)
    ap.add_argument("--vodsim", default=str(ROOT / "target" / "release" / "vodsim"))
    ap.add_argument("--out", help="directory for viewer.ts and schedule.json [default: a temporary one]")
    ap.add_argument("--strip", help="PNG: 8 decoded frames around the transition")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the decode agrees with migrations.csv")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--all", action="store_true", help="every finished migration of the run, one line each")
    a = ap.parse_args()
    out_dir = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="ts-check-"))
    if a.all:
        agrees = check_all(a, out_dir)
        if a.check and not agrees:
            sys.exit(1)
        return
    sched = schedule(a.run_dir, a.vodsim, a.window_s, a.stream, a.outcome, a.row)
    report = check(sched, out_dir, a.vodsim, a.strip)
    problems = judge(sched, report)
    report["agrees_with_model"] = not problems
    report["problems"] = problems
    if a.json:
        print(json.dumps(report, indent=1))
    else:
        for k, v in report.items():
            if k != "ffmpeg":
                print(f"{k}: {v}")
        for line in report["ffmpeg"]:
            print(f"ffmpeg: {line}")
    if a.check and problems:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"ts-check: {e}", file=sys.stderr)
        sys.exit(e.code)
