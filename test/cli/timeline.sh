#!/usr/bin/env bash
# `pilot run --trace`: the Perfetto timeline has the tracks docs/architecture.md lists (firmware,
# host runtime, micro-op moves and PE ops per pseudo-channel, PE busy per bank group, DRAM
# command counters), and what it shows agrees with the results JSON, which counts the same
# things its own way: counter bins sum to the controllers' command counts, PE-op spans to the
# PEOP commands, doorbells to descriptors. --trace-window and --trace-channels cut it down.
# The VCD's interrupt line shows a pulse (it rises and is cleared within one time stamp).
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/decode-tiny.json
"$PILOT" run "$S" --set /workload/batch=20 --out "$TMP/r.json" --trace "$TMP/t.json" --vcd "$TMP/w.vcd" \
  >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "run with --trace"; }
python3 - "$TMP/r.json" "$TMP/t.json" <<'PY' || fail "timeline content"
import collections, json, sys
r = json.load(open(sys.argv[1]))
ev = json.load(open(sys.argv[2]))["traceEvents"]
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
tracks = set(names.values())
for t in ["firmware", "host runtime", "pc0 moves", "pc0 PE ops", "pc1 moves", "pc1 PE ops", "pc0 bg0 PE", "pc1 bg7 PE"]:
    assert t in tracks, (t, sorted(tracks))
spans = collections.Counter()
for e in ev:
    if e["ph"] in "Xi":
        spans[(names[(e["pid"], e["tid"])], e["name"])] += 1
# Every DRAM command is in exactly one counter bin, whatever the bins' width.
classes = {"activate": ["ACT", "ACTAB"], "read/write": ["RD", "WR", "RDA", "WRA"],
           "PIM move": ["MRD", "MWR", "SMRD", "SMWR"], "PE op": ["PEOP"],
           "precharge/refresh": ["PRE", "PREA", "REFAB", "REFPB"]}
binned = collections.Counter()
for e in ev:
    if e["ph"] == "C":
        for k, v in e["args"].items():
            binned[k] += v
cmds = r["memory"]["commands"]
for k, members in classes.items():
    want = sum(cmds.get(m, 0) for m in members)
    assert binned[k] == want, (k, binned[k], want)
assert binned["PE op"] > 0 and binned["PIM move"] > 0
pe_spans = sum(n for (track, _), n in spans.items() if track.endswith("PE ops"))
assert pe_spans == cmds["PEOP"], (pe_spans, cmds["PEOP"])
assert {name for (track, name) in spans if track.endswith("PE ops")} >= {"CFG", "MAC", "EXP", "ACC", "SFM"}
assert {name for (track, name) in spans if track.endswith("moves")} == {"MOV", "OUT"}
descriptors = sum(n for (track, name), n in spans.items() if track == "firmware" and name.startswith("decode"))
assert descriptors == spans[("host runtime", "doorbell")] == spans[("host runtime", "IRQ raised")] > 0
# Spans on one track never overlap (Perfetto draws a track as one row).
last = {}
for e in sorted((e for e in ev if e["ph"] == "X"), key=lambda e: e["ts"]):
    key = (e["pid"], e["tid"])
    assert e["ts"] + 1e-9 >= last.get(key, 0), (names[key], e)
    last[key] = e["ts"] + e["dur"]
PY
"$PILOT" run "$S" --set /workload/batch=20 --trace "$TMP/w.json" --trace-window 1000:2000 --trace-channels 0 \
  >/dev/null 2>&1 || fail "run with --trace-window"
python3 - "$TMP/w.json" "$TMP/t.json" <<'PY' || fail "timeline window"
import json, sys
w = json.load(open(sys.argv[1]))["traceEvents"]
full = json.load(open(sys.argv[2]))["traceEvents"]
assert {e["pid"] for e in w} == {0}
timed = [e for e in w if e["ph"] in "XiC"]
assert timed and len(timed) < len([e for e in full if e["ph"] in "XiC"])
for e in timed:   # microseconds; a counter bin may start up to its width (here < 0.5 us) early
    end = e["ts"] + (e.get("dur", 0) if e["ph"] != "C" else 0.5)
    assert end >= 1.0 - 1e-3 and e["ts"] <= 2.0 + 1e-3, e
PY
expect_fail "--trace-window" "$PILOT" run "$S" --trace "$TMP/x.json" --trace-window 5:1
python3 - "$TMP/w.vcd" <<'PY' || fail "VCD interrupt pulse"
import sys
ids, values = {}, []
t = 0
for line in open(sys.argv[1]):
    p = line.split()
    if p[:1] == ["$var"] and p[4] == "irq":
        ids[p[3]] = True
    elif line.startswith("#"):
        t = int(line[1:])
    elif line[:1] in "01" and line[1:].strip() in ids:
        values.append((t, line[0]))
rises = [t for t, v in values if v == "1"]
falls = [t for t, v in values if v == "0" and t > 0]
assert rises and falls and min(f - r for r, f in zip(rises, falls)) > 0, values
PY
echo ok
