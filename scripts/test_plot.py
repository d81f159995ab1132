#!/usr/bin/env python3
"""Self-check for scripts/plot.py (no pytest needed).

    python3 scripts/test_plot.py

Builds temporary run and sweep directories from tests/fixtures/plot/,
runs plot.py on them (and on a few degraded variants) in a subprocess and
checks the PNGs it writes; then runs two small real sweeps of the shipped
scenarios with target/release/vodsim (VODSIM_BIN overrides it) and checks
that every figure's data file (FIGURE.csv) holds exactly the numbers of
points.csv (means and interval bounds) or of the run's CSVs. Prints `N passed, M failed`; exit 1 on failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLOT = os.path.join(HERE, "plot.py")
FIX = os.path.join(REPO, "tests", "fixtures", "plot")
PNG_SIG = b"\x89PNG\r\n\x1a\n"

RUN_FIGS = ["migration_outcomes.png", "timeline.png"]
VODSIM = os.environ.get("VODSIM_BIN", os.path.join(REPO, "target", "release", "vodsim"))
SWEEP_FIGS = ["capacity.png", "migration_loss.png", "seamless_vs_latency.png"]

results: list[tuple[str, bool, str]] = []


def check(name):
    def deco(fn):
        try:
            fn()
            results.append((name, True, ""))
            print(f"ok    {name}")
        except Exception as e:  # noqa: BLE001
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            results.append((name, False, detail))
            print(f"FAIL  {name}: {detail}")
        return fn

    return deco


def run_plot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, PLOT, *args], capture_output=True, text=True, timeout=300
    )


def assert_png(path: str) -> None:
    assert os.path.isfile(path), f"missing {path}"
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_SIG, f"{path}: not a PNG (starts {head[:8]!r})"
    w, h = struct.unpack(">II", head[16:24])
    assert w >= 600 and h >= 400, f"{path}: suspiciously small ({w}x{h})"


def assert_figs(cp: subprocess.CompletedProcess, figdir: str, names: list[str],
                absent: list[str] = ()) -> None:
    assert cp.returncode == 0, f"exit {cp.returncode}\nstdout:{cp.stdout}\nstderr:{cp.stderr}"
    printed = set(cp.stdout.split())
    for n in names:
        p = os.path.join(figdir, n)
        assert_png(p)
        assert p in printed, f"{p} written but not printed; stdout:\n{cp.stdout}"
    for n in absent:
        assert not os.path.exists(os.path.join(figdir, n)), f"{n} should have been skipped"


def all_csvs_load(root: str) -> None:
    files = glob.glob(os.path.join(root, "**", "*.csv"), recursive=True)
    assert files, f"no CSV under {root}"
    for f in files:
        df = pd.read_csv(f)
        assert len(df.columns) > 1, f"{f}: read_csv found {len(df.columns)} column(s)"


def vodsim_sweep(scenario: str, out: str, *args: str) -> None:
    if not os.access(VODSIM, os.X_OK):
        raise AssertionError(f"{VODSIM}: not built (cargo build --release, or set VODSIM_BIN)")
    cp = subprocess.run(
        [VODSIM, "sweep", os.path.join(REPO, "scenarios", scenario), *args,
         "--jobs", "1", "--quiet", "--out", out],
        capture_output=True, text=True, timeout=300,
    )
    assert cp.returncode == 0, f"vodsim sweep exit {cp.returncode}: {cp.stderr}"


def close(a, b, what: str) -> None:
    """Equal to the 9 decimals points.csv is written with (scaled)."""
    a = pd.Series(a, dtype=float).reset_index(drop=True)
    b = pd.Series(b, dtype=float).reset_index(drop=True)
    assert len(a) == len(b), f"{what}: {len(a)} plotted, {len(b)} expected"
    bad = (a - b).abs() > 1e-6 * (1 + b.abs())
    assert not bad.any(), f"{what}: plotted {a[bad].tolist()}, points.csv says {b[bad].tolist()}"


def check_against_points(figdir: str, sweep: str, fig: str, params: list[str],
                         series_total: dict, scale: float, keep=None) -> pd.DataFrame:
    """FIGURE.csv against points.csv: for each series, y / y_lo / y_hi are
    TOTAL_mean / _ci95_lo / _ci95_hi (x scale) of the same point, and every
    point (or every point `keep` selects) is drawn once."""
    data = pd.read_csv(os.path.join(figdir, f"{fig}.csv"))
    points = pd.read_csv(os.path.join(sweep, "points.csv"))
    if keep is not None:
        points = points[keep(points)]
    points = points.copy()
    assert set(data["series"]) == set(series_total), f"{fig}: series {set(data['series'])}"
    for total in sorted(set(series_total.values())):
        series = [k for k, v in series_total.items() if v == total]
        d = data[data["series"].isin(series)]
        m = d.merge(points, on=params, how="outer", validate="one_to_one", indicator=True)
        assert (m["_merge"] == "both").all(), f"{fig}/{series}: points not drawn once each"
        close(m["y"], m[f"{total}_mean"] * scale, f"{fig}/{series} y")
        close(m["y_lo"], m[f"{total}_ci95_lo"] * scale, f"{fig}/{series} y_lo")
        close(m["y_hi"], m[f"{total}_ci95_hi"] * scale, f"{fig}/{series} y_hi")
    return data


def real_sweep_checks(tmp: str) -> None:
    @check("real sweeps: every figure's data file equals points.csv / the run's CSVs")
    def _():
        cap = os.path.join(tmp, "real-capacity")
        # 300 streams without admission overload the 1 Gbit/s switch (266
        # streams): glitch rate 1, so a wrong column cannot match by chance
        vodsim_sweep("capacity.json", cap, "--seeds", "1..2", "--set", "duration_s=20",
                     "--set", "workload.streams=200,300",
                     "--set", "headend.admission.enabled=true,false")
        mf = os.path.join(tmp, "real-migration")
        # module 0 of four fails at 300 s: 50 migrations per run at 200 streams;
        # at 120 µs of SMBUS latency the seamless fraction varies by seed
        vodsim_sweep("module-failure.json", mf, "--seeds", "1..3", "--set", "duration_s=310",
                     "--set", "workload.streams=200",
                     "--set", "smbus.latency_us=10,120", "--set", "smbus.jitter_us=20",
                     "--set", "migration.policy=protocol,naive")
        figs = {}
        for d in (cap, mf):
            out = os.path.join(d, "figs")
            cp = run_plot(d, "--out", out, "--format", "svg")
            assert cp.returncode == 0, cp.stderr
            figs[d] = out
        data = [check_against_points(
            figs[cap], cap, "capacity", ["workload.streams", "headend.admission.enabled"],
            {"admission off": "glitch_rate", "admission on": "glitch_rate"}, 100.0)]
        caps = data[0]
        assert (caps["x"] == caps["workload.streams"]).all(), "capacity: x is not workload.streams"
        assert caps["y"].max() == 100.0, "capacity: the overloaded point should glitch every period"
        mf_params = ["smbus.latency_us", "migration.policy"]
        data.append(check_against_points(
            figs[mf], mf, "seamless_vs_latency", mf_params,
            {"protocol": "seamless_fraction", "naive": "seamless_fraction"}, 100.0,
            keep=lambda p: p["migrations_mean"] > 0))
        data.append(check_against_points(
            figs[mf], mf, "migration_loss", mf_params,
            {"lost (lost_s)": "lost_s", "shown twice (duplicate_s)": "duplicate_s"}, 1.0))
        # the interval is checked where it is not a point: some error bar
        # has a length
        assert any(((d["y_hi"] - d["y_lo"]) > 0).any() for d in data), "no interval to check"
        assert any((d["y"] > 0).any() for d in data[1:]), "no migration to check"
        # the run figures of one run of the sweep, against its own CSVs
        run = os.path.join(mf, "runs", "p003-s1")
        out = os.path.join(tmp, "real-run-figs")
        cp = run_plot(run, "--out", out, "--format", "svg")
        assert cp.returncode == 0, cp.stderr
        mig = pd.read_csv(os.path.join(run, "migrations.csv"))
        oc = pd.read_csv(os.path.join(out, "migration_outcomes.csv"))
        for series, col in (("lost (lost_s)", "lost_s"), ("shown twice (duplicate_s)", "duplicate_s"),
                            ("picture still (stall_s)", "stall_s")):
            d = oc[oc["series"] == series].set_index("x")
            want = mig.groupby("outcome")[col].mean()
            assert sorted(d.index) == sorted(want.index), f"outcomes {list(d.index)} vs {list(want.index)}"
            close(d.loc[want.index, "y"], want, f"migration_outcomes/{series}")
        tl = pd.read_csv(os.path.join(out, "timeline.csv"))
        mods = pd.read_csv(os.path.join(run, "modules.csv")).sort_values(["module", "t_s"])
        st = tl[tl["panel"] == "streams"]
        assert len(st) == len(mods), f"timeline: {len(st)} marks for {len(mods)} rows"
        close(st["y"], mods["streams"], "timeline streams")
        close(st["x"], mods["t_s"], "timeline t_s")
        du = tl[tl["panel"] == "disk_util"]
        close(du["y"], mods["disk_util"] * 100.0, "timeline disk_util")
        hist = tl[tl["panel"] == "migrations"]
        assert hist["y"].sum() == len(mig), f"timeline: {hist['y'].sum()} migrations binned of {len(mig)}"
        assert len(hist) <= 101, f"timeline: {len(hist)} migration marks"


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="vodsim-plot-test-")
    try:
        run_dir = os.path.join(tmp, "run")
        sweep_dir = os.path.join(tmp, "sweep")
        shutil.copytree(os.path.join(FIX, "run"), run_dir)
        shutil.copytree(os.path.join(FIX, "sweep"), sweep_dir)
        # a sweep directory also holds one sub-directory per run
        shutil.copytree(os.path.join(FIX, "run"), os.path.join(sweep_dir, "run-0001"))

        @check("fixture CSVs load with pd.read_csv(path)")
        def _():
            all_csvs_load(FIX)

        @check("fixture columns match the contract")
        def _():
            need = {
                "run/streams.csv": "stream_id,user_id,title,module_start,module_end,periods,"
                "delivered,glitches,lost_s,duplicate_s,migrations,terminated",
                "run/migrations.csv": "t_s,cause,user_id,stream_id,source,destination,"
                "transitional_extent,outcome,lost_s,duplicate_s,smbus_messages,handoff_s",
                "run/modules.csv": "t_s,module,streams,disk_util,buffer_bytes,switch_bps,failed",
                "sweep/runs.csv": "workload.streams,migration.policy,smbus.latency_us,seed,"
                "run_dir,stream_periods,glitches,lost_s,duplicate_s,migrations,"
                "migrations_seamless",
                "sweep/points.csv": "workload.streams,migration.policy,smbus.latency_us,n,"
                "glitches_mean,glitches_std,glitches_ci95_lo,glitches_ci95_hi",
            }
            for rel, cols in need.items():
                df = pd.read_csv(os.path.join(FIX, rel))
                missing = set(cols.split(",")) - set(df.columns)
                assert not missing, f"{rel}: missing {sorted(missing)}"
            mig = pd.read_csv(os.path.join(FIX, "run", "migrations.csv"))
            assert set(mig["outcome"]) <= {"seamless", "duplicate", "lost", "failed"}
            runs = pd.read_csv(os.path.join(FIX, "sweep", "runs.csv"))
            assert runs["migration.policy"].nunique() == 2
            assert runs["smbus.latency_us"].nunique() == 3
            assert runs["workload.streams"].nunique() == 3

        @check("run dir: default --out DIR/figures")
        def _():
            cp = run_plot(run_dir)
            assert_figs(cp, os.path.join(run_dir, "figures"), RUN_FIGS)

        @check("sweep dir: default --out DIR/figures")
        def _():
            cp = run_plot(sweep_dir)
            assert_figs(cp, os.path.join(sweep_dir, "figures"), SWEEP_FIGS,
                        absent=["timeline.png"])

        @check("--format svg,pdf,png: each figure in each format, the vector ones reproducible")
        def _():
            outs = []
            for k in (1, 2):
                out = os.path.join(tmp, f"figs-vector-{k}")
                cp = run_plot(sweep_dir, "--out", out, "--format", "svg,pdf,png")
                assert_figs(cp, out, SWEEP_FIGS)
                outs.append(out)
            for name in SWEEP_FIGS:
                stem = os.path.splitext(name)[0]
                for ext, magic in (("svg", b"<?xml"), ("pdf", b"%PDF-")):
                    paths = [os.path.join(o, f"{stem}.{ext}") for o in outs]
                    data = []
                    for p in paths:
                        with open(p, "rb") as f:
                            data.append(f.read())
                    assert data[0].startswith(magic), f"{paths[0]}: not {ext} (starts {data[0][:8]!r})"
                    assert data[0] == data[1], f"{stem}.{ext} differs between two runs on the same data"
            cp = run_plot(sweep_dir, "--out", os.path.join(tmp, "figs-bad"), "--format", "jpg")
            assert cp.returncode == 2 and "--format" in cp.stderr, cp.stderr

        @check("sweep dir: --out FIGDIR")
        def _():
            out = os.path.join(tmp, "figs-sweep")
            cp = run_plot(sweep_dir, "--out", out)
            assert_figs(cp, out, SWEEP_FIGS)

        @check("sweep without streams_per_disk and points.csv (x = workload.streams)")
        def _():
            d = os.path.join(tmp, "sweep-runs-only")
            os.makedirs(d)
            runs = pd.read_csv(os.path.join(sweep_dir, "runs.csv"))
            runs.drop(columns=["streams_per_disk"]).to_csv(os.path.join(d, "runs.csv"), index=False)
            cp = run_plot(d)
            assert_figs(cp, os.path.join(d, "figures"), SWEEP_FIGS)

        @check("sweep with points.csv only (CI from X_ci95 columns)")
        def _():
            d = os.path.join(tmp, "sweep-points-only")
            os.makedirs(d)
            shutil.copy(os.path.join(sweep_dir, "points.csv"), d)
            cp = run_plot(d)
            assert_figs(cp, os.path.join(d, "figures"), SWEEP_FIGS)

        @check("sweep without smbus.latency_us: seamless_vs_latency skipped")
        def _():
            d = os.path.join(tmp, "sweep-no-latency")
            os.makedirs(d)
            runs = pd.read_csv(os.path.join(sweep_dir, "runs.csv"))
            runs = runs[runs["smbus.latency_us"] == 10].drop(columns=["smbus.latency_us"])
            runs.to_csv(os.path.join(d, "runs.csv"), index=False)
            cp = run_plot(d)
            assert_figs(cp, os.path.join(d, "figures"), ["capacity.png", "migration_loss.png"],
                        absent=["seamless_vs_latency.png"])
            assert "seamless_vs_latency.png" in cp.stdout, "no skip note printed"

        @check("run dir with no migrations: timeline only, vertical lines omitted")
        def _():
            d = os.path.join(tmp, "run-no-migrations")
            shutil.copytree(run_dir, d, ignore=shutil.ignore_patterns("figures"))
            mig = pd.read_csv(os.path.join(d, "migrations.csv"))
            mig.iloc[0:0].to_csv(os.path.join(d, "migrations.csv"), index=False)
            cp = run_plot(d)
            assert_figs(cp, os.path.join(d, "figures"), ["timeline.png"],
                        absent=["migration_outcomes.png"])

        @check("run dir with boolean failed column")
        def _():
            d = os.path.join(tmp, "run-bool-failed")
            shutil.copytree(run_dir, d, ignore=shutil.ignore_patterns("figures"))
            mods = pd.read_csv(os.path.join(d, "modules.csv"))
            mods["failed"] = mods["failed"].astype(bool)
            mods.to_csv(os.path.join(d, "modules.csv"), index=False)
            cp = run_plot(d)
            assert_figs(cp, os.path.join(d, "figures"), RUN_FIGS)

        @check("temp run/sweep CSVs load with pd.read_csv(path)")
        def _():
            all_csvs_load(tmp)

        @check("missing DIR exits 2 with a message")
        def _():
            cp = run_plot(os.path.join(tmp, "does-not-exist"))
            assert cp.returncode == 2, f"exit {cp.returncode}"
            assert "does-not-exist" in cp.stderr, cp.stderr

        @check("DIR with neither layout exits 2 and writes nothing")
        def _():
            d = os.path.join(tmp, "empty")
            os.makedirs(d)
            cp = run_plot(d)
            assert cp.returncode == 2, f"exit {cp.returncode}"
            assert "neither" in cp.stderr, cp.stderr
            assert os.listdir(d) == [], os.listdir(d)

        real_sweep_checks(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
