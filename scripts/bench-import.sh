#!/usr/bin/env bash
# End-to-end import benchmark: imports the same generated CSV (id and 3 properties) into a fresh
# embedded server (`boltload serve`) with `boltload import` and with the Memgraph guide's recipe on
# the official JavaScript driver (bench/peers/import_peer.js), at each process count, in the same
# run; checks that both end with exactly the CSV's nodes and values; prints rows/s, client CPU per
# row (every client process, from the kernel's accounting of the client's process tree: bash's
# `times` after it exits) and the ratios. Then the coordinator's peak RSS for a small and a large CSV.
# Usage: scripts/bench-import.sh [build-dir]          (default build-bench)
#   BENCH_ROWS          rows in the CSV (default 1000000)
#   BENCH_PROCESSES     process counts to try (default "1 2 4")
#   BENCH_BATCH         batch size for both sides (default 10000)
#   BENCH_CHUNK_BYTES   bytes per chunk handed to a process, both sides (default 1048576)
#   BENCH_STORAGE_MODE  the server's storage mode (default in_memory_transactional)
#   BENCH_MEMORY_MB     CSV sizes in MB (10^6 bytes) for the coordinator's memory (default "10 1000";
#                       empty skips); these runs use BENCH_MEMORY_STORAGE_MODE (default
#                       in_memory_analytical, so the server holds the large graph in less memory)
#   BENCH_COMPARE=0     skip the comparison (only the memory runs)
#   BENCH_REPEAT        times each (side, process count) runs; the best is shown (default 1)
#   BENCH_BUILD_TYPE    CMake build type (default RelWithDebInfo, the project's default)
#   BENCH_BASELINE      a bin dir with another build's boltload and boltload-worker: it runs as a
#                       third side, alternating with this build, and a table compares the two
#                       (e.g. the run journal's cost against the commit before it)
#   BENCH_PEER=0        skip the JavaScript peer
#   BENCH_NO_BUILD=1    use <build-dir>/bin as it is
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-bench}
rows=${BENCH_ROWS:-1000000}
processes=${BENCH_PROCESSES:-1 2 4}
batch=${BENCH_BATCH:-10000}
chunk_bytes=${BENCH_CHUNK_BYTES:-1048576}
storage_mode=${BENCH_STORAGE_MODE:-in_memory_transactional}
memory_mb=${BENCH_MEMORY_MB-10 1000}
memory_storage_mode=${BENCH_MEMORY_STORAGE_MODE:-in_memory_analytical}
repeat=${BENCH_REPEAT:-1}
config=bench/import-bench.yaml
peer=bench/peers/import_peer.js

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BENCH_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
  cmake --build "$build" --target boltload boltload-worker
fi
bin=$root/$build/bin
[ -x "$bin/boltload" ] && [ -x "$bin/boltload-worker" ] || { echo "no $bin/boltload or boltload-worker" >&2; exit 2; }
if [ ! -d bench/peers/node_modules/neo4j-driver ]; then
  (cd bench/peers && npm ci --no-audit --no-fund --silent)
fi
# The peer runs the query boltload's config runs, read from its one-line `query:`.
query=$(sed -n 's/^    query: "\(.*\)"$/\1/p' "$config")
[ -n "$query" ] || { echo "$config: no one-line query: \"...\"" >&2; exit 2; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
awk=$(command -v mawk || command -v awk)  # mawk (Debian's default awk) is the fastest
mkfifo "$tmp/tick"  # `read -t` on it is a sleep that forks no process (the poll loops below)

# gen_csv FILE ROWS [MAX_BYTES]: header `id,name,score,age`; score has two decimals, no quotes.
gen_csv() {
  "$awk" -v n="$2" -v max_bytes="${3:-0}" 'BEGIN {
    print "id,name,score,age"; bytes = 18
    for (i = 0; i < n || max_bytes > 0; i++) {
      s = (i * 7919) % 100000
      line = sprintf("%d,user_%d,%d.%02d,%d", i, i, int(s / 100), s % 100, (i * 31) % 97)
      bytes += length(line) + 1
      if (max_bytes > 0 && bytes > max_bytes) break
      print line
    }
  }' >"$1"
}

# start_server MODE: a fresh embedded server on an ephemeral port; sets uri and server_pid.
start_server() {
  "$bin/boltload" serve --listen 127.0.0.1:0 --storage-mode "$1" >"$tmp/server.out" 2>"$tmp/server.err" &
  server_pid=$!
  exec {tick}<>"$tmp/tick"
  for ((i = 0; i < 400; i++)); do
    uri=$(grep -m1 -o 'bolt://127\.0\.0\.1:[0-9]*' "$tmp/server.out" || true)
    if [ -n "$uri" ]; then exec {tick}>&-; return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    read -r -t 0.05 -u "$tick" || true
  done
  echo "boltload serve did not say where it listens:" >&2
  cat "$tmp/server.out" "$tmp/server.err" >&2
  exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

# measure NAME CMD...: runs CMD in a subshell whose only child is CMD, so the second line of
# `times` there is the CPU of CMD's whole process tree (every process it started and reaped). Also
# samples CMD's own peak RSS (VmHWM, a high-water mark) and the largest of its children's (the
# workers) every 100 ms until it exits. Writes
# $tmp/NAME.{out,err,meas}.
measure() {
  local name=$1
  shift
  (
    exec {tick}<>"$tmp/tick"
    t0=$EPOCHREALTIME
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" {tick}>&- &
    pid=$!
    hwm=0
    child_hwm=0
    # bash reaps CMD as soon as it exits, and its /proc entry goes with it.
    while kill -0 "$pid" 2>/dev/null; do
      while read -r key value _; do
        if [ "$key" = VmHWM: ]; then hwm=$value; break; fi
      done 2>/dev/null <"/proc/$pid/status" || true
      kids=
      read -r kids 2>/dev/null <"/proc/$pid/task/$pid/children" || true
      for kid in $kids; do
        while read -r key value _; do
          if [ "$key" = VmHWM: ]; then ((value > child_hwm)) && child_hwm=$value; break; fi
        done 2>/dev/null <"/proc/$kid/status" || true
      done
      read -r -t 0.1 -u "$tick" || true
    done
    rc=0
    wait "$pid" || rc=$?
    t1=$EPOCHREALTIME
    { echo "rc=$rc t0=$t0 t1=$t1 hwm_kb=$hwm child_hwm_kb=$child_hwm"; times; } >"$tmp/$name.meas"
  )
}

# record SIDE PROCESSES MEAS_NAME CHECK_JSON_FILE: one JSON line into $tmp/results.jsonl.
record() {
  node - "$1" "$2" "$tmp/$3.meas" "$4" >>"$tmp/results.jsonl" <<'JS'
const fs = require('fs');
const [side, processes, meas_file, check_file] = process.argv.slice(2);
const lines = fs.readFileSync(meas_file, 'utf8').trim().split('\n');
const m = Object.fromEntries(lines[0].split(' ').map((kv) => kv.split('=')));
const secs = (t) => { const [, mi, s] = /(\d+)m([\d.]+)s/.exec(t); return Number(mi) * 60 + Number(s); };
const [user, sys] = lines[2].trim().split(/\s+/).map(secs);  // line 2 of `times`: the children
const check = JSON.parse(fs.readFileSync(check_file, 'utf8') || '{}');
console.log(JSON.stringify({ side, processes: Number(processes), rc: Number(m.rc),
  wall_s: Number(m.t1) - Number(m.t0), user_s: user, sys_s: sys, hwm_kb: Number(m.hwm_kb), child_hwm_kb: Number(m.child_hwm_kb),
  nodes: check.nodes ?? 0, ok: check.ok === true && Number(m.rc) === 0 }));
JS
}

# run_side SIDE PROCESSES CSV MODE: one import into a fresh server, measured and checked.
run_side() {
  local side=$1 p=$2 csv=$3 mode=$4 name="$1-$2"
  start_server "$mode"
  if [[ $side == boltload* || $side == baseline ]]; then
    local exe=$bin/boltload
    [ "$side" = baseline ] && exe=$BENCH_BASELINE/boltload
    # --checkpoint: the journal's path (its old name, which older builds also take), kept out of
    # the working directory.
    BOLTLOAD_WORKER="$(dirname "$exe")/boltload-worker" measure "$name" "$exe" import "$config" \
      --set "connection.uri=$uri" --set "phases.0.source.csv.path=$csv" \
      --set "phases.0.workers=$p" --set "phases.0.batch_size=$batch" \
      --set "phases.0.chunk_bytes=$chunk_bytes" --report "$tmp/$name.report.json" \
      --checkpoint "$tmp/$name.journal"
  else
    measure "$name" node "$peer" --uri "$uri" --csv "$csv" --processes "$p" \
      --batch-size "$batch" --chunk-bytes "$chunk_bytes" --query "$query"
  fi
  node "$peer" --check --uri "$uri" --csv "$csv" >"$tmp/$name.check" 2>>"$tmp/$name.err" || true
  stop_server
  # Every client process must have been reaped by its parent, or its CPU would be missed.
  if pgrep -f "^$bin/boltload-worker" >/dev/null || pgrep -f "$root/$peer --child" >/dev/null; then
    echo "warning: client processes outlived $side; their CPU time is not counted" >&2
  fi
  record "$side" "$p" "$name" "$tmp/$name.check"
  if ! grep -q '"ok":true' "$tmp/$name.check" || ! grep -q '^rc=0 ' "$tmp/$name.meas"; then
    echo "== $side, $p processes: FAILED" >&2
    sed 's/^/   /' "$tmp/$name.meas" "$tmp/$name.check" >&2
    tail -n 20 "$tmp/$name.out" "$tmp/$name.err" >&2
  fi
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$tmp/results.jsonl"
if [ "${BENCH_COMPARE:-1}" != 0 ]; then
  echo "== generating $rows rows"
  gen_csv "$tmp/rows.csv" "$rows"
  echo "   $(stat -c %s "$tmp/rows.csv") bytes; server storage mode $storage_mode; batch $batch; chunks of $chunk_bytes bytes"
  for p in $processes; do
    for ((r = 0; r < repeat; r++)); do
      sides="boltload"
      [ -n "${BENCH_BASELINE:-}" ] && sides="$sides baseline"
      [ "${BENCH_PEER:-1}" != 0 ] && sides="$sides peer"
      for side in $sides; do
        echo "== $side, $p processes"
        run_side "$side" "$p" "$tmp/rows.csv" "$storage_mode"
      done
    done
  done
  rm -f "$tmp/rows.csv"
fi

if [ -n "$memory_mb" ]; then
  p_max=$(printf '%s\n' $processes | sort -n | tail -n1)
  for mb in $memory_mb; do
    echo "== coordinator memory: ${mb} MB CSV, $p_max workers, server $memory_storage_mode"
    gen_csv "$tmp/mem.csv" 0 $((mb * 1000000))
    run_side "boltload-mem-$mb" "$p_max" "$tmp/mem.csv" "$memory_storage_mode"
    rm -f "$tmp/mem.csv"
  done
fi

node - "$tmp/results.jsonl" "$rows" "$batch" <<'JS'
const fs = require('fs');
const [file, rows, batch] = process.argv.slice(2);
const results = fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse);
const best = (side, p) => results.filter((r) => r.side === side && r.processes === p)
  .sort((a, b) => a.wall_s - b.wall_s)[0];
const f = (x, d) => x.toFixed(d);
const pad = (s, n) => String(s).padStart(n);
let failed = results.some((r) => !r.ok);
const ps = [...new Set(results.filter((r) => r.side === 'peer').map((r) => r.processes))];
if (ps.length) {
  console.log(`\nEnd-to-end import of ${rows} CSV rows, batch ${batch} (best of each; CPU = user+sys of all client processes)`);
  console.log('procs | boltload rows/s  CPU µs/row | JS driver rows/s  CPU µs/row | rows/s ratio  CPU/row ratio');
}
for (const p of ps) {
  const b = best('boltload', p), j = best('peer', p);
  if (!b || !j) continue;
  const b_rate = b.nodes / b.wall_s, j_rate = j.nodes / j.wall_s;
  const b_cpu = (b.user_s + b.sys_s) / b.nodes * 1e6, j_cpu = (j.user_s + j.sys_s) / j.nodes * 1e6;
  console.log(`${pad(p, 5)} | ${pad(f(b_rate, 0), 15)} ${pad(f(b_cpu, 2), 11)} | ${pad(f(j_rate, 0), 16)} ` +
              `${pad(f(j_cpu, 2), 11)} | ${pad(f(b_rate / j_rate, 2) + 'x', 12)} ${pad(f(j_cpu / b_cpu, 1) + 'x lower', 14)}` +
              (b.ok && j.ok ? '' : '   (a check FAILED)'));
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const bps = [...new Set(results.filter((r) => r.side === 'baseline').map((r) => r.processes))];
if (bps.length) {
  console.log(`\nThis build against BENCH_BASELINE, ${rows} CSV rows, batch ${batch} (median of each; runs alternate)`);
  console.log('procs | runs | this rows/s  CPU µs/row | baseline rows/s  CPU µs/row | wall time this/baseline  CPU this/baseline');
  for (const p of bps) {
    const mine = results.filter((r) => r.side === 'boltload' && r.processes === p);
    const base = results.filter((r) => r.side === 'baseline' && r.processes === p);
    const wall = (rs) => median(rs.map((r) => r.wall_s)), cpu = (rs) => median(rs.map((r) => (r.user_s + r.sys_s) / r.nodes * 1e6));
    const rate = (rs) => median(rs.map((r) => r.nodes / r.wall_s));
    console.log(`${pad(p, 5)} | ${pad(mine.length, 4)} | ${pad(f(rate(mine), 0), 11)} ${pad(f(cpu(mine), 2), 11)} | ` +
                `${pad(f(rate(base), 0), 15)} ${pad(f(cpu(base), 2), 11)} | ${pad(f(wall(mine) / wall(base), 3), 23)} ` +
                `${pad(f(cpu(mine) / cpu(base), 3), 18)}`);
  }
}
const mem = results.filter((r) => r.side.startsWith('boltload-mem-'));
if (mem.length) {
  console.log('\nCoordinator peak RSS (VmHWM of the boltload process alone)');
  console.log('     CSV |       rows | coordinator RSS | largest worker RSS | rows/s    | CPU µs/row');
  for (const r of mem) {
    console.log(`${pad(r.side.replace('boltload-mem-', '') + ' MB', 8)} | ${pad(r.nodes, 10)} | ` +
                `${pad(f(r.hwm_kb / 1024, 1) + ' MiB', 15)} | ${pad(f(r.child_hwm_kb / 1024, 1) + ' MiB', 18)} | ${pad(f(r.nodes / r.wall_s, 0), 9)} | ` +
                `${pad(f((r.user_s + r.sys_s) / r.nodes * 1e6, 2), 10)}` + (r.ok ? '' : '   (check FAILED)'));
  }
}
if (failed) {
  console.log('\nsome runs failed their check (see above)');
  process.exitCode = 1;
}
JS
