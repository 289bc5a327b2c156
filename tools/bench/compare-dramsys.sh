#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Like-for-like replay against DRAMSys v5.1 on DRAMSys's own HBM2 memspec, address maps and
# controller configurations (workloads/*/dramsys/), one simulator at a time:
#   compare-dramsys.sh DRAMSYS_BINARY [OUT_DIR] [REQUESTS]
# DRAMSYS_BINARY: DRAMSys v5.1's CLI, e.g. built by the workspace's anchors/dramsys/build.sh.
# Traces: REQUESTS (default 1,000,000) 64-byte requests, line i offered at cycle i (1 GHz):
# sequential reads, uniformly random reads in a 1 GiB window, random with 30% writes.
# Prints a Markdown table: bandwidth of each, their ratio, wall time of each and the speed ratio.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dramsys=$(realpath "${1:?DRAMSys binary}")
out=$(realpath -m "${2:-$root/build/compare-dramsys}")
n=${3:-1000000}
pilot=${PILOT:-$root/build/release/pilot}   # PILOT: another pilot binary
"$root"/tools/bench/dramsys-layout.sh "$out" "$n"
wall() { /usr/bin/time -f "%e" -o "$1" "${@:2}"; }
echo "| map | trace | controller | PILOT-VP GB/s | DRAMSys GB/s | ratio | PILOT-VP s | DRAMSys s | speed ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for map in interleaved brc rbc; do
  mapfile=am_hbm2_8Gb_pc_$map.json
  for trace in seq random mixed; do
    for mc in fr_fcfs fr_fcfs_shared256 none; do
      args=(replay "$out/res/traces/$trace.stl" --memspec "$out/res/memspec/HBM2.json"
            --mapping "$out/res/addressmapping/$mapfile" --clock-ghz 1 --out "$out/p-$map-$trace-$mc.json")
      [ "$mc" != none ] && args+=(--mcconfig "$out/res/mcconfig/$mc.json")
      wall "$out/p.time" "$pilot" "${args[@]}" >/dev/null 2>&1
      pbw=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["memory"]; assert m["checker_violations"]==0; print("%.2f" % m["bandwidth_GBps"])' "$out/p-$map-$trace-$mc.json")
      pt=$(cat "$out/p.time")
      if [ "$mc" = none ]; then
        echo "| $map | $trace | PILOT-VP default (read/write queues 64/64) | $pbw | - | - | $pt | - | - |"
        continue
      fi
      cat > "$out/res/sim.json" <<JSON
{ "simulation": { "addressmapping": "$mapfile", "mcconfig": "$mc.json", "memspec": "HBM2.json",
  "simconfig": "simconfig.json", "simulationid": "$map-$trace-$mc",
  "tracesetup": [ { "clkMhz": 1000, "name": "$trace.stl" } ] } }
JSON
      (cd "$out/res" && wall "$out/d.time" "$dramsys" sim.json "$out/res" >"$out/d-$map-$trace-$mc.log" 2>&1)
      dbw=$(grep -m1 'controller0 *AVG BW:' "$out/d-$map-$trace-$mc.log" | sed -E 's/.*\| *([0-9.]+) +GB\/s.*/\1/')
      dt=$(cat "$out/d.time")
      /usr/bin/python3 -c 'import sys; p,d,pt,dt=map(float,sys.argv[1:5]); print(f"| {sys.argv[5]} | {sys.argv[6]} | {sys.argv[7]} | {p:.2f} | {d:.2f} | {p/d:.3f} | {pt:.1f} | {dt:.1f} | {dt/max(pt, 0.01):.1f}x |")' \
        "$pbw" "$dbw" "$pt" "$dt" "$map" "$trace" "$mc"
    done
  done
done
