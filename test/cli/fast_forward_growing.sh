#!/usr/bin/env bash
# Fast-forward of growing rounds (docs/fast-forward.md, "Growing stretches") against the full run
# of the same timing-only kernel: Mistral's sliding window (4088 of 8192 tokens) grows over the
# first half of the rounds, in groups of rounds that add the same ops each; head_dim 32 keeps the
# full run short.
#  - A growing stretch was skipped (else the test proves nothing).
#  - The kernel time agrees with the full run within 0.2%; internal bytes and the micro-ops'
#    commands (MRD, MWR, PEOP) exactly (every group adds the same ops); no checker violation.
source "$(dirname "$0")/common.inc"
S=(workloads/scenarios/prefill-mistral-7b-duo.json --set /workload/head_dim=32)
for ff in true false; do
  "$PILOT" run "${S[@]}" --set /workload/fast_forward=$ff --out "$TMP/$ff.json" >/dev/null 2>"$TMP/err" ||
    { cat "$TMP/err"; fail "fast_forward=$ff"; }
done
python3 - "$TMP/false.json" "$TMP/true.json" <<'PY' || fail "growing stretches against the full run"
import json, sys
full, ff = (json.load(open(p)) for p in sys.argv[1:3])
f = ff["simulator"]["fast_forward"]
assert f["growing_stretches_skipped"] >= 1, f
kf, kq = full["kernels"][0], ff["kernels"][0]
assert abs(kq["time_ns"] / kf["time_ns"] - 1) < 0.002, (kq["time_ns"], kf["time_ns"])
assert kq["internal_bytes"] == kf["internal_bytes"], (kq["internal_bytes"], kf["internal_bytes"])
for c in ("MRD", "MWR", "PEOP"):
    assert ff["memory"]["commands"][c] == full["memory"]["commands"][c], c
assert ff["memory"]["checker_violations"] == 0
PY
echo ok
