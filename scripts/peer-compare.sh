#!/usr/bin/env bash
# Compares vodsim with the SimPy peer (shared/bench/peer_simpy.py) on the
# peer's own model, scenarios/peer-simpy.json.
#
# For streams = 50, 100, ..., N (failure disabled on both sides: peer
# `--fail-at -1`, vodsim `--set faults=[]`) it runs both and prints one row
# per stream count: extent reads completed by each, their difference, and
# the glitches of each; then the glitch onset of each (the smallest stream
# count with glitches > 0) and the default run (200 streams, module 0 fails
# at 300 s) of both.
#
# Criteria (issue 2): reads within 1 % where neither side is overloaded,
# and onsets within one step (50 streams).
#
# Usage: scripts/peer-compare.sh [N]   (default N = 900)
# Needs target/release/vodsim (cargo build --release) and python3; installs
# simpy with pip if it is missing. The peer is found at
# $VODSIM_SHARED/bench/peer_simpy.py, VODSIM_SHARED defaulting to ../shared
# beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

max="${1:-900}"
step=50
shared="${VODSIM_SHARED:-../shared}"
peer="$shared/bench/peer_simpy.py"
vodsim=target/release/vodsim
scenario=scenarios/peer-simpy.json

[[ -x $vodsim ]] || { echo "peer-compare: $vodsim missing: run cargo build --release" >&2; exit 2; }
[[ -f $peer ]] || { echo "peer-compare: peer model not found at $peer (set VODSIM_SHARED)" >&2; exit 2; }
python3 -c 'import simpy' 2>/dev/null || python3 -m pip install --quiet simpy

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# peer_field OUTPUT LABEL -> the number after "LABEL:"
peer_field() { sed -n "s/^$2: *//p" <<<"$1" | tr -d ','; }
# summary_field DIR FIELD -> a top-level number of summary.json
summary_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1/summary.json" "$2"; }
diff_pct() { python3 -c 'import sys; p, v = map(float, sys.argv[1:]); print(f"{(v - p) / p * 100:+.3f}" if p else "n/a")' "$1" "$2"; }

# run_pair STREAMS PEER_ARGS... -- VODSIM_ARGS... ; sets peer_reads peer_gl vod_reads vod_gl
run_pair() {
    local n="$1"; shift
    local pargs=() vargs=()
    while [[ $# -gt 0 && $1 != -- ]]; do pargs+=("$1"); shift; done
    [[ $# -gt 0 ]] && shift
    vargs=("$@")
    local out
    out="$(python3 "$peer" --streams "$n" "${pargs[@]}")"
    peer_reads="$(peer_field "$out" 'extent reads completed')"
    peer_gl="$(peer_field "$out" 'glitches')"
    "$vodsim" run "$scenario" --quiet --out "$tmp/run-$n" --set "workload.streams=$n" "${vargs[@]}"
    vod_reads="$(summary_field "$tmp/run-$n" reads_completed)"
    vod_gl="$(summary_field "$tmp/run-$n" glitches)"
    rm -rf "$tmp/run-$n"
}

echo "# peer-compare: $scenario vs $peer, no failure, streams 50..$max step $step"
printf '%-8s %12s %12s %9s %13s %15s\n' streams peer_reads vodsim_reads diff_% peer_glitches vodsim_glitches
peer_onset=none
vod_onset=none
for ((n = step; n <= max; n += step)); do
    run_pair "$n" --fail-at -1 -- --set 'faults=[]'
    printf '%-8s %12s %12s %9s %13s %15s\n' "$n" "$peer_reads" "$vod_reads" "$(diff_pct "$peer_reads" "$vod_reads")" "$peer_gl" "$vod_gl"
    [[ $peer_onset == none && $peer_gl -gt 0 ]] && peer_onset=$n
    [[ $vod_onset == none && $vod_gl -gt 0 ]] && vod_onset=$n
done
echo "glitch onset: peer $peer_onset, vodsim $vod_onset (streams)"

echo "# default run: 200 streams, module 0 fails at 300 s (peer defaults; scenario as committed)"
run_pair 200 --
printf '%-8s %12s %12s %9s %13s %15s\n' streams peer_reads vodsim_reads diff_% peer_glitches vodsim_glitches
printf '%-8s %12s %12s %9s %13s %15s\n' 200 "$peer_reads" "$vod_reads" "$(diff_pct "$peer_reads" "$vod_reads")" "$peer_gl" "$vod_gl"
