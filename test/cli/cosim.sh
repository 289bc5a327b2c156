#!/usr/bin/env bash
# The co-simulated end-to-end mode (issue 13): every system of a point is one simulation with the
# GPU's kernels and the PIM's offloads on one memory.
#  - Where nothing overlaps, the PIM's kernels take what they take alone: PILOT's decode and
#    prefill kernels in the co-simulation against the composed mode's sub-simulations of the
#    same point (independent runs of the PIM alone).
#  - Where the GPU's dense heads overlap the PIM's sparse heads (DuoAttention prefill), the
#    contention is measured and reported: the GPU's kernel takes longer than alone.
#  - The protocol checker sees no violation; identical runs give identical results; a functional
#    point is refused in this mode with a reason.
source "$(dirname "$0")/common.inc"
E=workloads/scenarios/e2e-tiny-cosim.json
"$PILOT" run "$E" --out "$TMP/c.json" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "cosim e2e"; }
grep -q "co-simulation" "$TMP/out" || fail "summary does not say co-simulation"
"$PILOT" run "$E" --out "$TMP/c2.json" >/dev/null 2>&1 || fail "second cosim run"
"$PILOT" run "$E" --set /workload/mode=composed --set '/workload/systems=["pilot"]' --out "$TMP/p.json" \
  >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "composed e2e"; }
python3 - "$TMP/c.json" "$TMP/c2.json" "$TMP/p.json.parts" <<'PY' || fail "cosim results"
import json, sys
c, c2 = (json.load(open(p)) for p in sys.argv[1:3])
parts = sys.argv[3]
e = c["end_to_end"]
assert e["mode"] == "cosim" and not c["errors"], (e["mode"], c["errors"])
assert set(e["systems"]) == {"gpu", "attacc", "pilot", "pilot-naive"}
def strip(r):   # wall-clock figures aside, two runs are identical
    r = json.loads(json.dumps(r))
    r.pop("wall_time_s"); r.pop("sub_simulations")
    for s in r["end_to_end"]["systems"].values():
        s["cosim"]["detail"].pop("simulator")
    return r
assert strip(c) == strip(c2), "two identical co-simulations differ"
for name, s in e["systems"].items():
    d = s["cosim"]["detail"]
    assert d["memory"]["checker_violations"] == 0, (name, d["memory"]["checker_violations"])
    assert not d["errors"], (name, d["errors"])
    assert d["gpu_kernels"], name
# PILOT's PIM kernels with nothing overlapping them: what the PIM alone takes (the composed
# mode's sub-simulations) within 2%, and within the refreshes that may fall in one run and not
# the other (they start at another phase of the refresh interval): one tRFC per tREFI spanned,
# plus one.
t = json.load(open("workloads/memspecs/hbm3-5200.json"))["timing"]
rfc_ns, refi_ns = t["RFC"] * t["tCK_ps"] * 1e-3, t["REFI"] * t["tCK_ps"] * 1e-3
def close(got, alone):
    return abs(got - alone) <= 0.02 * alone + (alone // refi_ns + 1) * rfc_ns
pc = e["systems"]["pilot"]["cosim"]
for step in pc["decode"]:
    alone = json.load(open(f"{parts}/decode-pilot-{step['context']}.json"))["decode_attention_ns"]
    assert close(step["pim_kernel_ns"], alone), (step["context"], step["pim_kernel_ns"], alone)
alone = json.load(open(f"{parts}/prefill-pilot.json"))["prefill_attention_ns"]
assert abs(pc["prefill"]["pim_kernel_ns"] / alone - 1) < 0.01, (pc["prefill"]["pim_kernel_ns"], alone)
# The GPU system runs no PIM work; AttAcc's and PILOT's decode attention is the PIM's.
assert e["systems"]["gpu"]["cosim"]["decode"][0]["pim_ns"] == 0
assert all(st["pim_kernel_ns"] > 0 for st in e["systems"]["attacc"]["cosim"]["decode"])
PY
# Overlap: Llama 2 with DuoAttention, small; the dense heads' kernel on the GPU beside the PIM's
# streaming heads, on the same channel.
D=workloads/scenarios/default.json
OV=(--set /workload/seq_len=1024 --set /workload/batch=2 --set /workload/out_len=2 --set /workload/decode_samples=2
    --set /system/stacks=1 --set '/workload/systems=["pilot"]')
"$PILOT" run "$D" "${OV[@]}" --out "$TMP/o.json" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "overlap"; }
grep -q "^overlap " "$TMP/out" || fail "summary has no overlap line"
python3 - "$TMP/o.json" <<'PY' || fail "overlap results"
import json, sys
r = json.load(open(sys.argv[1]))
s = r["end_to_end"]["systems"]["pilot"]["cosim"]
o = s["prefill"]["overlap"]
dense = [k for k in s["detail"]["gpu_kernels"] if k["name"] == "attention_dense_heads"]
assert len(dense) == 2, dense   # beside the PIM, then alone
# The GPU's kernel beside the PIM takes measurably longer than alone: the PIM holds the channel.
assert dense[0]["time_ns"] > 1.5 * dense[1]["time_ns"], dense
assert o["contended_ns"] >= o["gpu_alone_ns"] and o["contended_ns"] > 0.9 * o["pim_alone_ns"], o
assert not r["errors"], r["errors"]
PY
# The arbitration policy decides who waits: pim-first stalls the GPU, host-first the PIM; the
# stalls are counted by the controllers.
"$PILOT" run "$D" "${OV[@]}" --set '/controller={"host_pim_arbitration": {"policy": "host-first"}}' \
  --out "$TMP/h.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "host-first overlap"; }
python3 - "$TMP/o.json" "$TMP/h.json" <<'PY' || fail "policies"
import json, sys
def get(path):
    s = json.load(open(path))["end_to_end"]["systems"]["pilot"]["cosim"]
    dense = [k["time_ns"] for k in s["detail"]["gpu_kernels"] if k["name"] == "attention_dense_heads"]
    return s["prefill"]["contention"], dense
(pc, pd), (hc, hd) = get(sys.argv[1]), get(sys.argv[2])
assert pc["gpu_stall_ns"] > 0 and pc["gpu_stall_ns"] > 10 * pc["pim_stall_ns"], pc
assert hc["pim_stall_ns"] > 0 and hc["gpu_stall_ns"] < pc["gpu_stall_ns"] / 10, (hc, pc)
# The GPU's kernel beside the PIM: under host-first it waits only for the runtime's own layout
# writes (host traffic too), far less than under pim-first, where it waits for the PIM's kernel.
assert hd[0] < pd[0] / 4, (hd, pd)
PY
expect_fail "/workload/functional: the co-simulation runs the PIM timing-only" \
  "$PILOT" run "$E" --set /workload/functional=true
echo ok
