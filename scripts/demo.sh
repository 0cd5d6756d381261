#!/usr/bin/env bash
# The README's first command. On a fresh Debian 12 machine: installs what is missing (Debian
# packages, npm for the benchmark peer), builds, and runs
#   1. the Memgraph guide's imports as boltload configs against the embedded server
#      (configs/guide-nodes.yaml, configs/guide-relationships.yaml, configs/users-csv.yaml),
#      each printing its summary table;
#   2. the README's C++ client guide (client/examples) against a `boltload serve` it starts;
#   3. the PackStream benchmark against the official JavaScript driver.
# Usage: scripts/demo.sh [build-dir]     (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bash scripts/install-deps.sh

# Release, as scripts/test.sh builds the same folder: running one after the other rebuilds nothing.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target boltload boltload-worker example_quickstart example_connect \
  example_graph_values example_transactions
bin="$build/bin"

for config in guide-nodes guide-relationships users-csv; do
  echo
  echo "== boltload import configs/$config.yaml --embedded"
  "$bin/boltload" import "configs/$config.yaml" --embedded
done

echo
echo "== the C++ client guide (client/examples) against boltload serve"
log=$(mktemp)
"$bin/boltload" serve --listen 127.0.0.1:0 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
uri=""
for _ in $(seq 1 100); do
  uri=$(grep -o 'bolt://[0-9.:]*' "$log" | head -n1 || true)
  [ -n "$uri" ] && break
  sleep 0.1
done
if [ -z "$uri" ]; then
  echo "boltload serve did not start:"; cat "$log"; exit 1
fi
for example in quickstart connect graph_values transactions; do
  echo "-- $example ($uri)"
  "$build/client/examples/example_$example" "$uri"
done
kill "$server"
wait "$server" 2>/dev/null || true

echo
BENCH_GLIBC=0 BENCH_MIN_TIME=${BENCH_MIN_TIME:-1} BENCH_BUILD_TYPE=Release bash scripts/bench-packstream.sh "$build"
