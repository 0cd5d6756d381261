#!/usr/bin/env bash
# Compressed input benchmark: the same generated rows (bench/import-bench.yaml's four columns) as
# FILES plain CSV files, as .gz (gzip -6) and as .zst (zstd -3), each imported into a fresh
# `boltload serve` by `boltload import` with WORKERS workers; prints rows/s, client CPU per row
# and each format's ratio to plain CSV, best of BENCH_REPEAT runs. Every run must end with exactly
# the rows (its report's rows_committed).
# Usage: scripts/bench-compressed.sh [build-dir]     (default build; its bin/ is used as it is)
#   BENCH_ROWS     rows in all (default 1000000)
#   BENCH_FILES    files they are split into (default 8)
#   BENCH_WORKERS  workers (default 4)
#   BENCH_REPEAT   runs per format, the best shown (default 3)
#   BENCH_STORAGE_MODE  the server's storage mode (default in_memory_analytical: the client's cost
#                  shows, not the server's versions)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/${1:-build}/bin
rows=${BENCH_ROWS:-1000000}
files=${BENCH_FILES:-8}
workers=${BENCH_WORKERS:-4}
repeat=${BENCH_REPEAT:-3}
mode=${BENCH_STORAGE_MODE:-in_memory_analytical}
[ -x "$bin/boltload" ] && [ -x "$bin/boltload-worker" ] || { echo "no $bin/boltload or boltload-worker" >&2; exit 2; }
command -v gzip >/dev/null && command -v zstd >/dev/null || { echo "needs gzip and zstd" >&2; exit 2; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
awk=$(command -v mawk || command -v awk)

mkdir -p "$tmp/plain" "$tmp/gz" "$tmp/zst"
per=$(( (rows + files - 1) / files ))
for ((f = 0; f < files; f++)); do
  first=$((f * per)); last=$(( (f + 1) * per < rows ? (f + 1) * per : rows ))
  name=$(printf 'part-%03d.csv' "$f")
  "$awk" -v a="$first" -v b="$last" 'BEGIN {
    print "id,name,score,age"
    for (i = a; i < b; i++) { s = (i * 7919) % 100000; printf "%d,user_%d,%d.%02d,%d\n", i, i, int(s / 100), s % 100, (i * 31) % 97 }
  }' >"$tmp/plain/$name"
  gzip -6 -c "$tmp/plain/$name" >"$tmp/gz/$name.gz"
  zstd -q -3 -c "$tmp/plain/$name" >"$tmp/zst/$name.zst"
done
size() { du -b -c "$@" | tail -1 | cut -f1; }

start_server() {
  "$bin/boltload" serve --listen 127.0.0.1:0 --storage-mode "$mode" >"$tmp/server.out" 2>"$tmp/server.err" &
  server_pid=$!
  for ((i = 0; i < 200; i++)); do
    uri=$(grep -m1 -o 'bolt://127\.0\.0\.1:[0-9]*' "$tmp/server.out" || true)
    [ -n "$uri" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "boltload serve did not start" >&2; cat "$tmp/server.err" >&2; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=; }

# run FORMAT GLOB: prints "seconds cpu_seconds" of the best run.
run() {
  local best="" best_cpu=""
  for ((r = 0; r < repeat; r++)); do
    start_server
    rm -f "$tmp/j.jsonl"
    local t0=$EPOCHREALTIME
    local cpu
    cpu=$( (
      "$bin/boltload" import bench/import-bench.yaml --quiet --fresh --journal "$tmp/j.jsonl" --report "$tmp/r.json" \
        --set connection.uri="$uri" --set "phases.0.source.csv.path=$2" --set phases.0.workers="$workers" \
        >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
      times >"$tmp/times"  # not in a pipe: a forked `times` would not see boltload's CPU
      tail -1 "$tmp/times" | "$awk" '{ split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
    ) )
    local t=$(echo "$EPOCHREALTIME - $t0" | bc)
    stop_server
    grep -q "\"rows_committed\": $rows," "$tmp/r.json" || { echo "$1: not exactly $rows rows committed" >&2; exit 1; }
    if [ -z "$best" ] || (( $(echo "$t < $best" | bc) )); then best=$t; best_cpu=$cpu; fi
  done
  echo "$best $best_cpu"
}

printf 'rows %d in %d files, %d workers, storage %s, best of %d\n' "$rows" "$files" "$workers" "$mode" "$repeat"
printf '%-6s %12s %10s %12s %14s %10s\n' format bytes seconds rows/s "CPU us/row" "vs plain"
plain_rate=
for format in plain gz zst; do
  glob="$tmp/$format/part-*"
  read -r t cpu < <(run "$format" "$glob")
  rate=$(echo "$rows / $t" | bc)
  [ -z "$plain_rate" ] && plain_rate=$rate
  printf '%-6s %12d %10.2f %12d %14.2f %9.2fx\n' "$format" "$(size "$tmp/$format"/part-*)" "$t" "$rate" \
    "$(echo "$cpu * 1000000 / $rows" | bc -l)" "$(echo "$rate / $plain_rate" | bc -l)"
done
