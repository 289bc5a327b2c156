#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Refactoring guard: runs every shipped scenario and stores (record) or compares (compare) its
# results JSON with the wall-clock and host-dependent fields removed, so a refactor can prove
# it changed no simulated figure.
#   scenario-equality.sh record DIR [PILOT]    write DIR/<scenario>.json
#   scenario-equality.sh compare DIR [PILOT]   rerun and diff against DIR; exit 1 on any change
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:?record or compare}
dir=${2:?directory}
pilot=${3:-$root/build/release/pilot}
py=/usr/bin/python3
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Fields that depend on the host, not on the model: wall time, speed, memory, paths.
strip='
import json, sys
DROP = {"wall_time_s", "simulator", "peak_rss_MiB", "commands_per_wall_s", "requests_per_wall_s",
        "wall_s", "parts_dir", "scenario_file", "sub_simulations"}
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in DROP}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v
print(json.dumps(clean(json.load(open(sys.argv[1]))), indent=1, sort_keys=True))
'
status=0
# PATTERN (a glob, default *) limits the run to some scenarios: PATTERN="decode-*".
for s in "$root"/workloads/scenarios/${PATTERN:-*}.json; do
  n=$(basename "$s" .json)
  out="$tmp/$n.json"
  if ! "$pilot" run "$s" --out "$out" >/dev/null 2>"$tmp/$n.err"; then
    echo "$n: run failed: $(tail -1 "$tmp/$n.err")"
    echo "FAILED: $(tail -1 "$tmp/$n.err")" >"$out.clean"
  else
    "$py" -c "$strip" "$out" >"$out.clean"
  fi
  if [ "$mode" = record ]; then
    cp "$out.clean" "$dir/$n.json"
  elif ! cmp -s "$out.clean" "$dir/$n.json"; then
    echo "$n: DIFFERS"; { diff "$dir/$n.json" "$out.clean" | head -20 || true; }; status=1
  else
    echo "$n: identical"
  fi
done
exit $status
