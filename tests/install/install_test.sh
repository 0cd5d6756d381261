#!/usr/bin/env bash
# ctest install_cmake_package: `cmake --install` of this build into a scratch prefix; from there,
# --version and an embedded import; then a ten-line project (consumer/) configured with
# find_package(boltload CONFIG) against that prefix alone runs RETURN 1 on the installed
# `boltload serve`. Reuses the build; compiles only the consumer.
# Usage: install_test.sh BUILD_DIR CMAKE CXX_COMPILER LIBDIR   (LIBDIR: CMAKE_INSTALL_LIBDIR)
source "$(dirname "$0")/common.sh"
build=$1 cmake=$2 cxx=$3 libdir=$4
prefix=$scratch/prefix

timeout 120 "$cmake" --install "$build" --prefix "$prefix" >"$scratch/install.log" ||
  { cat "$scratch/install.log"; fail "cmake --install"; }
for f in bin/boltload libexec/boltload/boltload-worker include/bolt/driver.hpp \
         "$libdir/cmake/boltload/boltloadConfig.cmake"; do
  [ -e "$prefix/$f" ] || fail "not installed: $f"
done
check_version "$prefix"
check_embedded_import "$prefix"

echo "== consumer project, find_package(boltload CONFIG) in $prefix"
timeout 120 "$cmake" -S "$here/consumer" -B "$scratch/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" >"$scratch/consumer.log" 2>&1 || { cat "$scratch/consumer.log"; fail "configure"; }
grep -qx "boltload_DIR:PATH=$prefix/$libdir/cmake/boltload" "$scratch/consumer/CMakeCache.txt" ||
  fail "the consumer did not take boltload from $prefix: $(grep boltload_DIR "$scratch/consumer/CMakeCache.txt")"
timeout 300 "$cmake" --build "$scratch/consumer" >>"$scratch/consumer.log" 2>&1 ||
  { cat "$scratch/consumer.log"; fail "build"; }

"$prefix/bin/boltload" serve --listen 127.0.0.1:0 >"$scratch/serve.log" 2>&1 &
server_pid=$!
uri=
for _ in $(seq 200); do
  uri=$(grep -o -m1 'bolt://127\.0\.0\.1:[0-9]*' "$scratch/serve.log" || true)
  [ -n "$uri" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$uri" ] || { cat "$scratch/serve.log"; fail "boltload serve printed no address within 20 s"; }
out=$(timeout 60 "$scratch/consumer/consumer" "$uri") || fail "consumer against $uri"
echo "$out"
[ "$out" = "one: 1" ] || fail "consumer printed '$out'"
stop_server
echo "install_cmake_package: passed"
