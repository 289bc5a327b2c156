#!/usr/bin/env bash
# The end-to-end runner gives the same decode attention time for one point in functional mode
# (every channel simulated, outputs checked) and in timing-only mode (one channel simulated and
# replicated): the host submits to every channel at once, so the busiest channel times the run.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/e2e-tiny.json
"$PILOT" run "$S" --set /workload/systems='["attacc","pilot"]' --out "$TMP/f.json" >/dev/null 2>"$TMP/err" ||
  { cat "$TMP/err"; fail "functional"; }
"$PILOT" run "$S" --set /workload/systems='["attacc","pilot"]' --set /workload/functional=false \
  --out "$TMP/t.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "timing-only"; }
python3 - "$TMP/f.json" "$TMP/t.json" <<'PY' || fail "decode time differs between functional and timing-only"
import json, sys
f, t = (json.load(open(p))["end_to_end"]["systems"] for p in sys.argv[1:])
for name in ["attacc", "pilot"]:
    a, b = (x[name]["phases"]["decode_attention"] for x in (f, t))
    assert a["time_ns"] > 0 and abs(a["time_ns"] / b["time_ns"] - 1) < 1e-9, (name, a["time_ns"], b["time_ns"])
    assert a["external_bytes"] == b["external_bytes"] and a["internal_bytes"] == b["internal_bytes"], (name, a, b)
PY
echo ok
