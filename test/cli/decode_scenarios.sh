#!/usr/bin/env bash
# Every decode scenario's functional twin passes its FP64 check with zero protocol violations;
# a decode run is deterministic; --trace writes a trace-event timeline.
source "$(dirname "$0")/common.inc"
for f in workloads/scenarios/decode-*-small.json; do
  "$PILOT" run "$f" --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "run $f"; }
  python3 - "$TMP/r.json" "$f" <<'PY' || fail "results of $f"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["memory"]["checker_violations"] == 0, sys.argv[2]
for k in r["kernels"]:
    for key in ["name", "time_ns", "internal_bytes", "external_bytes", "bound_internal_ns", "bound_external_ns", "bound_ratio"]:
        assert key in k, key
    assert k["check"]["passed"] and k["check"]["max_abs_error"] <= k["check"]["tolerance"], k
    assert 0 < k["bound_ratio"] <= 1, k["bound_ratio"]
for key in ["stacks", "channels", "banks", "internal_peak_GBps", "external_peak_GBps"]:
    assert key in r["pim"], key
PY
done
for i in 1 2; do
  "$PILOT" run workloads/scenarios/decode-tiny.json --set /workload/batch=20 --out "$TMP/d$i.json" --trace "$TMP/t$i.json" >/dev/null 2>&1 || fail "decode run $i"
done
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("wall_time_s"); d.pop("simulator"); print(json.dumps(d, sort_keys=True))' "$1"; }
[ "$(strip "$TMP/d1.json")" = "$(strip "$TMP/d2.json")" ] || fail "decode results differ between identical runs"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["traceEvents"]; assert any(x["name"].startswith("decode") for x in e)' "$TMP/t1.json" || fail "timeline"
# Timing-only mode gives exactly the functional timing.
"$PILOT" run workloads/scenarios/decode-tiny.json --set /workload/batch=20 --set '/workload/mode="timing"' --out "$TMP/tm.json" >/dev/null 2>&1 || fail "timing run"
python3 - "$TMP/d1.json" "$TMP/tm.json" <<'PY' || fail "timing-only differs from functional"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["kernels"][0]["time_ns"] == b["kernels"][0]["time_ns"]
assert a["memory"]["commands"] == b["memory"]["commands"]
PY
# GQA: splitting a group's query passes over idle bank groups keeps the outputs right and is faster.
L=workloads/scenarios/decode-llama3-8b-32k-small.json
"$PILOT" run "$L" --out "$TMP/split.json" >/dev/null 2>&1 || fail "split GQA"
"$PILOT" run "$L" --set /workload/split_gqa=false --out "$TMP/nosplit.json" >/dev/null 2>&1 || fail "unsplit GQA"
python3 - "$TMP/split.json" "$TMP/nosplit.json" <<'PY' || fail "GQA split"
import json, sys
a, b = (json.load(open(p))["kernels"][0] for p in sys.argv[1:])
assert a["gqa_split"] > 1 and b["gqa_split"] == 1, (a["gqa_split"], b["gqa_split"])
assert a["check"]["passed"] and b["check"]["passed"]
assert a["time_ns"] < b["time_ns"], (a["time_ns"], b["time_ns"])
PY
echo ok
