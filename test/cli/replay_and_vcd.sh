#!/usr/bin/env bash
# pilot replay runs DRAMSys traces (ours and DRAMSys's memspec); --vcd writes a waveform;
# bad trace lines and out-of-range addresses fail with a clear message.
source "$(dirname "$0")/common.inc"
"$PILOT" replay workloads/traces/example.stl --out "$TMP/r.json" --vcd "$TMP/w.vcd" >/dev/null 2>&1 || fail "replay"
grep -q '\$var' "$TMP/w.vcd" || fail "vcd has no variables"
grep -q 'open_row' "$TMP/w.vcd" || fail "vcd lacks bank open rows"
"$PILOT" replay workloads/traces/example.stl --memspec workloads/memspecs/dramsys/hbm2-dramsys.json \
  --mapping workloads/mappings/dramsys/hbm2-dramsys-mapping.json >/dev/null 2>&1 || fail "replay with DRAMSys files"
printf '0: read 0x0\n5: raed 0x40\n' > "$TMP/bad.stl"
expect_fail "line 2" "$PILOT" replay "$TMP/bad.stl"
printf '0: read 0x0\n5: read 0xffffffffffff0\n' > "$TMP/far.stl"
expect_fail "address" "$PILOT" replay "$TMP/far.stl"
# A saturating trace: 64-byte requests split into bursts, counted as issued.
python3 -c 'print("\n".join(f"0: (64) read {hex(i*64)}" for i in range(2000)))' > "$TMP/sat.stl"
"$PILOT" replay "$TMP/sat.stl" --out "$TMP/s.json" >/dev/null 2>&1 || fail "saturating replay"
python3 - "$TMP/s.json" <<'PY' || fail "saturating replay results"
import json, sys
m = json.load(open(sys.argv[1]))["memory"]
assert m["requests"] == 2000, m["requests"]
assert m["bursts"] == 4000, m["bursts"]
assert m["checker_violations"] == 0
PY
echo ok
