#!/usr/bin/env bash
# A sharded import on a real Slurm: a one-node cluster on 127.0.0.1 (munged, slurmctld, slurmd,
# started and stopped here: no systemd), `boltload serve`, and the chain of deploy/slurm/submit.sh
# with 4 shards per phase (before → node array → relationship array → after + verify + merge).
# Checks that the merged report's counts equal a one-process run of the same config against a
# fresh server, and that both graphs hold exactly the expected nodes and relationships.
#
#   scripts/test-slurm.sh [BIN_DIR]     (default build/bin; run as root: installs packages)
#
# Installs slurm-wlm, munge and jq from Debian when missing. Exit 0 passed, 1 failed, 77 skipped:
# Slurm cannot run here (not root, the packages cannot be installed, or a daemon does not come
# up); the line before says exactly what failed. Every daemon and server it started is stopped,
# and its temp folder removed, however it ends (KEEP_TMP=1 keeps the folder).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/bin}")
shards=4
started=$SECONDS

say() { echo "test-slurm: $*"; }
skip() { echo "test-slurm: SKIP: $*" >&2; exit 77; }
fail() { echo "test-slurm: FAIL: $*" >&2; exit 1; }
# Runs "$@" until it succeeds or SECS seconds passed; returns its last status.
wait_for() {
  local secs=$1; shift
  local until=$((SECONDS + secs))
  until "$@"; do
    [ $SECONDS -ge $until ] && return 1
    sleep 0.5
  done
}

{ [ -x "$bin/boltload" ] && [ -x "$bin/boltload-worker" ]; } || fail "no $bin/boltload and boltload-worker: build first"
[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get install slurm-wlm munge; slurmd runs jobs as root here)"
missing=()
command -v slurmd >/dev/null && command -v slurmctld >/dev/null && command -v sbatch >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
command -v jq >/dev/null || missing+=(jq)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    skip "apt-get install ${missing[*]} failed"
fi

tmp=$(mktemp -d /tmp/boltload-slurm-XXXXXX)
chmod 755 "$tmp"  # munged wants its socket's folder (and those above) searchable by all
pids=()           # what this script started, stopped in reverse order
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e  # a failing command here must not end the cleanup early
  if [ -n "${SLURM_CONF:-}" ] && [ -n "${ctld_pid:-}" ] && kill -0 "$ctld_pid" 2>/dev/null; then
    # Our cluster runs only our jobs: cancel what is left (a failed run), so no slurmstepd or
    # boltload outlives the daemons.
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
    if [ -n "${jobs// /}" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      wait_for 20 test -z "$(squeue -h -o %A 2>/dev/null)" || say "jobs still running after scancel: $jobs"
    fi
  fi
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP_TMP:-0}" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on (the daemons take fixed ports from slurm.conf).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
  return 1
}
# Prints the last lines of a log after saying what failed (for skip and fail messages).
show_log() { echo "--- $1 (last 20 lines)"; tail -n 20 "$1" 2>/dev/null || echo "(no log)"; }

# ---- munged, with its own key and socket ----------------------------------------------------
mkdir -p "$tmp/munge/run" "$tmp/munge/key" "$tmp/slurm/state" "$tmp/slurm/spool" "$tmp/slurm/log"
chmod 755 "$tmp/munge" "$tmp/munge/run"
chmod 700 "$tmp/munge/key"
key=$tmp/munge/key/munge.key
dd if=/dev/urandom of="$key" bs=1 count=1024 2>/dev/null  # this cluster's own key
chmod 400 "$key"
socket=$tmp/munge/run/munge.socket
munged -F --force --socket="$socket" --key-file="$key" --pid-file="$tmp/munge/run/munged.pid" \
  --log-file="$tmp/munge/key/munged.log" --seed-file="$tmp/munge/key/munged.seed" >/dev/null 2>&1 &
pids+=($!)
wait_for 10 test -S "$socket" || { show_log "$tmp/munge/key/munged.log"; skip "munged did not create its socket $socket"; }
munge -S "$socket" -n | unmunge -S "$socket" >/dev/null 2>&1 || skip "munge/unmunge through $socket failed"

# ---- slurmctld and slurmd: one node, this machine's CPUs and memory --------------------------
node=$(slurmd -C 2>/dev/null | head -n 1) || skip "slurmd -C failed: $(slurmd -C 2>&1 | head -n 1)"
cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node")
memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
{ [ -n "$cpus" ] && [ -n "$memory" ]; } || skip "slurmd -C gave no CPUs/RealMemory: $node"
ctld_port=$(free_port) || skip "no free port for slurmctld"
slurmd_port=$(free_port) || skip "no free port for slurmd"
conf=$tmp/slurm/slurm.conf
cat >"$conf" <<EOF
ClusterName=boltloadtest
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$tmp/slurm/state
SlurmdSpoolDir=$tmp/slurm/spool
SlurmctldPidFile=$tmp/slurm/slurmctld.pid
SlurmdPidFile=$tmp/slurm/slurmd.pid
SlurmctldLogFile=$tmp/slurm/log/slurmctld.log
SlurmdLogFile=$tmp/slurm/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
KillWait=5
MailProg=/bin/true
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$conf
slurmctld -D -f "$conf" >"$tmp/slurm/log/slurmctld.out" 2>&1 &
ctld_pid=$!
pids+=("$ctld_pid")
ctld_up() { scontrol ping >/dev/null 2>&1 || ! kill -0 "$ctld_pid" 2>/dev/null; }
{ wait_for 20 ctld_up && scontrol ping >/dev/null 2>&1; } ||
  { show_log "$tmp/slurm/log/slurmctld.log"; show_log "$tmp/slurm/log/slurmctld.out"; skip "slurmctld did not answer scontrol ping"; }
slurmd -D -f "$conf" -N localhost >"$tmp/slurm/log/slurmd.out" 2>&1 &
slurmd_pid=$!
pids+=("$slurmd_pid")
node_idle() { [ "$(sinfo -h -n localhost -o %t 2>/dev/null)" = idle ]; }
# Idle, or slurmd gave up (then its log says why; no need to wait the 30 s).
idle_or_gone() { node_idle || ! kill -0 "$slurmd_pid" 2>/dev/null; }
{ wait_for 30 idle_or_gone && node_idle; } ||
  { show_log "$tmp/slurm/log/slurmd.log"; show_log "$tmp/slurm/log/slurmd.out";
    skip "slurmd: node localhost not idle after 30 s (sinfo: $(sinfo -h -n localhost -o '%t %E' 2>&1))"; }
say "one-node cluster up ($cpus CPUs) in $((SECONDS - started)) s"

# ---- two servers: the sharded run's and the one-process run's --------------------------------
start_server() {  # NAME: starts boltload serve, sets uri_NAME
  local log=$tmp/$1.serve.log
  "$bin/boltload" serve --listen 127.0.0.1:0 >"$log" 2>&1 &
  pids+=($!)
  wait_for 20 grep -q 'bolt://' "$log" || { cat "$log"; fail "boltload serve ($1) did not start"; }
  printf -v "uri_$1" '%s' "$(grep -o 'bolt://[0-9.:]*' "$log" | head -n 1)"
}
uri_sharded='' uri_single=''
start_server sharded
start_server single

# ---- the import: 4,000 nodes, then 3,000 relationships (i)->(i+1), in 16 and 12 chunks --------
cat >"$tmp/import.yaml" <<'EOF'
connection: {uri: 'bolt://127.0.0.1:1'}  # each run gives its server with --set
before: ['CREATE INDEX ON :N(id)']
phases:
  - name: nodes
    source: {generate: {count: 4000}}
    query: 'UNWIND $batch AS r CREATE (:N {id: r.id})'
    batch_size: 100
    chunk_rows: 250
    workers: 2
  - name: rels
    source: {generate: {entity: relationships, count: 3000, id_min: 0, id_max: 3999}}
    query: 'UNWIND $batch AS r MATCH (a:N {id: r.a}), (b:N {id: r.b}) CREATE (a)-[:R]->(b)'
    batch_size: 100
    chunk_rows: 250
    workers: 2
    schedule: free
    retry: {kind: memgraph, max_retries: 1000, initial_wait_time: 0.001, backoff_factor: 1.2, jitter: 0.5}
# Exactly nodes 0..3999 and relationships (i)->(i+1) for i in 0..2999, each once.
verify:
  - {query: 'MATCH (n:N) RETURN count(n)', expect: 4000}
  - {query: 'MATCH (n) RETURN count(n)', expect: 4000}
  - {query: 'MATCH (n:N) RETURN count(DISTINCT n.id)', expect: 4000}
  - {query: 'MATCH (n:N) RETURN min(n.id)', expect: 0}
  - {query: 'MATCH (n:N) RETURN max(n.id)', expect: 3999}
  - {query: 'MATCH ()-[r]->() RETURN count(r)', expect: 3000}
  - {query: 'MATCH (a:N)-[:R]->(b:N) RETURN count(DISTINCT a.id)', expect: 3000}
  - {query: 'MATCH (a:N)-[:R]->(b:N) WHERE b.id <> a.id + 1 RETURN count(*)', expect: 0}
  - {query: 'MATCH (a:N)-[:R]->(b:N) RETURN min(a.id)', expect: 0}
  - {query: 'MATCH (a:N)-[:R]->(b:N) RETURN max(a.id)', expect: 2999}
EOF

# The Slurm chain, through the deploy script as a user runs it.
out=$tmp/out
say "submitting: deploy/slurm/submit.sh import.yaml $shards (server $uri_sharded)"
BOLTLOAD="$bin/boltload" BOLTLOAD_SET="connection.uri=$uri_sharded" \
  bash deploy/slurm/submit.sh "$tmp/import.yaml" "$shards" "$out" | tee "$tmp/submitted"
after_job=$(awk '$1 == "after" { print $2 }' "$tmp/submitted")
[ -n "$after_job" ] || fail "submit.sh printed no after job"

# Meanwhile the same config as one process against the other server.
(cd "$tmp" && timeout 120 "$bin/boltload" import import.yaml --set "connection.uri=$uri_single" --quiet \
   --journal single.journal.jsonl --report single.json >single.log 2>&1) ||
  { cat "$tmp/single.log"; fail "the one-process run failed"; }

# A job's state; an array's distinct task states ("COMPLETED" when every task completed).
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort -u | paste -sd ' '; }
chain_done() {
  case "$(job_state "$after_job")" in
    COMPLETED|FAILED*|CANCELLED*|TIMEOUT*|NODE_FAIL*|OUT_OF_MEMORY*|BOOT_FAIL*|DEADLINE*) return 0 ;;
    *) return 1 ;;
  esac
}
wait_for 180 chain_done || { squeue; fail "the chain did not finish in 180 s (after job $after_job: $(job_state "$after_job"))"; }
say "chain finished in $((SECONDS - started)) s since the start"
while read -r step job; do
  case "$step" in run_id|out) continue ;; esac
  state=$(job_state "$job")
  say "  $step job $job: $state"
  if [ "$state" != COMPLETED ]; then
    for log in "$out"/logs/*; do show_log "$log"; done
    fail "$step job $job ended $state"
  fi
done <"$tmp/submitted"

# ---- checks ---------------------------------------------------------------------------------
# The barrier is Slurm's: each step started only after every task of the one before had ended
# (times to the second, ISO 8601: compared as text).
times() { scontrol show job "$2" | sed -n "s/.*$1=\([0-9T:-]*\).*/\1/p" | sort; }
previous_end=''
while read -r step job; do
  case "$step" in run_id|out) continue ;; esac
  first_start=$(times StartTime "$job" | head -n 1)
  [ -n "$first_start" ] || fail "scontrol shows no StartTime for $step job $job"
  [ -z "$previous_end" ] || [[ ! "$first_start" < "$previous_end" ]] ||
    fail "$step job $job started at $first_start, before the previous step ended ($previous_end)"
  previous_end=$(times EndTime "$job" | tail -n 1)
done <"$tmp/submitted"
say "each step started after the previous one ended (afterok; last end $previous_end)"
merged=$out/merged.json
{ [ -s "$merged" ] && [ -s "$out/merged.html" ]; } || fail "no merged.json / merged.html in $out"
expected_reports=$((1 + 2 * shards + 1))
[ "$(jq .merged_from "$merged")" -eq "$expected_reports" ] || fail "merged_from $(jq .merged_from "$merged"), expected $expected_reports"
[ "$(jq .exit_code "$merged")" -eq 0 ] || fail "merged exit_code $(jq .exit_code "$merged")"
# The counts a one-process run reports, per phase and in total.
counts='[.rows_input, .rows_committed, .rows_failed, .rows_unknown, .rows_bad, .rows_not_attempted,
         .batches, .batches_failed, .unknown_outcome_batches, .server_counters]'
summary="{total: $counts, phases: [.phases[] | {name: .name, end: .end, counts: $counts}]}"
jq -S "$summary" "$tmp/single.json" >"$tmp/single.counts" || fail "cannot read $tmp/single.json"
jq -S "$summary" "$merged" >"$tmp/merged.counts" || fail "cannot read $merged"
diff "$tmp/single.counts" "$tmp/merged.counts" ||
  fail "the merged report's counts differ from the one-process run's (< single, > merged)"
say "the merged report ($expected_reports reports) equals the one-process run: $(jq -c . "$tmp/merged.counts")"
# Every shard ran its own quarter: shards disjoint, none empty.
for phase in nodes rels; do
  rows=$(jq -r --arg p "$phase" '[.shards[] | select(.scope.phases == [$p]) | .rows_committed] | join(" ")' "$merged")
  say "  $phase shards committed: $rows"
  [ "$(wc -w <<<"$rows")" -eq "$shards" ] || fail "$phase: $shards shard rows expected, got '$rows'"
  for r in $rows; do [ "$r" -gt 0 ] || fail "$phase: a shard committed nothing ($rows)"; done
done
# Both graphs hold exactly the expected nodes and relationships (the config's verify checks).
for which in sharded single; do
  uri_var=uri_$which
  (cd "$tmp" && timeout 60 "$bin/boltload" import import.yaml --set "connection.uri=${!uri_var}" --only verify --quiet \
     --journal "verify-$which.journal.jsonl" >"verify-$which.log" 2>&1) ||
    { cat "$tmp/verify-$which.log"; fail "the $which graph is not the expected one"; }
done
grep -q "verify ok" "$out"/logs/after-*.out || fail "the after job printed no verify checks"
say "both graphs: exactly 4000 nodes 0..3999 and 3000 relationships (i)->(i+1)"
say "PASS in $((SECONDS - started)) s"
