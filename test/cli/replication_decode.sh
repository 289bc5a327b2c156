#!/usr/bin/env bash
# Replicated channels (one simulated, scaled) agree with the full run for decode, timing-only, at
# 1, 2, 8 and 64 HBM3 channels (64 = 4 stacks x 16), including heads that do not divide over
# the channels: time within 2% (they differ only where each channel's staggered refreshes
# fall), internal and external bytes exactly. External bytes are counted from the
# transactions; they must equal the layout's by hand: q into every bank of each group a unit
# spans, its outputs (and a spread unit's softmax statistics) out of bank 0 of each group.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/decode-llama2-7b-duo.json   # d 128, half the heads streaming (4 + 2044)
i=0
while read -r label sets; do
  i=$((i + 1))
  for rep in false true; do
    # shellcheck disable=SC2086
    "$PILOT" run "$S" $sets --set '/workload/mode="timing"' --set /workload/replicate_channels=$rep \
      --out "$TMP/$i-$rep.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "$label replicate=$rep"; }
  done
  python3 - "$TMP/$i-false.json" "$TMP/$i-true.json" "$label" <<'PY' || fail "$label: replicated differs from full"
import json, sys
full, rep = (json.load(open(p)) for p in sys.argv[1:3])
label = sys.argv[3]
assert full["replicated_channels"] == 1 and rep["replicated_channels"] == full["pim"]["channels"], label
assert full["memory"]["checker_violations"] == 0 and rep["memory"]["checker_violations"] == 0, label
B, d = 4, 128  # banks per bank group (HBM3), head dim
for f, r in zip(full["kernels"], rep["kernels"]):
    assert f["name"] == r["name"], label
    assert abs(r["time_ns"] / f["time_ns"] - 1) <= 0.02, (label, f["name"], f["time_ns"], r["time_ns"])
    assert r["internal_bytes"] == f["internal_bytes"], (label, f["name"], f["internal_bytes"], r["internal_bytes"])
    assert r["external_bytes"] == f["external_bytes"], (label, f["name"], f["external_bytes"], r["external_bytes"])
    s, G = f["head_spread"], 1  # Llama-2: no GQA
    per_unit = s * (B * G * d * 2 + G * d * 2 + (G * 8 if s > 1 else 0))
    assert f["external_bytes"] == f["kv_heads_total"] * per_unit, (label, f["external_bytes"], f["kv_heads_total"], s)
PY
done <<'CASES'
1-channel,40-heads-2-rounds --set /system/pseudo_channels=2 --set /workload/batch=1 --set /workload/heads=40 --set /workload/kv_heads=40 --set /workload/context=1024
2-channels,9-heads --set /system/pseudo_channels=4 --set /workload/batch=1 --set /workload/heads=9 --set /workload/kv_heads=9 --set /workload/context=2048
8-channels,9-heads --set /system/pseudo_channels=16 --set /workload/batch=1 --set /workload/heads=9 --set /workload/kv_heads=9 --set /workload/context=2048
64-channels,96-heads --set /system/stacks=4 --set /system/pseudo_channels=0 --set /workload/batch=3 --set /workload/context=2048
CASES
echo ok
