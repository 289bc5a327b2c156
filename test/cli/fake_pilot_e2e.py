#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Stand-in for `pilot run` on an end-to-end scenario, used by test/cli/sweep_shard_merge.sh
through `pilot sweep --pilot`.

It tests the sweep machinery (processes, sharding, merging, CSV, plots), NOT the models: the
numbers below are made up, deterministic functions of the scenario's values, written in the
results schema of the end-to-end runner (docs/sweeps.md, "What a point's run must write").

Usage: fake_pilot_e2e.py run SCENARIO [--set /json/pointer=value]... [--out FILE]
A point whose model is "fail-on-purpose" exits with status 3 (the sweep's failed-point path).
For the interruption tests (test/cli/reliability_io.sh): FAKE_PILOT_LOG names a file that gets a
line per run; FAKE_PILOT_SLEEP=S makes each run wait S seconds for a child process of its own,
which then leaves OUT.late: a run stopped with its children never leaves one.
"""
import json
import math
import os
import subprocess
import sys

# Model width, for plausible magnitudes only.
HIDDEN = {"bigbird-base": 768, "longformer-base": 768, "led-large": 1024, "llama2-7b": 4096,
          "pythia-12b": 5120, "mistral-7b": 4096}


def set_pointer(doc, pointer, value):
    keys = [k.replace("~1", "/").replace("~0", "~") for k in pointer.split("/")[1:]]
    obj = doc
    for k in keys[:-1]:
        obj = obj.setdefault(k, {})
    obj[keys[-1]] = value


def system_result(name, b, lin, lout, hidden, sram):
    window = min(lin, 512)
    tiles = sram / 1024.0
    gemm = b * (lin + lout) * hidden * hidden * 1e-9
    prefill = b * lin * window * hidden * 2e-6      # the GPU's prefill attention
    decode = b * lout * lin * hidden * 4e-6         # the GPU's decode attention
    attn_bytes = b * lin * window * 2
    if name == "gpu":
        p, d, ip, idec = prefill, decode, 0, 0
    elif name == "attacc":                           # decode attention on PIM, prefill on the GPU
        p, d, ip, idec = prefill, decode / 6, 0, b * lout * lin * 4
    elif name == "pilot":                            # I/O-aware tiles: gains grow with the buffer
        p, d = prefill / (3 + math.log2(tiles)), decode / (8 + math.log2(tiles))
        ip, idec = int(attn_bytes / tiles), int(b * lout * lin * 4 / tiles)
    elif name == "pilot-naive":
        p, d, ip, idec = prefill / 2.5, decode / 7, attn_bytes, b * lout * lin * 4
    else:
        raise SystemExit("fake_pilot_e2e: unknown system %r" % name)
    transfer = 0.0 if name == "gpu" else 0.02 * (p + d)
    idle = 0.0 if name == "gpu" else 0.01 * gemm
    total = gemm + p + d + transfer + idle
    ext = b * (lin + lout) * hidden * 2

    def phase(t, internal):
        return {"time_ns": t, "internal_bytes": internal, "external_bytes": ext}

    return {"phases": {"prefill_attention": phase(p, ip), "decode_attention": phase(d, idec),
                       "end_to_end": phase(total, ip + idec)},
            "breakdown_ns": {"gemm": gemm, "attention": p + d, "transfer_sync": transfer, "idle": idle},
            "energy_j": total * 1e-9 * (300 if name == "gpu" else 250),
            "per_token_latency_ns": total / lout,
            "throughput_tokens_per_s": b * lout / (total * 1e-9)}


def main(argv):
    if len(argv) < 2 or argv[0] != "run":
        print(__doc__, file=sys.stderr)
        return 2
    scenario, sets, out = argv[1], [], None
    i = 2
    while i + 1 < len(argv) and argv[i] in ("--set", "--out"):
        if argv[i] == "--set":
            sets.append(argv[i + 1])
        else:
            out = argv[i + 1]
        i += 2
    if i != len(argv):
        print("fake_pilot_e2e: unexpected argument %r" % argv[i], file=sys.stderr)
        return 2
    with open(scenario) as f:
        doc = json.load(f)
    for s in sets:
        pointer, _, text = s.partition("=")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        set_pointer(doc, pointer, value)
    w = doc["workload"]
    model = w["model"]
    if model == "fail-on-purpose":
        print("fake_pilot_e2e: failing on purpose", file=sys.stderr)
        return 3
    b, lin, lout, sram = w["batch"], w["seq_len"], w["out_len"], doc["pim"]["sram_bytes"]
    e2e = {"model": model, "seq_len": lin, "out_len": lout, "batch": b, "pattern": w["pattern"],
           "sram_bytes": sram, "systems": {}}
    for name in w["systems"]:
        e2e["systems"][name] = system_result(name, b, lin, lout, HIDDEN.get(model, 1024), sram)
    result = {"scenario": doc.get("name", ""), "end_to_end": e2e, "errors": []}
    print("fake end-to-end run of %s: %s, L_in %d, L_out %d, batch %d" % (scenario, model, lin, lout, b))
    if os.environ.get("FAKE_PILOT_LOG"):
        with open(os.environ["FAKE_PILOT_LOG"], "a") as f:
            f.write("run %s sram %d\n" % (model, sram))
    if os.environ.get("FAKE_PILOT_SLEEP") and out:
        subprocess.run(["sh", "-c", 'sleep "$0"; touch "$1"', os.environ["FAKE_PILOT_SLEEP"], out + ".late"],
                       check=True)
    if out:
        with open(out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
