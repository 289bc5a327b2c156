#!/usr/bin/env bash
# What `pilot` prints: no SystemC banner anywhere; --help with examples (the tool's and each
# subcommand's); --quiet prints nothing on stdout yet writes the results; --verbose names each
# child process; errors go to stderr only.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/decode-tiny.json
"$PILOT" run "$S" >"$TMP/out" 2>"$TMP/err" || fail "run"
! grep -qi "copyright\|SystemC 2" "$TMP/out" "$TMP/err" || fail "SystemC banner printed"
grep -q "decode" "$TMP/out" || fail "no summary on stdout"
"$PILOT" --help >"$TMP/help" || fail "--help"
grep -q "^Examples:" "$TMP/help" || fail "pilot --help has no examples"
for sub in run replay analyze validate sweep merge plot; do
  "$PILOT" "$sub" --help >"$TMP/help" 2>&1 || fail "$sub --help"
  grep -q "^Example: pilot $sub " "$TMP/help" || fail "pilot $sub --help has no example"
done
"$PILOT" --quiet run "$S" --out "$TMP/q.json" >"$TMP/out" 2>"$TMP/err" || fail "quiet run"
[ ! -s "$TMP/out" ] && [ ! -s "$TMP/err" ] || fail "--quiet printed something"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["kernels"]' "$TMP/q.json" || fail "--quiet lost the results"
expect_fail "no-such.json" "$PILOT" --quiet run no-such.json
[ ! -s "$TMP/out" ] || fail "an error went to stdout"
"$PILOT" -v run workloads/scenarios/e2e-tiny.json --set /workload/functional=false --set /workload/systems='["gpu","pilot"]' \
  >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "verbose end-to-end run"; }
grep -q "^sub-simulation decode-pilot-[0-9]* (log .*): .* run .*\.scenario\.json --out " "$TMP/err" \
  || { cat "$TMP/err"; fail "--verbose does not name the sub-simulations"; }
expect_fail "excludes" "$PILOT" -q -v run "$S"
echo ok
