#!/usr/bin/env python3
"""Fuzz the vodsim command line: exit codes are 0, 1, 2, 130 or 143, never
anything else (a panic is 101, a signal a negative code here).

Each case mutates a shipped scenario (field types and ranges, missing and
extra fields, huge numbers, deep nesting, non-UTF-8 bytes, a byte-order
mark, truncation, duplicate keys) and runs `validate`, `run` (made short),
or `sweep --dry-run` on it, or runs a random argument vector (unknown
flags, non-UTF-8 bytes, huge and negative numbers); some cases run with
standard output closed or on /dev/full. Everything comes from one seeded
generator: case N of seed S is the same on every machine.

    scripts/fuzz-cli.py --bin target/release/vodsim --cases 100000 --seed 1

Prints a count per exit code and writes every failing case (scenario file
and command) under --keep (default fuzz-failures/); exits 1 if any.
"""

import argparse
import glob
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ALLOWED = {0, 1, 2, 130, 143}
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WEIRD_VALUES = [
    None, True, False, 0, -1, 1, 2, 0.5, -0.0, 1e-300, 1e-9, 1e308, -1e308, 1.7976931348623157e308,
    18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809,
    4294967295, 4294967296, 65536, 4096, 1024, 10000000, 100000000000, "", "x", "x" * 5000,
    "..", "/", "a/b", "\u0000", "\ud7ff", "protocol", "naive", "reconnect", "module", "disk",
    [], [1], [[]], {}, {"a": 1}, "1e400", "NaN",
]


def paths(v, prefix=()):
    """Every path into a JSON value (objects and lists)."""
    out = [prefix]
    if len(prefix) > 12:
        return out
    if isinstance(v, dict):
        for k, x in v.items():
            out += paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            out += paths(x, prefix + (i,))
    return out


def get_parent(doc, path):
    cur = doc
    for p in path[:-1]:
        cur = cur[p]
    return cur


def mutate_value(rng, doc):
    ps = [p for p in paths(doc) if p]
    if not ps:
        return doc
    path = rng.choice(ps)
    parent = get_parent(doc, path)
    kind = rng.randrange(7)
    if kind == 0:
        parent[path[-1]] = rng.choice(WEIRD_VALUES)
    elif kind == 1:
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    elif kind == 2 and isinstance(parent, dict):
        parent[rng.choice(["extra", "Seed", "duration", path[-1] + "_x", "faults"])] = rng.choice(WEIRD_VALUES)
    elif kind == 3:
        v = parent[path[-1]]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            parent[path[-1]] = rng.choice([v * 10 ** rng.randrange(1, 30), -v, v + 0.5, v * 1e-9, int(v) + 2**64])
    elif kind == 4:
        depth = rng.choice([10, 100, 127, 129, 1000, 5000])
        nested = 0
        for _ in range(depth):
            nested = [nested] if rng.random() < 0.5 else {"a": nested}
        parent[path[-1]] = nested
    elif kind == 5:
        parent[path[-1]] = [rng.choice(WEIRD_VALUES) for _ in range(rng.randrange(0, 5))]
    else:
        doc["faults"] = [
            {
                "at_s": rng.choice([0, 0.0, 1, doc.get("duration_s", 1), -1, 1e9]),
                "kind": rng.choice(["disk", "module", "buffer", "secondary-storage", "failure-likely", "smbus-burst", "x"]),
                "module": rng.choice([0, 1, 3, 4096, -1]),
                "disk": rng.choice([0, 1, 7, 2000]),
                **({"repair_after_s": rng.choice([0, 0.001, 5, -1])} if rng.random() < 0.5 else {}),
            }
            for _ in range(rng.randrange(0, 4))
        ]
    return doc


def scenario_bytes(rng, base):
    doc = json.loads(json.dumps(base))
    # Short runs: the fuzzer is after exit codes, not results.
    doc["duration_s"] = rng.choice([0.5, 1, 3])
    for _ in range(rng.randrange(1, 4)):
        doc = mutate_value(rng, doc)
    try:
        text = json.dumps(doc, indent=rng.choice([None, 2])).encode()
    except (RecursionError, ValueError):
        text = b"{}"
    kind = rng.randrange(10)
    if kind == 0:
        pos = rng.randrange(len(text) + 1)
        text = text[:pos] + bytes([rng.choice([0xFF, 0xC3, 0x80, 0xFE, 0x00])]) + text[pos:]
    elif kind == 1:
        text = b"\xef\xbb\xbf" + text
    elif kind == 2:
        text = text[: rng.randrange(len(text) + 1)]
    elif kind == 3:
        text = text.replace(b'"seed"', b'"seed": 1, "seed"', 1)
    elif kind == 4:
        text = b"[" * rng.choice([100, 129, 10000]) + b"]" * rng.choice([0, 100])
    return text


def random_arg(rng, scen, out):
    return rng.choice([
        scen, out, "--seed", "--out", "--set", "--trace", "--check", "--quiet", "--force", "--jobs", "--shard",
        "--seeds", "--dry-run", "--help", "--version", "-x", "--", "", "1..3", "0/0", "1/1", "0/2",
        "18446744073709551616", "-1", "1e9", "100000", "workload.streams=1..5", "duration_s=1e7",
        "migration.load_balance.interval_s=1e-9", "faults=[]", "faults.0.at_s=0", "a=b=c", "=", "x" * 3000,
        os.fsdecode(b"\xff\xfe"), os.fsdecode(b"scen\xe9.json"), "/dev/null", "/nonexistent/x.json",
    ])


def case(rng, bases, tmp, binary):
    """One command line, where its stdout goes, and the scenario text."""
    name = rng.choice(sorted(bases))
    text = scenario_bytes(rng, bases[name])
    scen = os.path.join(tmp, rng.choice(["s.json", "s\udcff.json" if rng.random() < 0.1 else "s.json"]))
    try:
        with open(os.fsencode(scen), "wb") as f:
            f.write(text)
    except OSError:
        scen = os.path.join(tmp, "s.json")
        with open(scen, "wb") as f:
            f.write(text)
    out = os.path.join(tmp, "out")
    r = rng.random()
    if r < 0.45:
        argv = ["validate", scen]
    elif r < 0.65:
        argv = ["run", scen, "--quiet", "--out", out] + (["--trace"] if rng.random() < 0.2 else []) + (["--check"] if rng.random() < 0.5 else [])
    elif r < 0.75:
        argv = ["sweep", scen, "--seeds", rng.choice(["1..2", "1..1", "5..1", "0..18446744073709551615"]), "--dry-run"]
        for _ in range(rng.randrange(0, 3)):
            argv += ["--set", rng.choice(["workload.streams=1..5", "duration_s=1,2", "workload.streams=-9223372036854775808..9223372036854775807,5", "x.y=1,2", "headend.modules=1..4096"])]
    elif r < 0.8:
        argv = [rng.choice(["schema", "--help", "--version", "validate"])] + ([scen] if rng.random() < 0.3 else [])
    else:
        argv = [rng.choice(["run", "validate", "sweep", "merge", "schema", "disk-replay", "nope", ""])]
        argv += [random_arg(rng, scen, out) for _ in range(rng.randrange(0, 8))]
    s = rng.random()
    stdout = "closed" if s < 0.1 else "full" if s < 0.15 else "null"
    return argv, stdout, text


def run_one(binary, argv, stdout, cwd, timeout):
    args = [os.fsencode(binary)] + [os.fsencode(a) for a in argv]

    def limits():
        # 4 GiB of address space: a runaway allocation fails inside vodsim
        # (an abort, reported) instead of exhausting the machine.
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    if stdout == "closed":
        r, w = os.pipe()
        os.close(r)
        try:
            p = subprocess.run(args, stdout=w, stderr=subprocess.PIPE, cwd=cwd, timeout=timeout, preexec_fn=limits)
        finally:
            os.close(w)
    elif stdout == "full":
        with open("/dev/full", "wb") as full:
            p = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, cwd=cwd, timeout=timeout, preexec_fn=limits)
    else:
        p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, timeout=timeout, preexec_fn=limits)
    return p.returncode, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(REPO, "target/release/vodsim"))
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case; a timeout is reported, not failed")
    ap.add_argument("--keep", default="fuzz-failures")
    a = ap.parse_args()
    bases = {}
    for path in sorted(glob.glob(os.path.join(REPO, "scenarios", "*.json"))):
        with open(path) as f:
            bases[os.path.basename(path)] = json.load(f)
    codes, failures, timeouts = {}, 0, 0
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="vodsim-fuzz-")
    try:
        for i in range(a.cases):
            rng = random.Random(a.seed * 1_000_003 + i)
            work = os.path.join(tmp, "case")
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work)
            argv, stdout, text = case(rng, bases, work, a.bin)
            try:
                code, err = run_one(a.bin, argv, stdout, REPO, a.timeout)
            except subprocess.TimeoutExpired:
                timeouts += 1
                code, err = "timeout", b""
            codes[code] = codes.get(code, 0) + 1
            if code not in ALLOWED and code != "timeout":
                failures += 1
                keep = os.path.join(a.keep, f"case-{a.seed}-{i}")
                os.makedirs(keep, exist_ok=True)
                with open(os.path.join(keep, "scenario.json"), "wb") as f:
                    f.write(text)
                with open(os.path.join(keep, "command.txt"), "w") as f:
                    f.write(f"exit {code}, stdout {stdout}\n{[os.fsencode(x) for x in argv]!r}\n")
                with open(os.path.join(keep, "stderr.txt"), "wb") as f:
                    f.write(err)
                print(f"case {i}: exit {code}: {argv!r} (stdout {stdout}): {err[-300:]!r}", file=sys.stderr)
            if (i + 1) % 10000 == 0:
                print(f"{i + 1} cases, {time.time() - t0:.0f} s, exit codes {dict(sorted(codes.items(), key=str))}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{a.cases} cases (seed {a.seed}) in {time.time() - t0:.0f} s: exit codes {dict(sorted(codes.items(), key=str))}; "
          f"{failures} not in {sorted(ALLOWED)}; {timeouts} timeouts")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
