#!/usr/bin/env bash
# End to end: the small point runs every system with functional PIM sub-simulations (each
# checks its attention outputs against FP64); results carry every phase and breakdown key;
# identical runs give identical results; sampled decode steps stay within 2% of every step.
source "$(dirname "$0")/common.inc"
E=workloads/scenarios/e2e-tiny.json
"$PILOT" run "$E" --out "$TMP/f.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "functional e2e"; }
python3 - "$TMP/f.json" <<'PY' || fail "e2e results"
import glob, json, sys
r = json.load(open(sys.argv[1]))
e = r["end_to_end"]
assert set(e["systems"]) == {"gpu", "attacc", "pilot", "pilot-naive"}, e["systems"].keys()
for name, s in e["systems"].items():
    for ph in ["prefill_attention", "decode_attention", "end_to_end"]:
        assert s["phases"][ph]["time_ns"] > 0, (name, ph)
    b = s["breakdown_ns"]
    assert abs(sum(b.values()) - s["phases"]["end_to_end"]["time_ns"]) < 1e-6 * s["phases"]["end_to_end"]["time_ns"], (name, b)
    assert s["energy_j"] > 0 and s["throughput_tokens_per_s"] > 0
assert e["systems"]["gpu"]["phases"]["decode_attention"]["internal_bytes"] == 0
assert e["systems"]["pilot"]["phases"]["decode_attention"]["internal_bytes"] > 0
assert e["systems"]["pilot"]["speedup"]["vs_gpu"]["end_to_end"] > 0
checks = 0
for f in glob.glob(sys.argv[1] + ".parts/*-*.json"):
    if f.endswith(".scenario.json"): continue
    for k in json.load(open(f)).get("kernels", []):
        assert k["check"]["passed"], f
        checks += 1
assert checks >= 9, checks
PY
for i in 1 2; do
  "$PILOT" run "$E" --set /workload/functional=false --out "$TMP/t$i.json" >/dev/null 2>&1 || fail "timing e2e $i"
done
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d["end_to_end"], sort_keys=True))' "$1"; }
[ "$(strip "$TMP/t1.json")" = "$(strip "$TMP/t2.json")" ] || fail "e2e results differ between identical runs"
"$PILOT" run "$E" --set /workload/functional=false --set /workload/decode_samples=8 --out "$TMP/all.json" >/dev/null 2>&1 || fail "every step"
python3 - "$TMP/t1.json" "$TMP/all.json" <<'PY' || fail "sampled decode too far from every step"
import json, sys
a, b = (json.load(open(p))["end_to_end"] for p in sys.argv[1:])
assert len(b["decode_contexts_simulated"]) == 8 and len(a["decode_contexts_simulated"]) == 3
for s in ["attacc", "pilot", "pilot-naive"]:
    x, y = a["systems"][s]["phases"]["decode_attention"]["time_ns"], b["systems"][s]["phases"]["decode_attention"]["time_ns"]
    assert abs(x / y - 1) < 0.02, (s, x, y)
PY
expect_fail "/workload/systems/0: unknown system" "$PILOT" run "$E" --set '/workload/systems=["tpu"]'
# The unfused GPU attention: echoed, deterministic, and slower than flash on the GPU's prefill.
for i in 1 2; do
  "$PILOT" run "$E" --set /workload/functional=false --set '/workload/gpu_attention="unfused"' --out "$TMP/u$i.json" >/dev/null 2>&1 || fail "unfused e2e $i"
done
[ "$(strip "$TMP/u1.json")" = "$(strip "$TMP/u2.json")" ] || fail "unfused results differ between identical runs"
python3 - "$TMP/u1.json" "$TMP/t1.json" <<'PY' || fail "gpu_attention echo"
import json, sys
u, f = (json.load(open(p))["end_to_end"] for p in sys.argv[1:])
assert u["gpu_attention"] == "unfused" and f["gpu_attention"] == "flash"
for s in ["gpu", "attacc", "pilot", "pilot-naive"]:
    c = u["systems"][s]["capacity"]
    assert c["fits"] is True and 0 < c["required_bytes"] < c["available_bytes"], (s, c)
PY
# Capacity: Table II's Pythia point is refused naming both figures, unless overcommit is allowed.
P=workloads/scenarios/e2e-pythia-12b-duo.json
python3 - "$P" "$PWD" "$TMP/p.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workload"]["allow_overcommit"] = False
for k in ("memspec", "mapping"):
    d["system"][k] = sys.argv[2] + "/workloads/" + d["system"][k][3:]
d["workload"]["gpu"] = sys.argv[2] + "/workloads/" + d["workload"]["gpu"][3:]
json.dump(d, open(sys.argv[3], "w"))
PY
expect_fail "p.json: /workload/batch: system \"gpu\" (gpu_attention \"flash\") needs 1956422615040 B" "$PILOT" validate "$TMP/p.json"
grep -qF "but the memory holds 137438953472 B" "$TMP/err" || fail "refusal lacks the available bytes"
"$PILOT" validate "$P" >"$TMP/v" 2>&1 || fail "overcommitted scenario must validate"
grep -qF "(overcommitted)" "$TMP/v" && grep -qF "largest batch that fits: 57" "$TMP/v" || { cat "$TMP/v"; fail "validate capacity lines"; }
echo ok
