#!/usr/bin/env bash
# The like-for-like scripts against DRAMSys (tools/bench/compare-dramsys.sh, replay-speed.sh) on
# small traces, with a stand-in for DRAMSys that checks it is handed the simulation file in its
# resource directory and prints one bandwidth line as DRAMSys does: every trace, map and
# controller gets its row, and each of the stand-in's runs finds its files.
source "$(dirname "$0")/common.inc"
cat > "$TMP/dramsys" <<'SH'
#!/bin/sh
test -f "$2/$1" && test -f "$2/memspec/HBM2.json" && test -f "$2/mcconfig/fr_fcfs.json" || exit 3
echo "DRAMSys.controller0       AVG BW:         239.31 Gb/s | 29.91  GB/s | 93.48  %"
SH
chmod +x "$TMP/dramsys"
export PILOT
tools/bench/replay-speed.sh "$TMP/dramsys" "$TMP/speed" 1 500 >"$TMP/speed.md" 2>"$TMP/err" \
  || { cat "$TMP/err" >&2; fail "replay-speed.sh"; }
for t in seq random mixed; do
  grep -qE "^\| $t \| [0-9.]+ \| [0-9.]+ \| [0-9.]+x \| [0-9.]+x \|$" "$TMP/speed.md" || fail "replay-speed.sh: no row for $t"
done
tools/bench/compare-dramsys.sh "$TMP/dramsys" "$TMP/compare" 500 >"$TMP/compare.md" 2>"$TMP/err" \
  || { cat "$TMP/err" >&2; fail "compare-dramsys.sh"; }
[ "$(grep -c '^| \(interleaved\|brc\|rbc\) |' "$TMP/compare.md")" = 27 ] || { cat "$TMP/compare.md" >&2; fail "compare-dramsys.sh: 27 rows"; }
grep -q '^| interleaved | random | fr_fcfs | [0-9.]* | 29.91 |' "$TMP/compare.md" || fail "compare-dramsys.sh: DRAMSys bandwidth"
echo "PASS bench_dramsys_scripts"
