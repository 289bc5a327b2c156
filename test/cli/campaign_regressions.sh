#!/usr/bin/env bash
# One regression per class of problem the adversarial campaign (tools/dev/campaign.py, CTest
# `campaign`) found: each was accepted with exit 0 or reported off the documented format.
source "$(dirname "$0")/common.inc"
W=$(pwd)/workloads
S="$W/scenarios"
# A copy of a shipped file with one edit (python: a JSON pointer set or a raw text edit).
edit() {   # edit SRC DST PYTHON_EXPR_ON_d
  /usr/bin/python3 - "$1" "$2" "$3" "$W" <<'PY'
import json, os, sys
src, dst, expr, w = sys.argv[1:]
d = json.load(open(src))
sysd = d.get("system") if isinstance(d, dict) else None
if isinstance(sysd, dict):  # the copy lives elsewhere: its references made absolute
    for k in ("memspec", "mapping"):
        if k in sysd and not os.path.isabs(sysd[k]):
            sysd[k] = os.path.normpath(os.path.join(os.path.dirname(src), sysd[k]))
exec(expr)
open(dst, "w").write(d if isinstance(d, str) else json.dumps(d))
PY
}

# 1. A traffic scenario's unknown top-level key was looked for in a moved-from document.
edit "$S/hbm3-mixed.json" "$TMP/unknown.json" 'd["zz_unknown"] = 1'
expect_fail "unknown.json: /zz_unknown: unknown key" "$PILOT" validate "$TMP/unknown.json"
edit "$S/hbm3-mixed.json" "$TMP/misspelt.json" 'd["descriptionx"] = d.pop("description")'
expect_fail "misspelt.json: /descriptionx: unknown key (did you mean \"description\"?)" "$PILOT" validate "$TMP/misspelt.json"

# 2. Free-text fields of another type were accepted (description, notes).
edit "$S/decode-tiny.json" "$TMP/desc.json" 'd["description"] = 5'
expect_fail "desc.json: /description: must be a string" "$PILOT" validate "$TMP/desc.json"
edit "$S/e2e-tiny.json" "$TMP/e2edesc.json" 'd["description"] = True; d["workload"]["gpu"] = w + "/gpus/a100-hbm3-4stack.json"'
expect_fail "e2edesc.json: /description: must be a string" "$PILOT" validate "$TMP/e2edesc.json"
for f in memspecs/hbm3-5200.json mappings/hbm3-channel-interleaved.json energy/hbm3-pim.json; do
  edit "$W/$f" "$TMP/notes.json" 'd["notes"] = [1]'
  expect_fail "notes.json: /notes: must be a string" "$PILOT" validate "$TMP/notes.json"
done

# 3. null members were merged as "use the default".
edit "$S/hbm3-mixed.json" "$TMP/null.json" 'd["traffic"]["seed"] = None'
expect_fail "null.json: /traffic/seed: must not be null" "$PILOT" validate "$TMP/null.json"
edit "$S/prefill-bigbird-small.json" "$TMP/null2.json" 'd["workload"]["mode"] = None'
expect_fail "null2.json: /workload/mode: must not be null" "$PILOT" validate "$TMP/null2.json"
edit "$S/decode-tiny.json" "$TMP/sparse-null.json" 'd["workload"]["sparse"] = None'   # null: dense, as documented
"$PILOT" validate "$TMP/sparse-null.json" >/dev/null || fail "/workload/sparse null (dense) refused"

# 4. A key given twice kept the last value without a word (every reader, --set values too).
printf '{"name": "a", "traffic": {"seed": 1, "seed": 2}}' > "$TMP/dup.json"
expect_fail "dup.json: /traffic/seed: duplicate key" "$PILOT" validate "$TMP/dup.json"
printf '{"name": "x", "notes": "a", "bits": {"byte": [0], "byte": [1]}}' > "$TMP/dupmap.json"
expect_fail "dupmap.json: /bits/byte: duplicate key" "$PILOT" validate "$TMP/dupmap.json"
expect_fail "hbm3-mixed.json: /traffic/seed: duplicate key" "$PILOT" run "$S/hbm3-mixed.json" --set '/traffic={"seed":1,"seed":2}'

# 5. /workload/type of another type: nlohmann's own text ("type must be string, but is null").
for v in 'None' 'True' '[1]'; do
  edit "$S/decode-tiny.json" "$TMP/type.json" "d[\"workload\"][\"type\"] = $v"
  expect_fail "type.json: /workload/type: must " "$PILOT" validate "$TMP/type.json"
  grep -q "type must be string" "$TMP/err" && fail "raw nlohmann text for /workload/type = $v"
done
edit "$S/e2e-tiny.json" "$TMP/e2etype.json" 'd["workload"]["type"] = False'
expect_fail "e2etype.json: /workload/type: must be" "$PILOT" validate "$TMP/e2etype.json"

# 6. An end-to-end scenario's empty file name was reported as ": /: cannot open file".
for k in memspec mapping; do
  edit "$S/e2e-tiny.json" "$TMP/e2eempty.json" "d[\"system\"][\"$k\"] = \"\"; d[\"workload\"][\"gpu\"] = w + \"/gpus/a100-hbm3-4stack.json\""
  expect_fail "e2eempty.json: /system/$k: must name a file" "$PILOT" validate "$TMP/e2eempty.json"
done
edit "$S/e2e-tiny.json" "$TMP/e2egpu.json" 'd["workload"]["gpu"] = ""'
expect_fail "e2egpu.json: /workload/gpu: must name a file" "$PILOT" validate "$TMP/e2egpu.json"

# 7. A trace address beyond the memory was answered with TLM errors and reported after the run
#    ("error: 2 transaction(s) failed ..."), without its line.
printf '0: read 0x0\n5: read 0xFFFFFFFFFFFF\n' > "$TMP/far.stl"
expect_fail "far.stl: line 2: address 0xffffffffffff (32 bytes) is beyond the memory's" "$PILOT" replay "$TMP/far.stl"
grep -q "^error: " "$TMP/err" && fail "a trace's bad line printed as 'error: ...', not 'file: line N: reason'"
# Bad lines found while running (time stamps too) come out as the ConfigError they are.
printf '0: read 0x0\n1000000000000000: read 0x0\n' > "$TMP/late.stl"
expect_fail "late.stl: line 2: time stamp" "$PILOT" replay "$TMP/late.stl"
grep -q "^error: " "$TMP/err" && fail "a late time stamp printed as 'error: ...'"
printf "0: (64) read 0x7FFFFFFE0\n" > "$TMP/edge.stl"   # the first burst is the last of 32 GiB
expect_fail "edge.stl: line 1: address 0x7ffffffe0 (64 bytes) is beyond" "$PILOT" replay "$TMP/edge.stl"
printf "0: (32) read 0x7FFFFFFE0\n" > "$TMP/last.stl"
"$PILOT" replay "$TMP/last.stl" --out "$TMP/last.json" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "the last burst refused"; }
# 8. One problem, one line: a bad discriminating field (/traffic/type, /workload/type, a pattern's
#    kind) was followed by every key it made unknown or missing (up to 24 lines), and a missing
#    file of an end-to-end scenario was reported by each sub-simulation under the memspec's name.
one_line() {   # one_line "text" cmd...: fails unless the error is exactly one line holding text
  expect_fail "$@"
  [ "$(grep -c . "$TMP/err")" = 1 ] || { cat "$TMP/err" >&2; fail "more than one line for one problem: ${*:2}"; }
}
edit "$S/hbm3-mixed.json" "$TMP/ttype.json" 'd["traffic"]["type"] = "zigzag"'
one_line "ttype.json: /traffic/type: must be one of" "$PILOT" validate "$TMP/ttype.json"
edit "$S/decode-tiny.json" "$TMP/wtype.json" 'd["workload"]["type"] = "encode"'
one_line "wtype.json: /workload/type: must be one of \"decode\", \"prefill\" (a scenario) or \"end_to_end\"" \
  "$PILOT" validate "$TMP/wtype.json"
edit "$S/e2e-tiny.json" "$TMP/etype.json" 'd["workload"]["type"] = True'
one_line "etype.json: /workload/type: must be a string (got boolean)" "$PILOT" validate "$TMP/etype.json"
edit "$S/prefill-bigbird-small.json" "$TMP/kind.json" 'd["workload"]["pattern"]["kind"] = "bigbirb"'
one_line "kind.json: /workload/pattern/kind: must be one of" "$PILOT" validate "$TMP/kind.json"
edit "$S/e2e-tiny.json" "$TMP/emap.json" 'd["system"]["mapping"] = "no-such-map.json"; d["workload"]["gpu"] = w + "/gpus/a100-hbm3-4stack.json"'
one_line "emap.json: /system/mapping: no such file: " "$PILOT" validate "$TMP/emap.json"
echo "campaign regressions: ok"
