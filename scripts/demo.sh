#!/usr/bin/env bash
# The README's first command. Installs what is missing (Debian packages, npm for the benchmark
# peer), builds, runs the PackStream benchmark against the official JavaScript driver, and then
# the README's C++ guide against BOLT_URI when a Bolt server answers there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
uri=${BOLT_URI:-bolt://localhost:7687}

BENCH_MIN_TIME=${BENCH_MIN_TIME:-1} bash scripts/bench-packstream.sh build-bench

cmake --build build-bench --target example_quickstart example_connect example_graph_values \
  example_transactions >/dev/null
echo
echo "== the C++ guide (client/examples) against $uri"
if build-bench/client/examples/example_connect "$uri" 2>/tmp/boltload-demo.err; then
  for example in quickstart graph_values transactions; do
    echo "-- $example"
    build-bench/client/examples/example_"$example" "$uri"
  done
else
  echo "no Bolt server answered at $uri ($(tail -n1 /tmp/boltload-demo.err))."
  echo "Start Memgraph (or Neo4j) there, or set BOLT_URI, to run the guide's examples."
fi
