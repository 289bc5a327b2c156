#!/usr/bin/env bash
# PIM all-bank work and per-bank refresh make progress together (they used to hang: one bank
# refreshing every tREFI/banks for tRFCpb > tREFI/banks kept an all-bank activation waiting for
# good). While the PIM works, a due per-bank refresh refreshes every bank at once; the checker
# still sees every bank refreshed in time.
source "$(dirname "$0")/common.inc"
run() {   # run SCENARIO [--set ...]: must finish, check out and break no rule
  local s=$1; shift
  timeout 60 "$PILOT" run "workloads/scenarios/$s.json" --set '/controller/refresh="per-bank"' "$@" \
    --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err" >&2; fail "$s $* with per-bank refresh"; }
  python3 - "$TMP/r.json" <<'PY' || fail "$s results"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["memory"]["checker_violations"] == 0, r["memory"]["checker_violations"]
assert r["memory"]["refreshes"] > 0
for k in r.get("kernels", []):
    assert k.get("check", {}).get("passed", True), k["check"]
PY
}
run decode-tiny
run decode-tiny --set '/workload/mode="timing"'
run decode-tiny --set '/system/protocol_check=false'   # the checker off: the controller alone keeps refresh
run decode-tiny --set '/controller/scheduler="fcfs"' --set '/controller/page_policy="closed"'
run decode-llama2-7b-duo-small
run prefill-bigbird-small
echo ok
