#!/usr/bin/env python3
"""Issue 22's checks: FFmpeg decodes what a viewer received at hand-offs of
scenarios/module-failure.json and scenarios/mixed-extent-sizes.json, and the
frames it shows twice or never agree with migrations.csv (run by .ci/run;
needs ffmpeg and target/release/vodsim; about 15 s).

    python3 scripts/test_ts_check.py [--vodsim PATH]
"""

import argparse
import csv
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("ts_check", ROOT / "scripts" / "ts-check.py")
tc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tc)

NO_WARNING = 'faults=[{"at_s":300,"kind":"module","module":0}]'
failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def simulate(vodsim, tmp, name, scenario, *sets):
    out = tmp / name
    cmd = [vodsim, "run", str(ROOT / "scenarios" / scenario), "--quiet", "--out", str(out)]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True)
    return out


def rows(run_dir):
    with open(run_dir / "migrations.csv", newline="") as f:
        return list(csv.DictReader(f))


def decoded(vodsim, tmp, run_dir, label, **pick):
    sched = tc.schedule(run_dir, vodsim, **pick)
    report = tc.check(sched, tmp / label, vodsim)
    problems = tc.judge(sched, report)
    print(f"     {label}: stream {sched['stream_id']} ({sched['outcome']}): "
          f"{report['decoded_frames']} frames decoded, {report['repeated_frames']} shown twice "
          f"(model {report['expected_repeated_frames']}), {report['missing_frames']} missing "
          f"(model {report['expected_missing_frames']}), {report['decode_errors']} decode errors, "
          f"{report['continuity_errors']} CC / {report['pcr_errors']} PCR errors")
    return sched, report, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vodsim", default=str(ROOT / "target" / "release" / "vodsim"))
    vodsim = ap.parse_args().vodsim
    tmp = Path(tempfile.mkdtemp(prefix="test-ts-check-"))

    # Synthetic transport streams: the PCR and continuity checks can fail.
    title_pkt = bytes([0x47, 0x01, 0x00, 0x30, 7, 0x10]) + tc.pcr_bytes(0) + b"\xff" * 176
    def at(slot, cc, disc=False):
        p = bytearray(title_pkt)
        p[3] = 0x30 | cc
        p[5] = 0x10 | (0x80 if disc else 0)
        p[6:12] = tc.pcr_bytes(slot * 1504 * 27_000_000 // 3_750_224)
        return bytes(p)
    clean = [at(k, k & 15) for k in range(10)]
    expect(tc.transport_errors(clean, 3_750_224)[:2] == ([], []), "a constant-rate stream has no CC or PCR error")
    jumped = clean[:5] + [at(k + 7, (k + 7) & 15) for k in range(5, 10)]
    cc_err, pcr_err, _ = tc.transport_errors(jumped, 3_750_224)
    expect(len(cc_err) == 1 and len(pcr_err) == 1, "a splice 7 packets on: one CC and one PCR error")
    jumped[5] = at(12, 12, disc=True)
    cc_err, pcr_err, _ = tc.transport_errors(jumped, 3_750_224)
    expect(cc_err == [] and pcr_err == [], "the same splice with the discontinuity indicator: none")

    # module-failure.json, warned: seamless hand-offs.
    warned = simulate(vodsim, tmp, "warned", "module-failure.json", "duration_s=320")
    sched, r, problems = decoded(vodsim, tmp, warned, "seamless", outcome="seamless")
    expect(not problems, f"seamless: decode agrees with the model {problems}")
    expect(r["decode_errors"] == 0 and r["unreadable_frames"] == 0, "seamless: FFmpeg reports no error")
    expect(r["repeated_frames"] == 0 and r["missing_frames"] == 0, "seamless: no frame repeated, none missing")
    expect(r["first_frame"] < r["destination_first_frame"] < r["last_frame"], "seamless: the window spans the transition")
    expect(r["continuity_errors"] == 0 and r["pcr_errors"] == 0, "seamless: no CC or PCR error")
    # The checker would notice content shown twice: the same decode judged
    # against a model that claims 0.5 s of duplicates disagrees.
    expect(tc.judge(dict(sched, duplicate_s=0.5), r) != [], "seamless decode vs a claimed 0.5 s duplicate: disagrees")

    # Without the warning: the protocol repeats content; the row repeating most.
    unwarned = simulate(vodsim, tmp, "unwarned", "module-failure.json", "duration_s=320", NO_WARNING)
    dup = max((r for r in rows(unwarned) if r["outcome"] == "duplicate"), key=lambda r: float(r["duplicate_s"]))
    sched, r, problems = decoded(vodsim, tmp, unwarned, "duplicate", stream=int(dup["stream_id"]), outcome="duplicate")
    expect(float(dup["duplicate_s"]) * tc.FPS >= 2, f"duplicate: a row with frames shown twice ({dup['duplicate_s']} s)")
    expect(abs(r["repeated_frames"] - float(dup["duplicate_s"]) * tc.FPS) <= 1, "duplicate: frames shown twice = duplicate_s within one frame")
    expect(r["missing_frames"] == 0, "duplicate: no frame missing")
    expect(not problems, f"duplicate: decode agrees with the model {problems}")

    # Naive: the in-flight extent is lost.
    naive = simulate(vodsim, tmp, "naive", "module-failure.json", "duration_s=320", "migration.policy=naive")
    sched, r, problems = decoded(vodsim, tmp, naive, "naive", outcome="lost")
    expect(sched["lost_s"] * tc.FPS >= 2, f"naive: a row with content lost ({sched['lost_s']} s)")
    expect(abs(r["missing_frames"] - sched["lost_s"] * tc.FPS) <= 1, "naive: frames missing = lost_s within one frame")
    expect(r["repeated_frames"] == 0, "naive: no frame repeated")
    expect(not problems, f"naive: decode agrees with the model {problems}")

    # A splice at an arbitrary packet (not a random-access point) damages
    # the picture; the same splice on one does not.
    # (The same schedule over a title whose random-access points lie 20
    # packets earlier: the destination starts inside an I-frame's PES, about
    # 45 packets long, whose tail FFmpeg joins to the source's cut picture.)
    r_moved = tc.check(sched, tmp / "naive-off-rap", vodsim, anchor=sched["destination_first_packet"] - 20)
    expect(r["decode_errors"] == 0, "naive: resuming on a random-access point decodes without error")
    expect(r_moved["decode_errors"] > 0,
           f"naive resumed 20 packets past the random-access point: FFmpeg reports damaged blocks "
           f"({r_moved['decode_errors']} FFmpeg errors, {r_moved['unreadable_frames']} frames whose number does not read back)")

    # mixed-extent-sizes.json: a packet-offset transition.
    mixed = simulate(vodsim, tmp, "mixed", "mixed-extent-sizes.json")
    row = next(i for i, r in enumerate(rows(mixed)) if r["discontinuity"] == "1" and r["outcome"] == "seamless")
    sched, r, problems = decoded(vodsim, tmp, mixed, "packet-offset", row=row)
    n_dst = sched["extent_packets"][sched["destination"]]
    expect(sched["packet_offset"] % n_dst != 0, "packet-offset: the transition is inside a destination extent")
    expect(r["discontinuity_indicator"], "packet-offset: the destination's first packet carries the discontinuity indicator")
    expect(r["decode_errors"] == 0 and r["pcr_errors"] == 0 and r["continuity_errors"] == 0,
           "packet-offset: decodes cleanly, no PCR or CC error")
    expect(r["repeated_frames"] == 0 and r["missing_frames"] == 0, "packet-offset: no frame repeated, none missing")
    expect(not problems, f"packet-offset: decode agrees with the model {problems}")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all ts checks passed")


if __name__ == "__main__":
    main()
