#!/usr/bin/env bash
# Rounds of PILOT's prefill skipped together with the GPU's tiles beside them (docs/cosim.md,
# "Rounds beside the GPU"), against the co-simulation with fast_forward off. A GPU whose unfused
# attention reaches a tenth of the bandwidth keeps its dense heads running through all eight
# rounds of the PIM's streaming heads (a joint steady state); small shapes keep the full run short.
#  - Rounds were skipped beside the GPU (else the test proves nothing) and the GPU's kernel
#    simulated fewer tiles; the full run skipped nothing.
#  - The contended overlap, the GPU's attention time and the PIM alone agree with the full run
#    within 0.2%; the GPU's stall within 10% (it comes in lumps of a PIM phase each, one or two
#    per round: the skipped rounds take the measured rounds' mean).
#  - No checker violation; the simulator counts only the commands it simulated; the timeline
#    shows the skipped rounds.
source "$(dirname "$0")/common.inc"
python3 - "$TMP/gpu.json" <<'PY'
import json, sys
g = json.load(open("workloads/gpus/a100-hbm3-4stack.json"))
g["attention"]["unfused"]["memory_fraction"] = 0.1
json.dump(g, open(sys.argv[1], "w"))
PY
E=(workloads/scenarios/e2e-llama2-7b-duo.json --set '/workload/systems=["pilot"]' --set /workload/batch=512
   --set /workload/seq_len=256 --set /workload/out_len=16 --set /workload/decode_samples=1
   --set '/workload/pattern={"kind": "streaming", "head_fraction": 0.5, "sink": 4, "window": 60}'
   --set /workload/gpu_attention=unfused --set "/workload/gpu=\"$TMP/gpu.json\"")
"$PILOT" run "${E[@]}" --out "$TMP/e-true.json" --trace "$TMP/trace.json" --trace-channels 0 \
  >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "cosim with fast-forward"; }
"$PILOT" run "${E[@]}" --set '/workload/cosim={"fast_forward": false}' --out "$TMP/e-false.json" \
  >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "cosim without fast-forward"; }
python3 - "$TMP/e-false.json" "$TMP/e-true.json" "$TMP/trace.json" <<'PY' || fail "rounds skipped beside the GPU against the full run"
import json, sys
full, ff = (json.load(open(p))["end_to_end"]["systems"]["pilot"]["cosim"] for p in sys.argv[1:3])
rounds, rounds_full = ff["detail"]["simulator"]["prefill_rounds"], full["detail"]["simulator"]["prefill_rounds"]
assert rounds["skipped_beside_gpu"] >= 3, rounds
assert rounds_full["skipped_beside_gpu"] == 0 and rounds_full["skipped_alone"] == 0, rounds_full
dense = lambda c: next(k for k in c["detail"]["gpu_kernels"] if k["name"] == "attention_dense_heads")
assert dense(ff)["tiles_simulated"] < dense(ff)["tiles"] / 2 == dense(full)["tiles_simulated"] / 2, dense(ff)
def close(a, b, tol):
    return abs(a / b - 1) < tol
o, of = ff["prefill"]["overlap"], full["prefill"]["overlap"]
for k in ("contended_ns", "pim_alone_ns"):
    assert close(o[k], of[k], 0.002), (k, o[k], of[k])
g, gf = ff["prefill"]["gpu_attention_ns"], full["prefill"]["gpu_attention_ns"]
assert close(g, gf, 0.002), (g, gf)
gs, gsf = ff["prefill"]["contention"]["gpu_stall_ns"], full["prefill"]["contention"]["gpu_stall_ns"]
assert gsf > 0 and close(gs, gsf, 0.10), (gs, gsf)
sim = ff["detail"]["simulator"]
assert ff["detail"]["memory"]["checker_violations"] == 0 and full["detail"]["memory"]["checker_violations"] == 0
total = sum(ff["detail"]["memory"]["commands"].values())
assert sim["commands"] == total - sim["fast_forward"]["commands_skipped"], (sim["commands"], total)
trace = json.load(open(sys.argv[3]))
events = trace["traceEvents"] if isinstance(trace, dict) else trace
skips = [e for e in events if e.get("name") == "prefill rounds fast-forwarded"]
assert sum(e["args"]["rounds"] for e in skips if e["args"]["beside_gpu"]) == rounds["skipped_beside_gpu"], skips
PY
echo ok
