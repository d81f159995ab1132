#!/usr/bin/env bash
# The README's figures, from real sweeps of the shipped scenarios:
#
#     scripts/figures.sh [OUTDIR]      (default docs/figures)
#
# Runs three sweeps into a temporary directory with target/release/vodsim
# (built if missing; VODSIM_BIN overrides it), plots each with
# scripts/plot.py as SVG, and copies the figures and their data files
# (FIGURE.csv: the numbers drawn, equal to points.csv) to OUTDIR. Same
# binary, same bytes: the sweeps are deterministic and the SVGs carry no
# date. About a minute on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/figures}
bin=${VODSIM_BIN:-target/release/vodsim}
[[ -x $bin ]] || cargo build --release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sweep() { "$bin" sweep "$@" --jobs 1 --quiet >/dev/null; }
plot() { python3 scripts/plot.py "$1" --out "$2" --format svg >/dev/null; }

# Capacity: glitch rate vs offered streams, with and without admission
# control (the switch admits 266 streams).
sweep scenarios/capacity.json --seeds 1..3 \
    --set workload.streams=200,250,266,280,300,400,572,700 \
    --set headend.admission.enabled=true,false --out "$tmp/capacity"
plot "$tmp/capacity" "$tmp/fig-capacity"

# Seamless hand-offs vs SMBUS latency (module 0 of four fails at 300 s;
# at 200 streams every user fits on the survivors).
sweep scenarios/module-failure.json --seeds 1..3 --set workload.streams=200 \
    --set smbus.latency_us=10,40,80,100,110,120,130,150,300 --set smbus.jitter_us=20 \
    --out "$tmp/latency"
plot "$tmp/latency" "$tmp/fig-latency"

# Content lost / shown twice per policy, and one run (reconnect, seed 1)
# in detail.
sweep scenarios/module-failure.json --seeds 1..3 --set workload.streams=200 \
    --set migration.policy=protocol,reconnect,naive --out "$tmp/policy"
plot "$tmp/policy" "$tmp/fig-policy"
plot "$tmp/policy/runs/p001-s1" "$tmp/fig-run"

mkdir -p "$out"
for f in capacity.svg capacity.csv; do cp "$tmp/fig-capacity/$f" "$out/"; done
for f in seamless_vs_latency.svg seamless_vs_latency.csv; do cp "$tmp/fig-latency/$f" "$out/"; done
for f in migration_loss.svg migration_loss.csv; do cp "$tmp/fig-policy/$f" "$out/"; done
for f in timeline.svg timeline.csv migration_outcomes.svg migration_outcomes.csv; do cp "$tmp/fig-run/$f" "$out/"; done
ls "$out"
