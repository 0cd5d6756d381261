#!/usr/bin/env bash
# The HTML report at scale (issue 11's target: a run of 1 M batches gives a file under 5 MB that
# opens in under 2 s). Imports BENCH_BATCHES generated nodes one row per batch (so one batch per
# row) into a fresh embedded server, writing the JSON report and the HTML page; renders the JSON
# again with `boltload report html` (timed); then opens the page in Debian's headless chromium
# BENCH_OPENS times (bench/report_open.mjs: navigation to load event, and to every chart laid out;
# puppeteer-core from tests/browser, which it installs if missing).
# Usage: scripts/bench-report.sh [build-dir]   (default build; BENCH_NO_BUILD=1 uses it as is)
#   BENCH_BATCHES   batches in the run (default 1000000)
#   BENCH_WORKERS   workers (default 4)
#   BENCH_OPENS     browser runs (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
batches=${BENCH_BATCHES:-1000000}
workers=${BENCH_WORKERS:-4}
opens=${BENCH_OPENS:-5}
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target boltload boltload-worker
fi
bin=$root/$build/bin
[ -d tests/browser/node_modules/puppeteer-core ] ||
  npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/report-bench.yaml" <<EOF
connection:
  uri: bolt://127.0.0.1:7687
phases:
  - name: nodes
    source:
      generate:
        entity: nodes
        count: $batches
    query: |
      UNWIND \$batch AS row CREATE (:N {id: row.id})
    batch_size: 1
    workers: $workers
verify:
  - query: MATCH (n:N) RETURN count(n)
    expect: $batches
EOF

seconds() { date +%s.%N; }
echo "== import: $batches batches of one row, $workers workers, --embedded" >&2
t0=$(seconds)
"$bin/boltload" import "$tmp/report-bench.yaml" --embedded --quiet \
  --report "$tmp/report.json" --html "$tmp/report.html" --journal "$tmp/journal.jsonl" >/dev/null
t1=$(seconds)
"$bin/boltload" report html "$tmp/report.json" -o "$tmp/rendered.html"
t2=$(seconds)
cmp -s "$tmp/report.html" "$tmp/rendered.html" || { echo "report html differs from --html" >&2; exit 1; }

awk -v a="$t0" -v b="$t1" 'BEGIN { printf "import wall time:        %.1f s\n", b - a }'
echo "JSON report:             $(stat -c %s "$tmp/report.json") bytes"
echo "HTML report:             $(stat -c %s "$tmp/report.html") bytes"
awk -v a="$t1" -v b="$t2" 'BEGIN { printf "boltload report html:    %.2f s\n", b - a }'
echo "== opening the page in headless chromium, $opens times"
node bench/report_open.mjs "$tmp/report.html" "$opens"
