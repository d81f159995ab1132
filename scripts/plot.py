#!/usr/bin/env python3
"""Plot vodsim results.

Usage:
    python3 scripts/plot.py DIR [--out FIGDIR] [--format png,svg,pdf]

DIR is either
  * a run directory (from `vodsim run`): summary.json, streams.csv,
    migrations.csv, modules.csv, optional reads.csv, manifest.json; or
  * a sweep directory (from `vodsim sweep` / `vodsim merge`): runs.csv
    and/or points.csv (plus one sub-directory per run).

Figures are written as PNG (or, with --format, SVG and PDF too) to FIGDIR (default DIR/figures); each figure is
only drawn when the data it needs exists, otherwise a note is printed:

  capacity.png            (sweep) glitch rate vs streams per disk, 95% CI band
  migration_loss.png      (run or sweep) lost / duplicate seconds per migration
  timeline.png            (run) streams and disk utilisation per module vs time
  seamless_vs_latency.png (sweep with smbus.latency_us) seamless fraction vs
                          SMBUS latency

Every path written is printed on stdout. Exit status: 0 ok, 2 when DIR does
not exist or holds neither layout.

Confidence intervals are mean +/- t(0.975, n-1)*sd/sqrt(n), clamped at 0 for a quantity never below 0 (as points.csv), over the seeds of one
parameter point, computed from the per-run rows of runs.csv. When only
points.csv is available the interval is approximated from its
X_ci95_lo / X_ci95_hi columns.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

FIGSIZE = (7.0, 4.5)
DPI = 150
# Student-t 0.975 quantiles for 1..=30 degrees of freedom, as
# src/sweep/table.rs (the normal 1.96 beyond).
T975 = [12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836,
        2.446911851, 2.364624252, 2.306004135, 2.262157163, 2.228138852,
        2.200985160, 2.178812830, 2.160368656, 2.144786688, 2.131449546,
        2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447,
        2.079613845, 2.073873068, 2.068657610, 2.063898562, 2.059538553,
        2.055529439, 2.051830516, 2.048407142, 2.045229642, 2.042272456]


def t975(dof: int) -> float:
    return T975[dof - 1] if 1 <= dof <= len(T975) else 1.96

STREAMS_COL = "workload.streams"
POLICY_COL = "migration.policy"
LATENCY_COL = "smbus.latency_us"
MODULES_COL = "headend.modules"
DISKS_COL = "headend.disks_per_module"

# Non-parameter columns of runs.csv / points.csv (besides the totals).
RUN_META = {"seed", "run_dir"}

OUTCOMES = ["seamless", "duplicate", "lost", "failed"]
UNIT_SUFFIXES = [
    ("_us", "µs"),
    ("_ms", "ms"),
    ("_bps", "bit/s"),
    ("_bytes", "B"),
    ("_s", "s"),
]

plt.rcParams.update(
    {
        "font.size": 10,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 8.5,
        "axes.grid": True,
        "grid.alpha": 0.3,
    }
)


class LayoutError(Exception):
    pass


# --------------------------------------------------------------------------
# loading helpers


def note(msg: str) -> None:
    print(f"note: {msg}")


def read_csv(path: str) -> pd.DataFrame | None:
    """pd.read_csv(path) or None when missing / empty."""
    if not os.path.isfile(path):
        return None
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return None


def read_json(path: str) -> dict | None:
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except (OSError, ValueError) as e:
        note(f"cannot read {path}: {e}")
        return None
    return obj if isinstance(obj, dict) else None


def param_columns(df: pd.DataFrame, stop: str) -> list[str]:
    """Swept parameter columns: those before `stop` (`seed` in runs.csv,
    `n` in points.csv); fall back to dotted column names."""
    cols = list(df.columns)
    if stop in cols:
        return [c for c in cols[: cols.index(stop)] if c not in RUN_META]
    return [c for c in cols if "." in c and c not in RUN_META]


def as_bool(s: pd.Series) -> pd.Series:
    if s.dtype == bool:
        return s
    if pd.api.types.is_numeric_dtype(s):
        return s.fillna(0) != 0
    return s.astype(str).str.strip().str.lower().isin(["1", "1.0", "true", "yes"])


def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = pd.to_numeric(num, errors="coerce").astype(float)
    den = pd.to_numeric(den, errors="coerce").astype(float)
    return num / den.where(den > 0)


def mean_ci(values) -> tuple[float, float, float, int]:
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna().astype(float)
    n = len(v)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    m = float(v.mean())
    sd = float(v.std(ddof=1)) if n > 1 else 0.0
    half = t975(n - 1) * sd / math.sqrt(n) if n > 1 else 0.0
    # The same interval as points.csv (src/sweep/table.rs): Student t,
    # clamped at 0 for a quantity never observed below 0.
    lo = m - half
    if (v >= 0).all():
        lo = max(lo, 0.0)
    return (m, lo, m + half, n)


# --------------------------------------------------------------------------
# labelling / styling


def split_unit(col: str) -> tuple[str, str]:
    """'smbus.latency_us' -> ('smbus.latency', 'µs')."""
    for suf, unit in UNIT_SUFFIXES:
        if col.endswith(suf):
            return col[: -len(suf)], unit
    return col, ""


def fmt_value(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{v:g}"
    return str(v)


def fmt_param(col: str, v) -> str:
    name, unit = split_unit(col)
    short = name.split(".")[-1]
    if col == POLICY_COL:
        return fmt_value(v)
    return f"{short}={fmt_value(v)}{(' ' + unit) if unit else ''}"


def combo_label(cols: list[str], key) -> str:
    if not cols:
        return "all runs"
    if not isinstance(key, tuple):
        key = (key,)
    return ", ".join(fmt_param(c, v) for c, v in zip(cols, key))


def order_values(col: str, values) -> list:
    vals = list(pd.unique(pd.Series(list(values))))
    if col == POLICY_COL:
        pref = {"protocol": 0, "naive": 1}
        return sorted(vals, key=lambda x: (pref.get(str(x), 2), str(x)))
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=str)


POLICY_COLORS = {"protocol": "tab:blue", "naive": "tab:red"}
LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]


def make_styles(cols: list[str], keys: list) -> dict:
    """Colour by the first grouping column, line style + marker by the second
    (if exactly two); otherwise one colour + marker per combination."""
    styles = {}
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    if not cols:
        return {k: dict(color=cycle[0], ls="-", marker="o") for k in keys}
    tkeys = [k if isinstance(k, tuple) else (k,) for k in keys]
    if len(cols) == 2:
        first = order_values(cols[0], [k[0] for k in tkeys])
        second = order_values(cols[1], [k[1] for k in tkeys])
        for k, tk in zip(keys, tkeys):
            i, j = first.index(tk[0]), second.index(tk[1])
            color = (
                POLICY_COLORS.get(str(tk[0]), cycle[i % len(cycle)])
                if cols[0] == POLICY_COL
                else cycle[i % len(cycle)]
            )
            styles[k] = dict(
                color=color,
                ls=LINESTYLES[j % len(LINESTYLES)],
                marker=MARKERS[j % len(MARKERS)],
            )
        return styles
    for i, (k, tk) in enumerate(zip(keys, tkeys)):
        color = cycle[i % len(cycle)]
        if len(cols) == 1 and cols[0] == POLICY_COL:
            color = POLICY_COLORS.get(str(tk[0]), color)
        styles[k] = dict(color=color, ls="-", marker=MARKERS[i % len(MARKERS)])
    return styles


def sort_keys(cols: list[str], keys: list) -> list:
    if not cols:
        return keys
    orders = [order_values(c, [(k if isinstance(k, tuple) else (k,))[i] for k in keys])
              for i, c in enumerate(cols)]

    def rank(k):
        tk = k if isinstance(k, tuple) else (k,)
        return tuple(o.index(v) for o, v in zip(orders, tk))

    return sorted(keys, key=rank)


def place_legend(ax, n_entries: int, title: str | None = None) -> None:
    if n_entries <= 1:
        return
    if n_entries <= 4:
        ax.legend(title=title, loc="best", framealpha=0.85)
    else:
        ax.legend(title=title, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  borderaxespad=0.0, framealpha=0.85)


def label_bars(ax, bars, values, tops) -> None:
    """Write each bar's value just above its error bar."""
    for b, v, top in zip(bars, values, tops):
        if np.isfinite(v):
            y = top if np.isfinite(top) else v
            ax.annotate(f"{v:.3g}", (b.get_x() + b.get_width() / 2, y),
                        xytext=(0, 3), textcoords="offset points", ha="center",
                        va="bottom", fontsize=8)


# Output formats (--format): PNG for screens, SVG and PDF (vector) for papers.
FORMATS = ["png"]
KNOWN_FORMATS = ("png", "svg", "pdf")
# No creation date in vector files, and fixed SVG ids: the same data gives
# the same bytes.
plt.rcParams["svg.hashsalt"] = "vodsim"
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}


def save(fig, outdir: str, name: str, written: list[str]) -> None:
    """Writes figure `name` (given with .png) in every format of FORMATS."""
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.splitext(name)[0]
    for fmt in FORMATS:
        path = os.path.join(outdir, f"{stem}.{fmt}")
        fig.savefig(path, dpi=DPI, format=fmt, metadata=METADATA.get(fmt))
        print(path)
        written.append(path)
    plt.close(fig)


def new_fig(wide: bool = False, size=FIGSIZE):
    w, h = size
    if wide:
        w += 2.0  # room for a legend outside the axes
    return plt.subplots(figsize=(w, h), layout="constrained")


# --------------------------------------------------------------------------
# sweep statistics


class Sweep:
    def __init__(self, root: str):
        self.root = root
        self.runs = read_csv(os.path.join(root, "runs.csv"))
        self.points = read_csv(os.path.join(root, "points.csv"))
        if self.runs is not None and self.runs.empty:
            self.runs = None
        if self.points is not None and self.points.empty:
            self.points = None
        self.params = (
            param_columns(self.runs, "seed")
            if self.runs is not None
            else param_columns(self.points, "n")
            if self.points is not None
            else []
        )

    def has(self, *cols: str) -> bool:
        """Totals available per run (runs.csv) or as X_mean (points.csv)."""
        if self.runs is not None and all(c in self.runs.columns for c in cols):
            return True
        if self.points is not None and all(
            f"{c}_mean" in self.points.columns for c in cols
        ):
            return True
        return False

    def ratio_stats(self, num: str, den: str, by: list[str], scale: float = 1.0,
                    pool: bool = False) -> pd.DataFrame:
        """Per group of `by`: mean, lo, hi, n of num/den (x scale).

        From runs.csv: the ratio per run, then mean +/- t sd/sqrt(n), clamped at 0 as points.csv.
        From points.csv: ratio of means, interval from the CI bounds of num
        over the mean of den (no per-run data).
        `pool`: aggregate over every run of the group even if other
        parameters vary (used for per-policy bars)."""
        rows = []
        if self.runs is not None and num in self.runs.columns and den in self.runs.columns:
            df = self.runs.copy()
            df["_r"] = ratio(df[num], df[den]) * scale
            groups = df.groupby(by, dropna=False, sort=False) if by else [((), df)]
            for key, g in groups:
                m, lo, hi, n = mean_ci(g["_r"])
                rows.append(dict(_key=key, mean=m, lo=lo, hi=hi, n=n))
        elif self.points is not None and f"{num}_mean" in self.points.columns:
            p = self.points
            dm = pd.to_numeric(p[f"{den}_mean"], errors="coerce")
            dm = dm.where(dm > 0)
            df = pd.DataFrame(
                {
                    "_m": pd.to_numeric(p[f"{num}_mean"], errors="coerce") / dm * scale,
                    "_lo": pd.to_numeric(p.get(f"{num}_ci95_lo", p[f"{num}_mean"]), errors="coerce") / dm * scale,
                    "_hi": pd.to_numeric(p.get(f"{num}_ci95_hi", p[f"{num}_mean"]), errors="coerce") / dm * scale,
                    "_n": pd.to_numeric(p["n"], errors="coerce") if "n" in p.columns else 1,
                }
            )
            for c in by:
                df[c] = p[c]
            groups = df.groupby(by, dropna=False, sort=False) if by else [((), df)]
            for key, g in groups:
                g = g.dropna(subset=["_m"])
                if g.empty:
                    rows.append(dict(_key=key, mean=math.nan, lo=math.nan, hi=math.nan, n=0))
                    continue
                if len(g) == 1 or not pool:
                    rows.append(dict(_key=key, mean=float(g["_m"].mean()),
                                     lo=float(g["_lo"].mean()), hi=float(g["_hi"].mean()),
                                     n=int(g["_n"].sum())))
                else:
                    # pooled over points: CI of the mean of the point means
                    m, lo, hi, _ = mean_ci(g["_m"])
                    rows.append(dict(_key=key, mean=m, lo=lo, hi=hi, n=int(g["_n"].sum())))
        out = pd.DataFrame(rows)
        if not out.empty and by:
            keys = [k if isinstance(k, tuple) else (k,) for k in out["_key"]]
            for i, c in enumerate(by):
                out[c] = [k[i] for k in keys]
        return out

    def x_per_point(self, x_col: str) -> pd.DataFrame | None:
        """Table params -> x (mean over seeds) for the capacity plot."""
        if self.runs is not None and x_col in self.runs.columns:
            return (
                self.runs.groupby(self.params, dropna=False)[x_col]
                .mean()
                .reset_index()
                .rename(columns={x_col: "_x"})
            )
        if self.points is not None and f"{x_col}_mean" in self.points.columns:
            return self.points[self.params + [f"{x_col}_mean"]].rename(
                columns={f"{x_col}_mean": "_x"}
            )
        return None


def capacity_x(sw: Sweep) -> tuple[pd.DataFrame | None, str, list[str]]:
    """Returns (params -> _x table, x axis label, params that define x)."""
    params = sw.params
    t = sw.x_per_point("streams_per_disk")
    if t is not None and params:
        return t, "streams per disk", [STREAMS_COL] if STREAMS_COL in params else []
    if STREAMS_COL not in params:
        return None, "", []
    base = sw.runs if sw.runs is not None else sw.points
    t = base[params].drop_duplicates().copy()
    if MODULES_COL in params and DISKS_COL in params:
        t["_x"] = pd.to_numeric(t[STREAMS_COL]) / (
            pd.to_numeric(t[MODULES_COL]) * pd.to_numeric(t[DISKS_COL])
        )
        return t, "streams per disk", [STREAMS_COL, MODULES_COL, DISKS_COL]
    t["_x"] = pd.to_numeric(t[STREAMS_COL])
    return t, "streams (workload.streams)", [STREAMS_COL]


# --------------------------------------------------------------------------
# figures: sweep


def draw_lines_with_band(ax, stats: pd.DataFrame, x_col: str, group_cols: list[str]):
    """One line per combination of group_cols; returns number of lines."""
    if group_cols:
        grouped = list(stats.groupby(group_cols, dropna=False, sort=False))
        keys = sort_keys(group_cols, [k for k, _ in grouped])
        gdict = {k: g for k, g in grouped}
    else:
        keys, gdict = ["all"], {"all": stats}
    styles = make_styles(group_cols, keys)
    for k in keys:
        g = gdict[k].sort_values(x_col)
        st = styles[k]
        label = combo_label(group_cols, k) if group_cols else None
        ax.plot(g[x_col], g["mean"], color=st["color"], ls=st["ls"], marker=st["marker"],
                ms=4, lw=1.6, label=label)
        lo, hi = g["lo"].to_numpy(float), g["hi"].to_numpy(float)
        if np.isfinite(lo).any() and np.any(hi - lo > 0):
            ax.fill_between(g[x_col], lo, hi, color=st["color"], alpha=0.15, lw=0)
    return len(keys)


def fig_capacity(sw: Sweep, outdir: str, written: list[str]) -> None:
    name = "capacity.png"
    if not sw.has("glitches", "stream_periods"):
        note(f"skip {name}: no glitches / stream_periods totals in runs.csv or points.csv")
        return
    xt, xlabel, x_defining = capacity_x(sw)
    if xt is None:
        note(f"skip {name}: no streams_per_disk total and no swept {STREAMS_COL} column")
        return
    params = sw.params
    stats = sw.ratio_stats("glitches", "stream_periods", params, scale=100.0)
    if stats.empty:
        note(f"skip {name}: no runs")
        return
    stats = stats.merge(xt, on=params, how="left").dropna(subset=["_x", "mean"])
    if stats.empty:
        note(f"skip {name}: no run with stream_periods > 0")
        return
    group_cols = [c for c in params if c not in x_defining]
    n_lines = stats[group_cols].drop_duplicates().shape[0] if group_cols else 1
    fig, ax = new_fig(wide=n_lines > 4)
    n = draw_lines_with_band(ax, stats, "_x", group_cols)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("glitch rate (% of stream periods)")
    ax.set_ylim(bottom=0)
    nseeds = int(stats["n"].median()) if len(stats) else 0
    ax.set_title(f"Capacity: glitch rate vs load (mean, 95% CI band, n≈{nseeds} seeds/point)")
    place_legend(ax, n)
    save(fig, outdir, name, written)


def fig_seamless_vs_latency(sw: Sweep, outdir: str, written: list[str]) -> None:
    name = "seamless_vs_latency.png"
    if LATENCY_COL not in sw.params:
        note(f"skip {name}: sweep has no {LATENCY_COL} column")
        return
    if not sw.has("migrations_seamless", "migrations"):
        note(f"skip {name}: no migrations / migrations_seamless totals")
        return
    params = sw.params
    stats = sw.ratio_stats("migrations_seamless", "migrations", params, scale=100.0)
    stats = stats.dropna(subset=["mean"]) if not stats.empty else stats
    if stats.empty:
        note(f"skip {name}: no run with migrations > 0")
        return
    stats[LATENCY_COL] = pd.to_numeric(stats[LATENCY_COL], errors="coerce")
    stats = stats.dropna(subset=[LATENCY_COL])
    group_cols = [c for c in params if c != LATENCY_COL]
    # lines for parameter combos with at least one migrating run
    n_lines = stats[group_cols].drop_duplicates().shape[0] if group_cols else 1
    fig, ax = new_fig(wide=n_lines > 4)
    n = draw_lines_with_band(ax, stats, LATENCY_COL, group_cols)
    lat = stats[LATENCY_COL]
    pos = lat[lat > 0]
    if len(pos) and (lat <= 0).any():
        ax.set_xscale("symlog", linthresh=float(pos.min()))
    elif len(pos):
        ax.set_xscale("log")
    ax.set_xlabel("SMBUS latency (µs, log scale)")
    ax.set_ylabel("seamless migrations (%)")
    ax.set_ylim(-2, 102)
    nseeds = int(stats["n"].median()) if len(stats) else 0
    ax.set_title(f"Seamless migrations vs SMBUS latency (mean, 95% CI, n≈{nseeds} seeds/point)")
    place_legend(ax, n)
    save(fig, outdir, name, written)


def fig_migration_loss_sweep(sw: Sweep, outdir: str, written: list[str]) -> None:
    name = "migration_loss.png"
    if not sw.has("lost_s", "duplicate_s", "migrations"):
        note(f"skip {name}: no lost_s / duplicate_s / migrations totals")
        return
    by = [POLICY_COL] if POLICY_COL in sw.params else []
    lost = sw.ratio_stats("lost_s", "migrations", by, pool=True)
    dup = sw.ratio_stats("duplicate_s", "migrations", by, pool=True)
    if lost.empty or lost["mean"].isna().all():
        note(f"skip {name}: no run with migrations > 0")
        return
    if by:
        policies = order_values(POLICY_COL, lost[POLICY_COL])
        lost = lost.set_index(POLICY_COL).reindex(policies)
        dup = dup.set_index(POLICY_COL).reindex(policies)
        labels = [str(p) for p in policies]
    else:
        labels = ["all runs"]
    x = np.arange(len(labels))
    w = 0.38
    fig, ax = new_fig()
    for off, st, color, lab in [(-w / 2, lost, "tab:red", "lost"),
                                (w / 2, dup, "tab:orange", "duplicate")]:
        m = st["mean"].to_numpy(float)
        err = np.vstack([m - st["lo"].to_numpy(float), st["hi"].to_numpy(float) - m])
        err = np.nan_to_num(np.clip(err, 0, None))
        bars = ax.bar(x + off, np.nan_to_num(m), w, yerr=err, capsize=4, color=color,
                      alpha=0.85, label=f"{lab} s / migration")
        label_bars(ax, bars, m, m + err[1])
    ns = lost["n"].to_numpy()
    ax.set_xticks(x, [f"{l}\n(n={int(n)} runs)" for l, n in zip(labels, ns)])
    ax.set_xlabel("migration policy")
    ax.set_ylabel("content seconds per migration (s)")
    ax.set_ylim(bottom=0)
    ax.margins(y=0.12)
    ax.set_title("Lost and duplicate content per migration\n"
                 "(per-run ratio, mean over all runs of a policy, 95% CI)")
    ax.legend(loc="upper left", framealpha=0.85)
    save(fig, outdir, name, written)


# --------------------------------------------------------------------------
# figures: run


def fig_migration_loss_run(root: str, outdir: str, written: list[str], policy: str) -> None:
    name = "migration_loss.png"
    mig = read_csv(os.path.join(root, "migrations.csv"))
    if mig is None or mig.empty:
        note(f"skip {name}: migrations.csv missing or has no rows")
        return
    need = {"outcome", "lost_s", "duplicate_s"}
    if not need <= set(mig.columns):
        note(f"skip {name}: migrations.csv lacks {sorted(need - set(mig.columns))}")
        return
    outcomes = [o for o in OUTCOMES if (mig["outcome"] == o).any()]
    outcomes += sorted(set(mig["outcome"].astype(str)) - set(OUTCOMES))
    x = np.arange(len(outcomes))
    w = 0.38
    fig, ax = new_fig()
    for off, col, color, lab in [(-w / 2, "lost_s", "tab:red", "lost"),
                                 (w / 2, "duplicate_s", "tab:orange", "duplicate")]:
        stats = [mean_ci(mig.loc[mig["outcome"].astype(str) == o, col]) for o in outcomes]
        m = np.array([s[0] for s in stats], float)
        err = np.vstack([m - np.array([s[1] for s in stats]), np.array([s[2] for s in stats]) - m])
        err = np.nan_to_num(np.clip(err, 0, None))
        bars = ax.bar(x + off, np.nan_to_num(m), w, yerr=err, capsize=4, color=color,
                      alpha=0.85, label=f"{lab} s")
        label_bars(ax, bars, m, m + err[1])
    counts = [int((mig["outcome"].astype(str) == o).sum()) for o in outcomes]
    ax.set_xticks(x, [f"{o}\n(n={c})" for o, c in zip(outcomes, counts)])
    ax.set_xlabel("migration outcome")
    ax.set_ylabel("content seconds per migration (s)")
    ax.set_ylim(bottom=0)
    ax.margins(y=0.12)
    pol = f", policy={policy}" if policy else ""
    ax.set_title(f"Lost / duplicate content per migration by outcome\n"
                 f"({len(mig)} migrations{pol}; mean, 95% CI)")
    ax.legend(loc="upper left", framealpha=0.85)
    save(fig, outdir, name, written)


def failed_intervals(t: np.ndarray, failed: np.ndarray) -> list[tuple[float, float]]:
    """Runs of failed rows -> [start, end) where end is the next non-failed
    sample time (or one reporting step past the last sample)."""
    if len(t) == 0:
        return []
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    out, start = [], None
    for i, (ti, fi) in enumerate(zip(t, failed)):
        if fi and start is None:
            start = ti
        elif not fi and start is not None:
            out.append((start, ti))
            start = None
    if start is not None:
        out.append((start, t[-1] + step))
    return out


def fig_timeline(root: str, outdir: str, written: list[str], summary: dict) -> None:
    name = "timeline.png"
    mods = read_csv(os.path.join(root, "modules.csv"))
    if mods is None or mods.empty:
        note(f"skip {name}: modules.csv missing or has no rows")
        return
    need = {"t_s", "module", "streams", "disk_util"}
    if not need <= set(mods.columns):
        note(f"skip {name}: modules.csv lacks {sorted(need - set(mods.columns))}")
        return
    mods = mods.sort_values(["module", "t_s"])
    modules = order_values("module", mods["module"])
    util = pd.to_numeric(mods["disk_util"], errors="coerce")
    pct = util.max() <= 1.0 + 1e-9
    mods["_util"] = util * 100.0 if pct else util
    has_failed = "failed" in mods.columns
    if has_failed:
        mods["_failed"] = as_bool(mods["failed"])
    mig = read_csv(os.path.join(root, "migrations.csv"))
    mig_t = (
        pd.to_numeric(mig["t_s"], errors="coerce").dropna().to_numpy()
        if mig is not None and "t_s" in mig.columns
        else np.array([])
    )

    many = len(modules) > 12
    cmap = plt.get_cmap("tab10" if len(modules) <= 10 else "tab20" if len(modules) <= 20 else "viridis")
    colors = {m: cmap(i % cmap.N if len(modules) <= 20 else i / max(1, len(modules) - 1))
              for i, m in enumerate(modules)}

    w, h = FIGSIZE
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(w + 1.6, h + 1.5),
                                   layout="constrained")
    failed_any = False
    for m in modules:
        g = mods[mods["module"] == m]
        lw = 1.0 if many else 1.5
        ax1.plot(g["t_s"], g["streams"], color=colors[m], lw=lw, label=f"module {m}")
        ax2.plot(g["t_s"], g["_util"], color=colors[m], lw=lw)
        if has_failed:
            for a, b in failed_intervals(g["t_s"].to_numpy(float), g["_failed"].to_numpy()):
                failed_any = True
                for ax in (ax1, ax2):
                    ax.axvspan(a, b, color=colors[m], alpha=0.15, lw=0, hatch="//")
    for ax in (ax1, ax2):
        if len(mig_t):
            ax.vlines(mig_t, 0, 1, transform=ax.get_xaxis_transform(), colors="0.35",
                      lw=0.6, alpha=0.5 if len(mig_t) < 200 else 0.2, zorder=0)
    ax1.set_ylabel("active streams")
    ax1.set_ylim(bottom=0)
    ax2.set_ylabel("disk utilisation (%)" if pct else "disk utilisation")
    if pct:
        ax2.set_ylim(0, 105)
    ax2.set_xlabel("simulated time (s)")
    scen = summary.get("scenario", "")
    seed = summary.get("seed", "")
    ttl = "Per-module load over time"
    if scen != "" or seed != "":
        ttl += f" — {scen} seed {seed}"
    ax1.set_title(ttl)

    # legend: modules (+ markers for failures / migrations)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles, labels = ax1.get_legend_handles_labels()
    if many:
        handles, labels = [], []
    extra_h, extra_l = [], []
    if failed_any:
        extra_h.append(Patch(facecolor="0.6", alpha=0.35, hatch="//"))
        extra_l.append("module failed (shaded)")
    if len(mig_t):
        extra_h.append(Line2D([], [], color="0.35", lw=0.8))
        extra_l.append(f"migration ({len(mig_t)})")
    if len(handles) + len(extra_h) > 1:
        ax1.legend(handles + extra_h, labels + extra_l, loc="upper left",
                   bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    if many:
        ax1.text(0.99, 0.02, f"{len(modules)} modules", transform=ax1.transAxes,
                 ha="right", va="bottom", fontsize=8)
    save(fig, outdir, name, written)


# --------------------------------------------------------------------------
# driver


def detect(root: str) -> str:
    if not os.path.isdir(root):
        raise LayoutError(f"{root}: no such directory")
    files = set(os.listdir(root))
    if {"runs.csv", "points.csv"} & files:
        return "sweep"
    if {"summary.json", "modules.csv", "migrations.csv", "streams.csv"} & files:
        return "run"
    raise LayoutError(
        f"{root}: neither a run directory (summary.json, modules.csv, migrations.csv, "
        f"streams.csv) nor a sweep directory (runs.csv, points.csv)"
    )


def plot_run(root: str, outdir: str) -> list[str]:
    written: list[str] = []
    summary = read_json(os.path.join(root, "summary.json")) or {}
    fig_migration_loss_run(root, outdir, written, str(summary.get("policy", "")))
    fig_timeline(root, outdir, written, summary)
    return written


def plot_sweep(root: str, outdir: str) -> list[str]:
    written: list[str] = []
    sw = Sweep(root)
    if sw.runs is None and sw.points is None:
        note("runs.csv and points.csv are both empty; nothing to plot")
        return written
    if sw.runs is None:
        note("no runs.csv: confidence intervals approximated from points.csv")
    fig_capacity(sw, outdir, written)
    fig_migration_loss_sweep(sw, outdir, written)
    fig_seamless_vs_latency(sw, outdir, written)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Plot a vodsim run directory or sweep directory to PNG, SVG or PDF figures."
    )
    ap.add_argument("dir", metavar="DIR", help="run or sweep output directory")
    ap.add_argument("--out", metavar="FIGDIR", help="figure directory (default DIR/figures)")
    ap.add_argument(
        "--format",
        default="png",
        metavar="FMT[,FMT...]",
        help="output formats, any of png, svg, pdf, comma separated (default png)",
    )
    args = ap.parse_args(argv)
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    bad = [f for f in formats if f not in KNOWN_FORMATS]
    if bad or not formats:
        print(f"plot.py: error: --format: expected png, svg or pdf (comma separated), got {args.format!r}", file=sys.stderr)
        return 2
    FORMATS[:] = formats
    root = args.dir
    try:
        kind = detect(root)
    except LayoutError as e:
        print(f"plot.py: error: {e}", file=sys.stderr)
        return 2
    outdir = args.out or os.path.join(root, "figures")
    written = plot_run(root, outdir) if kind == "run" else plot_sweep(root, outdir)
    if not written:
        note(f"no figures written for {kind} directory {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
