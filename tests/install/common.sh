# Shared by the install tests: a scratch folder that is always removed (with any server still
# running), and the checks both run against an installed tree. Every wait has a bound.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/boltload-install-test.XXXXXX")
server_pid=

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap 'stop_server; rm -rf "$scratch"' EXIT

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

# check_version ROOT: bin/boltload and libexec/boltload/boltload-worker under ROOT print the
# same version.
check_version() {
  local out worker_out
  out=$(timeout 10 "$1/bin/boltload" --version) || fail "boltload --version"
  echo "$out"
  [[ $out =~ ^boltload\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "boltload --version printed '$out'"
  worker_out=$(timeout 10 "$1/libexec/boltload/boltload-worker" --version) || fail "boltload-worker --version"
  [ "${worker_out#boltload-worker }" = "${out#boltload }" ] ||
    fail "boltload-worker --version printed '$worker_out', boltload '$out'"
}

# check_embedded_import ROOT: an embedded import run from the installed files alone: without
# BOLTLOAD_WORKER, boltload must find ROOT/libexec/boltload/boltload-worker by itself.
check_embedded_import() {
  mkdir -p "$scratch/run"
  (cd "$scratch/run" &&
   env -u BOLTLOAD_WORKER timeout 120 "$1/bin/boltload" import "$here/small-import.yaml" --embedded --quiet) ||
    fail "embedded import with $1/bin/boltload"
}
