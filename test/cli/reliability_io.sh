#!/usr/bin/env bash
# Inputs, outputs and errors (issue 14): JSON nested 100,000 deep or out of range in every kind
# of file and in --set, refused with one line and no crash; results that cannot be written fail
# the command (/dev/full); an output that is an input, or in no folder, is refused before the
# run; a relative --out works for end-to-end runs and sweeps; the energy file and everything an
# end-to-end run's sub-simulations read are validated by `validate`; `validate` knows each kind
# of file; `merge` refuses edited rows and shards. (Sweeps under interruption:
# sweep_interrupt.sh.)
source "$(dirname "$0")/common.inc"
# Debian's python3 when there is one: it starts in a fraction of a shim's time (the test runs it often).
PY3=$(command -v /usr/bin/python3 || command -v python3)
ROOT=$(pwd)
PILOT=$(cd "$(dirname "$PILOT")" && pwd)/$(basename "$PILOT")   # the tests below change folder
S=workloads/scenarios
# One line per problem on stderr, exit status 2, no crash (139 = SIGSEGV).
expect_error() {   # expect_error "text" cmd...
  local want=$1; shift
  "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
  [ $rc -eq 2 ] || { cat "$TMP/err" >&2; fail "exit status $rc, not 2: $*"; }
  grep -qF -- "$want" "$TMP/err" || { cat "$TMP/err" >&2; fail "error lacks '$want': $*"; }
  if grep -q "json.exception\|E549\|sc_except\|Copyright" "$TMP/err"; then cat "$TMP/err" >&2; fail "raw library message: $*"; fi
}
one_line() { [ "$(wc -l < "$TMP/err")" -eq 1 ] || { cat "$TMP/err" >&2; fail "not one line on stderr: $*"; }; }

# --- An exception inside a SystemC process (a decode head larger than a bank) is its plain reason.
expect_error "rows per bank" "$PILOT" run $S/decode-tiny.json --set /workload/context=1000000 --set '/workload/mode="timing"'
one_line "decode head beyond a bank"
expect_error "$TMP/missing.json: /: cannot open file" "$PILOT" validate "$TMP/missing.json"
one_line "missing file"

# --- JSON nested 100,000 deep, under an unknown key, in each kind of file and in --set.
"$PY3" -c 'print("[" * 100000 + "]" * 100000)' > "$TMP/deep.txt"
deep_copy() {   # deep_copy SRC DST: SRC with an unknown key holding the deep array
  "$PY3" - "$1" "$2" "$TMP/deep.txt" <<'PY'
import sys
src, dst, deep = sys.argv[1:]
text = open(src).read().rstrip()
assert text.endswith("}")
open(dst, "w").write(text[:-1] + ', "zz_deep": ' + open(deep).read().strip() + "}\n")
PY
}
for f in $S/decode-tiny.json $S/e2e-tiny.json workloads/memspecs/hbm3-5200.json \
         workloads/mappings/hbm3-channel-interleaved.json workloads/models/bigbird-base.json \
         workloads/gpus/a100-80gb.json workloads/energy/hbm3-pim.json workloads/sweeps/buffer-size.json \
         workloads/mcconfigs/dramsys/fr_fcfs.json workloads/memspecs/dramsys/hbm2-dramsys.json \
         workloads/mappings/dramsys/hbm2-dramsys-mapping.json; do
  deep_copy "$f" "$TMP/deep.json"
  expect_error "$TMP/deep.json: /: JSON nested deeper than 64 levels" "$PILOT" validate "$TMP/deep.json"
done
deep_copy $S/decode-tiny.json "$TMP/deep.json"
expect_error "$TMP/deep.json: /: JSON nested deeper than 64 levels" "$PILOT" run "$TMP/deep.json"
deep_copy workloads/sweeps/buffer-size.json "$TMP/deep.json"
expect_error "$TMP/deep.json: /: JSON nested deeper than 64 levels" "$PILOT" sweep "$TMP/deep.json" --out "$TMP/d"
# (One argument holds at most 128 KiB: 100,000 opening brackets.)
deep_copy $S/e2e-tiny.json "$TMP/deep-e2e.json"
echo "{ \"name\": \"d\", \"scenario\": \"$TMP/deep-e2e.json\", \"grid\": { \"sram_bytes\": [2048] } }" > "$TMP/sw-deep.json"
expect_error "$TMP/deep-e2e.json: /: JSON nested deeper than 64 levels" "$PILOT" sweep "$TMP/sw-deep.json" --out "$TMP/d"
expect_error "$S/decode-tiny.json: /name: JSON nested deeper than 64 levels" \
  "$PILOT" run $S/decode-tiny.json --set "/name=$("$PY3" -c 'print("[" * 100000)')"
# A file the run reads (the model of an end-to-end scenario) nested deep.
deep_copy workloads/models/bigbird-base.json "$TMP/deep-model.json"
sed "s|\"model\": \"bigbird-base\"|\"model\": \"$TMP/deep-model.json\"|; s|\"\.\./|\"$ROOT/workloads/|g" \
  $S/e2e-tiny.json > "$TMP/e2e-deep.json"
expect_error "$TMP/deep-model.json: /: JSON nested deeper than 64 levels" "$PILOT" run "$TMP/e2e-deep.json"

# --- A number out of range: the file, the line, the reason; not nlohmann's code.
sed 's/"context": 256/"context": 1e400/' $S/decode-tiny.json > "$TMP/big.json"
expect_error "$TMP/big.json: /: malformed JSON at line 6, column" "$PILOT" validate "$TMP/big.json"
one_line "number out of range"
grep -qF "number overflow parsing '1e400'" "$TMP/err" || fail "overflow reason"

# --- Results that cannot be written fail the command.
for opt in --out --vcd --trace; do
  expect_error "/dev/full: cannot write: No space left on device" "$PILOT" run $S/decode-tiny.json $opt /dev/full
done
# The summary is a result too (the only one without --out).
"$PILOT" run $S/decode-tiny.json >/dev/full 2>"$TMP/err"; [ $? -eq 2 ] || fail "run > /dev/full: exit status"
grep -qF "stdout: cannot write the summary" "$TMP/err" || fail "run > /dev/full: no error"
expect_error "/dev/full: cannot write" "$PILOT" replay workloads/traces/example.stl --out /dev/full
expect_error "/dev/full: cannot write" "$PILOT" replay workloads/traces/example.stl --vcd /dev/full
expect_error "/dev/full: cannot write" "$PILOT" analyze $S/prefill-bigbird-small.json --out /dev/full
expect_error "/dev/full: cannot write" "$PILOT" run $S/e2e-tiny.json --set /workload/functional=false \
  --set '/workload/systems=["gpu"]' --out /dev/full
[ ! -e /dev/full.parts ] || fail "an end-to-end run made /dev/full.parts"
expect_error "$S/e2e-tiny.json: --vcd and --trace record one simulation" "$PILOT" run $S/e2e-tiny.json --vcd "$TMP/w.vcd"

# --- An output that is an input, or that cannot be created, is refused before anything runs.
cp workloads/traces/example.stl "$TMP/T.stl"
cp "$TMP/T.stl" "$TMP/T.orig"
expect_error "$TMP/T.stl: --out: is an input of this command" "$PILOT" replay "$TMP/T.stl" --out "$TMP/T.stl"
expect_error "--vcd: is an input of this command" "$PILOT" replay "$TMP/T.stl" --vcd "$TMP/./T.stl"
cmp -s "$TMP/T.stl" "$TMP/T.orig" || fail "replay overwrote its input trace"
cp $S/decode-tiny.json "$TMP/d.json"
sed -i "s|\"\.\./|\"$ROOT/workloads/|g" "$TMP/d.json"
expect_error "$TMP/d.json: --out: is an input of this command" "$PILOT" run "$TMP/d.json" --out "$TMP/d.json"
expect_error "--out: is an input of this command" "$PILOT" run "$TMP/d.json" --out workloads/memspecs/hbm3-5200.json
expect_error "$TMP/nowhere/r.json: --out: no such folder: $TMP/nowhere" "$PILOT" run "$TMP/d.json" --out "$TMP/nowhere/r.json"
[ ! -s "$TMP/out" ] || fail "the run started before its output was checked"
expect_error "$TMP: --vcd: is a folder, not a file" "$PILOT" run "$TMP/d.json" --vcd "$TMP"
expect_error "--trace: also named by --out" "$PILOT" run "$TMP/d.json" --out "$TMP/x.json" --trace "$TMP/x.json"
expect_error "$TMP/nowhere/a.json: --out: no such folder" "$PILOT" analyze $S/prefill-bigbird-small.json --out "$TMP/nowhere/a.json"
# ...and a good output is written whole.
"$PILOT" run "$TMP/d.json" --out "$TMP/r.json" --vcd "$TMP/w.vcd" --trace "$TMP/t.json" >/dev/null || fail "run to files"
"$PY3" -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' "$TMP/r.json" "$TMP/t.json" \
  || fail "results or timeline unreadable"
grep -q '^\$enddefinitions' "$TMP/w.vcd" || fail "no waveform at the --vcd path"

# --- A relative --out: end-to-end run and sweep (the README's sweep uses a relative folder).
mkdir -p "$TMP/rel/out"
(cd "$TMP/rel" && "$PILOT" run "$ROOT/$S/e2e-tiny.json" --set /workload/functional=false \
   --set '/workload/systems=["gpu","pilot"]' --out out/r.json >/dev/null 2>"$TMP/err") \
  || { cat "$TMP/err" >&2; fail "end-to-end run with a relative --out"; }
[ -s "$TMP/rel/out/r.json" ] && [ -d "$TMP/rel/out/r.json.parts" ] || fail "relative --out: results or parts missing"
cat > "$TMP/rel/one.json" <<EOF
{ "name": "one", "scenario": "$ROOT/$S/e2e-tiny.json", "grid": { "sram_bytes": [2048] },
  "set": { "/workload/functional": false }, "systems": ["gpu", "pilot"] }
EOF
(cd "$TMP/rel" && "$PILOT" sweep one.json --out sw --jobs 1 >/dev/null 2>"$TMP/err") \
  || { cat "$TMP/err" >&2; cat "$TMP/rel/sw/points/0.log" >&2; fail "sweep with a relative --out"; }
[ "$(wc -l < "$TMP/rel/sw/results.csv")" -eq 7 ] || fail "relative sweep: results.csv has not 1 + 2 x 3 rows"

# --- The energy file of end-to-end runs is validated (validate and run).
e2e_with() {   # e2e_with FILE.json 'python statement on d': a copy of e2e-tiny with absolute paths
  "$PY3" - "$ROOT" "$1" "$2" <<'PY'
import json, sys
root, out, stmt = sys.argv[1:]
d = json.load(open(root + "/workloads/scenarios/e2e-tiny.json"))
d["system"]["memspec"] = root + "/workloads/memspecs/hbm3-5200.json"
d["system"]["mapping"] = root + "/workloads/mappings/hbm3-channel-interleaved.json"
d["workload"]["gpu"] = root + "/workloads/gpus/a100-hbm3-4stack.json"
exec(stmt)
json.dump(d, open(out, "w"))
PY
}
energy_case() {   # energy_case 'python statement on e' "expected error"
  "$PY3" - "$ROOT" "$TMP/energy.json" "$1" <<'PY'
import json, sys
root, out, stmt = sys.argv[1:]
e = json.load(open(root + "/workloads/energy/hbm3-pim.json"))
exec(stmt)
json.dump(e, open(out, "w"))
PY
  expect_error "$2" "$PILOT" validate "$TMP/energy.json"
  e2e_with "$TMP/e.json" "d['workload']['energy'] = '$TMP/energy.json'"
  expect_error "$2" "$PILOT" validate "$TMP/e.json"
}
energy_case 'e = [1, 2]' "$TMP/energy.json: /: "
energy_case 'e = "hbm"' "$TMP/energy.json: /: "
energy_case 'e = None' "$TMP/energy.json: /: "
energy_case 'e["pim_pj_per_macs"] = e.pop("pim_pj_per_mac")' \
  "$TMP/energy.json: /pim_pj_per_macs: unknown key (did you mean \"pim_pj_per_mac\"?)"
energy_case 'e["external_pj_per_bit"] = -3.9' "$TMP/energy.json: /external_pj_per_bit: must be in"
energy_case 'e["gpu_pj_per_flop"] = 0' "$TMP/energy.json: /gpu_pj_per_flop: must be in"
e2e_with "$TMP/e.json" "d['workload']['energy'] = '$TMP/energy.json'"
expect_error "$TMP/energy.json: /gpu_pj_per_flop: must be in" "$PILOT" run "$TMP/e.json"
[ ! -s "$TMP/out" ] || fail "run started with a bad energy file"

# --- validate covers what the sub-simulations of an end-to-end run will read.
e2e_with "$TMP/e.json" "d['pim']['sram_byte'] = 2048"
expect_error "$TMP/e.json: /pim/sram_byte: unknown key" "$PILOT" validate "$TMP/e.json"
e2e_with "$TMP/e.json" "d['pim']['sram_bytes'] = 3"
expect_error "$TMP/e.json: /pim/sram_bytes: must be in" "$PILOT" validate "$TMP/e.json"
e2e_with "$TMP/e.json" "d['workload']['pattern'] = {'kind': 'bigbird', 'window': 0, 'global': -5, 'random_blocks': 1, 'block': 64}"
expect_error "$TMP/e.json: /workload/pattern/" "$PILOT" validate "$TMP/e.json"
for n in 3 5; do
  e2e_with "$TMP/e.json" "d['system']['stacks'] = $n"
  expect_error "$TMP/e.json: /system/stacks: must be a power of two (got $n)" "$PILOT" validate "$TMP/e.json"
done
e2e_with "$TMP/e.json" "d['system']['pseudo_channels'] = 'lots'"
expect_error "$TMP/e.json: /system/pseudo_channels: an end-to-end run uses every pseudo-channel" "$PILOT" validate "$TMP/e.json"

# --- validate knows each kind of file.
for f in workloads/models/*.json workloads/gpus/*.json workloads/energy/*.json workloads/sweeps/*.json \
         workloads/mcconfigs/dramsys/*.json; do
  "$PILOT" validate "$f" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err"; fail "validate $f"; }
done
"$PILOT" validate workloads/mappings/hbm3-channel-interleaved-64k-rows.json \
  --memspec workloads/memspecs/hbm3-5200-64k-rows.json | grep -q "valid address mapping" || fail "mapping kind"
"$PILOT" validate workloads/models/llama2-7b.json | grep -q "valid model" || fail "model kind"
"$PILOT" validate workloads/gpus/a100-80gb.json | grep -q "valid GPU" || fail "GPU kind"
"$PILOT" validate workloads/energy/hbm3-pim.json | grep -q "valid energy file" || fail "energy kind"
"$PILOT" validate workloads/sweeps/buffer-size.json | grep -q "valid sweep" || fail "sweep kind"
"$PILOT" validate workloads/mcconfigs/dramsys/fr_fcfs.json | grep -q "valid DRAMSys mcconfig" || fail "mcconfig kind"
"$PY3" -c 'import json; d=json.load(open("workloads/models/llama2-7b.json")); d["layers"]=-1; json.dump(d, open("'"$TMP"'/m.json","w"))'
expect_error "$TMP/m.json: /layers: must not be negative" "$PILOT" validate "$TMP/m.json"
cat > "$TMP/sw.json" <<EOF
{ "name": "bad point", "scenario": "$ROOT/$S/e2e-tiny.json", "grid": { "sram_bytes": [2048, 3] } }
EOF
expect_error "$ROOT/$S/e2e-tiny.json: /pim/sram_bytes: must be in" "$PILOT" validate "$TMP/sw.json"
grep -qF "(point 1: sram=3)" "$TMP/err" || { cat "$TMP/err" >&2; fail "the sweep's bad point is not named"; }
echo '{ "name": "a mapping without bits", "notes": "" }' > "$TMP/nobits.json"
expect_error "$TMP/nobits.json: /: no key tells what kind of file this is; pilot knows: scenario, sweep, memspec" \
  "$PILOT" validate "$TMP/nobits.json"

echo ok
