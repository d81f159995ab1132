#!/usr/bin/env python3
"""CI check of vodsim's drive model against DiskSim on a fresh random trace.

Writes a random DiskSim ASCII trace (sizes 8..4096 sectors, block numbers
uniform over the Cheetah 9LP's capacity, a seed of its own printed in the
log), replays it with DiskSim's closed-loop driver and with `vodsim
disk-replay` under v4_mech and v1_validated, and checks mean, p5, p50 and
p95 of the response time within 2 %. Exits 1 on a failure, 2 on bad usage.

    scripts/disk-check.py --vodsim target/release/vodsim [--seed N] [--requests N]
"""
import argparse
import math
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "reference", "disksim"))
# The model's "Block count" (DiskSim maps a few more: 17 918 387).
CAPACITY = 17783240
TOLERANCE = 0.02


def stats(xs):
    v = sorted(xs)
    rank = lambda p: v[max(1, math.ceil(p / 100 * len(v))) - 1]
    return {"mean": sum(v) / len(v), "p5": rank(5), "p50": rank(50), "p95": rank(95)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vodsim", required=True, help="the vodsim binary")
    ap.add_argument("--seed", type=int, default=None, help="trace seed [default: random]")
    ap.add_argument("--requests", type=int, default=500)
    a = ap.parse_args()
    if not os.path.isfile(os.path.join(REF, "bin", "disksim-closedloop")):
        print(f"disk-check: DiskSim reference not found at {REF}", file=sys.stderr)
        return 2
    seed = a.seed if a.seed is not None else random.SystemRandom().randrange(1 << 31)
    print(f"disk-check: seed {seed}, {a.requests} requests (rerun: scripts/disk-check.py --vodsim {a.vodsim} --seed {seed})")
    rng = random.Random(seed)
    tmp = tempfile.mkdtemp(prefix="disk-check-")
    trace = os.path.join(tmp, "random.trace")
    with open(trace, "w") as f:
        for i in range(a.requests):
            n = rng.randint(8, 4096)
            f.write(f"{1000.0 * (i + 1):.6f}\t0\t{rng.randrange(CAPACITY - n)}\t{n}\t1\n")
    failed = False
    for variant in ["v4_mech", "v1_validated"]:
        ds = subprocess.run(
            [os.path.join(REF, "bin", "disksim-closedloop"), f"{variant}.parv", os.path.join(tmp, f"{variant}.outv"), trace],
            cwd=os.path.join(REF, "model"), capture_output=True, text=True)
        if ds.returncode != 0:
            print(f"disk-check: disksim-closedloop failed under {variant}:\n{ds.stderr}", file=sys.stderr)
            return 1
        theirs = [float(l.split()[5]) for l in ds.stdout.splitlines() if l.strip()]
        vs = subprocess.run([a.vodsim, "disk-replay", "--disk", os.path.join(REF, "model", f"{variant}.parv"), trace],
                            capture_output=True, text=True)
        if vs.returncode != 0:
            print(f"disk-check: vodsim disk-replay failed under {variant}:\n{vs.stderr}", file=sys.stderr)
            return 1
        rows = vs.stdout.splitlines()
        col = rows[0].split(",").index("response_ms")
        ours = [float(r.split(",")[col]) for r in rows[1:]]
        if len(ours) != len(theirs):
            print(f"disk-check: {variant}: {len(ours)} rows from vodsim, {len(theirs)} from DiskSim", file=sys.stderr)
            return 1
        o, t = stats(ours), stats(theirs)
        close = sum(abs(x - y) <= 0.5 for x, y in zip(ours, theirs)) / len(ours)
        closer = sum(abs(x - y) <= 0.1 for x, y in zip(ours, theirs)) / len(ours)
        for k in ["mean", "p5", "p50", "p95"]:
            err = (o[k] - t[k]) / t[k]
            ok = abs(err) <= TOLERANCE
            failed |= not ok
            print(f"  {variant:13s} {k:4s} vodsim {o[k]:9.3f} ms  DiskSim {t[k]:9.3f} ms  {100 * err:+6.2f} %  {'ok' if ok else 'FAIL'}")
        print(f"  {variant:13s} requests within 0.5 ms: {100 * close:.1f} %, within 0.1 ms: {100 * closer:.1f} %")
    if failed:
        print(f"disk-check: FAILED (seed {seed}; files in {tmp})", file=sys.stderr)
        return 1
    print("disk-check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
