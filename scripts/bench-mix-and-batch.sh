#!/usr/bin/env bash
# Mix and Batch against the free schedule, in the same run, each workload against a fresh embedded
# server (--embedded: transactional storage, sequential edge rule), the two schedules alternating:
#   guide     configs/guide-relationships.yaml (10 workers, its 5 ms latency, the guide's retries)
#   hotspot   configs/conflicts-hotspot.yaml without injected faults (hotspot(10, 0.9), 50,000
#             relationships over 10,000 nodes, 8 workers)
#   zipf      1,000,000 relationships from a CSV, zipf(1) endpoints over 100,000 nodes, 8 workers
#   disjoint  10,000 relationships that share no node (a = 2i, b = 2i + 1) from a CSV, 4 workers
#   memory    the coordinator's peak RSS with mix_and_batch for a 10 MB and a 1 GB relationship CSV
#             (zipf over 100,000 keys; the query only counts its rows: the import's server work
#             is not what is measured, the coordinator's memory is)
# For each: the relationship phase's wall time, conflicts, retries, backoff, Mix and Batch's
# counting + partitioning time, and the peak RSS of the coordinator and of its largest worker;
# medians over BENCH_REPEAT runs (default 3). Prints a Markdown table.
# Usage: scripts/bench-mix-and-batch.sh [build-dir]   (default build; BENCH_NO_BUILD=1 uses it as is)
#   BENCH_WORKLOADS   which to run (default "guide hotspot zipf disjoint memory")
#   BENCH_REPEAT      runs of each schedule per workload (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
repeat=${BENCH_REPEAT:-3}
workloads=${BENCH_WORKLOADS:-guide hotspot zipf disjoint memory}
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target boltload boltload-worker
fi
bin=$root/$build/bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk=$(command -v mawk || command -v awk)

# zipf_csv FILE ROWS|0 NODES [MAX_BYTES]: `a,b` rows whose endpoints follow zipf(1) over NODES
# keys (k = floor(NODES^u) - 1, the continuous 1/x law), deterministic (srand 7).
zipf_csv() {
  "$awk" -v n="$2" -v nodes="$3" -v max_bytes="${4:-0}" 'BEGIN {
    srand(7); print "a,b"; bytes = 4
    for (i = 0; i < n || max_bytes > 0; i++) {
      a = int(exp(rand() * log(nodes))) - 1; b = int(exp(rand() * log(nodes))) - 1
      line = a "," b; bytes += length(line) + 1
      if (max_bytes > 0 && bytes > max_bytes) break
      print line
    }
  }' >"$1"
}

# run NAME ARGS...: one boltload import in $tmp/NAME, its report in $tmp/NAME.json, its own and its
# largest child's peak RSS sampled every 50 ms into $tmp/NAME.rss.
run() {
  local name=$1
  shift
  mkdir -p "$tmp/$name.d"
  (cd "$tmp/$name.d" && exec "$bin/boltload" import "$@" --embedded --quiet --report "$tmp/$name.json" \
     >"$tmp/$name.out" 2>"$tmp/$name.err") &
  local pid=$! hwm=0 child=0
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    ((${v:-0} > hwm)) && hwm=$v
    for kid in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
      v=$(awk '/VmHWM/ {print $2}' "/proc/$kid/status" 2>/dev/null || echo 0)
      ((${v:-0} > child)) && child=$v
    done
    sleep 0.05
  done
  wait "$pid" || true
  echo "$hwm $child" >"$tmp/$name.rss"
  rm -rf "$tmp/$name.d"
}

# workload NAME PHASE_INDEX CONFIG ARGS...: both schedules, alternating, BENCH_REPEAT times each.
workload() {
  local name=$1 phase=$2 config=$root/$3
  shift 3
  for ((r = 0; r < repeat; r++)); do
    for schedule in free mix_and_batch; do
      echo "== $name, $schedule, run $((r + 1))" >&2
      run "$name-$schedule-$r" "$config" --set "phases.$phase.schedule=$schedule" "$@"
    done
  done
}

for w in $workloads; do
  case $w in
    guide) workload guide 1 configs/guide-relationships.yaml ;;
    hotspot) workload hotspot 1 configs/conflicts-hotspot.yaml --set embedded.faults.transient_error_probability=0 ;;
    zipf)
      zipf_csv "$tmp/zipf.csv" 1000000 100000
      workload zipf 1 bench/mix-and-batch-csv.yaml --set "phases.1.source.csv.path=$tmp/zipf.csv" ;;
    disjoint)
      "$awk" 'BEGIN { print "a,b"; for (i = 0; i < 10000; i++) print 2 * i "," 2 * i + 1 }' >"$tmp/disjoint.csv"
      workload disjoint 1 bench/mix-and-batch-csv.yaml --set "phases.1.source.csv.path=$tmp/disjoint.csv" \
        --set phases.0.source.generate.count=20000 --set phases.1.workers=4 ;;
    memory)
      for mb in 10 1000; do
        zipf_csv "$tmp/mem.csv" 0 100000 $((mb * 1000000))
        for ((r = 0; r < repeat; r++)); do
          echo "== memory, $mb MB, run $((r + 1))" >&2
          run "memory-$mb-mix_and_batch-$r" "$root/bench/mix-and-batch-csv.yaml" --set "phases.1.source.csv.path=$tmp/mem.csv" \
            --set phases.1.schedule=mix_and_batch --set 'phases.1.query=UNWIND $batch AS r RETURN count(r)' \
            --set phases.1.batch_size=10000 --set phases.1.chunk_bytes=8MiB \
            --set phases.1.mix_and_batch.groups=15 --set phases.0.source.generate.count=1
        done
        rm -f "$tmp/mem.csv"
      done ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done

node - "$tmp" "$repeat" <<'JS'
const fs = require('fs');
const [dir, repeat] = process.argv.slice(2);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const runs = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const name = f.replace(/\.json$/, '');
  const [workload, ...rest] = name.split('-');
  const key = name.replace(/-\d+$/, '');
  const r = JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
  const p = r.phases[r.phases.length - 1];
  const [hwm, child] = fs.readFileSync(`${dir}/${name}.rss`, 'utf8').trim().split(' ').map(Number);
  const s = p.schedule || {};
  (runs[key] ??= []).push({ exit: r.exit_code, rows: p.rows_committed, wall: p.duration_s, conflicts: p.conflicts,
    retries: p.retries, backoff: p.backoff_wait_s, planning: (s.counting_s || 0) + (s.partitioning_s || 0),
    groups: s.groups, rounds: s.rounds, workers: s.workers, hwm, child });
}
const f = (x, d) => Number(x).toFixed(d);
console.log(`\n| workload | schedule | runs | rows | wall s (median) | conflicts | retries | backoff s | counting + partitioning s | groups, rounds, workers | coordinator RSS MiB | largest worker RSS MiB | exit codes |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const key of Object.keys(runs).sort()) {
  const rs = runs[key];
  const m = (k) => median(rs.map((r) => r[k]));
  const [workload, ...sched] = key.split('-');
  console.log(`| ${workload} | ${sched.join('-')} | ${rs.length} | ${m('rows')} | ${f(m('wall'), 3)} | ${m('conflicts')} | ${m('retries')} | ${f(m('backoff'), 2)} | ` +
              `${sched.join('-').includes('mix') ? f(m('planning'), 3) : '—'} | ${rs[0].groups ? `${rs[0].groups}, ${rs[0].rounds}, ${rs[0].workers}` : '—'} | ` +
              `${f(m('hwm') / 1024, 1)} | ${f(m('child') / 1024, 1)} | ${[...new Set(rs.map((r) => r.exit))].join(' ')} |`);
}
for (const w of [...new Set(Object.keys(runs).map((k) => k.split('-')[0]))]) {
  const free = runs[`${w}-free`], mnb = runs[`${w}-mix_and_batch`];
  if (!free || !mnb) continue;
  const wall = (rs) => median(rs.map((r) => r.wall));
  const planning = median(mnb.map((r) => r.planning));
  console.log(`${w}: free/mix_and_batch wall time ${f(wall(free) / wall(mnb), 2)}x; counting + partitioning ${f(100 * planning / wall(mnb), 1)} % of mix_and_batch's phase`);
}
JS
