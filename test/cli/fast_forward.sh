#!/usr/bin/env bash
# Fast-forward of repeating stretches of a PIM kernel (docs/fast-forward.md) against the full
# run of the same timing-only scenario: a prefill kernel whose band of keys stops growing runs
# equal rounds, and with fast_forward on the platform simulates a few of them and takes the rest
# at their pace.
#  - The kernel time agrees with the full run within 0.2% (refreshes and the drains around the
#    stretch are what may differ); internal bytes, micro-ops, PE ops and column moves are exact
#    (every round moves the same bytes); the checker sees no violation.
#  - Something was skipped (else the test proves nothing), and the simulator counts only the
#    commands it simulated.
#  - The host's placement of the operands is fast-forwarded too (periods of its writes): its
#    time within 0.5% of the full run's, the host's writes, reads and bytes exact.
#  - In the co-simulation the GPU's dense heads wait beside the PIM's prefill under pim-first;
#    stretches are skipped with the GPU's requests held as they would be beside the skipped
#    micro-ops: the overlap, the GPU's stall and the PIM alone agree with the full run within
#    0.2%.
#  - A functional run with fast_forward is refused with the field and the reason.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/prefill-llama2-7b-duo.json
A=(--set /workload/context=1024 --set /workload/pattern/window=508)
"$PILOT" run "$S" "${A[@]}" --out "$TMP/full.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "full run"; }
"$PILOT" run "$S" "${A[@]}" --set /workload/fast_forward=true --out "$TMP/ff.json" >/dev/null 2>"$TMP/err" ||
  { cat "$TMP/err"; fail "fast-forwarded run"; }
python3 - "$TMP/full.json" "$TMP/ff.json" <<'PY' || fail "fast-forward against the full run"
import json, sys
full, ff = (json.load(open(p)) for p in sys.argv[1:3])
f = ff["simulator"]["fast_forward"]
assert f["stretches_skipped"] >= 1 and f["periods_skipped"] >= 2, f
assert full["simulator"]["fast_forward"]["periods_skipped"] == 0
kf, kq = full["kernels"][0], ff["kernels"][0]
assert abs(kq["time_ns"] / kf["time_ns"] - 1) < 0.002, (kq["time_ns"], kf["time_ns"])
# the skipped span is a real share of the kernel (one channel, one round simulated)
assert f["time_skipped_ns"] > 0.2 * full["sim_time_ns"], (f["time_skipped_ns"], full["sim_time_ns"])
assert kq["internal_bytes"] == kf["internal_bytes"], (kq["internal_bytes"], kf["internal_bytes"])
assert kq["io"]["prediction_error"] == 0.0, kq["io"]
pf, pq = full["memory"]["pim"], ff["memory"]["pim"]
for k in ("micro_ops", "pe_ops", "all_bank_column_moves", "bank_column_moves"):
    assert pq[k] == pf[k], (k, pq[k], pf[k])
assert ff["memory"]["checker_violations"] == 0
total = sum(ff["memory"]["commands"].values())
skipped = f["commands_skipped"] + f["placement_commands_skipped"]
assert ff["simulator"]["commands"] == total - skipped, (ff["simulator"]["commands"], total)
assert f["placements_skipped"] >= 1 and f["placement_periods_skipped"] >= 10, f
assert full["simulator"]["fast_forward"]["placement_periods_skipped"] == 0
assert abs(kq["placement_ns"] / kf["placement_ns"] - 1) < 0.005, (kq["placement_ns"], kf["placement_ns"])
for k in ("writes", "reads", "bytes"):
    assert ff["memory"]["host"][k] == full["memory"]["host"][k], (k, ff["memory"]["host"], full["memory"]["host"])
PY
E=(workloads/scenarios/e2e-llama2-7b-duo.json --set '/workload/systems=["pilot"]' --set /workload/batch=8)
for ff in true false; do
  "$PILOT" run "${E[@]}" --set "/workload/cosim={\"fast_forward\": $ff}" --out "$TMP/e-$ff.json" \
    >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "cosim fast_forward=$ff"; }
done
python3 - "$TMP/e-false.json" "$TMP/e-true.json" <<'PY' || fail "co-simulated fast-forward against the full run"
import json, sys
full, ff = (json.load(open(p))["end_to_end"]["systems"]["pilot"]["cosim"] for p in sys.argv[1:3])
f = ff["detail"]["simulator"]["fast_forward"]
assert f["stretches_skipped"] >= 2, f   # beside the GPU, and in the PIM's isolation run
assert full["detail"]["simulator"]["fast_forward"]["stretches_skipped"] == 0
def close(a, b, tol=0.002):
    return abs(a / b - 1) < tol
o, of = ff["prefill"]["overlap"], full["prefill"]["overlap"]
for k in ("contended_ns", "gpu_alone_ns", "pim_alone_ns"):
    assert close(o[k], of[k]), (k, o[k], of[k])
gs, gf = ff["prefill"]["contention"]["gpu_stall_ns"], full["prefill"]["contention"]["gpu_stall_ns"]
assert gf > 0.1 * of["contended_ns"] and close(gs, gf), (gs, gf)   # a real stall, kept
assert ff["detail"]["memory"]["checker_violations"] == 0
PY
"$PILOT" run workloads/scenarios/prefill-llama2-7b-duo-small.json --set /workload/fast_forward=true \
  >/dev/null 2>"$TMP/err" && fail "functional run with fast_forward accepted"
grep -q '/workload/fast_forward: needs "mode": "timing"' "$TMP/err" || { cat "$TMP/err"; fail "refusal text"; }
echo ok
