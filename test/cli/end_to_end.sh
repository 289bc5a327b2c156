#!/usr/bin/env bash
# End to end: the small point runs every system with functional PIM sub-simulations (each
# checks its attention outputs against FP64); the GEMM time of every system and the GPU's decode
# attention equal a hand calculation from the model and GPU files, and PILOT's PEs read every
# key and value; identical runs give identical results; sampled decode steps stay within 2% of
# every step.
source "$(dirname "$0")/common.inc"
E=workloads/scenarios/e2e-tiny.json
"$PILOT" run "$E" --out "$TMP/f.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "functional e2e"; }
python3 - "$TMP/f.json" <<'PY' || fail "e2e results"
import glob, json, sys
r = json.load(open(sys.argv[1]))
e = r["end_to_end"]
assert set(e["systems"]) == {"gpu", "attacc", "pilot", "pilot-naive"}, e["systems"].keys()
# Hand calculation from the scenario, model and GPU files: the roofline (max of compute and
# memory time, plus the launch), memory at the efficiency the HBM stream measured.
sc = json.load(open("workloads/scenarios/e2e-tiny.json"))["workload"]
m = json.load(open("workloads/models/bigbird-base.json"))
g = json.load(open("workloads/gpus/a100-hbm3-4stack.json"))
L, H, Hkv, d, hid, ffn = m["layers"], m["heads"], m["kv_heads"], m["head_dim"], m["hidden"], m["ffn"]
B, Lin, Lout = sc["batch"], sc["seq_len"], sc["out_len"]
assert m["ffn_kind"] == "gelu"   # two FFN GEMMs (SwiGLU has three)
flops_per_ns = g["peak_fp16_tflops"] * 1e3
bytes_per_ns = g["memory"]["bandwidth_GBps"] * e["hbm_stream_efficiency"]
def roofline(flops, nbytes, eff):
    return max(flops / (flops_per_ns * eff), nbytes / bytes_per_ns) + g["kernel_launch_us"] * 1e3
def gemm(M, N, K):
    return roofline(2.0 * M * N * K, 2.0 * (M * K + K * N + M * N), g["efficiency"]["gemm"])
def layer(tokens):   # QKV, O, FFN up, FFN down
    return gemm(tokens, (H + 2 * Hkv) * d, hid) + gemm(tokens, hid, H * d) + gemm(tokens, ffn, hid) + gemm(tokens, hid, ffn)
gemm_ns = L * (layer(B * Lin) + Lout * layer(B))
# The GPU's decode attention (gpu_attention "flash", the default: FlashInfer's measured share
# of the bandwidth): step t reads K and V of Lin + t keys of every KV head (BigBird decodes
# densely), q and o of every head. At batch 1 the share follows the measured curve over the
# context (linear through its points, extended below the first), never above the HBM stream's.
assert r["end_to_end"].get("gpu_attention", "flash") == "flash" and B == 1
fl = g["attention"]["flash"]
def curve(points, x):
    i = 1
    while i + 1 < len(points) and x > points[i][0]:
        i += 1
    (x0, y0), (x1, y1) = points[i - 1], points[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
gpu_dec_ns = gpu_dec_bytes = kv_once = 0.0
for t in range(Lout):
    c = Lin + t
    nbytes = B * (2.0 * Hkv * c * d + 2.0 * H * d) * 2
    share = min(max(curve(fl["decode_bandwidth_batch1"], c), 0.01), 1.0, e["hbm_stream_efficiency"])
    gpu_dec_ns += L * (max(B * 4.0 * H * c * d / (flops_per_ns * fl["prefill_dense_fraction"]),
                           nbytes / (g["memory"]["bandwidth_GBps"] * share)) + g["kernel_launch_us"] * 1e3)
    gpu_dec_bytes += L * nbytes
    kv_once += L * B * Hkv * c * d * 2 * 2
close = lambda a, b: abs(a - b) <= 1e-9 * abs(b)
for name, s in e["systems"].items():
    ph = s["phases"]
    for p in ["prefill_attention", "decode_attention", "end_to_end"]:
        assert ph[p]["time_ns"] > 0, (name, p)
    assert close(s["breakdown_ns"]["gemm"], gemm_ns), (name, s["breakdown_ns"]["gemm"], gemm_ns)
    # GEMMs and both attention phases run one after another; PIM systems add transfers
    serial = gemm_ns + ph["prefill_attention"]["time_ns"] + ph["decode_attention"]["time_ns"]
    assert ph["end_to_end"]["time_ns"] >= serial * (1 - 1e-9), (name, ph["end_to_end"]["time_ns"], serial)
    assert s["energy_j"] > 0 and s["throughput_tokens_per_s"] > 0
gpu = e["systems"]["gpu"]["phases"]
assert close(gpu["end_to_end"]["time_ns"], gemm_ns + gpu["prefill_attention"]["time_ns"] + gpu_dec_ns), gpu
assert close(gpu["decode_attention"]["time_ns"], gpu_dec_ns), (gpu["decode_attention"], gpu_dec_ns)
assert close(gpu["decode_attention"]["external_bytes"], gpu_dec_bytes), (gpu["decode_attention"], gpu_dec_bytes)
# PILOT's PEs read every key and value at least once per step; beyond that q moves into every
# bank of the bank groups a head is spread over (8 here), each group's partial output and
# softmax statistics come back, and the last slots are padded: about 15% here, never 25%.
pim_int = e["systems"]["pilot"]["phases"]["decode_attention"]["internal_bytes"]
assert kv_once <= pim_int <= 1.25 * kv_once, (pim_int, kv_once)
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
