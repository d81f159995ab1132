#!/bin/bash
# Runs a vodsim sweep as a Slurm job array, one shard per array task, then a
# merge job that starts when every shard succeeded.
#
#   scripts/slurm-sweep.sh SCENARIO --seeds A..B --shards N --out DIR [--set PATH=V1,V2,...]...
#                          [--cpus-per-task C] [--sbatch-arg ARG]...
#
# Task I runs  vodsim sweep SCENARIO --seeds A..B [--set ...] --shard I/N --out DIR/shard-I --quiet --jobs C
# then         vodsim merge DIR/shard-0 ... DIR/shard-(N-1) --out DIR
# writes DIR/runs.csv and DIR/points.csv, byte-identical to an unsharded sweep.
# DIR must be on a file system every node sees. The sweep is checked before
# anything is submitted (bad input exits 2 here, not in N tasks). A failed
# task can be resubmitted with the same arguments: finished runs are kept.
#
# Prints the array and merge job ids; the last line is the merge job id.
# Environment: VODSIM_BIN (default: target/release/vodsim of this repository,
# built if missing); SBATCH_* variables (partition, time limit, account...)
# are read by sbatch itself.
set -euo pipefail

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scenario="" seeds="" shards="" out="" cpus=1
sets=() sbatch_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=${2:?--seeds needs A..B}; shift 2 ;;
    --shards) shards=${2:?--shards needs N}; shift 2 ;;
    --out) out=${2:?--out needs DIR}; shift 2 ;;
    --set) sets+=(--set "${2:?--set needs PATH=V1,V2,...}"); shift 2 ;;
    --cpus-per-task) cpus=${2:?--cpus-per-task needs C}; shift 2 ;;
    --sbatch-arg) sbatch_args+=("${2:?--sbatch-arg needs ARG}"); shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "error: $1: unknown option" >&2; usage ;;
    *) [ -z "$scenario" ] || { echo "error: $1: only one SCENARIO expected" >&2; exit 2; }
       scenario=$1; shift ;;
  esac
done
[ -n "$scenario" ] || { echo "error: SCENARIO: required" >&2; usage; }
[ -n "$seeds" ] || { echo "error: --seeds: required; expected A..B" >&2; exit 2; }
[ -n "$out" ] || { echo "error: --out: required; expected the sweep directory" >&2; exit 2; }
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "error: --shards: expected an integer >= 1, got '$shards'" >&2; exit 2; }
[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || { echo "error: --cpus-per-task: expected an integer >= 1, got '$cpus'" >&2; exit 2; }
[ -f "$scenario" ] || { echo "error: $scenario: cannot read the file" >&2; exit 2; }
command -v sbatch >/dev/null || { echo "error: sbatch not found; is Slurm installed here?" >&2; exit 1; }

bin=${VODSIM_BIN:-$repo/target/release/vodsim}
if [ ! -x "$bin" ]; then
  echo "building $bin" >&2
  (cd "$repo" && cargo build --release --quiet)
fi
# Absolute paths: the jobs may start in another directory.
bin=$(realpath -m "$bin") scenario=$(realpath -m "$scenario") out=$(realpath -m "$out")

# Check the sweep (flags, every parameter point) before submitting anything.
"$bin" sweep "$scenario" --seeds "$seeds" "${sets[@]}" --shard "0/$shards" --dry-run >/dev/null

mkdir -p "$out/slurm"
q() { printf '%q ' "$@"; }
{
  echo '#!/bin/bash'
  echo 'set -eu'
  echo "exec $(q "$bin" sweep "$scenario" --seeds "$seeds" "${sets[@]}") --shard \"\$SLURM_ARRAY_TASK_ID/$shards\" --out $(printf %q "$out")/shard-\"\$SLURM_ARRAY_TASK_ID\" --quiet --jobs \"\${SLURM_CPUS_PER_TASK:-1}\""
} >"$out/slurm/shard.sbatch"
shard_dirs=()
for ((i = 0; i < shards; i++)); do shard_dirs+=("$out/shard-$i"); done
{
  echo '#!/bin/bash'
  echo 'set -eu'
  echo "exec $(q "$bin" merge "${shard_dirs[@]}" --out "$out")"
} >"$out/slurm/merge.sbatch"

array_id=$(sbatch --parsable "${sbatch_args[@]}" --job-name=vodsim-sweep --array="0-$((shards - 1))" \
  --cpus-per-task="$cpus" --chdir="$out" --output="$out/slurm/shard-%a.out" "$out/slurm/shard.sbatch")
array_id=${array_id%%;*}
merge_id=$(sbatch --parsable "${sbatch_args[@]}" --job-name=vodsim-merge --dependency="afterok:$array_id" \
  --kill-on-invalid-dep=yes --chdir="$out" --output="$out/slurm/merge.out" "$out/slurm/merge.sbatch")
merge_id=${merge_id%%;*}
echo "array job $array_id ($shards shards), merge job $merge_id; results in $out/runs.csv and $out/points.csv" >&2
echo "$array_id"
echo "$merge_id"
