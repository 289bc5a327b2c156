#!/usr/bin/env bash
# Same inputs, same outputs: two runs give identical results apart from wall-clock figures.
source "$(dirname "$0")/common.inc"
for i in 1 2; do
  "$PILOT" run workloads/scenarios/hbm3-mixed.json --set /traffic/requests=3000 --out "$TMP/r$i.json" >/dev/null 2>&1 \
    || fail "run $i"
done
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("wall_time_s"); d.pop("simulator"); print(json.dumps(d, sort_keys=True))' "$1"; }
[ "$(strip "$TMP/r1.json")" = "$(strip "$TMP/r2.json")" ] || fail "results differ between identical runs"
python3 - "$TMP/r1.json" <<'PY' || fail "results keys"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["memory"]
for k in ["requests", "bytes", "bandwidth_GBps", "peak_bandwidth_GBps", "avg_latency_ns", "p99_latency_ns",
          "row_hit_rate", "commands", "refreshes", "checker_violations"]:
    assert k in m, k
assert d["sim_time_ns"] > 0 and "wall_time_s" in d
assert m["requests"] == 3000 and m["checker_violations"] == 0
assert m["commands"]["WR"] > 0 and m["commands"]["RD"] > 0
PY
echo ok
