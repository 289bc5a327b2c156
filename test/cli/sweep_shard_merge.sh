#!/usr/bin/env bash
# pilot sweep / merge: a two-point sweep run whole and as shards 1/2 + 2/2, then merged, gives
# the same results.csv and results.json byte for byte; two runs of it are identical whatever
# --jobs; the rows hold the speedups; bad input and failed points are reported; the plot
# script draws a results folder (when python3 has matplotlib).
# The points run test/cli/fake_pilot_e2e.py through --pilot, a stand-in for the end-to-end
# runner with made-up numbers: this tests the sweep machinery, not the models.
source "$(dirname "$0")/common.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
FAKE="$TMP/fake-pilot"   # an executable wrapper: the sweep starts --pilot directly
printf '#!/bin/sh\nexec python3 "%s" "$@"\n' "$HERE/fake_pilot_e2e.py" > "$FAKE"
chmod +x "$FAKE"
cat > "$TMP/base.json" <<'EOF'
{ "name": "fake-e2e",
  "workload": { "type": "end_to_end", "model": "bigbird-base", "seq_len": 4096, "out_len": 128, "batch": 512,
                "pattern": "bigbird", "systems": ["gpu"] },
  "pim": { "sram_bytes": 2048 } }
EOF
cat > "$TMP/two.json" <<'EOF'
{ "name": "two", "scenario": "base.json", "grid": { "model": ["bigbird-base", "llama2-7b"] },
  "systems": ["gpu", "attacc", "pilot", "pilot-naive"] }
EOF
sweep() { "$PILOT" sweep --pilot "$FAKE" "$@"; }
quiet() { "$@" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" >&2; return 1; }; }   # output only on failure

quiet sweep "$TMP/two.json" --out "$TMP/whole" --jobs 2 || fail "whole sweep"
quiet sweep "$TMP/two.json" --out "$TMP/again" --jobs 1 || fail "second whole sweep"
quiet sweep "$TMP/two.json" --out "$TMP/s1" --shard 1/2 || fail "shard 1/2"
quiet sweep "$TMP/two.json" --out "$TMP/s2" --shard 2/2 || fail "shard 2/2"
quiet "$PILOT" merge --out "$TMP/merged" "$TMP/s2" "$TMP/s1/results.json" || fail "merge"
for f in results.csv results.json; do
  cmp "$TMP/whole/$f" "$TMP/again/$f" || fail "$f differs between two identical sweeps"
  cmp "$TMP/whole/$f" "$TMP/merged/$f" || fail "merged $f differs from the unsharded run"
done
[ -s "$TMP/s1/points/0.json" ] && [ -s "$TMP/s1/points/0.log" ] && [ ! -e "$TMP/s1/points/1.json" ] \
  || fail "shard 1/2 ran other points than 0"

python3 - "$TMP/whole" <<'PY' || fail "results content"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/results.csv")))
doc = json.load(open(d + "/results.json"))
for c in ["model", "seq_len", "batch", "pattern", "sram_bytes", "system", "phase", "time_ns", "internal_bytes",
          "speedup_vs_gpu", "speedup_vs_attacc"]:
    assert c in rows[0], c
assert len(rows) == 2 * 4 * 3 == len(doc["rows"]), len(rows)
assert doc["shard"] == {"index": 1, "count": 1} and doc["total_points"] == 2
assert [p["status"] for p in doc["points"]] == ["ok", "ok"]
assert [p["params"] for p in doc["points"]] == [{"model": "bigbird-base"}, {"model": "llama2-7b"}]
time = {(r["point"], r["system"], r["phase"]): float(r["time_ns"]) for r in rows}
for r in rows:
    assert r["seq_len"] == "4096" and r["pattern"] == "bigbird" and r["sram_bytes"] == "2048"   # from the base scenario
    k = (r["point"], r["phase"])
    assert abs(float(r["speedup_vs_gpu"]) - time[(k[0], "gpu", k[1])] / float(r["time_ns"])) < 1e-12
    assert abs(float(r["speedup_vs_attacc"]) - time[(k[0], "attacc", k[1])] / float(r["time_ns"])) < 1e-12
    assert (r["gemm_ns"] != "") == (r["phase"] == "end_to_end"), r
assert [r["phase"] for r in rows[:3]] == ["prefill_attention", "decode_attention", "end_to_end"]
PY

# Bad input: exit status 2, one line naming the problem.
cat > "$TMP/bad.json" <<'EOF'
{ "name": "bad", "scenario": "base.json", "grid": { "seqlen": [4096], "batch": [0] } }
EOF
expect_fail "$TMP/bad.json: /grid/seqlen: unknown key (did you mean \"seq_len\"?)" sweep "$TMP/bad.json" --out "$TMP/x"
grep -qF "$TMP/bad.json: /grid/batch/0: must be a positive integer (got 0)" "$TMP/err" || fail "batch 0 not reported"
sweep "$TMP/bad.json" --out "$TMP/x" 2>/dev/null; [ $? -eq 2 ] || fail "bad sweep file: exit status is not 2"
expect_fail "--shard: must be K/N with 1 <= K <= N" sweep "$TMP/two.json" --out "$TMP/x" --shard 3/2
expect_fail "1 of the sweep's 2 points are in no shard given (1)" "$PILOT" merge --out "$TMP/m" "$TMP/s1"
expect_fail "point 0 is also in $TMP/s1/results.json" "$PILOT" merge --out "$TMP/m" "$TMP/s1" "$TMP/s2" "$TMP/s1"
sed 's/llama2-7b/mistral-7b/' "$TMP/two.json" > "$TMP/other.json"
quiet sweep "$TMP/other.json" --out "$TMP/o2" --shard 2/2 || fail "other sweep"
expect_fail "$TMP/o2/results.json: /sweep_hash: differs from" "$PILOT" merge --out "$TMP/m" "$TMP/s1" "$TMP/o2"

# A failed point: reported with its id and log, the others still run, exit status 1.
sed 's/"llama2-7b"/"fail-on-purpose"/' "$TMP/two.json" > "$TMP/fails.json"
expect_fail "sweep: point 1 (fail-on-purpose) failed: exited with status 3; log: $TMP/f/points/1.log" \
  sweep "$TMP/fails.json" --out "$TMP/f"
sweep "$TMP/fails.json" --out "$TMP/f" >/dev/null 2>&1; [ $? -eq 1 ] || fail "failed point: exit status is not 1"
grep -q "failing on purpose" "$TMP/f/points/1.log" || fail "the point's stderr is not in its log"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [p["status"] for p in d["points"]] == ["ok", "failed"]; assert len(d["rows"]) == 12' \
  "$TMP/f/results.json" || fail "failed point in results.json"

# Plots: a grid over models, L_in and buffer sizes gives every plot; the two-point sweep skips
# the ones it has no dimension for.
# (Debian's python3-matplotlib lives in /usr/bin/python3, which another python3 on PATH may hide.)
PY=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import matplotlib' 2>/dev/null; then PY=$p; break; fi
done
if [ -n "$PY" ]; then
  cat > "$TMP/grid.json" <<'EOF'
{ "name": "grid", "scenario": "base.json", "systems": ["gpu", "attacc", "pilot", "pilot-naive"],
  "grid": { "model": ["bigbird-base", "llama2-7b"], "seq_len": [2048, 8192], "out_len": [128, 512],
            "sram_bytes": [2048, 8192, 32768] } }
EOF
  quiet sweep "$TMP/grid.json" --out "$TMP/grid" || fail "grid sweep"
  "$PY" tools/plots/plot_sweep.py "$TMP/grid" --out "$TMP/plots" >"$TMP/plot.log" 2>&1 || { cat "$TMP/plot.log"; fail "plot"; }
  for p in speedup_prefill_attention speedup_decode_attention speedup_end_to_end speedup_vs_seq_len \
           speedup_vs_out_len breakdown_end_to_end internal_bytes_vs_sram; do
    [ -s "$TMP/plots/$p.png" ] || { cat "$TMP/plot.log"; fail "no $p.png"; }
  done
  "$PY" tools/plots/plot_sweep.py "$TMP/whole" >"$TMP/plot.log" 2>&1 || { cat "$TMP/plot.log"; fail "plot of two points"; }
  grep -q "skipped speedup_vs_seq_len.png: no model has more than one seq_len" "$TMP/plot.log" || fail "no skip message"
  [ -s "$TMP/whole/plots/speedup_end_to_end.png" ] || fail "two-point speedup plot"
  # `pilot sweep` draws them itself, with a Python that has matplotlib even when the python3
  # first on PATH has none (a venv's), and writes report.md with the table and the plots.
  mkdir -p "$TMP/bin" && printf '#!/bin/sh\nexit 1\n' > "$TMP/bin/python3" && chmod +x "$TMP/bin/python3"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$(command -v python3)" "$HERE/fake_pilot_e2e.py" > "$TMP/fake-abs"
  chmod +x "$TMP/fake-abs"   # the stand-in runner keeps a python3 that works
  PATH="$TMP/bin:$PATH" PILOT_PYTHON="" "$PILOT" sweep --pilot "$TMP/fake-abs" "$TMP/two.json" --out "$TMP/self" >/dev/null 2>"$TMP/err" \
    || { cat "$TMP/err"; fail "sweep with a python3 without matplotlib first on PATH"; }
  [ -s "$TMP/self/plots/speedup_end_to_end.png" ] || fail "pilot sweep drew no plots"
  python3 - "$TMP/self/report.md" "$TMP/self/results.csv" <<'PY' || fail "report.md"
import csv, sys
md = open(sys.argv[1]).read()
rows = list(csv.DictReader(open(sys.argv[2])))
assert "| system | prefill attention ms |" in md and "![speedup_end_to_end.png](plots/speedup_end_to_end.png)" in md
for r in rows:   # every end-to-end time is in the report, in ms with 3 decimals
    if r["phase"] == "end_to_end":
        assert "| %s | " % r["system"] in md and "%.3f" % (float(r["time_ns"]) * 1e-6) in md, r
PY
else
  echo "skip: python3 has no matplotlib; plots not checked (apt-get install python3-matplotlib)"
fi
# The same with the real end-to-end runner: two buffer sizes of the small point, timing-only.
ROOT=$(pwd)
cat > "$TMP/real.json" <<EOF
{ "name": "real", "scenario": "$ROOT/workloads/scenarios/e2e-tiny.json", "grid": { "sram_bytes": [2048, 4096] },
  "set": { "/workload/functional": false }, "systems": ["gpu", "pilot"] }
EOF
quiet "$PILOT" sweep "$TMP/real.json" --out "$TMP/rw" --jobs 1 || fail "real sweep"
quiet "$PILOT" sweep "$TMP/real.json" --out "$TMP/r1" --shard 1/2 --jobs 1 || fail "real shard 1/2"
quiet "$PILOT" sweep "$TMP/real.json" --out "$TMP/r2" --shard 2/2 --jobs 1 || fail "real shard 2/2"
quiet "$PILOT" merge --out "$TMP/rm" "$TMP/r1" "$TMP/r2" || fail "real merge"
for f in results.csv results.json; do
  cmp "$TMP/rw/$f" "$TMP/rm/$f" || fail "real sweep: merged $f differs from the unsharded run"
done
echo ok
