#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The training runs of the profile-guided release build (build.sh): an instrumented pilot runs a
# small piece of each kind of work the platform does, so that the profile covers all of them:
# DRAM traffic (sequential, random, mixed; HBM3 and DRAMSys's HBM2 files with its fr_fcfs
# controller configuration, replayed from traces), PIM decode and prefill with their golden
# checks, and a co-simulated end-to-end point, in about equal parts of run time (the controller's
# code serves both; the heavier part would tune it to its own branches). About 4 s on one core.
#   pgo-train.sh PILOT_BINARY
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pilot=$(realpath "${1:?instrumented pilot binary}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { "$pilot" "$@" >/dev/null; }

for s in hbm3-seq-read hbm3-random-read hbm3-mixed; do
  run run "$root/workloads/scenarios/$s.json" --set /traffic/requests=30000 --out "$work/$s.json"
done
# Traces like tools/bench/dramsys-layout.sh's (64-byte requests, line i at cycle i), shorter.
n=100000
awk -v n=$n 'BEGIN { for (i = 0; i < n; ++i) printf "%d: (64) read 0x%x\n", i, i * 64 }' >"$work/seq.stl"
awk -v n=$n 'BEGIN { srand(1); for (i = 0; i < n; ++i) printf "%d: (64) read 0x%x\n", i, int(rand() * 16777216) * 64 }' \
  >"$work/random.stl"
awk -v n=$n 'BEGIN { srand(2); for (i = 0; i < n; ++i)
  printf "%d: (64) %s 0x%x\n", i, rand() < 0.3 ? "write" : "read", int(rand() * 16777216) * 64 }' >"$work/mixed.stl"
hbm2=(--memspec "$root/workloads/memspecs/dramsys/v5.1/HBM2.json" --clock-ghz 1
  --mapping "$root/workloads/mappings/dramsys/v5.1/am_hbm2_8Gb_pc_interleaved.json")
for t in seq random mixed; do
  run replay "$work/$t.stl" "${hbm2[@]}" --mcconfig "$root/workloads/mcconfigs/dramsys/fr_fcfs.json" --out "$work/r.json"
done
head -n 30000 "$work/mixed.stl" >"$work/mixed-short.stl"
run replay "$work/mixed-short.stl" "${hbm2[@]}" --out "$work/r.json"
run replay "$work/mixed-short.stl" "${hbm2[@]}" --mcconfig "$root/workloads/mcconfigs/dramsys/fr_fcfs_shared256.json" \
  --out "$work/r.json"
run replay "$root/workloads/traces/example.stl" --out "$work/example.json"
for s in decode-tiny decode-bigbird-small prefill-bigbird-small e2e-tiny-cosim; do
  run run "$root/workloads/scenarios/$s.json" --out "$work/$s.json"
done
