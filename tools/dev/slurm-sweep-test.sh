#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Slurm example of docs/sweeps.md on a real Slurm: installs Debian's slurm-wlm and munge,
# starts munged, slurmctld and slurmd on this machine (one node, one partition), submits the
# documented job array (`pilot sweep --shard K/N`, one array task per shard) and the merge job
# that depends on it, waits, and compares the merged results with an unsharded run of the same
# sweep, byte for byte. Needs root (packages, daemons) and a built build/release/pilot.
#   tools/dev/slurm-sweep-test.sh [--no-install] [WORK_DIR]   (default: build/slurm-test)
# PILOT: the pilot binary (default build/release/pilot). CTest runs it as `slurm.sweep` with
# --no-install: where slurm-wlm and munge are installed and it runs as root, the test runs;
# elsewhere (CI's fresh machine: the project's set-up installs no cluster daemons) it is
# skipped (exit 77). It leaves the daemons running only while it runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
install=1
[ "${1:-}" = --no-install ] && { install=0; shift; }
work=$(realpath -m "${1:-$root/build/slurm-test}")
pilot=$(realpath "${PILOT:-$root/build/release/pilot}")
shards=3
[ -x "$pilot" ] || { echo "build first: tools/setup/build.sh release" >&2; exit 2; }
have_slurm() { command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; }
if [ "$(id -u)" != 0 ]; then
  [ $install = 0 ] && { echo "skipped: needs root to start munged, slurmctld and slurmd"; exit 77; }
  echo "needs root: it installs slurm-wlm and munge and starts their daemons" >&2; exit 2
fi
if ! have_slurm; then
  [ $install = 0 ] && { echo "skipped: slurm-wlm and munge are not installed (tools/dev/slurm-sweep-test.sh installs them)"; exit 77; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge >/dev/null
fi
export PATH="/usr/sbin:$PATH"   # slurmctld, slurmd, munged
rm -rf "$work"
mkdir -p "$work"/{state,spool,logs,munge}
host=$(hostname -s)
cpus=$(nproc)

# munge: a fresh key, a private socket (no clash with a system munged).
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/socket" \
       --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
       --seed-file="$work/munge/seed"
export MUNGE_SOCKET="$work/munge/socket"

cat > "$work/slurm.conf" <<EOF
ClusterName=pilot-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
SlurmctldPort=26817
SlurmdPort=26818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"
cleanup() {
  for p in slurmd slurmctld; do [ -s "$work/$p.pid" ] && kill "$(cat "$work/$p.pid")" 2>/dev/null || true; done
  [ -s "$work/munge/munged.pid" ] && kill "$(cat "$work/munge/munged.pid")" 2>/dev/null || true
}
trap cleanup EXIT
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do sinfo -h -o %T 2>/dev/null | grep -qx idle && break; sleep 1; done
sinfo -h -o "%P %D %T %C" | sed 's/^/sinfo: /'
sinfo -h -o %T | grep -qx idle || { echo "slurmd did not come up; logs in $work/logs" >&2; exit 1; }

# A small real sweep: the tiny end-to-end point at three context lengths, timing only.
cat > "$work/sweep.json" <<EOF
{ "name": "slurm-test", "scenario": "$root/workloads/scenarios/e2e-tiny.json",
  "systems": ["gpu", "attacc", "pilot"],
  "set": { "/workload/functional": false },
  "grid": { "seq_len": [256, 512, 1024] } }
EOF
# The job array of docs/sweeps.md, with this sweep and shard count.
cat > "$work/sweep.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=pilot-sweep
#SBATCH --array=1-$shards
#SBATCH --cpus-per-task=1
#SBATCH --output=logs/shard-%a.out
cd "\$SLURM_SUBMIT_DIR"
$pilot sweep sweep.json \\
    --shard \${SLURM_ARRAY_TASK_ID}/$shards --jobs \${SLURM_CPUS_PER_TASK} --out shard-\${SLURM_ARRAY_TASK_ID}
EOF
cd "$work"
start=$(date +%s)
jobid=$(sbatch --parsable sweep.sbatch)
mergeid=$(sbatch --parsable --dependency=afterok:"$jobid" --output=logs/merge.out \
          --wrap "$pilot merge --out results shard-*")
echo "submitted array job $jobid ($shards shards) and merge job $mergeid"
for _ in $(seq 900); do
  [ -z "$(squeue -h -j "$jobid,$mergeid" 2>/dev/null)" ] && break
  if squeue -h -j "$mergeid" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied; then
    scancel "$mergeid"   # a shard failed: afterok never holds
    echo "a shard failed; the merge job will not run" >&2
    break
  fi
  sleep 1
done
echo "slurm jobs finished in $(( $(date +%s) - start )) s"
for f in logs/*.out; do sed "s|^|$(basename "$f"): |" "$f"; done
[ -s results/results.csv ] || { echo "no merged results; see $work/logs" >&2; exit 1; }

# The same sweep unsharded, outside Slurm: the merge must give the same files.
"$pilot" sweep sweep.json --jobs "$cpus" --out whole >/dev/null
for f in results.csv results.json; do
  cmp results/$f whole/$f || { echo "merged $f differs from the unsharded run" >&2; exit 1; }
done
echo "merged results of $shards Slurm array tasks equal the unsharded run ($(($(wc -l < whole/results.csv) - 1)) rows)"
