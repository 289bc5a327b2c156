#!/usr/bin/env bash
# pilot sweep under interruption (issue 14): SIGTERM or SIGINT stops the running points with
# their children (nothing goes on writing into the output folder), results.csv/.json are written
# for the finished points, and the same command resumes: finished points are kept (their inputs
# unchanged), the others run, and the result equals an uninterrupted run byte for byte;
# --force and a changed input rerun everything. Then merge's checks of the files it joins.
# The points run test/cli/fake_pilot_e2e.py (through --pilot), each waiting for a child process
# of its own (FAKE_PILOT_SLEEP) and logging its runs (FAKE_PILOT_LOG).
source "$(dirname "$0")/common.inc"
# Debian's python3 when there is one: it starts in a fraction of a shim's time (the test runs it often).
PY3=$(command -v /usr/bin/python3 || command -v python3)
HERE=$(cd "$(dirname "$0")" && pwd)
FAKE="$TMP/fake-pilot"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$PY3" "$HERE/fake_pilot_e2e.py" > "$FAKE"
chmod +x "$FAKE"
cat > "$TMP/base.json" <<'EOF'
{ "name": "fake-e2e",
  "workload": { "type": "end_to_end", "model": "bigbird-base", "seq_len": 4096, "out_len": 128, "batch": 512,
                "pattern": "bigbird", "systems": ["gpu", "pilot"] },
  "pim": { "sram_bytes": 2048 } }
EOF
cat > "$TMP/four.json" <<'EOF'
{ "name": "four", "scenario": "base.json", "grid": { "sram_bytes": [2048, 4096, 8192, 16384] },
  "systems": ["gpu", "pilot"] }
EOF
export FAKE_PILOT_LOG="$TMP/runs.log"
sweep() { "$PILOT" sweep --pilot "$FAKE" "$TMP/four.json" --jobs 1 "$@"; }
runs() { [ -f "$FAKE_PILOT_LOG" ] && wc -l < "$FAKE_PILOT_LOG" || echo 0; }

sweep --out "$TMP/whole" >/dev/null 2>&1 || fail "uninterrupted sweep"

# Interrupt once two points are finished (each point takes 1 s), while the third runs.
interrupt() {   # interrupt SIGNAL DIR
  rm -f "$FAKE_PILOT_LOG"
  # (the program itself in the background, not a function: $! must be the sweep's pid)
  FAKE_PILOT_SLEEP=1 "$PILOT" sweep --pilot "$FAKE" "$TMP/four.json" --jobs 1 --out "$2" >"$TMP/out" 2>"$TMP/err" &
  local pid=$! t=0
  until [ -e "$2/points/1.done" ]; do
    sleep 0.1; t=$((t + 1)); [ $t -lt 200 ] || { kill -KILL $pid; fail "sweep made no progress"; }
  done
  sleep 0.3
  kill -"$1" $pid
  wait $pid; local rc=$?
  [ $rc -eq $((128 + $(kill -l "$1"))) ] || { cat "$TMP/err" >&2; fail "interrupted sweep: exit status $rc"; }
  grep -q "interrupted by signal" "$TMP/err" || { cat "$TMP/out" "$TMP/err" >&2; ls -R "$2" >&2; fail "no interruption message"; }
}
interrupt TERM "$TMP/cut"
# The stopped point's own child died with it: it never leaves its late file.
sleep 1.5
[ -e "$TMP/cut/points/1.json.late" ] || fail "the fake point's child leaves no late file: the check below is void"
[ ! -e "$TMP/cut/points/2.json.late" ] || fail "a stopped point's child went on writing into the output folder"
ls "$TMP/cut/" | grep -q '\.tmp\.' && fail "a temporary file was left in the output folder"
"$PY3" - "$TMP/cut" <<'PY' || fail "results of the interrupted sweep"
import csv, json, sys
d = sys.argv[1]
doc = json.load(open(d + "/results.json"))
status = [p["status"] for p in doc["points"]]
assert status[:2] == ["ok", "ok"] and set(status[2:]) == {"interrupted"}, status
rows = list(csv.DictReader(open(d + "/results.csv")))
assert sorted({r["point"] for r in rows}) == ["0", "1"], rows
PY

# The same command resumes: points 0 and 1 are kept, 2 and 3 run.
rm -f "$FAKE_PILOT_LOG"
sweep --out "$TMP/cut" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" >&2; fail "resumed sweep"; }
grep -q "2 finished point(s) kept" "$TMP/out" || { cat "$TMP/out" >&2; fail "no kept points reported"; }
[ "$(runs)" -eq 2 ] || fail "resumed sweep ran $(runs) points, not 2"
for f in results.csv results.json; do
  cmp "$TMP/whole/$f" "$TMP/cut/$f" || fail "$f after resuming differs from the uninterrupted run"
done
# Nothing left to do: nothing runs. --force reruns everything.
rm -f "$FAKE_PILOT_LOG"
sweep --out "$TMP/cut" >/dev/null 2>&1 || fail "third sweep"
[ "$(runs)" -eq 0 ] || fail "a finished sweep reran $(runs) points"
sweep --out "$TMP/cut" --force >/dev/null 2>&1 || fail "--force"
[ "$(runs)" -eq 4 ] || fail "--force ran $(runs) points, not 4"
# A changed input (the base scenario) reruns every point that reads it.
sed -i 's/"out_len": 128/"out_len": 256/' "$TMP/base.json"
rm -f "$FAKE_PILOT_LOG"
sweep --out "$TMP/cut" >/dev/null 2>&1 || fail "sweep after an input changed"
[ "$(runs)" -eq 4 ] || fail "changed input: $(runs) points ran, not 4"
sed -i 's/"out_len": 256/"out_len": 128/' "$TMP/base.json"

# SIGINT (Ctrl-C) likewise; a point whose result was damaged after it finished is rerun.
interrupt INT "$TMP/cut2"
echo '{ "truncated' > "$TMP/cut2/points/0.json"
rm -f "$FAKE_PILOT_LOG"
sweep --out "$TMP/cut2" >/dev/null 2>&1 || fail "sweep resumed after SIGINT"
[ "$(runs)" -eq 3 ] || fail "after SIGINT and a damaged result: $(runs) points ran, not 3"
for f in results.csv results.json; do
  cmp "$TMP/whole/$f" "$TMP/cut2/$f" || fail "$f after SIGINT and resume differs from the uninterrupted run"
done

# merge checks what it joins: rows edited by hand, a shard labelled 9/2, a shard given as --out.
tamper() {   # tamper 'python statement on d' FILE
  "$PY3" - "$TMP/whole/results.json" "$2" "$1" <<'PY'
import json, sys
src, dst, stmt = sys.argv[1:]
d = json.load(open(src))
exec(stmt)
json.dump(d, open(dst, "w"), indent=2)
PY
}
tamper 'd["rows"][0]["time_ns"] = "abc"; d["rows"][1]["system"] = "tpu"' "$TMP/t1.json"
expect_fail "$TMP/t1.json: /rows/0/time_ns: must be a finite number >= 0 or null (got \"abc\")" "$PILOT" merge --out "$TMP/m" "$TMP/t1.json"
grep -qF "$TMP/t1.json: /rows/1/system: unknown system \"tpu\"" "$TMP/err" || fail "merge took system \"tpu\""
tamper 'd["shard"] = {"index": 9, "count": 2}' "$TMP/t2.json"
expect_fail "$TMP/t2.json: /shard: must be {\"index\": K, \"count\": N} with 1 <= K <= N" "$PILOT" merge --out "$TMP/m" "$TMP/t2.json"
[ ! -e "$TMP/m" ] || fail "a refused merge wrote its output"
cp -r "$TMP/whole" "$TMP/w2"
expect_fail "$TMP/w2/results.json: --out: is an input of this command" "$PILOT" merge --out "$TMP/w2" "$TMP/w2"
echo ok
