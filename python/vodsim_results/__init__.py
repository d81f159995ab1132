"""Load vodsim results into pandas, checked against their manifest.

    import vodsim_results as vr
    run = vr.load_run("results/default-seed-7")      # a `vodsim run` directory
    run.streams, run.migrations, run.modules         # DataFrames
    run.summary["glitch_rate"]                       # dict from summary.json
    sweep = vr.load_sweep("results/sweeps/capacity")  # a `vodsim sweep` directory
    sweep.points                                      # points.csv

Every file a manifest.json lists is checked for size and SHA-256 before it
is read (`ManifestMismatch` names the file that differs): a result edited
or half-copied is never analysed as if it were what vodsim wrote. Column
types follow docs/outputs.md: `int` -> nullable `Int64` (an empty cell is
<NA>), `float` -> `float64`, `flag` -> `bool`, `text` -> `string`.

`run(...)` and `sweep(...)` call the vodsim CLI and load what it wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "ManifestMismatch",
    "Run",
    "Sweep",
    "load_run",
    "load_sweep",
    "run",
    "sweep",
    "COLUMN_TYPES",
]

# Column types of docs/outputs.md (tests/test_vodsim_results.py checks
# this table against the document).
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "streams.csv": {
        "stream_id": "int", "user_id": "int", "title": "int", "module_start": "int",
        "module_end": "int", "start_s": "float", "end_s": "float", "periods": "int",
        "delivered": "int", "glitches": "int", "freezes": "int", "freeze_s": "float",
        "lost_s": "float", "terminated_lost_s": "float", "duplicate_s": "float",
        "stall_s": "float", "startup_s": "float", "migrations": "int", "terminated": "flag",
    },
    "migrations.csv": {
        "t_s": "float", "cause": "text", "policy": "text", "user_id": "int",
        "stream_id": "int", "source": "int", "destination": "int",
        "transitional_extent": "int", "packet_offset": "int", "discontinuity": "flag",
        "direct": "flag", "modified": "flag", "outcome": "text", "lost_s": "float",
        "duplicate_s": "float", "stall_s": "float", "lost_packets": "int",
        "duplicate_packets": "int", "smbus_messages": "int", "alternates": "int",
        "recomputes": "int", "carousel_tries": "int", "handoff_s": "float", "note": "text",
    },
    "modules.csv": {
        "t_s": "float", "module": "int", "streams": "int", "admission_limit": "int",
        "disk_util": "float", "buffer_bytes": "int", "buffer_peak_bytes": "int",
        "buffer_util": "float", "switch_bps": "int", "failed": "flag", "degraded": "flag",
        "glitches": "int", "freezes": "int", "lost_s": "float", "duplicate_s": "float",
        "migrations_in": "int", "migrations_out": "int", "sessions_started": "int",
        "sessions_blocked": "int",
    },
    "reads.csv": {
        "t_issue_s": "float", "t_start_s": "float", "t_done_s": "float", "module": "int",
        "disk": "int", "stream_id": "int", "title": "int", "extent": "int",
        "cylinder": "int", "seek_ms": "float", "rotation_ms": "float",
        "transfer_ms": "float", "deadline_s": "float", "overhead_ms": "float",
    },
}

PANDAS_TYPES = {"int": "Int64", "float": "float64", "flag": "Int64", "text": "string"}


class ManifestMismatch(Exception):
    """A file differs from what manifest.json says vodsim wrote."""


@dataclass
class Run:
    """One run directory: a DataFrame per CSV, the summary and manifest."""

    path: str
    summary: dict
    manifest: dict
    streams: pd.DataFrame
    migrations: pd.DataFrame
    modules: pd.DataFrame
    reads: pd.DataFrame | None = None


@dataclass
class Sweep:
    """One sweep (or merge) directory: runs.csv and points.csv, and the
    swept parameter columns (named by their dotted path)."""

    path: str
    manifest: dict
    params: list[str]
    runs: pd.DataFrame
    points: pd.DataFrame
    sweep: dict = field(default_factory=dict)

    def run(self, run_dir: str) -> Run:
        """The run of row `run_dir` of runs.csv (e.g. `runs/p003-s7`)."""
        return load_run(os.path.join(self.path, run_dir))


def _read_manifest(path: str) -> dict:
    mpath = os.path.join(path, "manifest.json")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such directory")
    try:
        with open(mpath, "rb") as f:
            manifest = json.loads(f.read())
    except FileNotFoundError:
        raise ManifestMismatch(f"{mpath}: missing (not a vodsim result directory?)") from None
    except ValueError as e:
        raise ManifestMismatch(f"{mpath}: malformed JSON: {e}") from None
    if not isinstance(manifest, dict):
        raise ManifestMismatch(f"{mpath}: not a JSON object")
    return manifest


def _verify(path: str, manifest: dict) -> None:
    """Checks each file manifest.json lists: present, same size, same
    SHA-256. Raises ManifestMismatch naming the first file that differs."""
    for entry in manifest.get("files", []):
        name = entry.get("name")
        fpath = os.path.join(path, name)
        try:
            with open(fpath, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise ManifestMismatch(f"{fpath}: listed in manifest.json but cannot be read: {e}") from None
        if len(raw) != entry.get("bytes"):
            raise ManifestMismatch(
                f"{fpath}: {len(raw)} bytes, manifest.json says {entry.get('bytes')}: "
                "the file was changed after vodsim wrote it"
            )
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry.get("sha256"):
            raise ManifestMismatch(
                f"{fpath}: SHA-256 {digest}, manifest.json says "
                f"{entry.get('sha256')}: the file was changed after vodsim wrote it"
            )


def _read_typed(path: str, types: dict[str, str]) -> pd.DataFrame:
    present = pd.read_csv(path, nrows=0).columns
    dtype = {c: PANDAS_TYPES[t] for c, t in types.items() if c in present}
    df = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
    for c, t in types.items():
        if c in df.columns and t == "flag":
            # 0/1, never empty: plain bool
            df[c] = df[c].astype("boolean")
            if not df[c].isna().any():
                df[c] = df[c].astype(bool)
    return df


def load_run(path: str, verify: bool = True) -> Run:
    """Loads a `vodsim run` directory. `verify`: check every file against
    manifest.json first (raises ManifestMismatch)."""
    manifest = _read_manifest(path)
    if verify:
        _verify(path, manifest)
    with open(os.path.join(path, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    frames = {}
    for name, types in COLUMN_TYPES.items():
        p = os.path.join(path, name)
        frames[name] = _read_typed(p, types) if os.path.isfile(p) else None
    return Run(
        path=path,
        summary=summary,
        manifest=manifest,
        streams=frames["streams.csv"],
        migrations=frames["migrations.csv"],
        modules=frames["modules.csv"],
        reads=frames["reads.csv"],
    )


def _summary_int_keys(runs_header: list[str]) -> set[str]:
    # Integer totals of summary.json (docs/outputs.md); the others are floats.
    return {
        "events", "streams", "sessions_blocked", "sessions_blocked_no_module",
        "sessions_blocked_buffer", "sessions_blocked_disk", "sessions_blocked_switch",
        "sessions_blocked_fatc", "stream_periods", "extents_delivered", "glitches",
        "freezes", "lost_packets", "duplicate_packets", "reads_completed", "reads_failed",
        "migrations", "migrations_seamless", "migrations_duplicate", "migrations_lost",
        "migrations_failed", "migrations_pending", "smbus_messages", "smbus_lost",
        "streams_terminated",
    } & set(runs_header)


def load_sweep(path: str, verify: bool = True) -> Sweep:
    """Loads a `vodsim sweep` / `merge` directory: runs.csv, points.csv and
    the swept parameters (the columns before `seed`). `verify`: check the
    sweep's manifest files and every run directory's manifest."""
    manifest = _read_manifest(path)
    if verify:
        _verify(path, manifest)
    runs_path = os.path.join(path, "runs.csv")
    header = list(pd.read_csv(runs_path, nrows=0).columns)
    params = header[: header.index("seed")] if "seed" in header else []
    ints = _summary_int_keys(header)
    rdtype = {c: "Int64" for c in ints}
    rdtype.update({"seed": "Int64", "run_dir": "string"})
    runs = pd.read_csv(runs_path, dtype=rdtype)
    for c in header[len(params) + 2:]:
        if c not in ints:
            runs[c] = runs[c].astype("float64")
    if verify:
        for d in runs["run_dir"]:
            rd = os.path.join(path, d)
            _verify(rd, _read_manifest(rd))
    points_path = os.path.join(path, "points.csv")
    pheader = list(pd.read_csv(points_path, nrows=0).columns)
    pdtype = {c: "float64" for c in pheader[len(params) + 1:]}
    pdtype["n"] = "Int64"
    points = pd.read_csv(points_path, dtype=pdtype)
    sweep_def = {}
    sp = os.path.join(path, "sweep.json")
    if os.path.isfile(sp):
        with open(sp, encoding="utf-8") as f:
            sweep_def = json.load(f)
    return Sweep(path=path, manifest=manifest, params=params, runs=runs, points=points,
                 sweep=sweep_def)


def _sets(set: dict | None) -> list[str]:
    args = []
    for k, v in (set or {}).items():
        vals = v if isinstance(v, (list, tuple)) else [v]
        text = ",".join(json.dumps(x) if isinstance(x, (dict, list, bool)) or x is None else str(x)
                        for x in vals)
        args += ["--set", f"{k}={text}"]
    return args


def run(scenario: str, out: str, seed: int | None = None, set: dict | None = None,
        vodsim: str = "vodsim", force: bool = False) -> Run:
    """`vodsim run SCENARIO --out OUT [--seed S] [--set K=V]...`, then
    load_run(OUT). Raises subprocess.CalledProcessError (with vodsim's
    message in .stderr) when vodsim fails."""
    cmd = [vodsim, "run", scenario, "--out", out] + _sets(set)
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if force:
        cmd.append("--force")
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return load_run(out)


def sweep(scenario: str, out: str, seeds: str, set: dict | None = None,
          vodsim: str = "vodsim", jobs: int | None = None) -> Sweep:
    """`vodsim sweep SCENARIO --seeds A..B --out OUT [--set K=V1,V2]...`
    (a list value is a swept parameter), then load_sweep(OUT)."""
    cmd = [vodsim, "sweep", scenario, "--seeds", seeds, "--out", out, "--quiet"] + _sets(set)
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return load_sweep(out)
