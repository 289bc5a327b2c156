#!/usr/bin/env bash
# Issue 14, the models' side: extreme but valid-looking inputs are refused at load with
# file: /pointer: reason (or file: line N: reason), or run to the end quickly with bounded memory.
# Each used to crash, hang or exhaust memory; every run here has a short timeout.
source "$(dirname "$0")/common.inc"
PY=/usr/bin/python3
SPEC=workloads/memspecs/hbm3-5200.json
# edit IN OUT KEY=VALUE...: a copy of a JSON file with /a/b fields replaced (values are JSON).
edit() {
  local in=$1 out=$2; shift 2
  $PY - "$in" "$out" "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    *path, last = k.strip("/").split("/")
    o = d
    for p in path:
        o = o[p]
    o[last] = json.loads(v)
json.dump(d, open(sys.argv[2], "w"))
PY
}
refused() {   # refused "text" cmd...: a non-zero exit within 30 s (no hang), the text on stderr
  local want=$1; shift
  expect_fail "$want" timeout 30 "$@"
}

# 1. One column per row (32-byte rows): the command ring and a key + value no longer fit a row;
#    decode used to corrupt the heap (malloc(): corrupted top size). Refused for PIM work.
edit $SPEC "$TMP/col1.json" /organisation/columns=1
cat > "$TMP/map-col1.json" <<'JSON'
{ "name": "one column per row",
  "bits": { "byte": [0,1,2,3,4], "column": [], "pseudo_channel": [5], "channel": [6,7,8,9], "bank_group": [10,11],
            "bank": [12,13], "sid": [14], "row": [15,16,17,18,19,20,21,22,23,24,25,26,27,28,29] } }
JSON
refused "/system/memspec: $TMP/col1.json has rows of 32 bytes (1 columns x 32 bytes); the PIM layout needs rows of at least 1024 bytes" \
  "$PILOT" run workloads/scenarios/decode-tiny.json --set "/system/memspec=\"$TMP/col1.json\"" \
  --set "/system/mapping=\"$TMP/map-col1.json\""
# Memory traffic has no such layout: the same memory runs it.
timeout 60 "$PILOT" run workloads/scenarios/hbm3-mixed.json --set "/system/memspec=\"$TMP/col1.json\"" \
  --set "/system/mapping=\"$TMP/map-col1.json\"" --set /traffic/requests=2000 --out "$TMP/r.json" >/dev/null 2>"$TMP/err" \
  || { tail -3 "$TMP/err"; fail "traffic on one column per row"; }

# 2. Byte bits moved high (20-24): traffic runs, PIM work is refused at load (it died with
#    "read at 0x256 failed").
edit workloads/mappings/hbm3-channel-interleaved.json "$TMP/map-high.json" \
  /bits/byte='[20,21,22,23,24]' /bits/row='[0,1,2,3,4,25,26,27,28,29,30,31,32,33,34]'
refused "/system/mapping: the PIM layout addresses a byte of a column as the column's address plus the offset: the byte bits must be the lowest address bits 0..4 in order (got [20, 21, 22, 23, 24])" \
  "$PILOT" run workloads/scenarios/decode-tiny.json --set "/system/mapping=\"$TMP/map-high.json\""
timeout 60 "$PILOT" run workloads/scenarios/hbm3-mixed.json --set "/system/mapping=\"$TMP/map-high.json\"" \
  --set /traffic/requests=2000 --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err"; fail "traffic, byte bits high"; }

# 3. Timings at the top of their ranges that no refresh interval can hold (a write waiting out
#    tRCDWR = 2^20 hung; tRC, tRTPL, tWL, tWR let refresh lapse: "REFAB violates tREFI").
for k in RCDWR RC RTPL WL WR; do
  edit $SPEC "$TMP/top-$k.json" /timing/$k=1048576
  for s in hbm3-mixed decode-tiny; do
    refused "$TMP/top-$k.json: /timing/REFI: must hold a refresh and one row cycle" \
      "$PILOT" run workloads/scenarios/$s.json --set "/system/memspec=\"$TMP/top-$k.json\""
  done
done
# At the boundary the controller keeps refresh and the write completes: REFI = RFC + the write's
# row cycle (456 + 4000 + 6 + 2 + 21 + 19 = 4504 <= 5070), 3000 mixed requests and decode-tiny.
edit $SPEC "$TMP/rcdwr.json" /timing/RCDWR=4000 /timing/REFI=4504
timeout 60 "$PILOT" run workloads/scenarios/hbm3-mixed.json --set "/system/memspec=\"$TMP/rcdwr.json\"" \
  --set /traffic/requests=3000 --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err"; fail "tRCDWR 4000 mixed"; }
$PY -c "
import json, sys; m = json.load(open(sys.argv[1]))['memory']
assert m['checker_violations'] == 0 and m['refreshes'] > 0 and m['write_requests'] > 0, m" "$TMP/r.json" || fail "tRCDWR 4000 results"
timeout 60 "$PILOT" run workloads/scenarios/decode-tiny.json --set "/system/memspec=\"$TMP/rcdwr.json\"" \
  --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err"; fail "tRCDWR 4000 decode-tiny"; }

# 4. A random block longer than the context (it laid out 65536-key blocks for minutes), or more
#    random blocks than a row can draw from.
refused "/workload/pattern/block: a random block of 65536 tokens is longer than the context of 520" \
  "$PILOT" run workloads/scenarios/prefill-bigbird-small.json --set /workload/pattern/block=65536
refused "/workload/pattern/random_blocks: 10 random blocks per row, but the context of 520 has 9 blocks of 64" \
  "$PILOT" run workloads/scenarios/prefill-bigbird-small.json --set /workload/pattern/random_blocks=10

# 5. Traces: a huge (length), a file without line breaks, time stamps past the documented span or
#    past the 64-bit picosecond clock, write data unlike its length.
trace() { printf '%s\n' "$2" > "$TMP/$1"; }
trace huge.stl '0: (4294967295) read 0x0'
refused "huge.stl: line 1: length \"4294967295\" is above the 1048576 bytes a trace request may have" \
  "$PILOT" replay "$TMP/huge.stl"
refused "zero: line 1: no line break in the first" "$PILOT" replay /dev/zero
trace far.stl '0: read 0x0
1000000000000: read 0x20'
refused "far.stl: line 2: time stamp 1000000000000 is 1000.000000 s of simulated time; a trace may span at most 1 s" \
  "$PILOT" replay "$TMP/far.stl"
trace wrap.stl '20000000000000000: read 0x0'
refused "wrap.stl: line 1: time stamp 20000000000000000" "$PILOT" replay "$TMP/wrap.stl"
trace data.stl '0: (64) write 0x0 0x0102'
refused "data.stl: line 1: the data is 2 bytes, the length (64) says 64" "$PILOT" replay "$TMP/data.stl"
trace data1.stl '0: write 0x0 0x0102'
refused "data1.stl: line 1: the data is 2 bytes, but a request without (length) is one 32-byte burst" \
  "$PILOT" replay "$TMP/data1.stl"
# The longest request a line may give runs with its bursts streamed, not all in flight at once.
trace long.stl '0: (1048576) read 0x0'
timeout 60 "$PILOT" replay "$TMP/long.stl" --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err"; fail "1 MiB request"; }
$PY -c "
import json, sys; r = json.load(open(sys.argv[1]))
assert r['memory']['bytes'] == 1048576, r['memory']['bytes']
assert r['simulator']['peak_rss_MiB'] < 500, r['simulator']['peak_rss_MiB']" "$TMP/r.json" || fail "1 MiB request results"
# Synthetic traffic whose requests x interval span more than the same second.
refused "/traffic/interval_ns: requests x interval_ns spans" \
  "$PILOT" run workloads/scenarios/hbm3-mixed.json --set /traffic/interval_ns=1000000 --set /traffic/requests=2000000

# 6. Memory that grew with a timing, not with the work: the latency histogram kept a counter per
#    cycle of the worst latency (1.2 GB for 3000 requests with tCCD_L = 2^20). tCCD_L = 2^19 with a
#    refresh interval that holds it: a few MB.
edit $SPEC "$TMP/ccdl.json" /timing/CCDL=524288 /timing/REFI=1048576
timeout 120 "$PILOT" run workloads/scenarios/hbm3-mixed.json --set "/system/memspec=\"$TMP/ccdl.json\"" \
  --set /traffic/requests=3000 --out "$TMP/r.json" >/dev/null 2>"$TMP/err" || { tail -3 "$TMP/err"; fail "tCCD_L 2^19"; }
$PY -c "
import json, sys; r = json.load(open(sys.argv[1]))
assert r['simulator']['peak_rss_MiB'] < 200, r['simulator']['peak_rss_MiB']
assert r['memory']['checker_violations'] == 0" "$TMP/r.json" || fail "tCCD_L 2^19 results"

# 7. Decode and prefill layouts larger than the memory are refused at load with both figures
#    (they ran round after round for minutes in timing mode).
refused "/workload: the PIM layout of 4194304 heads needs" \
  "$PILOT" run workloads/scenarios/decode-tiny.json --set /workload/batch=1048576 --set '/workload/mode="timing"'
grep -qF "bytes for it" "$TMP/err" || fail "capacity message lacks the available figure"
refused "/workload/context: one head's PIM layout needs" \
  "$PILOT" run workloads/scenarios/prefill-bigbird-small.json --set /workload/context=16777216 --set '/workload/mode="timing"'
echo ok
