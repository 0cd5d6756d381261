#!/usr/bin/env bash
# PackStream benchmark: builds bench/packstream_bench as boltload ships it (mimalloc when
# libmimalloc-dev is installed) and, for comparison, with glibc malloc; runs both and the
# JavaScript driver's PackStream (bench/peers/packstream_peer.js) on the same 10,000-row batch, all
# pinned to the same core, and prints the figures side by side with the ratios to the peer.
# Usage: scripts/bench-packstream.sh [build-dir]      (default build-bench)
#   The glibc build goes to <build-dir>-glibc (ccache makes it a relink); BENCH_GLIBC=0 skips it.
#   BENCH_MIN_TIME  seconds each benchmark runs (default 2)
#   BENCH_CPU       the core every run is pinned to (default 0; needs taskset)
#   BENCH_BUILD_TYPE  CMake build type (default RelWithDebInfo, the project's default: -O2)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
min_time=${BENCH_MIN_TIME:-2}
build_type=${BENCH_BUILD_TYPE:-RelWithDebInfo}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DBOLTLOAD_BENCH=ON >/dev/null
cmake --build "$build" --target packstream_bench
shipped=glibc
if grep -q '^BOLTLOAD_MIMALLOC:BOOL=ON' "$build/CMakeCache.txt"; then shipped=mimalloc; fi
builds=("$shipped:$build")
if [ "$shipped" = mimalloc ] && [ "${BENCH_GLIBC:-1}" != 0 ]; then
  cmake -S . -B "$build-glibc" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DBOLTLOAD_BENCH=ON \
    -DBOLTLOAD_MIMALLOC=OFF >/dev/null
  cmake --build "$build-glibc" --target packstream_bench
  builds+=("glibc:$build-glibc")
fi
if [ ! -d bench/peers/node_modules/neo4j-driver-bolt-connection ]; then
  (cd bench/peers && npm install --no-audit --no-fund --silent)
fi

pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "${BENCH_CPU:-0}"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for entry in "${builds[@]}"; do
  allocator=${entry%%:*}
  dir=${entry#*:}
  echo "== boltload (C++, $allocator), ${min_time}s per benchmark"
  "${pin[@]}" "$dir/bench/packstream_bench" --benchmark_min_time="$min_time" \
    --benchmark_out="$tmp/$allocator.json" --benchmark_out_format=json
  results+=("$allocator=$tmp/$allocator.json")
done
echo "== peer: the JavaScript driver's PackStream"
PEER_MIN_SECONDS="$min_time" "${pin[@]}" node bench/peers/packstream_peer.js >"$tmp/peer.json"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

node - "$tmp/peer.json" "${results[@]}" <<'JS'
const fs = require('fs');
const peer = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const runs = process.argv.slice(3).map((arg) => {
  const [allocator, file] = arg.split('=');
  return { allocator, benchmarks: JSON.parse(fs.readFileSync(file, 'utf8')).benchmarks };
});
const mb = (b) => (b / 1e6).toFixed(1).padStart(7) + ' MB/s';
const krows = (r) => (r / 1e3).toFixed(0).padStart(6) + ' k rows/s';
const ratio = (a, b) => (a / b).toFixed(1).padStart(5) + 'x';
console.log(`\nPackStream, one 10,000-row $batch (MB = 10^6 bytes; C++ vs ${peer.peer} on node ${peer.node})`);
console.log(['benchmark         ', ' batch bytes',
             ...runs.map((r) => `boltload C++, ${r.allocator}`.padEnd(33)),
             'JavaScript driver'.padEnd(31), ...runs.map((r) => `ratio (${r.allocator})`)].join(' | '));
for (const b of runs[0].benchmarks) {
  if (b.run_type && b.run_type !== 'iteration') continue;
  const [op, arg] = b.name.split('/');
  const shape = arg === '0' ? 'tags' : 'date';
  const p = peer[`${op.replace('_batch', '').replace('_reused', '')}_${shape}`];
  if (!p) continue;
  if (p.batch_bytes !== b.batch_bytes) console.log(`  warning: ${b.name}: batch sizes differ (${b.batch_bytes} vs ${p.batch_bytes})`);
  const same = runs.map((r) => r.benchmarks.find((x) => x.name === b.name && (!x.run_type || x.run_type === 'iteration')));
  console.log([`${op.replace('_batch', '')}_${shape}`.padEnd(18), String(b.batch_bytes).padStart(12),
               ...same.map((x) => `${mb(x.bytes_per_second)} ${krows(x.items_per_second)}`.padEnd(33)),
               `${mb(p.bytes_per_second)} ${krows(p.items_per_second)}`.padEnd(31),
               ...same.map((x, i) => ratio(x.bytes_per_second, p.bytes_per_second).padStart(`ratio (${runs[i].allocator})`.length))].join(' | '));
}
JS
