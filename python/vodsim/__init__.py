"""vodsim from Python: run a scenario or a sweep and get pandas DataFrames,
or load results already on disk.

    import vodsim
    r = vodsim.run("scenarios/module-failure.json", seed=7,
                   set={"smbus.latency_us": 300})         # a Run
    r.streams, r.migrations, r.modules                     # DataFrames
    r.summary["glitch_rate"]                               # dict from summary.json
    s = vodsim.sweep("scenarios/module-failure.json", seeds="1..3",
                     set={"smbus.latency_us": [10, 100, 300]})  # a Sweep
    s.points, s.runs                                       # DataFrames
    vodsim.load("results/module-failure/seed-1")          # a Run or a Sweep

`run` and `sweep` call the vodsim command-line program (found by
`find_binary`: the `binary` argument, else $VODSIM_BIN, else `vodsim` on
PATH, else `target/release/vodsim` of the checkout) and load what it wrote.
Without `out` they write into a fresh directory under the system's
temporary directory (`tempfile.mkdtemp`, never removed by this package;
its path is `.path`), so calls with other settings never collide; pass
`out=` to keep a result where you choose.

Every file a manifest.json lists is checked for size and SHA-256 before it
is read (`ManifestMismatch` names the file that differs): a result edited
or half-copied is never analysed as if it were what vodsim wrote. Column
types follow docs/outputs.md: `int` -> nullable `Int64` (an empty cell is
<NA>), `float` -> `float64`, `flag` -> `bool`, `text` -> `string`.

`vodsim_results`, the package's earlier name, still imports the same
functions (with its own `run(scenario, out, ...)` signature).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

import pandas as pd

__all__ = [
    "BinaryNotFound",
    "COLUMN_TYPES",
    "ManifestMismatch",
    "Run",
    "Sweep",
    "VodsimError",
    "find_binary",
    "load",
    "load_run",
    "load_sweep",
    "run",
    "sweep",
]

# Column types of docs/outputs.md (python/tests/test_vodsim_results.py checks
# this table against the document).
COLUMN_TYPES: dict[str, dict[str, str]] = {
    "streams.csv": {
        "stream_id": "int", "user_id": "int", "title": "int", "module_start": "int",
        "module_end": "int", "start_s": "float", "end_s": "float", "periods": "int",
        "delivered": "int", "glitches": "int", "freezes": "int", "freeze_s": "float",
        "lost_s": "float", "terminated_lost_s": "float", "duplicate_s": "float",
        "stall_s": "float", "startup_s": "float", "migrations": "int", "terminated": "flag",
        "bitrate_bps": "int",
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
        why = "the file was changed after vodsim wrote it"
        if name == "summary.json":
            # Manifests once hashed a re-serialisation of the summary.
            why += (" (or vodsim wrote it before manifests hashed summary.json's bytes: "
                    "re-run it, or load with verify=False)")
        if len(raw) != entry.get("bytes"):
            raise ManifestMismatch(f"{fpath}: {len(raw)} bytes, manifest.json says {entry.get('bytes')}: {why}")
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry.get("sha256"):
            raise ManifestMismatch(f"{fpath}: SHA-256 {digest}, manifest.json says {entry.get('sha256')}: {why}")


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


def load_run(path, verify: bool = True) -> Run:
    """Loads a `vodsim run` directory. `verify`: check every file against
    manifest.json first (raises ManifestMismatch)."""
    path = os.fspath(path)
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


def load_sweep(path, verify: bool = True) -> Sweep:
    """Loads a `vodsim sweep` / `merge` directory: runs.csv, points.csv and
    the swept parameters (the columns before `seed`). `verify`: check the
    sweep's manifest files and every run directory's manifest."""
    path = os.fspath(path)
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
    for c in params:
        # a swept value that is not a number (a policy name, a JSON list)
        for df in (runs, points):
            if not pd.api.types.is_numeric_dtype(df[c]):
                df[c] = df[c].astype("string")
    sweep_def = {}
    sp = os.path.join(path, "sweep.json")
    if os.path.isfile(sp):
        with open(sp, encoding="utf-8") as f:
            sweep_def = json.load(f)
    return Sweep(path=path, manifest=manifest, params=params, runs=runs, points=points,
                 sweep=sweep_def)


class BinaryNotFound(FileNotFoundError):
    """No vodsim executable where `find_binary` looked."""


class VodsimError(subprocess.CalledProcessError):
    """vodsim exited with an error; its message is `.stderr` and `str()`.
    (A CalledProcessError, as `vodsim_results` raised.)"""

    def __str__(self) -> str:
        what = self.cmd[1] if isinstance(self.cmd, list) and len(self.cmd) > 1 else "vodsim"
        return f"vodsim {what} exited with status {self.returncode}:\n{(self.stderr or '').strip()}"


def _search_roots() -> list[str]:
    """Directories whose target/release/vodsim `find_binary` tries: the
    checkout this package lives in (an editable install, or a virtual
    environment inside the checkout), then the current directory and the
    ones above it; only those holding vodsim's Cargo.toml."""
    roots: list[str] = []
    for start in (os.path.dirname(os.path.abspath(__file__)), os.getcwd()):
        d = start
        while True:
            if d not in roots and _is_vodsim_checkout(d):
                roots.append(d)
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
    return roots


def _is_vodsim_checkout(d: str) -> bool:
    try:
        with open(os.path.join(d, "Cargo.toml"), encoding="utf-8") as f:
            return any(line.strip().replace(" ", "") == 'name="vodsim"' for line in f)
    except OSError:
        return False


def _executable(path: str, source: str) -> str:
    found = shutil.which(path) if os.sep not in path else (
        path if os.path.isfile(path) and os.access(path, os.X_OK) else None)
    if found is None:
        raise BinaryNotFound(f"{source}={path!r}: not an executable file")
    return os.path.abspath(found)


def find_binary(binary: str | None = None) -> str:
    """The vodsim executable to run: `binary` if given (a path, or a name
    on PATH), else $VODSIM_BIN, else `vodsim` on PATH, else
    `target/release/vodsim` of the checkout (see `_search_roots`). A
    `binary` or $VODSIM_BIN that is not executable is an error, not a reason
    to look elsewhere. Raises BinaryNotFound saying where it looked."""
    if binary is not None:
        return _executable(os.fspath(binary), "binary")
    env = os.environ.get("VODSIM_BIN")
    if env:
        return _executable(env, "VODSIM_BIN")
    on_path = shutil.which("vodsim")
    if on_path:
        return os.path.abspath(on_path)
    tried = [os.path.join(r, "target", "release", "vodsim") for r in _search_roots()]
    for cand in tried:
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    where = ", ".join(tried) if tried else "no vodsim checkout here or above the current directory"
    raise BinaryNotFound(
        "no vodsim binary: VODSIM_BIN is not set, `vodsim` is not on PATH, and no "
        f"target/release/vodsim ({where}); build it with `cargo build --release` in the "
        "checkout, or pass binary= / set VODSIM_BIN to its path"
    )


def _value(x) -> str:
    """One --set value as typed on the command line: a str as it is (so
    `edf`, or a sweep's range `10..100:10`), anything else as JSON."""
    return x if isinstance(x, str) else json.dumps(x)


def _run_sets(set: dict | None) -> list[str]:
    # One JSON value per key: a list is a list (`faults=[]`), not a sweep.
    args = []
    for k, v in (set or {}).items():
        args += ["--set", f"{k}={_value(v)}"]
    return args


def _sweep_sets(set: dict | None) -> list[str]:
    # A list, tuple or range holds the values to sweep; anything else is
    # one fixed value (a list-valued field fixed: a one-element list).
    args = []
    for k, v in (set or {}).items():
        vals = list(v) if isinstance(v, (list, tuple, range)) else [v]
        if not vals:
            raise ValueError(f"set[{k!r}]: an empty list sweeps no values; to set the field "
                             f"to a list, give that list as the one value: {{{k!r}: [[]]}}")
        args += ["--set", f"{k}=" + ",".join(_value(x) for x in vals)]
    return args


def _seeds(seeds) -> str:
    if isinstance(seeds, bool):
        raise TypeError(f"seeds: expected 'A..B', an int or a range, got {seeds!r}")
    if isinstance(seeds, int):
        return f"{seeds}..{seeds}"
    if isinstance(seeds, range):
        if seeds.step != 1 or len(seeds) == 0:
            raise ValueError(f"seeds: expected a non-empty range of step 1, got {seeds!r}")
        return f"{seeds.start}..{seeds.stop - 1}"
    if isinstance(seeds, str):
        return seeds
    raise TypeError(f"seeds: expected 'A..B', an int or a range, got {seeds!r}")


def _call(cmd: list[str], out: str, fresh: bool) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        if fresh:
            # the temporary directory made for this call: nothing of it to keep
            shutil.rmtree(out, ignore_errors=True)
        raise VodsimError(done.returncode, cmd, done.stdout, done.stderr)


def _out_dir(out, scenario) -> tuple[str, bool]:
    if out is not None:
        return os.fspath(out), False
    stem = os.path.splitext(os.path.basename(os.fspath(scenario)))[0]
    return tempfile.mkdtemp(prefix=f"vodsim-{stem}-"), True


def run(scenario, seed: int | None = None, set: dict | None = None, out=None,
        binary: str | None = None, *, trace: bool = False, force: bool = False) -> Run:
    """Runs `scenario` (a JSON file) once and loads the result.

    `seed`: the master seed (default: the scenario's). `set`: overrides by
    dotted path, `{"workload.streams": 200, "faults": []}` (each value one
    JSON value; a str is passed as typed, `"edf"`). `out`: the run directory
    (default: a fresh temporary one, see the module doc); a directory holding
    another experiment is refused unless `force`. `trace`: also reads.csv.
    Raises VodsimError with vodsim's message when vodsim refuses or fails."""
    exe = find_binary(binary)
    out, fresh = _out_dir(out, scenario)
    cmd = [exe, "run", os.fspath(scenario), "--out", out, "--quiet"] + _run_sets(set)
    if seed is not None:
        cmd += ["--seed", str(int(seed))]
    if trace:
        cmd.append("--trace")
    if force:
        cmd.append("--force")
    _call(cmd, out, fresh)
    return load_run(out)


def sweep(scenario, seeds, set: dict | None = None, out=None, binary: str | None = None,
          *, jobs: int | None = None, force: bool = False) -> Sweep:
    """Runs a sweep of `scenario` and loads it: every combination of the
    swept values, for each seed.

    `seeds`: `"1..5"`, an int, or `range(1, 6)`. `set`: a list, tuple or
    range value is swept (`{"smbus.latency_us": [10, 100, 300]}`); other
    values are fixed overrides as in `run`. `out`: the sweep directory
    (default: a fresh temporary one); an unfinished or shorter sweep of the
    same definition there is completed, reusing its finished runs. `jobs`:
    runs in parallel (vodsim's default: one per core)."""
    exe = find_binary(binary)
    out, fresh = _out_dir(out, scenario)
    cmd = [exe, "sweep", os.fspath(scenario), "--seeds", _seeds(seeds), "--out", out,
           "--quiet"] + _sweep_sets(set)
    if jobs is not None:
        cmd += ["--jobs", str(int(jobs))]
    if force:
        cmd.append("--force")
    _call(cmd, out, fresh)
    return load_sweep(out)


def load(path, verify: bool = True) -> Run | Sweep:
    """Loads a result directory, whichever it is: a `vodsim sweep` or
    `merge` directory (its manifest describes a sweep) as a Sweep, a
    `vodsim run` directory as a Run. `verify` as in load_run."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path}: no such directory")
    if not os.path.isfile(os.path.join(path, "manifest.json")):
        inside = sorted(d for d in os.listdir(path)
                        if os.path.isfile(os.path.join(path, d, "manifest.json")))
        hint = (f"; it holds results: {', '.join(inside[:5])}{', ...' if len(inside) > 5 else ''}"
                " (load one of them)") if inside else ""
        raise ManifestMismatch(f"{path}: no manifest.json: not a vodsim run or sweep directory{hint}")
    manifest = _read_manifest(path)
    if "sweep" in manifest:
        return load_sweep(path, verify=verify)
    return load_run(path, verify=verify)
