#!/usr/bin/env bash
# PackStream benchmark: builds bench/packstream_bench, runs it and the JavaScript driver's
# PackStream (bench/peers/packstream_peer.js) on the same 10,000-row batch, both pinned to the same
# core, and prints the figures side by side with the ratios.
# Usage: scripts/bench-packstream.sh [build-dir]      (default build-bench)
#   BENCH_MIN_TIME  seconds each benchmark runs (default 2)
#   BENCH_CPU       the core both runs are pinned to (default 0; needs taskset)
#   BENCH_BUILD_TYPE  CMake build type (default RelWithDebInfo, the project's default: -O2)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
min_time=${BENCH_MIN_TIME:-2}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${BENCH_BUILD_TYPE:-RelWithDebInfo}" -DBOLTLOAD_BENCH=ON >/dev/null
cmake --build "$build" --target packstream_bench
if [ ! -d bench/peers/node_modules/neo4j-driver-bolt-connection ]; then
  (cd bench/peers && npm install --no-audit --no-fund --silent)
fi

pin=()
if command -v taskset >/dev/null; then pin=(taskset -c "${BENCH_CPU:-0}"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== boltload (C++), ${min_time}s per benchmark"
"${pin[@]}" "$build/bench/packstream_bench" --benchmark_min_time="$min_time" \
  --benchmark_out="$tmp/cpp.json" --benchmark_out_format=json
echo "== peer: the JavaScript driver's PackStream"
PEER_MIN_SECONDS="$min_time" "${pin[@]}" node bench/peers/packstream_peer.js >"$tmp/peer.json"

node - "$tmp/cpp.json" "$tmp/peer.json" <<'JS'
const fs = require('fs');
const cpp = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const peer = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const mb = (b) => (b / 1e6).toFixed(1).padStart(8) + ' MB/s';
const krows = (r) => (r / 1e3).toFixed(0).padStart(7) + ' k rows/s';
console.log(`\nPackStream, one 10,000-row $batch (C++ vs ${peer.peer} on node ${peer.node})`);
console.log('benchmark            batch bytes |  boltload C++                     |  JavaScript driver                |  ratio');
for (const b of cpp.benchmarks) {
  if (b.run_type && b.run_type !== 'iteration') continue;
  const [op, arg] = b.name.split('/');
  const shape = arg === '0' ? 'tags' : 'date';
  const key = `${op.replace('_batch', '').replace('_reused', '')}_${shape}`;
  const p = peer[key];
  if (!p) continue;
  if (p.batch_bytes !== b.batch_bytes) console.log(`  warning: ${key}: batch sizes differ (${b.batch_bytes} vs ${p.batch_bytes})`);
  const name = `${op.replace('_batch', '')}_${shape}`.padEnd(18);
  console.log(`${name} ${String(b.batch_bytes).padStart(12)} | ${mb(b.bytes_per_second)} ${krows(b.items_per_second)} | ` +
              `${mb(p.bytes_per_second)} ${krows(p.items_per_second)} | ${(b.bytes_per_second / p.bytes_per_second).toFixed(1).padStart(6)}x`);
}
JS
