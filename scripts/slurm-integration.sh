#!/usr/bin/env bash
# Integration test of `sim slurm` on a real Slurm: installs Debian's slurm-wlm and munge if needed,
# starts a private one-node cluster (its own munged socket, config, ports and state under a temp
# directory, so a system Slurm or munge is left alone), submits a smoke sweep as a job array plus
# the dependent aggregate job, waits, and checks that the aggregate (and every point record) equals
# a local `sim run` byte for byte. Needs root (apt-get, daemons). About a minute once packages are in.
#
#   scripts/slurm-integration.sh                 # the default smoke scenario, 3 shards
#   SCENARIO=scenarios/lowrank/r9_sample_complexity.yaml SHARDS=4 scripts/slurm-integration.sh
#   KEEP=1 scripts/slurm-integration.sh          # keep the temp directory (logs, runs) for inspection
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCENARIO=${SCENARIO:-scenarios/lowrank/r8_iteration_scaling_eta.yaml}
SHARDS=${SHARDS:-3}
PORT=${SLURM_TEST_PORT:-16817}          # slurmctld; slurmd uses PORT+1 (not the default 6817/6818)
TIMEOUT=${SLURM_TEST_TIMEOUT:-300}      # seconds to wait for the jobs

say() { echo "slurm-integration: $*"; }
fail() { echo "slurm-integration: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (installs slurm-wlm and munge with apt-get and starts their daemons)"

# 1. Packages.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update && apt-get install -y --no-install-recommends slurm-wlm munge; }; then
    fail "could not install the Debian packages slurm-wlm and munge (apt-get failed; see above). This test needs them; install them by hand or skip it."
  fi
fi
command -v slurmctld >/dev/null && command -v munged >/dev/null || fail "slurmctld/munged still missing after apt-get install"
say "$(slurmctld -V), munge $(munged -V 2>&1 | head -1)"

# 2. The sim binary (the same build flags as scripts/test.sh, so this is a no-op after it).
#    SIM=<path> uses a given binary; SWIFT_BUILD_FLAGS adds flags (e.g. --scratch-path DIR).
if [ -z "${SIM:-}" ]; then
  # shellcheck disable=SC2086
  swift build -c release -Xswiftc -enable-testing ${SWIFT_BUILD_FLAGS:-} --product sim >/dev/null
  # shellcheck disable=SC2086
  SIM="$(swift build -c release -Xswiftc -enable-testing ${SWIFT_BUILD_FLAGS:-} --show-bin-path)/sim"
fi
[ -x "$SIM" ] || fail "no sim executable at $SIM"

# 3. A private cluster under a temp directory.
W=$(mktemp -d /tmp/provable-slurm.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/munge" "$W/etc" "$W/state" "$W/spool" "$W/log"
chmod 0700 "$W/munge"
cleanup() {
  status=$?
  for pidfile in "$W/slurmd.pid" "$W/slurmctld.pid" "$W/munge/munged.pid"; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  sleep 1
  if [ $status -ne 0 ]; then
    for f in "$W"/log/*.log "$W"/munge/munged.log; do [ -f "$f" ] && { echo "--- $f (tail)"; tail -n 20 "$f"; }; done
    find "$W/out/slurm" -name '*.out' 2>/dev/null | while read -r f; do echo "--- $f"; cat "$f"; done
  fi
  if [ "${KEEP:-0}" = 1 ] || [ $status -ne 0 ]; then echo "slurm-integration: files kept in $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT

dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$W/munge/munge.key"
SOCKET="$W/munge/munge.socket"
munged --force --key-file="$W/munge/munge.key" --socket="$SOCKET" --pid-file="$W/munge/munged.pid" \
       --log-file="$W/munge/munged.log" --seed-file="$W/munge/munged.seed" \
  || fail "munged did not start (see $W/munge/munged.log)"
for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
munge -S "$SOCKET" -n | unmunge -S "$SOCKET" >/dev/null || fail "munge round trip failed"

NODE=$(hostname -s)
CPUS=$(nproc)
export SLURM_CONF="$W/etc/slurm.conf"
cat > "$SLURM_CONF" <<EOF
# One-node test cluster written by scripts/slurm-integration.sh. No cgroups, no accounting.
ClusterName=provable-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/log/slurmctld.log
SlurmdLogFile=$W/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -i || fail "slurmctld did not start (see $W/log/slurmctld.log)"
slurmd -N "$NODE" || fail "slurmd did not start (see $W/log/slurmd.log)"
for i in $(seq 60); do
  state=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  [ "$i" = 60 ] && fail "the node did not become idle (state: '${state}')"
  sleep 0.5
done
say "cluster up: node $NODE, $CPUS cpus, partition debug"

# 4. Submit the sweep as a job array + aggregate job.
OUT="$W/out"
"$SIM" slurm "$SCENARIO" --smoke --shards "$SHARDS" --out "$OUT" --partition debug --time 00:10:00 \
       --cpus-per-task 1 --array-limit "$SHARDS" --no-render
SUBMIT=$(find "$OUT/slurm" -name submit.sh | head -1)
[ -n "$SUBMIT" ] || fail "sim slurm wrote no submit.sh"
bash "$SUBMIT"
read -r ARRAY AGG < "$(dirname "$SUBMIT")/job-ids"
say "array job $ARRAY, aggregate job $AGG"

# 5. Wait for the aggregate job (it runs after every array task).
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1; }
deadline=$((SECONDS + TIMEOUT))
while :; do
  s=$(job_state "$AGG")
  case "$s" in
    COMPLETED) break ;;
    FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) fail "aggregate job $AGG ended $s" ;;
  esac
  [ $SECONDS -lt $deadline ] || { squeue; fail "jobs did not finish within ${TIMEOUT}s (aggregate job state: ${s:-unknown})"; }
  sleep 1
done
for t in $(seq 0 $((SHARDS - 1))); do
  s=$(job_state "${ARRAY}_$t")
  [ "$s" = COMPLETED ] || fail "array task ${ARRAY}_$t ended ${s:-unknown}"
done
say "all $SHARDS array tasks and the aggregate job COMPLETED"

# 6. Compare with a local run.
"$SIM" run "$SCENARIO" --smoke --out "$W/local" --jobs 2 --no-render >/dev/null
SWEEP=$(cd "$W/local/runs" && ls -d */* | head -1)
[ -d "$OUT/runs/$SWEEP" ] || fail "the Slurm run wrote no $OUT/runs/$SWEEP"
"$SIM" status --check "$OUT/runs/$SWEEP" || fail "sim status: the Slurm sweep is not complete"
diff -r "$W/local/runs/$SWEEP/aggregate" "$OUT/runs/$SWEEP/aggregate" || fail "the Slurm aggregate differs from the local run's"
for f in "$W/local/runs/$SWEEP"/points/*.json; do
  cmp -s "$f" "$OUT/runs/$SWEEP/points/$(basename "$f")" || fail "point record $(basename "$f") differs"
done
n=$(ls "$W/local/runs/$SWEEP"/points/*.json | wc -l)
shards_run=$(ls "$OUT/runs/$SWEEP"/manifest.shard-*-of-"$SHARDS".json | wc -l)
[ "$shards_run" = "$SHARDS" ] || fail "expected $SHARDS shard manifests, found $shards_run"
say "PASSED: $n point records and aggregate/ identical to a local run ($SWEEP, $SHARDS shards)"
