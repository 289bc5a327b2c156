#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lays out DRAMSys v5.1's resource directory for the like-for-like runs (compare-dramsys.sh,
# replay-speed.sh): OUT/res/{memspec,addressmapping,mcconfig,simconfig,traces} from the files
# PILOT-VP ships (workloads/*/dramsys/), and three traces of REQUESTS 64-byte requests, line i
# offered at cycle i (1 GHz): sequential reads, uniformly random reads in a 1 GiB window, random
# with 30% writes (a trace already there is kept).
#   dramsys-layout.sh OUT [REQUESTS]      (REQUESTS: default 1,000,000)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:?output directory}")
n=${2:-1000000}
mkdir -p "$out"/res/{memspec,addressmapping,mcconfig,simconfig,traces}
cp "$root"/workloads/memspecs/dramsys/v5.1/HBM2.json "$out"/res/memspec/
cp "$root"/workloads/mappings/dramsys/v5.1/*.json "$out"/res/addressmapping/
cp "$root"/workloads/mcconfigs/dramsys/*.json "$out"/res/mcconfig/
cp "$root"/tools/bench/dramsys/simconfig.json "$out"/res/simconfig/
/usr/bin/python3 - "$out/res/traces" "$n" <<'PY'
import os, random, sys
d, n = sys.argv[1], int(sys.argv[2])
gen = {
    "seq": lambda r, i: ("read", i * 64),
    "random": lambda r, i: ("read", r.randrange(1 << 24) * 64),
    "mixed": lambda r, i: ("write" if r.random() < 0.3 else "read", r.randrange(1 << 24) * 64),
}
for name, f in gen.items():
    path = os.path.join(d, name + ".stl")
    if os.path.exists(path):
        continue
    r = random.Random(12345)
    with open(path, "w") as out:
        for i in range(n):
            op, addr = f(r, i)
            out.write(f"{i}: (64) {op} {hex(addr)}\n")
PY
