#!/usr/bin/env bash
# GPU-like traffic beside a PIM decode (workloads/scenarios/mixed-decode-traffic.json: the PIM
# works in channel 0's first pseudo-channel). On the PIM's channel the two stall each other as
# the host/PIM policy says; on another channel neither stalls and the PIM time is the PIM-only
# run's to the picosecond. host-first gives the host a lower latency and the PIM a longer time
# than pim-first, bounded-slices lands between them; the protocol checker finds nothing under
# every policy and both refresh policies, reads and writes mixed; the VCD shows who owns a
# pseudo-channel.
source "$(dirname "$0")/common.inc"
S=workloads/scenarios/mixed-decode-traffic.json
run() {   # run NAME SCENARIO [--set ...]: results in $TMP/NAME.json
  local n=$1 s=$2; shift 2
  "$PILOT" run "$s" "$@" --out "$TMP/$n.json" >/dev/null 2>"$TMP/$n.err" || { tail -3 "$TMP/$n.err" >&2; fail "run $n"; }
}
policy() { echo "/controller/host_pim_arbitration/policy=\"$1\""; }
# The same PIM work without the traffic (its files named by absolute path).
python3 - "$S" "$TMP/alone-scenario.json" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
del d["traffic"]
for k in ["memspec", "mapping"]:
    d["system"][k] = os.path.abspath(os.path.join(os.path.dirname(sys.argv[1]), d["system"][k]))
json.dump(d, open(sys.argv[2], "w"))
PY
run alone "$TMP/alone-scenario.json"
run other "$S" --set '/traffic/channels=[1]'
run pimfirst "$S" --set "$(policy pim-first)"
run hostfirst "$S" --set "$(policy host-first)"
run slices "$S" --set "$(policy bounded-slices)"
python3 - "$TMP" workloads/memspecs/hbm3-5200.json <<'PY' || fail "contention figures"
import json, sys
d = sys.argv[1]
r = {n: json.load(open(f"{d}/{n}.json")) for n in ["alone", "other", "pimfirst", "hostfirst", "slices"]}
for n, x in r.items():
    assert x["memory"]["checker_violations"] == 0, n
    assert x["errors"] == [], (n, x["errors"])
    assert x["kernels"][0]["check"]["passed"], n
    c = x["memory"]["contention"]
    assert set(c) >= {"gpu_stall_ns", "pim_stall_ns"}, c
    for p in x["memory"]["per_pseudo_channel"]:
        assert "contention" in p, n
T = {n: x["decode_attention_ns"] for n, x in r.items()}
C = {n: x["memory"]["contention"] for n, x in r.items()}
L = {n: x["traffic"]["avg_latency_ns"] for n, x in r.items() if "traffic" in x}
# Alone: nothing to contend with. On another channel: neither side stalls, the PIM time is exact.
assert C["alone"]["gpu_stall_ns"] == 0 and C["alone"]["pim_stall_ns"] == 0, C["alone"]
assert C["other"]["gpu_stall_ns"] == 0 and C["other"]["pim_stall_ns"] == 0, C["other"]
assert T["other"] == T["alone"], (T["other"], T["alone"])
# On the PIM's channel, pim-first: the host stalls, at most while the PIM works (the stall is
# counted only while the PIM owns a pseudo-channel, inside the kernel's time, on each one that
# runs micro-ops); the PIM never waits for the host; the PIM is slower than alone (the
# pseudo-channels share the command buses, and the host gets the pseudo-channel between kernels).
pim_pcs = [p for p in r["pimfirst"]["memory"]["per_pseudo_channel"] if p["commands"]["PEOP"] > 0]
assert 0 < C["pimfirst"]["gpu_stall_ns"] <= len(pim_pcs) * T["pimfirst"], (C["pimfirst"], T["pimfirst"])
assert C["pimfirst"]["pim_stall_ns"] == 0, C["pimfirst"]
assert T["pimfirst"] > T["alone"], T
# host-first: the PIM waits for the host instead; the host's latency drops, the PIM's time grows.
assert C["hostfirst"]["pim_stall_ns"] > 0, C["hostfirst"]
assert C["hostfirst"]["gpu_stall_ns"] < C["pimfirst"]["gpu_stall_ns"] / 4, C
assert L["hostfirst"] < L["pimfirst"] and T["hostfirst"] > T["pimfirst"], (L, T)
# Hand bound: under host-first a request waits for at most one half-issued micro-op (a move of a
# whole row: PREA, ACTAB, a column per tCCD_L, data) and for reopening its own row (PRE, ACT)
# more than the same traffic alone (channel 1); pim-first's mean is far above that bound.
t = json.load(open(sys.argv[2]))["timing"]
columns = json.load(open(sys.argv[2]))["organisation"]["columns"]
move_ns = (2 * (t["RP"] + t["RCDRD"] + 1) + columns * t["CCDL"] + t["RL"] + t["nBL"]) * t["tCK_ps"] / 1000
assert L["hostfirst"] <= L["other"] + move_ns, (L, move_ns)
assert L["pimfirst"] > L["other"] + move_ns, (L, move_ns)
# bounded-slices: between the two, for the host's tail latency and for the PIM's time.
P99 = {n: r[n]["traffic"]["p99_latency_ns"] for n in ["pimfirst", "hostfirst", "slices"]}
assert P99["hostfirst"] < P99["slices"] < P99["pimfirst"], P99
assert T["pimfirst"] <= T["slices"] <= T["hostfirst"], T
assert C["slices"]["pim_stall_ns"] > 0 and C["slices"]["gpu_stall_ns"] > 0, C["slices"]
PY
# The protocol checker: every policy, both refresh policies, reads and writes mixed (timing mode:
# the traffic's writes land on the PIM's channel, so its data is not checked).
for p in pim-first host-first bounded-slices; do
  for rf in all-bank per-bank; do
    run chk "$S" --set "$(policy $p)" --set "/controller/refresh=\"$rf\"" --set /traffic/read_fraction=0.7 \
      --set '/workload/mode="timing"' --set /traffic/requests=3000
    python3 - "$TMP/chk.json" "$p $rf" <<'PY' || fail "checker with mixed traffic: $p $rf"
import json, sys
r = json.load(open(sys.argv[1]))
m = r["memory"]
assert m["checker_violations"] == 0 and r["errors"] == [], (sys.argv[2], r["errors"][:3])
assert m["refreshes"] > 0 and r["traffic"]["writes"] > 0 and m["pim"]["micro_ops"] > 0, sys.argv[2]
assert m["contention"]["gpu_stall_ns"] + m["contention"]["pim_stall_ns"] > 0, sys.argv[2]
PY
  done
done
# The VCD: each pseudo-channel's owner (0 idle, 1 host, 2 PIM) changes with the hand-overs.
"$PILOT" run "$S" --set "$(policy host-first)" --vcd "$TMP/w.vcd" --out "$TMP/w.json" >/dev/null 2>&1 || fail "vcd run"
python3 - "$TMP/w.vcd" <<'PY' || fail "ownership waveform"
import re, sys
text = open(sys.argv[1]).read()
ids = re.findall(r"\$var wire\s+\d+\s+(\S+)\s+owner ", text)
assert ids, "no owner signal"
values = set()
for line in text.splitlines():
    m = re.match(r"b([01]+) (\S+)$", line)
    if m and m.group(2) == ids[0]:
        values.add(int(m.group(1), 2))
assert {1, 2} <= values, values
PY
echo ok
