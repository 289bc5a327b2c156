#!/usr/bin/env bash
# The host runtime submits to every channel at once (posted stores, a host thread per channel),
# not one blocking thread walking the channels: on 8 channels with the same work each, the
# first round's doorbells all ring at the same instant. An interrupt takes at least a cycle to
# reach the host: it clears the line no earlier than one tCK (769 ps on HBM3-5200) after it
# rose, and the waveform shows every pulse at least that wide.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/decode-tiny.json
"$PILOT" run "$S" --set /system/pseudo_channels=16 --set /workload/batch=32 --out "$TMP/r.json" \
  --trace "$TMP/t.json" --vcd "$TMP/w.vcd" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; fail "run"; }
python3 - "$TMP/r.json" "$TMP/t.json" "$TMP/w.vcd" <<'PY' || fail "submission or interrupts"
import collections, json, sys
r = json.load(open(sys.argv[1]))
assert r["kernels"][0]["check"]["passed"] and r["memory"]["checker_violations"] == 0
ev = json.load(open(sys.argv[2]))["traceEvents"]
first = {}
for e in sorted(ev, key=lambda e: e.get("ts", 0)):
    if e["name"] == "doorbell":
        first.setdefault(e["pid"], e["ts"])
assert len(first) == 8, first
assert max(first.values()) - min(first.values()) < 1e-6, first   # microseconds
tck_us = 769e-6
raised = collections.defaultdict(list)
cleared = collections.defaultdict(list)
for e in ev:
    if e["name"] == "IRQ raised":
        raised[e["pid"]].append(e["ts"])
    elif e["name"] == "IRQ cleared":
        cleared[e["pid"]].append(e["ts"])
assert sum(map(len, raised.values())) >= 8
for ch in raised:
    for up, down in zip(sorted(raised[ch]), sorted(cleared[ch])):
        assert down - up >= tck_us - 1e-9, (ch, up, down)
# VCD (1 ps): every interrupt line's pulse lasts at least one tCK.
ids, t, level, pulses = {}, 0, {}, []
for line in open(sys.argv[3]):
    p = line.split()
    if p[:1] == ["$var"] and p[4] == "irq":
        ids[p[3]] = True
    elif line.startswith("#"):
        t = int(line[1:])
    elif line[:1] in "01" and line[1:].strip() in ids:
        key = line[1:].strip()
        if line[0] == "1":
            level[key] = t
        elif key in level:
            pulses.append(t - level.pop(key))
assert len(pulses) >= 8 and min(pulses) >= 769, pulses
PY
echo ok
