#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Replay speed, PILOT-VP against DRAMSys v5.1 side by side on the same traces and files
# (interleaved HBM2 map, DRAMSys's shipped fr_fcfs controller configuration, the same simconfig:
# StoreMode NoStorage, so neither keeps the data; PILOT-VP with its protocol checker on, as by
# default):
#   replay-speed.sh DRAMSYS_BINARY [OUT_DIR] [PAIRS] [REQUESTS]
# For each trace (dramsys-layout.sh: sequential, random, 30% writes; REQUESTS lines, default
# 1,000,000) the two simulators run in turn, PAIRS times (default 3), each timed as a whole
# process by /usr/bin/time. CPU seconds (user + system) are the measure on a shared machine;
# the ratio is taken pair by pair (the machine's speed drifts between pairs, rarely within one).
# Prints a Markdown table of medians: CPU s of each, DRAMSys / PILOT-VP, and the wall-clock ratio.
# PILOT: another pilot binary (default build/release/pilot). PILOT_ARGS: more arguments for it,
# e.g. "--set /system/protocol_check=false" (DRAMSys has no protocol checker of its own).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dramsys=$(realpath "${1:?DRAMSys binary}")
out=$(realpath -m "${2:-$root/build/replay-speed}")
pairs=${3:-3}
n=${4:-1000000}
pilot=${PILOT:-$root/build/release/pilot}
read -r -a extra <<<"${PILOT_ARGS:-}"
res=$out/res
"$root"/tools/bench/dramsys-layout.sh "$out" "$n"
echo "| trace | PILOT-VP CPU s | DRAMSys CPU s | DRAMSys / PILOT-VP | wall: DRAMSys / PILOT-VP |"
echo "|---|---|---|---|---|"
for trace in seq random mixed; do
  cat > "$res/sim-$trace.json" <<JSON
{ "simulation": { "addressmapping": "am_hbm2_8Gb_pc_interleaved.json", "mcconfig": "fr_fcfs.json",
  "memspec": "HBM2.json", "simconfig": "simconfig.json", "simulationid": "speed-$trace",
  "tracesetup": [ { "clkMhz": 1000, "name": "$trace.stl" } ] } }
JSON
  : > "$out/times-$trace"
  for ((i = 0; i < pairs; ++i)); do
    /usr/bin/time -f "p %U %S %e" -a -o "$out/times-$trace" "$pilot" replay "$res/traces/$trace.stl" \
      --memspec "$res/memspec/HBM2.json" --mapping "$res/addressmapping/am_hbm2_8Gb_pc_interleaved.json" \
      --clock-ghz 1 --mcconfig "$res/mcconfig/fr_fcfs.json" --simconfig "$res/simconfig/simconfig.json" \
      --out "$out/p-$trace.json" "${extra[@]}" >/dev/null 2>&1
    (cd "$res" && /usr/bin/time -f "d %U %S %e" -a -o "$out/times-$trace" "$dramsys" "sim-$trace.json" "$res" \
      >"$out/d-$trace.log" 2>&1)
  done
  /usr/bin/python3 - "$trace" "$out/times-$trace" "$out/p-$trace.json" <<'PY'
import json, statistics, sys
trace, times, result = sys.argv[1:4]
memory = json.load(open(result))["memory"]
assert memory["checker_violations"] == 0, "checker violations"
if not memory["protocol_checked"]:
    trace += " (checker off)"
runs = {"p": [], "d": []}
for line in open(times):
    kind, user, system, wall = line.split()
    runs[kind].append((float(user) + float(system), float(wall)))
med = statistics.median
res = 0.01  # /usr/bin/time's resolution: a shorter run counts as that long
cpu = [max(d[0], res) / max(p[0], res) for p, d in zip(runs["p"], runs["d"])]
wall = [max(d[1], res) / max(p[1], res) for p, d in zip(runs["p"], runs["d"])]
print(f"| {trace} | {med(c for c, _ in runs['p']):.2f} | {med(c for c, _ in runs['d']):.2f} "
      f"| {med(cpu):.1f}x | {med(wall):.1f}x |")
PY
done
