#!/usr/bin/env bash
# The project's test command. Installs what is missing, builds, and runs every test through ctest:
#   1. the Release build (-O3): unit, integration, interop, browser and install tests, fuzz-corpus replays;
#   2. a sharded import on a one-node Slurm cluster (scripts/test-slurm.sh; exit 77 = skipped, when
#      Slurm cannot run here);
#   3. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   4. every libFuzzer target (clang) for a bounded time (FUZZ_SECONDS, default 60).
# Usage: scripts/test.sh [--quick]   (--quick: step 1 only)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# The interop tests use the official JavaScript driver, pinned by tests/interop/package-lock.json.
if [ -f tests/interop/package-lock.json ] && [ ! -d tests/interop/node_modules/neo4j-driver ]; then
  npm ci --prefix tests/interop --no-audit --no-fund >/dev/null
fi
# The browser tests drive Debian's chromium with puppeteer-core, pinned by
# tests/browser/package-lock.json (no install scripts run: no browser is downloaded).
if [ -f tests/browser/package-lock.json ] && [ ! -d tests/browser/node_modules/puppeteer-core ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --ignore-scripts >/dev/null
fi
jobs=$(nproc)
# One compiler cache for every checkout (CI clones afresh each time): paths under this folder are
# hashed relative to it.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
quick=0; [ "${1:-}" = "--quick" ] && quick=1

# Every build here treats warnings as errors (BOLTLOAD_WERROR): CI's compilers must see none.
echo "== release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBOLTLOAD_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
[ "$quick" = 1 ] && exit 0

echo "== slurm: deploy/slurm/submit.sh, 4 shards per phase, on a one-node cluster"
slurm=0
bash scripts/test-slurm.sh build/bin || slurm=$?
if [ "$slurm" -eq 77 ]; then
  echo "(slurm test skipped: Slurm cannot run here, the reason is above)"
elif [ "$slurm" -ne 0 ]; then
  exit "$slurm"
fi

echo "== sanitizer build (ASan + UBSan), unit tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBOLTLOAD_SANITIZE=ON -DBOLTLOAD_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs" --target unit_tests
ctest --test-dir build-asan -L unit --output-on-failure -j"$jobs"

echo "== fuzzing (libFuzzer, ${FUZZ_SECONDS:-60}s per target)"
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBOLTLOAD_FUZZ=ON \
  -DBOLTLOAD_WERROR=ON -DBOLTLOAD_FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz_targets
ctest --test-dir build-fuzz -L fuzz --output-on-failure -j"$jobs"
