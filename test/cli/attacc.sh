#!/usr/bin/env bash
# AttAcc's own decode kernel and the head spread: the -small twin matches the FP64 reference
# with zero protocol violations and is deterministic; spreading 8 heads over 2 of 16 bank groups
# each halves the keys every bank streams, and the time falls to about half (hand calculation:
# the bank streams dominate; the set-up, the reduction and the host's merge reads do not halve).
# Power rules are the memspec's, the same for every system.
source "$(dirname "$0")/common.inc"
A=workloads/scenarios/decode-llama2-7b-attacc-small.json
for i in 1 2; do
  "$PILOT" run "$A" --out "$TMP/a$i.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "attacc run $i"; }
done
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("wall_time_s"); d.pop("simulator"); print(json.dumps(d, sort_keys=True))' "$1"; }
[ "$(strip "$TMP/a1.json")" = "$(strip "$TMP/a2.json")" ] || fail "attacc results differ between identical runs"
python3 - "$TMP/a1.json" <<'PY' || fail "attacc small twin"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["memory"]["checker_violations"] == 0
k = r["kernels"][0]
assert k["kernel"] == "attacc" and k["head_spread"] == 2, (k["kernel"], k["head_spread"])
assert k["check"]["passed"], k["check"]
PY
T=workloads/scenarios/decode-tiny.json
set_pilot=(--set /workload/batch=2 --set /workload/context=1024 --set /workload/head_dim=128)
"$PILOT" run "$T" "${set_pilot[@]}" --out "$TMP/s2.json" >/dev/null 2>&1 || fail "spread run"
"$PILOT" run "$T" "${set_pilot[@]}" --set /workload/head_spread=1 --out "$TMP/s1.json" >/dev/null 2>&1 || fail "unspread run"
"$PILOT" run "$T" "${set_pilot[@]}" --set '/workload/kernel="attacc"' --out "$TMP/as2.json" >/dev/null 2>&1 || fail "attacc spread run"
"$PILOT" run "$T" "${set_pilot[@]}" --set '/workload/kernel="attacc"' --set /workload/head_spread=1 --out "$TMP/as1.json" >/dev/null 2>&1 || fail "attacc unspread run"
python3 - "$TMP/s1.json" "$TMP/s2.json" "$TMP/as1.json" "$TMP/as2.json" <<'PY' || fail "head spread"
import json, sys
for one, two in [sys.argv[1:3], sys.argv[3:5]]:
    a, b = (json.load(open(p))["kernels"][0] for p in (one, two))
    assert a["head_spread"] == 1 and b["head_spread"] == 2, (a["head_spread"], b["head_spread"])
    assert a["check"]["passed"] and b["check"]["passed"]
    ratio = b["time_ns"] / a["time_ns"]
    assert 0.45 <= ratio <= 0.6, (a["kernel"], ratio)
PY
# Stacked units: 20 heads on 16 groups in one descriptor per channel (two units in four of the
# groups), both kernels matching the FP64 reference.
for k in pilot attacc; do
  "$PILOT" run "$T" --set /workload/batch=5 --set /workload/head_spread=1 --set /workload/descriptor_depth=2 \
    --set "/workload/kernel=\"$k\"" --out "$TMP/d.json" >/dev/null 2>&1 || fail "stacked $k run"
  python3 - "$TMP/d.json" <<'PY' || fail "stacked units ($k)"
import json, sys
r = json.load(open(sys.argv[1]))
k = r["kernels"][0]
assert r["memory"]["checker_violations"] == 0
assert k["rounds"] == 1 and k["head_mapping"]["units_per_set_per_descriptor"] == 2, k["head_mapping"]
assert k["check"]["passed"], k["check"]
PY
done
echo ok
