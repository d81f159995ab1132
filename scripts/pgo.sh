#!/usr/bin/env bash
# Regenerates pgo/vodsim.profdata, the profile that optimised builds compile
# with (scripts/rustc-release, named in .cargo/config.toml): builds vodsim
# instrumented, runs it on every scenario but metro.json (default.json also
# with --trace) and on metro.json scaled to 10k streams for 5 simulated
# minutes and at full size for 2, merges the counts and records which
# source they came from in pgo/source.txt (scripts/bench.sh prints whether
# it still matches).
#
# Run it after changing the hot paths or the dependencies: the profile names
# functions by their crate's hash, which any change to Cargo.lock alters,
# and a function whose code changed just compiles as without a profile.
# Results never depend on it, only speed. Needs the llvm-tools rustup
# component (installed if missing).
#
# Usage: scripts/pgo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

find_profdata() { find "$(rustc --print sysroot)" -name llvm-profdata -type f 2>/dev/null | head -1; }
profdata="$(find_profdata)"
if [[ -z $profdata ]]; then
    rustup component add llvm-tools >&2
    profdata="$(find_profdata)"
fi
[[ -n $profdata ]] || { echo "pgo: llvm-profdata not found (rustup component add llvm-tools)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "pgo: building instrumented vodsim" >&2
# The empty RUSTC_WRAPPER keeps the old profile out of the instrumented build.
RUSTC_WRAPPER= RUSTFLAGS="-Cprofile-generate=$tmp/raw" CARGO_TARGET_DIR="$tmp/target" cargo build --release --quiet
rm -rf "$tmp/raw" # what build scripts wrote while the build ran
vodsim="$tmp/target/release/vodsim"

echo "pgo: training runs" >&2
# Each small scenario 20 times: a profile's counts are absolute, and once
# each they came to ~5 % of the metro runs' below, so the code paths both
# take were laid out for metro alone. Twenty runs weigh the small models,
# the regime of a parameter sweep, about as much as metro.
for _ in $(seq 20); do
    for sc in scenarios/*.json; do
        [[ $sc == scenarios/metro.json ]] && continue
        "$vodsim" run "$sc" --quiet --out "$tmp/out"
    done
done
"$vodsim" run scenarios/default.json --quiet --trace --out "$tmp/out"
# bench.sh's metro topology at 10k streams (13 modules), 300 s.
mapfile -t sets < <(scripts/metro-sets 10000 300)
"$vodsim" run scenarios/metro.json --quiet --out "$tmp/out" "${sets[@]}"
# And at full size (64 modules, 50k streams) for 2 simulated minutes, the
# module failing after one: the cache-bound regime where prefetching runs.
"$vodsim" run scenarios/metro.json --quiet --out "$tmp/out" --set duration_s=120 \
    --set 'faults=[{"at_s": 60, "kind": "module", "module": 0}]'

mkdir -p pgo
"$profdata" merge -o pgo/vodsim.profdata "$tmp/raw"
{
    echo "commit $(git rev-parse HEAD)$( [[ -n $(git status --porcelain -- src benches Cargo.toml Cargo.lock) ]] && echo ' (with uncommitted changes)')"
    echo "source $(scripts/pgo-source-hash)"
    echo "rustc $(rustc --version)"
} >pgo/source.txt
# Cargo does not see the profile's content: rebuild what was built with the old one.
cargo clean --release --quiet
echo "pgo: wrote pgo/vodsim.profdata ($(wc -c <pgo/vodsim.profdata) bytes) and pgo/source.txt; release build cleaned" >&2
