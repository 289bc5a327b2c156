#!/usr/bin/env bash
# A DRAMSys simconfig's StoreMode, as DRAMSys reads it: NoStorage (its default, and what the
# like-for-like runs give both simulators) keeps no data, which changes no timing: the replay's
# results equal those of the run that keeps the data, field for field, but data_stored. The PEs
# compute on the data, so a PIM workload refuses a memory that keeps none; bad simconfigs are
# refused naming the file and the field.
source "$(dirname "$0")/common.inc"
python3 - "$TMP/mixed.stl" <<'PY'
import random, sys
random.seed(11)
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        op = "write" if random.random() < 0.3 else "read"
        f.write(f"{i}: (64) {op} {hex(random.randrange(1 << 24) * 64)}\n")
PY
files=(--memspec workloads/memspecs/dramsys/v5.1/HBM2.json --clock-ghz 1
  --mapping workloads/mappings/dramsys/v5.1/am_hbm2_8Gb_pc_interleaved.json
  --mcconfig workloads/mcconfigs/dramsys/fr_fcfs.json)
"$PILOT" replay "$TMP/mixed.stl" "${files[@]}" --out "$TMP/store.json" >/dev/null 2>&1 || fail "replay, data kept"
"$PILOT" replay "$TMP/mixed.stl" "${files[@]}" --simconfig tools/bench/dramsys/simconfig.json \
  --out "$TMP/nostore.json" >/dev/null 2>&1 || fail "replay with DRAMSys's simconfig (NoStorage)"
python3 - "$TMP/store.json" "$TMP/nostore.json" <<'PY' || fail "results with and without the data"
import json, sys
def timing(path):
    r = json.load(open(path))
    for k in ("simulator", "scenario", "wall_time_s"):  # the run and the files it read
        r.pop(k)
    r["memory"].pop("data_stored")
    return r
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["memory"]["data_stored"] is True and b["memory"]["data_stored"] is False
assert a["memory"]["host"]["writes"] > 5000, a["memory"]["host"]
assert timing(sys.argv[1]) == timing(sys.argv[2]), "timing results differ"
PY
echo '{"simconfig": {"StoreMode": "ErrorModel"}}' >"$TMP/bad.json"
expect_fail "$TMP/bad.json: /simconfig/StoreMode" "$PILOT" replay "$TMP/mixed.stl" "${files[@]}" --simconfig "$TMP/bad.json"
expect_fail "/system/simconfig: no such file" "$PILOT" replay "$TMP/mixed.stl" "${files[@]}" --simconfig "$TMP/none.json"
expect_fail "/system/store_data: the memory must keep its data with a PIM workload" \
  "$PILOT" run workloads/scenarios/decode-tiny.json --set /system/store_data=false
"$PILOT" validate tools/bench/dramsys/simconfig.json | grep -q "valid DRAMSys simconfig (data not stored)" \
  || fail "validate a simconfig"
echo ok
