#!/usr/bin/env bash
# Prefill on the PIM: every functional twin matches the FP64 reference of masked attention with
# zero protocol violations, its internal I/O matches the kernel's prediction within 5% and the
# controllers' count of PIM column moves;
# the I/O-aware kernel moves fewer bytes than the naive one; timing-only equals functional
# timing; replicated channels and rounds equal the full run; bad patterns fail clearly.
source "$(dirname "$0")/common.inc"
check() {   # check RESULTS.json LABEL
  python3 - "$1" "$2" <<'PY' || fail "results of $2"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["memory"]["checker_violations"] == 0, sys.argv[2]
assert not r["errors"], r["errors"]
for k in r["kernels"]:
    io = k["io"]
    for key in ["predicted_internal_bytes", "measured_internal_bytes", "naive_internal_bytes", "bound_compute_ns",
                "bound_internal_ns", "binding_bound"]:
        assert key in io, key
    assert abs(io["measured_internal_bytes"] / io["predicted_internal_bytes"] - 1) <= 0.05, io
    # The PE arrays' byte counters against the controllers' own count of the banks each PIM
    # column command moved a column in, x 32 bytes (access_bytes of every memspec used here),
    # scaled like the kernel's figures from the heads simulated to all of them.
    moved = r["memory"]["pim"]["bank_column_moves"] * 32 * k["heads_total"] // k["simulated_heads"]
    assert abs(io["measured_internal_bytes"] - moved) <= 1, (io["measured_internal_bytes"], moved)
    if "check" in k:
        assert k["check"]["passed"] and k["check"]["rows"] > 0, k["check"]
    if not k["name"].endswith("naive"):
        assert io["measured_internal_bytes"] < io["naive_internal_bytes"], io
PY
}
for f in workloads/scenarios/prefill-*-small.json; do
  "$PILOT" run "$f" --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "run $f"; }
  check "$TMP/r.json" "$f"
done
# Edge cases, functional: N not a multiple of the tile or block, window wider than N, no global
# tokens, rows whose keys are all global columns (window 0), causal BigBird, d = 128, naive.
B=workloads/scenarios/prefill-bigbird-small.json
i=0
for p in '{"kind":"bigbird","window":24,"global":8,"random_blocks":2,"block":8,"causal":true}' \
         '{"kind":"bigbird","window":24,"global":8,"random_blocks":2,"block":8}' \
         '{"kind":"longformer","window":1000,"global":0}' \
         '{"kind":"longformer","window":0,"global":7}' \
         '{"kind":"longformer","window":33,"global":5,"causal":true}' \
         '{"kind":"dense","causal":true}'; do
  for extra in "" "--set /workload/head_dim=128" "--set /workload/tiling=naive"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$PILOT" run "$B" --set /workload/context=203 --set "/workload/pattern=$p" $extra --out "$TMP/e$i.json" \
      >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "edge case $p $extra"; }
    check "$TMP/e$i.json" "edge case $p $extra"
  done
done
# Timing-only = functional timing; replicated channels and rounds = the full run.
S=workloads/scenarios/prefill-longformer-small.json
"$PILOT" run "$S" --set /workload/batch=24 --set /system/pseudo_channels=4 --out "$TMP/f.json" >/dev/null 2>&1 || fail "full"
"$PILOT" run "$S" --set /workload/batch=24 --set /system/pseudo_channels=4 --set /workload/mode=timing --out "$TMP/t.json" >/dev/null 2>&1 || fail "timing"
"$PILOT" run "$S" --set /workload/batch=24 --set /system/pseudo_channels=4 --set /workload/mode=timing \
  --set /workload/replicate_channels=true --out "$TMP/rep.json" >/dev/null 2>&1 || fail "replicated"
python3 - "$TMP/f.json" "$TMP/t.json" "$TMP/rep.json" <<'PY' || fail "timing-only or replication differs"
import json, sys
f, t, rep = (json.load(open(p))["kernels"][0] for p in sys.argv[1:])
assert f["rounds"] == 3 and rep["simulated_rounds"] == 1, (f["rounds"], rep["simulated_rounds"])
assert f["time_ns"] == t["time_ns"] and f["internal_bytes"] == t["internal_bytes"]
# Rounds differ only in where the refreshes fall: within 0.5%.
assert abs(rep["time_ns"] / f["time_ns"] - 1) < 5e-3, (rep["time_ns"], f["time_ns"])
assert rep["internal_bytes"] == f["internal_bytes"], (rep["internal_bytes"], f["internal_bytes"])
PY
# A paper-scale scenario in timing-only mode, and determinism.
for i in 1 2; do
  "$PILOT" run workloads/scenarios/prefill-bigbird.json --out "$TMP/p$i.json" >/dev/null 2>&1 || fail "prefill-bigbird"
done
check "$TMP/p1.json" prefill-bigbird
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("wall_time_s"); d.pop("simulator"); print(json.dumps(d, sort_keys=True))' "$1"; }
[ "$(strip "$TMP/p1.json")" = "$(strip "$TMP/p2.json")" ] || fail "prefill results differ between identical runs"
# Clear errors: a buffer too small for one row; a layout that does not fit the banks.
expect_fail "/workload: the PIM prefill kernel cannot run this pattern (E_SHAPE)" \
  "$PILOT" run "$B" --set /pim/sram_bytes=256 --set /workload/head_dim=128
expect_fail "/workload/context: one head's PIM layout needs" "$PILOT" run workloads/scenarios/prefill-bigbird.json --set /workload/context=131072 \
  --set /workload/batch=1 --set /workload/heads=1   # one head: not the capacity of all of them (reliability_models.sh)
echo ok
