#!/usr/bin/env bash
# The two pseudo-channels of a channel share its command buses, and ACT holds the row bus for
# two cycles (JESD235, as DRAMSys and Ramulator2 model it). Random 64-byte reads need ACT + PRE
# + 2 RD each: 3 row-bus cycles per 64 bytes on the shared bus, so at 1 GHz at most 64/3 =
# 21.3 GB/s (hand bound). With a bus per pseudo-channel the same trace runs well above it.
source "$(dirname "$0")/common.inc"
python3 - "$TMP/random.stl" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write(f"{i}: (64) read {hex(random.randrange(1 << 24) * 64)}\n")
PY
v51=workloads/memspecs/dramsys/v5.1/HBM2.json
map=workloads/mappings/dramsys/v5.1/am_hbm2_8Gb_pc_interleaved.json
"$PILOT" replay "$TMP/random.stl" --memspec $v51 --mapping $map --clock-ghz 1 --out "$TMP/shared.json" >/dev/null 2>&1 \
  || fail "replay on DRAMSys v5.1's HBM2 files"
python3 - "$v51" "$TMP/own.json" <<'PY'
# Our HBM2 memspec, identical timings, but each pseudo-channel with buses of its own.
import json, sys
m = json.load(open("workloads/memspecs/hbm2-2000.json"))
m["command_bus"]["shared_by_pseudo_channels"] = False
m["command_bus"]["multi_cycle_commands"] = {}
json.dump(m, open(sys.argv[2], "w"))
PY
"$PILOT" replay "$TMP/random.stl" --memspec "$TMP/own.json" --mapping $map --clock-ghz 1 --out "$TMP/own-r.json" >/dev/null 2>&1 \
  || fail "replay with a bus per pseudo-channel"
python3 - "$TMP/shared.json" "$TMP/own-r.json" <<'PY' || fail "bandwidths"
import json, sys
shared = json.load(open(sys.argv[1]))["memory"]
own = json.load(open(sys.argv[2]))["memory"]
assert shared["checker_violations"] == 0 and own["checker_violations"] == 0
bound = 64 / 3.0   # GB/s at 1 GHz: 3 row-bus cycles per 64-byte request
assert 0.85 * bound < shared["bandwidth_GBps"] <= bound, (shared["bandwidth_GBps"], bound)
assert own["bandwidth_GBps"] > 1.15 * bound, (own["bandwidth_GBps"], bound)
PY
echo ok
