#!/usr/bin/env bash
# Builds the fast vodsim for benchmarks and releases, and prints its path on
# stdout (progress goes to stderr):
#  - profile bench-fast (Cargo.toml): fat LTO, one codegen unit;
#  - profile-guided: an instrumented build runs the training scenarios
#    below, and the merged profile, made afresh every time under
#    target/pgo/, feeds the final build (nothing is committed, so a profile
#    can never be stale);
#  - linked statically (and not position-independent) where glibc's static
#    libc is installed: a static binary skips the dynamic loader, ~0.5 ms of
#    a ~15 ms peer-simpy run.
# None of it changes what vodsim computes, only how fast; `cargo build
# --release` stays an ordinary build.
#
# Both builds name the host as --target, so RUSTFLAGS reach the target
# crates only, never build scripts or proc macros (which cannot be static).
# The profile's file name carries its hash: cargo does not read a profile's
# content, but it rebuilds when RUSTFLAGS change.
#
# Needs the llvm-tools rustup component for llvm-profdata (added if missing).
#
# Usage: scripts/build-fast.sh           prints e.g.
#        target/x86_64-unknown-linux-gnu/bench-fast/vodsim
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

host="$(rustc -vV | sed -n 's/^host: //p')"
[[ -n $host ]] || { echo "build-fast: cannot tell the host triple from rustc -vV" >&2; exit 2; }

find_profdata() { find "$(rustc --print sysroot)" -name llvm-profdata -type f 2>/dev/null | head -1; }
profdata="$(find_profdata)"
if [[ -z $profdata ]]; then
    rustup component add llvm-tools >&2
    profdata="$(find_profdata)"
fi
[[ -n $profdata ]] || { echo "build-fast: llvm-profdata not found (rustup component add llvm-tools)" >&2; exit 2; }

pgo="$root/target/pgo"
raw="$pgo/raw"
rm -rf "$raw"
mkdir -p "$pgo"

echo "build-fast: building instrumented vodsim" >&2
# Its own target directory, so neither build invalidates the other's cache.
RUSTFLAGS="-Cprofile-generate=$raw" CARGO_TARGET_DIR="$pgo/target" \
    cargo build --profile bench-fast --target "$host" --quiet
rm -rf "$raw" # anything written while building
vodsim="$pgo/target/$host/bench-fast/vodsim"
out="$pgo/out"

echo "build-fast: training runs" >&2
# Each small scenario 20 times: a profile's counts are absolute, and once
# each they came to ~5 % of the metro runs' below, so the code paths both
# take were laid out for metro alone. Twenty runs weigh the small models,
# the regime of a parameter sweep, about as much as metro.
for _ in $(seq 20); do
    for sc in scenarios/*.json; do
        [[ $sc == scenarios/metro.json ]] && continue
        "$vodsim" run "$sc" --quiet --force --out "$out"
    done
done
"$vodsim" run scenarios/default.json --quiet --force --trace --out "$out"
# bench.sh's metro topology at 10k streams (13 modules), 300 s.
mapfile -t sets < <(scripts/metro-sets 10000 300)
"$vodsim" run scenarios/metro.json --quiet --force --out "$out" "${sets[@]}"
# And at full size (64 modules, 50k streams) for 2 simulated minutes, the
# module failing after one: the cache-bound regime where prefetching runs.
"$vodsim" run scenarios/metro.json --quiet --force --out "$out" --set duration_s=120 \
    --set 'faults=[{"at_s": 60, "kind": "module", "module": 0}]'
rm -rf "$out"

"$profdata" merge -o "$pgo/merged.profdata" "$raw"
profile="$pgo/vodsim-$(sha256sum "$pgo/merged.profdata" | cut -c1-16).profdata"
mv "$pgo/merged.profdata" "$profile"
find "$pgo" -maxdepth 1 -name 'vodsim-*.profdata' ! -path "$profile" -delete

flags="-Cprofile-use=$profile"
link=dynamically
if [[ $host == *-linux-gnu && -f "$(cc -print-file-name=libc.a 2>/dev/null)" ]]; then
    # Not position-independent either: a static-pie binary relocates itself
    # at start-up, writing to (and faulting in) ~17 more pages.
    flags+=" -Ctarget-feature=+crt-static -Crelocation-model=static"
    link=statically
fi
echo "build-fast: building profile-guided vodsim, linked $link" >&2
RUSTFLAGS="$flags" cargo build --profile bench-fast --target "$host" --quiet
echo "target/$host/bench-fast/vodsim"
