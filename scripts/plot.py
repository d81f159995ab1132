#!/usr/bin/env python3
"""Plot vodsim results.

Usage:
    python3 scripts/plot.py DIR [--out FIGDIR] [--format png,svg,pdf]

DIR is either
  * a run directory (from `vodsim run`): summary.json, streams.csv,
    migrations.csv, modules.csv, optional reads.csv, manifest.json; or
  * a sweep directory (from `vodsim sweep` / `vodsim merge`): runs.csv
    and/or points.csv (plus one sub-directory per run).

Figures are written as PNG (or, with --format, SVG and PDF too) to FIGDIR
(default DIR/figures), each with FIGURE.csv next to it: the numbers drawn,
one row per mark (the point's swept values, panel, series, x, y, y_lo,
y_hi). A figure is only drawn when the data it needs exists, otherwise a
note is printed:

  capacity               (sweep with workload.streams) glitch_rate in % vs
                         offered streams, the switch limit marked; log scale
                         when the rates span decades
  seamless_vs_latency    (sweep with smbus.latency_us) seamless_fraction in %
                         vs SMBUS latency (log)
  migration_loss         (sweep with migrations) lost_s and duplicate_s per
                         run, per parameter point
  migration_outcomes     (run) lost_s, duplicate_s, stall_s per migration by
                         outcome (migrations.csv)
  timeline               (run) streams and disk utilisation per module vs
                         time, failed spans shaded, migrations per time bin

Every path written is printed on stdout. Exit status: 0 ok, 2 when DIR does
not exist or holds neither layout.

Sweep figures plot points.csv as it is: X_mean with the interval
[X_ci95_lo, X_ci95_hi] (Student t, clamped at 0 for a non-negative total
and at 1 for a fraction).
Without points.csv the same statistics are computed from runs.csv.
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


# Totals that are fractions in [0, 1] (FRACTIONS in src/sweep/table.rs).
FRACTIONS = ("glitch_rate", "seamless_fraction")


def mean_ci(values, fraction: bool = False) -> tuple[float, float, float, int]:
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna().astype(float)
    n = len(v)
    if n == 0:
        return (math.nan, math.nan, math.nan, 0)
    m = float(v.mean())
    sd = float(v.std(ddof=1)) if n > 1 else 0.0
    half = t975(n - 1) * sd / math.sqrt(n) if n > 1 else 0.0
    # The same interval as points.csv (src/sweep/table.rs): Student t,
    # clamped at 0 for a quantity never observed below 0 and at 1 for a
    # fraction never observed above 1.
    lo, hi = m - half, m + half
    if (v >= 0).all():
        lo = max(lo, 0.0)
    if fraction and (v <= 1).all():
        hi = min(hi, 1.0)
    return (m, lo, hi, n)


# --------------------------------------------------------------------------
# labelling / styling


def split_unit(col: str) -> tuple[str, str]:
    """'smbus.latency_us' -> ('smbus.latency', 'µs')."""
    for suf, unit in UNIT_SUFFIXES:
        if col.endswith(suf):
            return col[: -len(suf)], unit
    return col, ""


def fmt_value(v) -> str:
    if isinstance(v, str) and len(v) > 24:
        # a swept list or object (faults=[...]): its start, not the whole JSON
        return v[:21] + "…"
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
    if short == "enabled" and "." in name:
        # headend.admission.enabled=true -> "admission on"
        on = str(v).strip().lower() in ("true", "1", "1.0")
        return f"{name.split('.')[-2]} {'on' if on else 'off'}"
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
# Text as text, not glyph paths: SVGs a tenth the size, searchable.
plt.rcParams["svg.fonttype"] = "none"
METADATA = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}


class FigureData:
    """The numbers a figure draws, as drawn: one row per mark, written next
    to the figure as FIGURE.csv. Columns: the swept parameters of the
    point (sweeps), `panel` (which axes, when several), `series` (legend
    entry), `x`, `y`, and `y_lo`, `y_hi` (the 95 % interval drawn as the
    error bar; equal to y without one)."""

    def __init__(self, params: list[str] | None = None):
        self.params = params or []
        self.frames: list[pd.DataFrame] = []

    def add(self, src: pd.DataFrame | None, panel: str, series: str, x, y, lo=None, hi=None):
        y = np.asarray(y, float)
        df = pd.DataFrame(
            {c: src[c].to_numpy() for c in self.params} if src is not None else {},
            index=range(len(y)),
        )
        df["panel"] = panel
        df["series"] = series
        df["x"] = np.asarray(x)
        df["y"] = y
        df["y_lo"] = y if lo is None else np.asarray(lo, float)
        df["y_hi"] = y if hi is None else np.asarray(hi, float)
        self.frames.append(df)

    def y(self) -> np.ndarray:
        return np.concatenate([f["y"].to_numpy(float) for f in self.frames]) if self.frames else np.array([])

    def write(self, path: str) -> None:
        cols = self.params + ["panel", "series", "x", "y", "y_lo", "y_hi"]
        df = pd.concat(self.frames, ignore_index=True) if self.frames else pd.DataFrame(columns=cols)
        df[cols].to_csv(path, index=False, float_format="%.12g", lineterminator="\n")


def save(fig, outdir: str, name: str, written: list[str], data: FigureData | None = None) -> None:
    """Writes figure `name` (given with .png) in every format of FORMATS,
    and its data (FigureData) as NAME.csv."""
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.splitext(name)[0]
    if data is not None:
        path = os.path.join(outdir, f"{stem}.csv")
        data.write(path)
        print(path)
        written.append(path)
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


def derived_total(df: pd.DataFrame, total: str) -> pd.Series | None:
    """A total of runs.csv, or the same quantity derived from the counts it
    is defined by (summary.json: 0 when the denominator is 0)."""
    if total in df.columns:
        return pd.to_numeric(df[total], errors="coerce").astype(float)
    num, den = {"glitch_rate": ("glitches", "stream_periods"),
                "seamless_fraction": ("migrations_seamless", "migrations")}.get(total, (None, None))
    if num in df.columns and den in df.columns:
        return ratio(df[num], df[den]).fillna(0.0)
    return None


def point_stat(sw: Sweep, total: str) -> pd.DataFrame | None:
    """Per parameter point: the point's values, mean, lo, hi, n of `total`.

    From points.csv (`X_mean`, `X_ci95_lo`, `X_ci95_hi`, `n`) when it has
    the total, so what is plotted is what points.csv says; otherwise from
    the runs of runs.csv with the same Student-t interval. A point of one
    run has no interval: lo = hi = mean."""
    params = sw.params
    p = sw.points
    if p is not None and f"{total}_mean" in p.columns:
        out = p[params].copy()
        out["mean"] = pd.to_numeric(p[f"{total}_mean"], errors="coerce").astype(float)
        for b, col in (("lo", "ci95_lo"), ("hi", "ci95_hi")):
            c = f"{total}_{col}"
            v = pd.to_numeric(p[c], errors="coerce").astype(float) if c in p.columns else out["mean"]
            out[b] = v.fillna(out["mean"])
        out["n"] = pd.to_numeric(p["n"], errors="coerce") if "n" in p.columns else 1
        return out.reset_index(drop=True)
    if sw.runs is None:
        return None
    v = derived_total(sw.runs, total)
    if v is None:
        return None
    df = sw.runs[params].copy()
    df["_v"] = v
    rows = []
    groups = df.groupby(params, dropna=False, sort=False) if params else [((), df)]
    for key, g in groups:
        m, lo, hi, n = mean_ci(g["_v"], fraction=total in FRACTIONS)
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(params, key))
        row.update(mean=m, lo=lo if n > 1 else m, hi=hi if n > 1 else m, n=n)
        rows.append(row)
    return pd.DataFrame(rows)


def base_scenario(root: str) -> dict:
    """The resolved base scenario of a sweep (manifest.json), or {}."""
    m = read_json(os.path.join(root, "manifest.json")) or {}
    s = m.get("scenario")
    return s if isinstance(s, dict) else {}


# --------------------------------------------------------------------------
# figures: sweep


def plot_points(ax, data: FigureData, stats: pd.DataFrame, x_col: str,
                group_cols: list[str], scale: float, panel: str = "") -> int:
    """One line with 95 % error bars per combination of group_cols, each
    point recorded in `data`; returns the number of lines."""
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
        label = combo_label(group_cols, k) if group_cols else "all runs"
        x = g[x_col].to_numpy(float)
        y = g["mean"].to_numpy(float) * scale
        lo = g["lo"].to_numpy(float) * scale
        hi = g["hi"].to_numpy(float) * scale
        err = np.nan_to_num(np.clip(np.vstack([y - lo, hi - y]), 0, None))
        ax.errorbar(x, y, yerr=err, color=st["color"], ls=st["ls"], marker=st["marker"],
                    ms=4, lw=1.6, capsize=3, label=label if group_cols else None)
        data.add(g, panel, label, x, y, lo, hi)
    return len(keys)


def scale_y(ax, y: np.ndarray) -> str:
    """Log (or symlog when some are 0) y axis for values spanning more than
    a decade; returns the suffix for the axis label."""
    y = y[np.isfinite(y)]
    pos = y[y > 0]
    if len(pos) == 0 or pos.max() / pos.min() <= 10:
        ax.set_ylim(bottom=0)
        return ""
    if (y <= 0).any():
        ax.set_yscale("symlog", linthresh=float(pos.min()))
        return ", symlog scale"
    ax.set_yscale("log")
    return ", log scale"


def fig_capacity(sw: Sweep, outdir: str, written: list[str]) -> None:
    name = "capacity.png"
    if STREAMS_COL not in sw.params:
        note(f"skip {name}: sweep has no {STREAMS_COL} column")
        return
    stats = point_stat(sw, "glitch_rate")
    if stats is None or stats.empty:
        note(f"skip {name}: no glitch_rate (or glitches / stream_periods) in points.csv or runs.csv")
        return
    stats[STREAMS_COL] = pd.to_numeric(stats[STREAMS_COL], errors="coerce")
    stats = stats.dropna(subset=[STREAMS_COL, "mean"])
    group_cols = [c for c in sw.params if c != STREAMS_COL]
    n_lines = stats[group_cols].drop_duplicates().shape[0] if group_cols else 1
    fig, ax = new_fig(wide=n_lines > 4)
    data = FigureData(sw.params)
    n = plot_points(ax, data, stats, STREAMS_COL, group_cols, scale=100.0)
    how = scale_y(ax, data.y())
    # The switch is the head-end's first limit in the shipped scenarios:
    # it carries switch_bps / bitrate_bps streams at most (one bit rate:
    # with content.classes the limit depends on the mix admitted).
    scen = base_scenario(sw.root)
    sw_bps = scen.get("headend", {}).get("switch_bps")
    rate = scen.get("content", {}).get("bitrate_bps")
    if (isinstance(sw_bps, (int, float)) and isinstance(rate, (int, float)) and rate > 0
            and not scen.get("content", {}).get("classes")
            and not {"headend.switch_bps", "content.bitrate_bps"} & set(sw.params)):
        lim = sw_bps / rate
        ax.axvline(lim, color="0.3", ls=":", lw=1.2,
                   label=f"switch limit ({math.floor(lim)} streams)")
        n += 1
    ax.set_xlabel("offered streams (workload.streams)")
    ax.set_ylabel(f"glitch rate (% of extent deadlines{how})")
    nseeds = int(stats["n"].median()) if len(stats) else 0
    ax.set_title(f"Capacity: glitch rate vs offered load (mean, 95% CI, n={nseeds} seeds/point)")
    place_legend(ax, n)
    save(fig, outdir, name, written, data)


def fig_seamless_vs_latency(sw: Sweep, outdir: str, written: list[str]) -> None:
    name = "seamless_vs_latency.png"
    if LATENCY_COL not in sw.params:
        note(f"skip {name}: sweep has no {LATENCY_COL} column")
        return
    stats = point_stat(sw, "seamless_fraction")
    mig = point_stat(sw, "migrations")
    if stats is None or mig is None:
        note(f"skip {name}: no seamless_fraction / migrations totals")
        return
    # a point without migrations has no fraction to show
    stats = stats[mig["mean"].to_numpy(float) > 0].copy()
    if stats.empty:
        note(f"skip {name}: no point with migrations > 0")
        return
    stats[LATENCY_COL] = pd.to_numeric(stats[LATENCY_COL], errors="coerce")
    stats = stats.dropna(subset=[LATENCY_COL])
    group_cols = [c for c in sw.params if c != LATENCY_COL]
    n_lines = stats[group_cols].drop_duplicates().shape[0] if group_cols else 1
    fig, ax = new_fig(wide=n_lines > 4)
    data = FigureData(sw.params)
    n = plot_points(ax, data, stats, LATENCY_COL, group_cols, scale=100.0)
    lat = stats[LATENCY_COL]
    pos = lat[lat > 0]
    if len(pos) and (lat <= 0).any():
        ax.set_xscale("symlog", linthresh=float(pos.min()))
    elif len(pos):
        ax.set_xscale("log")
    ax.set_xlabel("SMBUS latency (µs, log scale)")
    ax.set_ylabel("seamless migrations (% of attempts)")
    ax.set_ylim(-2, 102)
    nseeds = int(stats["n"].median()) if len(stats) else 0
    ax.set_title(f"Seamless migrations vs SMBUS latency (mean, 95% CI, n={nseeds} seeds/point)")
    place_legend(ax, n)
    save(fig, outdir, name, written, data)


def fig_migration_loss_sweep(sw: Sweep, outdir: str, written: list[str]) -> None:
    name = "migration_loss.png"
    lost = point_stat(sw, "lost_s")
    dup = point_stat(sw, "duplicate_s")
    mig = point_stat(sw, "migrations")
    if lost is None or dup is None or mig is None:
        note(f"skip {name}: no lost_s / duplicate_s / migrations totals")
        return
    if not (mig["mean"].to_numpy(float) > 0).any():
        note(f"skip {name}: no point with migrations > 0")
        return
    params = sw.params
    keys = sort_keys(params, [tuple(r) for r in lost[params].itertuples(index=False)]) \
        if params else [()]
    order = {k: i for i, k in enumerate(keys)}
    rank = [order[tuple(r)] if params else 0 for r in lost[params].itertuples(index=False)]
    lost = lost.assign(_r=rank).sort_values("_r")
    dup = dup.assign(_r=rank).sort_values("_r")
    labels = [combo_label(params, k) if params else "all runs" for k in keys]
    x = np.arange(len(labels), dtype=float)
    w = 0.38
    fig, ax = new_fig(size=(max(FIGSIZE[0], 1.1 * len(labels) + 2), FIGSIZE[1]))
    data = FigureData(params)
    for off, st, color, lab in [(-w / 2, lost, "tab:red", "lost (lost_s)"),
                                (w / 2, dup, "tab:orange", "shown twice (duplicate_s)")]:
        m = st["mean"].to_numpy(float)
        lo, hi = st["lo"].to_numpy(float), st["hi"].to_numpy(float)
        err = np.nan_to_num(np.clip(np.vstack([m - lo, hi - m]), 0, None))
        bars = ax.bar(x + off, np.nan_to_num(m), w, yerr=err, capsize=4, color=color,
                      alpha=0.85, label=lab)
        label_bars(ax, bars, m, m + err[1])
        data.add(st, "", lab, x, m, lo, hi)
    ns = lost["n"].to_numpy()
    ax.set_xticks(x, [f"{l}\n(n={int(n)})" for l, n in zip(labels, ns)],
                  rotation=0 if len(labels) <= 5 else 30)
    ax.set_xlabel("parameter point (n = seeds)")
    ax.set_ylabel("content per run (s of content)")
    ax.set_ylim(bottom=0)
    ax.margins(y=0.12)
    ax.set_title("Content lost and shown twice per run (mean, 95% CI)")
    ax.legend(loc="best", framealpha=0.85)
    save(fig, outdir, name, written, data)


# --------------------------------------------------------------------------
# figures: run


def fig_migration_outcomes(root: str, outdir: str, written: list[str], policy: str) -> None:
    name = "migration_outcomes.png"
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
    x = np.arange(len(outcomes), dtype=float)
    bars_of = [(c, color, lab) for c, color, lab in
               [("lost_s", "tab:red", "lost (lost_s)"),
                ("duplicate_s", "tab:orange", "shown twice (duplicate_s)"),
                ("stall_s", "tab:gray", "picture still (stall_s)")]
               if c in mig.columns]
    w = 0.8 / len(bars_of)
    fig, ax = new_fig()
    data = FigureData()
    for i, (col, color, lab) in enumerate(bars_of):
        off = (i - (len(bars_of) - 1) / 2) * w
        stats = [mean_ci(mig.loc[mig["outcome"].astype(str) == o, col]) for o in outcomes]
        m = np.array([s[0] for s in stats], float)
        lo = np.array([s[1] for s in stats], float)
        hi = np.array([s[2] for s in stats], float)
        err = np.nan_to_num(np.clip(np.vstack([m - lo, hi - m]), 0, None))
        bars = ax.bar(x + off, np.nan_to_num(m), w, yerr=err, capsize=4, color=color,
                      alpha=0.85, label=lab)
        label_bars(ax, bars, m, m + err[1])
        data.add(None, "", lab, outcomes, m, lo, hi)
    counts = [int((mig["outcome"].astype(str) == o).sum()) for o in outcomes]
    ax.set_xticks(x, [f"{o}\n(n={c})" for o, c in zip(outcomes, counts)])
    ax.set_xlabel("migration outcome (n = migrations)")
    ax.set_ylabel("per migration, at its hand-off (s)")
    ax.set_ylim(bottom=0)
    ax.margins(y=0.12)
    pol = f", policy={policy}" if policy else ""
    ax.set_title(f"Lost, duplicate and frozen time per migration by outcome\n"
                 f"({len(mig)} migrations{pol}; mean, 95% CI)")
    ax.legend(loc="upper left", framealpha=0.85)
    save(fig, outdir, name, written, data)


def failed_intervals(t: np.ndarray, failed: np.ndarray) -> list[tuple[float, float]]:
    """Runs of failed rows -> [start, end) where end is the next non-failed
    sample time, or the last sample (the run's end): never past the run."""
    if len(t) == 0:
        return []
    out, start = [], None
    for i, (ti, fi) in enumerate(zip(t, failed)):
        if fi and start is None:
            start = ti
        elif not fi and start is not None:
            out.append((start, ti))
            start = None
    if start is not None:
        out.append((start, t[-1]))
    return out


# A timeline marks at most this many migration bins: beyond a few hundred
# marks a plot is ink, not information.
MAX_MIGRATION_BINS = 100


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
    panels = 3 if len(mig_t) else 2
    fig, axes = plt.subplots(panels, 1, sharex=True, figsize=(w + 1.6, h + 1.5 + (panels - 2) * 1.2),
                             layout="constrained",
                             gridspec_kw={"height_ratios": [3, 3, 1.6][:panels]})
    ax1, ax2 = axes[0], axes[1]
    data = FigureData()
    failed_any = False
    for m in modules:
        g = mods[mods["module"] == m]
        lw = 1.0 if many else 1.5
        ax1.plot(g["t_s"], g["streams"], color=colors[m], lw=lw, label=f"module {m}")
        ax2.plot(g["t_s"], g["_util"], color=colors[m], lw=lw)
        data.add(None, "streams", f"module {m}", g["t_s"], g["streams"])
        data.add(None, "disk_util", f"module {m}", g["t_s"], g["_util"])
        if has_failed:
            for a, b in failed_intervals(g["t_s"].to_numpy(float), g["_failed"].to_numpy()):
                failed_any = True
                for ax in axes:
                    ax.axvspan(a, b, color=colors[m], alpha=0.15, lw=0, hatch="//")
    ax1.set_ylabel("active streams")
    ax1.set_ylim(bottom=0)
    ax2.set_ylabel("disk utilisation (%)" if pct else "disk utilisation")
    if pct:
        ax2.set_ylim(0, 105)
    if len(mig_t):
        # migrations started per bin, one bar per bin: a few hundred lines
        # of single migrations would hide the load curves
        t = pd.to_numeric(mods["t_s"], errors="coerce")
        t0, t1 = float(min(t.min(), mig_t.min())), float(max(t.max(), mig_t.max()))
        steps = np.diff(np.sort(pd.unique(t.dropna())))
        step = float(steps.min()) if len(steps) else 1.0
        width = max(step, (t1 - t0) / MAX_MIGRATION_BINS) if t1 > t0 else 1.0
        edges = t0 + width * np.arange(int(math.ceil((t1 - t0) / width)) + 2)
        counts, edges = np.histogram(mig_t, bins=edges)
        ax3 = axes[2]
        ax3.bar(edges[:-1], counts, width=width, align="edge", color="0.35")
        ax3.set_ylabel(f"migrations\nper {width:g} s")
        ax3.set_ylim(bottom=0)
        data.add(None, "migrations", f"migrations started per {width:g} s", edges[:-1], counts)
        ax3.set_xlabel("simulated time (s)")
    else:
        ax2.set_xlabel("simulated time (s)")
    scen = summary.get("scenario", "")
    seed = summary.get("seed", "")
    ttl = "Per-module load over time"
    if scen != "" or seed != "":
        ttl += f" — {scen} seed {seed}"
    ax1.set_title(ttl)

    from matplotlib.patches import Patch

    handles, labels = ax1.get_legend_handles_labels()
    if many:
        handles, labels = [], []
    if failed_any:
        handles.append(Patch(facecolor="0.6", alpha=0.35, hatch="//"))
        labels.append("module failed (shaded)")
    if len(handles) > 1:
        ax1.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                   borderaxespad=0.0)
    if many:
        ax1.text(0.99, 0.02, f"{len(modules)} modules", transform=ax1.transAxes,
                 ha="right", va="bottom", fontsize=8)
    save(fig, outdir, name, written, data)


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
    fig_migration_outcomes(root, outdir, written, str(summary.get("policy", "")))
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
