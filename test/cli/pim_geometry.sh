#!/usr/bin/env bash
# A memspec wider than the HW/SW contract can address (more than kMaxBankGroupsPerChannel bank
# groups per channel) is refused for PIM workloads with file: /pointer: reason, in validate,
# run (functional and timing-only) and end-to-end runs; memory-only scenarios still accept it,
# and a geometry within the limits still loads.
source "$(dirname "$0")/common.inc"
sed 's/"sids": 2/"sids": 4/' workloads/memspecs/hbm3-5200.json > "$TMP/sids4.json"
sed 's/"sids": 2/"sids": 1/; s/"banks_per_group": 4/"banks_per_group": 8/' workloads/memspecs/hbm3-5200.json > "$TMP/bpg8.json"
"$PILOT" validate "$TMP/sids4.json" >/dev/null || fail "the memspec itself is valid"
# The shipped mapping with one more SID bit (rows one bit higher).
sed 's/"sid": \[19\]/"sid": [19, 20]/; s/"row": \[20, /"row": [/; s/, 34\]/, 34, 35]/' \
  workloads/mappings/hbm3-channel-interleaved.json > "$TMP/map-sids4.json"
"$PILOT" validate "$TMP/map-sids4.json" --memspec "$TMP/sids4.json" >/dev/null || fail "the mapping is valid"
on4=(--set /system/memspec="$TMP/sids4.json" --set /system/mapping="$TMP/map-sids4.json")
want="decode-tiny.json: /system/memspec: $TMP/sids4.json has 32 bank groups per channel"
expect_fail "$want" "$PILOT" run workloads/scenarios/decode-tiny.json "${on4[@]}"
expect_fail "$want" "$PILOT" run workloads/scenarios/decode-tiny.json "${on4[@]}" \
  --set /workload/mode='"timing"'
expect_fail "/system/memspec: $TMP/sids4.json has 32 bank groups" \
  "$PILOT" run workloads/scenarios/prefill-bigbird-small.json "${on4[@]}"
relocate() {   # relocate SCENARIO OUT: a copy in $TMP on the 4-SID memspec
  sed "s#\"../memspecs/hbm3-5200.json\"#\"$TMP/sids4.json\"#; s#\"../mappings/hbm3-channel-interleaved.json\"#\"$TMP/map-sids4.json\"#; s#\"\.\./#\"$PWD/workloads/#g" "$1" > "$2"
}
relocate workloads/scenarios/decode-tiny.json "$TMP/decode-sids4.json"
expect_fail "decode-sids4.json: /system/memspec: $TMP/sids4.json has 32 bank groups" "$PILOT" validate "$TMP/decode-sids4.json"
relocate workloads/scenarios/e2e-tiny.json "$TMP/e2e-sids4.json"
expect_fail "/system/memspec: $TMP/sids4.json has 32 bank groups" "$PILOT" run "$TMP/e2e-sids4.json"
# Memory traffic does not use the descriptor: the same memspec runs.
"$PILOT" validate workloads/scenarios/hbm3-seq-read.json >/dev/null || fail "traffic scenario"
relocate workloads/scenarios/hbm3-seq-read.json "$TMP/seq-sids4.json"
"$PILOT" validate "$TMP/seq-sids4.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "traffic with 4 SIDs"; }
# Within the limits (8 bank groups of 8 banks per channel) a functional decode passes its FP64 check.
sed 's/"bank": \[17, 18\]/"bank": [17, 18, 19]/; s/"sid": \[19\]/"sid": []/' \
  workloads/mappings/hbm3-channel-interleaved.json > "$TMP/map-bpg8.json"
"$PILOT" run workloads/scenarios/decode-tiny.json --set /system/memspec="$TMP/bpg8.json" \
  --set /system/mapping="$TMP/map-bpg8.json" >/dev/null 2>"$TMP/err" ||
  { cat "$TMP/err"; fail "8 banks per group"; }
echo ok
