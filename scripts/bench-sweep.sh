#!/usr/bin/env bash
# `boltload sweep` end to end, then its recommendation against the Memgraph guide's retry block:
#   1. boltload sweep configs/sweep-hotspot.yaml --embedded (12 cells × 3 repeats) → sweep.json
#   2. the hotspot import 2 × BENCH_REPEAT times, interleaved: the recommended settings (--set
#      each key path of sweep.json's recommendation), then the file as it is (the guide's block:
#      100 retries, 0.2 s, ×1.1, jitter 0.1), and so on, each on a fresh embedded server.
# Prints the relationships phase's makespan of every import and the median of each side, and how
# long the sweep's trials took beside their imports' own durations (the child-process overhead).
# Usage: scripts/bench-sweep.sh [build-dir]   (default build; BENCH_NO_BUILD=1 uses it as is)
#   BENCH_REPEAT   imports of each side (default 5)
#   BENCH_SWEEP    an existing sweep.json to take the recommendation from (skips step 1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
repeat=${BENCH_REPEAT:-5}
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target boltload boltload-worker
fi
bin=$root/$build/bin
config=$root/configs/sweep-hotspot.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

sweep=${BENCH_SWEEP:-}
if [ -z "$sweep" ]; then
  sweep=$tmp/sweep.json
  start=$(date +%s.%N)
  (cd "$tmp" && "$bin/boltload" sweep "$config" --embedded --quiet --report "$sweep") || [ $? -eq 1 ]
  echo "sweep: $(echo "$(date +%s.%N) - $start" | bc) s wall"
  python3 - "$sweep" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sweep"]
wall = sum(t["wall_s"] for t in s["trials"])
own = 0
for t in s["trials"]:
    try: own += json.load(open(t["report"]))["duration_s"]
    except Exception: pass
n = len(s["trials"])
print(f"trials: {n}, child wall {wall:.1f} s, their imports' phases {own:.1f} s, overhead {(wall - own) / n:.2f} s per trial")
PY
fi
mapfile -t sets < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["sweep"]["recommendation"]
if r is None: sys.exit("no recommendation in " + sys.argv[1])
for k, v in r["settings"].items(): print("--set"); print(k + "=" + json.dumps(v))
' "$sweep")
echo "recommended: ${sets[*]}"

# makespan LOG.json: the relationships phase's duration.
makespan() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phases"][1]["duration_s"])' "$1"; }
rec=() guide=()
for i in $(seq 1 "$repeat"); do
  (cd "$tmp" && "$bin/boltload" import "$config" --embedded --quiet --fresh --report rec.json "${sets[@]}" >/dev/null 2>&1)
  rec+=("$(makespan "$tmp/rec.json")")
  (cd "$tmp" && "$bin/boltload" import "$config" --embedded --quiet --fresh --report guide.json >/dev/null 2>&1)
  guide+=("$(makespan "$tmp/guide.json")")
  echo "run $i: recommended ${rec[-1]} s, guide ${guide[-1]} s"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "median makespan: recommended $(median "${rec[@]}") s, guide $(median "${guide[@]}") s"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
