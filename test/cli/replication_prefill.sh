#!/usr/bin/env bash
# Replicated channels and rounds (one channel and one round simulated, scaled) agree with the
# full run for prefill, timing-only, at 1, 8 and 64 HBM3 channels (64 = 4 stacks x 16), with
# heads that do not divide over the channels or the rounds: time within 2%, internal and
# external bytes exactly. External bytes are counted from the transactions; they must equal the
# layout's by hand: every query row into its bank (a global row's into every bank), every K and
# V slot of the band, aux and split copies, every output row back.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/prefill-longformer-small.json   # window 96 + 1 global token, d 64
i=0
while read -r label sets; do
  i=$((i + 1))
  for rep in false true; do
    # shellcheck disable=SC2086
    "$PILOT" run "$S" $sets --set /workload/context=256 --set '/workload/mode="timing"' \
      --set /workload/replicate_channels=$rep --out "$TMP/$i-$rep.json" >/dev/null 2>"$TMP/err" ||
      { cat "$TMP/err"; fail "$label replicate=$rep"; }
  done
  python3 - "$TMP/$i-false.json" "$TMP/$i-true.json" "$label" <<'PY' || fail "$label: replicated differs from full"
import json, sys
full, rep = (json.load(open(p)) for p in sys.argv[1:3])
label = sys.argv[3]
assert full["memory"]["checker_violations"] == 0 and rep["memory"]["checker_violations"] == 0, label
f, r = full["kernels"][0], rep["kernels"][0]
assert r["simulated_heads"] < f["simulated_heads"] == f["heads_total"], (label, r["simulated_heads"])
assert abs(r["time_ns"] / f["time_ns"] - 1) <= 0.02, (label, f["time_ns"], r["time_ns"])
assert r["internal_bytes"] == f["internal_bytes"], (label, f["internal_bytes"], r["internal_bytes"])
assert r["external_bytes"] == f["external_bytes"], (label, f["external_bytes"], r["external_bytes"])
B, N, d, g = 4, 256, 64, f["tiling"]["global_rows"]
kv = round(f["layout"]["kv_copy_factor"] * N * 4 * d)
per_head = (N - g) * 2 * d + B * g * 2 * d + kv + N * 2 * d
assert f["external_bytes"] == f["heads_total"] * per_head, (label, f["external_bytes"], f["heads_total"], per_head)
PY
done <<'CASES'
1-channel,20-heads-2-rounds --set /workload/heads=20
8-channels,20-heads --set /system/pseudo_channels=16 --set /workload/heads=20
64-channels,100-heads --set /system/stacks=4 --set /system/pseudo_channels=0 --set /workload/heads=100
CASES
echo ok
