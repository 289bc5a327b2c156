#!/usr/bin/env bash
# pilot analyze: the I/O analysis of every prefill scenario, with the paper's 2 KB tiles and
# I/O-aware below naive.
source "$(dirname "$0")/common.inc"
for f in workloads/scenarios/prefill-*.json; do
  "$PILOT" analyze "$f" --out "$TMP/a.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "analyze $f"; }
  python3 - "$TMP/a.json" "$f" <<'PY' || fail "analysis of $f"
import json, sys
a = json.load(open(sys.argv[1]))
d = a["head_dim"]
paper = {64: 7, 128: 3}[d]
assert a["chosen"]["rows"] == paper == a["paper_tiles"]["window_rows"], a["chosen"]
h = a["per_head"]
assert 0 < h["aware"]["bytes"] < h["naive"]["bytes"], h
assert h["aware"]["macs"] == h["naive"]["macs"]
k = a["kernel"]   # the firmware's kernel: its bytes near the analysis's, far below its naive twin
assert k["buffer_bytes"] <= a["buffer_bytes"], k
assert 0.5 < k["per_head_bytes"] / h["aware"]["bytes"] < 1.3, (k, h["aware"])
assert k["per_head_naive_bytes"] > 3 * k["per_head_bytes"], k
PY
done
"$PILOT" analyze workloads/scenarios/prefill-bigbird.json --set /pim/sram_bytes=32768 --out "$TMP/b.json" >/dev/null 2>&1 || fail "32 KB"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a["chosen"]["rows"] > 7' "$TMP/b.json" || fail "larger buffer, larger tile"

expect_fail "takes a prefill workload" "$PILOT" analyze workloads/scenarios/decode-tiny.json
echo ok
