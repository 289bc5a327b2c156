#!/usr/bin/env bash
# Fast-forward of the host's placement beside the GPU (docs/fast-forward.md, "Placement"): in
# DuoAttention's co-simulated prefill the GPU's dense heads run while the runtime writes the
# PIM's operands, on the same channel. Periods of the placement are skipped together with the
# GPU's tiles of their time, against the full run of the same point (Mistral's window at
# head_dim 32 to keep the full run short; cli.fast_forward checks the placement alone).
#  - Placement periods were skipped beside the GPU (else the test proves nothing).
#  - The overlap, the GPU's stall and the PIM alone agree with the full run within 0.3%; the
#    protocol checker sees no violation.
source "$(dirname "$0")/common.inc"
python3 - "$TMP/model.json" <<'PY'
import json, sys
m = json.load(open("workloads/models/mistral-7b.json"))
m.update(head_dim=32, hidden=1024, name=m["name"] + " (head_dim 32)")
json.dump(m, open(sys.argv[1], "w"))
PY
E=(workloads/scenarios/e2e-mistral-7b-duo.json --set '/workload/systems=["pilot"]' --set "/workload/model=\"$TMP/model.json\""
   --set /workload/batch=8 --set /workload/decode_samples=2)
for ff in true false; do
  "$PILOT" run "${E[@]}" --set "/workload/cosim={\"fast_forward\": $ff}" --out "$TMP/$ff.json" >/dev/null 2>"$TMP/err" ||
    { cat "$TMP/err"; fail "cosim fast_forward=$ff"; }
done
python3 - "$TMP/false.json" "$TMP/true.json" <<'PY' || fail "placement fast-forward beside the GPU against the full run"
import json, sys
full, ff = (json.load(open(p))["end_to_end"]["systems"]["pilot"]["cosim"] for p in sys.argv[1:3])
f = ff["detail"]["simulator"]["fast_forward"]
assert f["placement_periods_skipped_beside_gpu"] >= 5, f
assert full["detail"]["simulator"]["fast_forward"]["placement_periods_skipped"] == 0
o, of = ff["prefill"]["overlap"], full["prefill"]["overlap"]
for k in ("contended_ns", "pim_alone_ns"):
    assert abs(o[k] / of[k] - 1) < 0.003, (k, o[k], of[k])
gs, gf = ff["prefill"]["contention"]["gpu_stall_ns"], full["prefill"]["contention"]["gpu_stall_ns"]
assert gf > 0.1 * of["contended_ns"] and abs(gs / gf - 1) < 0.003, (gs, gf)   # a real stall, kept
assert ff["detail"]["memory"]["checker_violations"] == 0
PY
echo ok
