#!/bin/bash
# End-to-end test of scripts/slurm-sweep.sh on a real single-node Slurm:
# starts Slurm with the shared recipe (as root; installs it if needed),
# submits a tiny sweep (2 points x 2 seeds, 2 shards) as a job array plus the
# dependent merge job, waits for them, and checks that the merged runs.csv and
# points.csv are byte-identical to an unsharded local sweep. Exits non-zero
# on any failure.
#
#   scripts/test-slurm.sh            # from the repository root or anywhere
# Environment: VODSIM_SHARED (default: ../shared next to the repository),
# TIMEOUT_S (default 240), KEEP_SLURM=1 to leave a Slurm it started running.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
recipe=${VODSIM_SHARED:-$repo/../shared}/recipes/slurm-local.sh
timeout_s=${TIMEOUT_S:-240}
fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }

[ -x "$recipe" ] || [ -f "$recipe" ] || fail "no Slurm recipe at $recipe (set VODSIM_SHARED)"
started=0
if ! { command -v sinfo >/dev/null && sinfo -h >/dev/null 2>&1; }; then
  echo "test-slurm: starting Slurm with $recipe"
  bash "$recipe"
  started=1
fi
stop_slurm() { if [ "$started" = 1 ] && [ "${KEEP_SLURM:-0}" != 1 ]; then bash "$recipe" stop || true; fi; }
trap stop_slurm EXIT
sinfo

cargo build --release --quiet
bin=$repo/target/release/vodsim
work=$(mktemp -d "${TMPDIR:-/tmp}/vodsim-slurm-test.XXXXXX")
cat >"$work/tiny.json" <<'JSON'
{
  "name": "slurm-tiny",
  "description": "A tiny head-end for the Slurm test: 1 module x 2 disks, 30 s. Expected: no glitches.",
  "seed": 1,
  "duration_s": 30,
  "headend": { "modules": 1, "disks_per_module": 2 },
  "workload": { "streams": 20 },
  "faults": []
}
JSON
sweep_args=(--seeds 1..2 --set workload.streams=10,20)

echo "test-slurm: local unsharded sweep"
"$bin" sweep "$work/tiny.json" "${sweep_args[@]}" --quiet --out "$work/local"

echo "test-slurm: submitting"
ids=$(scripts/slurm-sweep.sh "$work/tiny.json" "${sweep_args[@]}" --shards 2 --out "$work/slurm")
array_id=$(sed -n 1p <<<"$ids")
merge_id=$(sed -n 2p <<<"$ids")
[ -n "$array_id" ] && [ -n "$merge_id" ] || fail "slurm-sweep.sh printed no job ids"
echo "test-slurm: array job $array_id, merge job $merge_id"

deadline=$((SECONDS + timeout_s))
while squeue -h -j "$array_id,$merge_id" 2>/dev/null | grep -q .; do
  if [ $SECONDS -ge $deadline ]; then
    squeue || true
    scancel "$array_id" "$merge_id" || true
    fail "jobs still queued or running after ${timeout_s} s"
  fi
  sleep 2
done
squeue_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }
echo "test-slurm: array job: $(squeue_state "$array_id")"
echo "test-slurm: merge job: $(squeue_state "$merge_id")"
if command -v sacct >/dev/null && sacct -j "$array_id,$merge_id" -n -X -o JobID,JobName,State,ExitCode >/dev/null 2>&1; then
  sacct -j "$array_id,$merge_id" -X -o JobID,JobName,State,ExitCode || true
fi

status=0
for f in runs.csv points.csv; do
  if [ ! -f "$work/slurm/$f" ]; then
    echo "test-slurm: $work/slurm/$f was not written" >&2
    status=1
  elif cmp "$work/local/$f" "$work/slurm/$f"; then
    echo "test-slurm: $f identical ($(wc -l <"$work/slurm/$f") lines)"
  else
    status=1
  fi
done
if [ $status != 0 ]; then
  for log in "$work"/slurm/slurm/*.out; do echo "--- $log"; cat "$log"; done
  fail "merged tables differ from the local sweep; kept $work"
fi
echo "--- $work/slurm/runs.csv (first columns)"
cut -d, -f1-8 "$work/slurm/runs.csv"
rm -rf "$work"
echo "test-slurm: PASS"
