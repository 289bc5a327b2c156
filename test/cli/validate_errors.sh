#!/usr/bin/env bash
# pilot validate: shipped files pass; bad files fail with file, pointer and reason.
source "$(dirname "$0")/common.inc"
for f in workloads/scenarios/*.json workloads/memspecs/*.json workloads/memspecs/dramsys/*.json; do
  "$PILOT" validate "$f" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "validate $f"; }
done
"$PILOT" validate workloads/mappings/hbm3-channel-interleaved.json >/dev/null || fail "mapping"
"$PILOT" validate workloads/mappings/dramsys/hbm2-dramsys-mapping.json --memspec workloads/memspecs/hbm2-2000.json >/dev/null || fail "dramsys mapping"
echo '{ "name": "x", ' > "$TMP/trunc.json"
expect_fail "$TMP/trunc.json: /: malformed JSON at line" "$PILOT" validate "$TMP/trunc.json"
sed 's/"RAS": 45/"RAS": -45/' workloads/memspecs/hbm3-5200.json > "$TMP/neg.json"
expect_fail "$TMP/neg.json: /timing/RAS: must not be negative" "$PILOT" validate "$TMP/neg.json"
sed 's/"requests": 200000/"requests": 200000, "burst": 2/' workloads/scenarios/hbm3-seq-read.json > workloads/scenarios/.tmp-unknown.json
expect_fail "/traffic/burst: unknown key" "$PILOT" validate workloads/scenarios/.tmp-unknown.json
rm -f workloads/scenarios/.tmp-unknown.json
expect_fail "cannot open file" "$PILOT" validate "$TMP/missing.json"
expect_fail "/traffic/requests: must not be negative" "$PILOT" run workloads/scenarios/hbm3-seq-read.json --set /traffic/requests=-1
echo ok
