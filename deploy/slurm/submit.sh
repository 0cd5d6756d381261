#!/usr/bin/env bash
# Submits a sharded boltload import to Slurm as a chain of jobs, each starting only when the one
# before it succeeded (--dependency=afterok): `before` statements → one job array of N shards per
# phase, in the config's order → `after` + `verify` + `boltload report merge`.
#
#   deploy/slurm/submit.sh CONFIG N [OUT]
#
# CONFIG  the import's YAML config (its phase names come from `boltload check CONFIG --phases`)
# N       shards per phase (array tasks 0..N-1)
# OUT     the shared output folder (default ./boltload-run-DATE-TIME): reports/ (one report per
#         step and shard), work/ (each step's journal and dead letters), logs/, and at the end
#         merged.json and merged.html. It must be visible from every node.
# Environment:
#   BOLTLOAD              the boltload executable (default: boltload on PATH), on every node
#   BOLTLOAD_SET          config overrides for every step, space-separated key=value
#                         (each becomes --set key=value), e.g. "connection.uri=bolt://db:7687"
#   BOLTLOAD_SBATCH_ARGS  extra sbatch options for every job (--partition=..., --time=...)
#   RUN_ID                the run id every report carries (default: the before job's id)
# Prints one line per job: the step and its job id (then the run id and the output folder).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 CONFIG N [OUT]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$1" ]; then
  echo "submit.sh: $1: no such config file" >&2
  exit 2
fi
config=$(realpath "$1")
n=$2
out=$(realpath -m "${3:-boltload-run-$(date +%Y%m%d-%H%M%S)}")
if ! [[ "$n" =~ ^[1-9][0-9]*$ ]]; then
  echo "submit.sh: N must be a positive number of shards, got '$n'" >&2
  exit 2
fi
boltload=${BOLTLOAD:-boltload}
sets=()
for kv in ${BOLTLOAD_SET:-}; do sets+=(--set "$kv"); done
phases=()
mapfile -t phases < <("$boltload" check "$config" "${sets[@]}" --phases)
if [ ${#phases[@]} -eq 0 ]; then
  echo "submit.sh: $config: no phases (see boltload check $config)" >&2
  exit 2
fi
# Reports of an earlier run in the folder would be merged with this one's (and refused as foreign).
if [ -n "$(ls -A "$out/reports" 2>/dev/null)" ]; then
  echo "submit.sh: $out/reports already holds reports: give a new output folder" >&2
  exit 2
fi
mkdir -p "$out/reports" "$out/logs"
export BOLTLOAD="$boltload" BOLTLOAD_SET="${BOLTLOAD_SET:-}"
# A failed step cancels the steps that wait for it (instead of leaving them pending forever).
# shellcheck disable=SC2206  # word splitting of the extra options is wanted
common=(--parsable --kill-on-invalid-dep=yes ${BOLTLOAD_SBATCH_ARGS:-})
submitted=()
job_id() { local id; id=$(sbatch "$@") || return 1; echo "${id%%;*}"; }  # --parsable: "id" or "id;cluster"
# A chain cut short (sbatch refused a job) would leave its first steps running alone: cancel them.
trap 'if ((${#submitted[@]})); then echo "submit.sh: sbatch failed; cancelling ${submitted[*]}" >&2; scancel "${submitted[@]}"; fi' ERR

before=$(job_id "${common[@]}" --output="$out/logs/before-%j.out" "$here/before.sbatch" "$config" "$out" ${RUN_ID:+"$RUN_ID"})
submitted+=("$before")
run_id=${RUN_ID:-$before}
echo "before $before"
previous=$before
for phase in "${phases[@]}"; do
  previous=$(job_id "${common[@]}" --job-name="boltload-$phase" --array="0-$((n - 1))" \
    --dependency="afterok:$previous" --output="$out/logs/$phase-%A_%a.out" \
    "$here/phase.sbatch" "$config" "$out" "$run_id" "$phase")
  submitted+=("$previous")
  echo "$phase $previous"
done
after=$(job_id "${common[@]}" --dependency="afterok:$previous" --output="$out/logs/after-%j.out" \
  "$here/after.sbatch" "$config" "$out" "$run_id")
echo "after $after"
echo "run_id $run_id"
echo "out $out"
