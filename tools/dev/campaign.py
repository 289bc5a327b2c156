#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Adversarial input campaign against the pilot CLI (issue 14): about 900 bad or extreme inputs,
generated from a fixed seed, each run with a time limit and classified:

  crash            the process died of a signal or exited with a status >= 128
  hang             still running at the time limit
  silent           exit 0 on an input that is wrong (the mutation's expectation says so)
  off-format       stderr not one line per problem in a documented form:
                   `file: /json/pointer: reason`, `file: line N: reason`, `PATH: --option: reason`,
                   or raw library text (`[json.exception`, SystemC's `Error: (E`, `In file:`),
                   or more than 3 lines for one edit of a file (one problem reported many times)
  refused-valid    a control input (valid) refused

File kinds: scenario (traffic, decode, prefill), end-to-end scenario, memspec (ours, DRAMSys's),
mapping (ours, DRAMSys's), model, GPU, energy, sweep, DRAMSys mcconfig; plus `--set` values,
traces, output paths, merges of tampered shards and workloads scaled past the memory.

Usage: campaign.py PILOT [--jobs N] [--limit-s S] [--max N] [--seed S] [--list] [--keep DIR]
Prints a table of counts per class and per kind; exits 1 when any class is non-zero.
"""
import argparse
import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
W = os.path.join(ROOT, "workloads")

WRONG, EITHER, OK = "wrong", "either", "ok"


MAX_LINES = 3  # for one edit: its own line, and what a misspelled key leaves missing


class Case:
    single = False

    def __init__(self, kind, name, argv, expect, files=None, setup=None):
        self.kind, self.name, self.argv, self.expect = kind, name, argv, expect
        self.files = files or {}  # path -> text written before the run
        self.setup = setup  # callable(dir) run before


# ------------------------------------------------------------------ JSON mutations

def pointers(v, p=""):
    """Every (pointer, value) of a JSON document, containers included."""
    yield p, v
    if isinstance(v, dict):
        for k, x in v.items():
            yield from pointers(x, p + "/" + k.replace("~", "~0").replace("/", "~1"))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from pointers(x, p + "/" + str(i))


def split(p):
    return [t.replace("~1", "/").replace("~0", "~") for t in p.split("/")[1:]]


def put(doc, p, value):
    doc = copy.deepcopy(doc)
    parts = split(p)
    if not parts:
        return value
    cur = doc
    for t in parts[:-1]:
        cur = cur[int(t)] if isinstance(cur, list) else cur[t]
    last = parts[-1]
    if isinstance(cur, list):
        cur[int(last)] = value
    else:
        cur[last] = value
    return doc


def remove(doc, p):
    doc = copy.deepcopy(doc)
    parts = split(p)
    cur = doc
    for t in parts[:-1]:
        cur = cur[int(t)] if isinstance(cur, list) else cur[t]
    if isinstance(cur, list):
        del cur[int(parts[-1])]
    else:
        del cur[parts[-1]]
    return doc


def rename(doc, p, new):
    doc = copy.deepcopy(doc)
    parts = split(p)
    cur = doc
    for t in parts[:-1]:
        cur = cur[int(t)] if isinstance(cur, list) else cur[t]
    cur[new] = cur.pop(parts[-1])
    return doc


# Fields where a value of another JSON type is part of the format, or free text, or where a
# number's sign or size has a documented meaning: (kind, pointer regex) -> the mutations that
# are therefore not wrong, with the reason.
ALLOWED = [
    # Free text: any string, empty included.
    (r".*", r".*/(name|description|notes|memoryId)$", {"empty", "word"}, "free text"),
    # Seeds are any unsigned 64-bit number.
    (r".*", r".*/seed$", {"zero"}, "any seed"),
    # Fractions may be 0.
    (r".*", r".*fraction$", {"zero", "half"}, "a fraction"),
    # Real-valued fields take 0.5.
    (r".*", r".*", {"half_real"}, "a real number"),
    # A GPU file's published curves are (x, y) points of reals: 8192.5 is an x like any other.
    (r"gpu", r"/attention/.*/[0-9]+/[0-9]+$", {"half"}, "a curve point (real)"),
]


def allowed(kind, ptr, mutation):
    for k, pr, muts, _ in ALLOWED:
        if re.match(k, kind) and re.match(pr, ptr) and mutation in muts:
            return True
    return False


def value_mutations(v):
    """(label, new value, expectation) for one JSON value."""
    out = []
    if isinstance(v, bool):
        out += [("wrongtype_num", 1, WRONG), ("wrongtype_str", "true", WRONG), ("null", None, WRONG)]
    elif isinstance(v, int):
        out += [("neg", -1, WRONG), ("zero", 0, EITHER), ("huge", 1e300, WRONG),
                ("int_overflow", 18446744073709551616, WRONG), ("half", v + 0.5, WRONG),
                ("wrongtype_str", str(v), WRONG), ("wrongtype_bool", True, WRONG), ("null", None, WRONG),
                ("wrongtype_arr", [v], WRONG), ("wrongtype_obj", {"v": v}, WRONG)]
    elif isinstance(v, float):
        out += [("neg", -abs(v) - 1.0, WRONG), ("zero", 0.0, EITHER), ("huge", 1e300, WRONG),
                ("half_real", v * 0.5, EITHER), ("wrongtype_str", str(v), WRONG), ("null", None, WRONG),
                ("wrongtype_bool", False, WRONG)]
    elif isinstance(v, str):
        out += [("wrongtype_num", 7, WRONG), ("empty", "", EITHER), ("word", "no-such-value-xyz", EITHER),
                ("null", None, WRONG), ("wrongtype_arr", [v], WRONG), ("wrongtype_bool", False, WRONG)]
    elif isinstance(v, list):
        out += [("empty", [], EITHER), ("wrongtype_str", "x", WRONG), ("wrongtype_obj", {}, WRONG),
                ("null", None, EITHER)]
    elif isinstance(v, dict):
        out += [("wrongtype_arr", [], WRONG), ("wrongtype_num", 3, WRONG)]
    return out


def json_cases(kind, base, rng, budget, cmd, ext=".json", wrong_words=()):
    """Mutations of one JSON file, sampled down to `budget`; `cmd(path)` gives the argv."""
    cases = []
    for ptr, v in pointers(base):
        if ptr == "":
            continue
        for label, nv, exp in value_mutations(v):
            if exp == WRONG and allowed(kind, ptr, label):
                exp = EITHER
            if exp == EITHER and label == "word" and any(re.search(w, ptr) for w in wrong_words):
                exp = WRONG  # an enumerated value: a word not in the list is wrong
            cases.append((f"{ptr} {label}", put(base, ptr, nv), exp))
        key = split(ptr)[-1]
        if not re.fullmatch(r"\d+", key):
            cases.append((f"{ptr} misspelled", rename(base, ptr, key + "x"), WRONG))
            cases.append((f"{ptr} deleted", remove(base, ptr), EITHER))
        if isinstance(v, dict):
            cases.append((f"{ptr} unknown key", put(base, ptr, dict(v, zz_unknown=1)), WRONG))
    cases.append(("/ unknown key", dict(base, zz_unknown=1), WRONG))
    rng.shuffle(cases)
    cases = sorted(cases[:budget], key=lambda c: c[0])
    out = []
    for i, (label, doc, exp) in enumerate(cases):
        name = f"{kind}-{i}{ext}"
        out.append(Case(kind, label, cmd(name), exp, files={name: json.dumps(doc, indent=1)}))
        out[-1].single = True  # one edit: at most MAX_LINES lines of error
    # Whole-file damage: every kind refuses it.
    text = json.dumps(base, indent=1)
    damaged = [("truncated", text[: len(text) // 2]), ("empty file", ""), ("array", "[]"), ("null", "null"),
               ("number 1e400", "1e400"), ("deep nesting", "[" * 100000 + "]" * 100000),
               ("deep under a key", text.rstrip()[:-1] + ', "zz": ' + "[" * 100000 + "]" * 100000 + "}"),
               ("binary", "\x00\x01\x02\xff"), ("trailing garbage", text + " }}"),
               ("duplicate key", text.rstrip()[:-1] + ', "name": "again", "name": "twice"}'),
               ("not utf-8", text.replace('"', '"\udcff', 1))]  # a raw 0xFF byte in the first string
    for label, t in damaged:
        name = f"{kind}-d{len(out)}{ext}"
        exp = WRONG
        out.append(Case(kind, "file " + label, cmd(name), exp, files={name: t}))
    return out


def load(path):
    with open(path) as f:
        return json.load(f)


def absolutise(doc, base_dir, keys):
    """Relative file references made absolute, so mutated copies live anywhere."""
    for ptr, v in list(pointers(doc)):
        if isinstance(v, str) and split(ptr) and split(ptr)[-1] in keys and not os.path.isabs(v):
            doc = put(doc, ptr, os.path.normpath(os.path.join(base_dir, v)))
    return doc


# ------------------------------------------------------------------ the campaign


def build(pilot, rng, fake):
    scen_dir = os.path.join(W, "scenarios")
    refs = {"memspec", "mapping", "gpu", "scenario", "energy", "mcconfig"}
    V = lambda name: [pilot, "validate", name]  # noqa: E731
    cases = []

    traffic = absolutise(load(os.path.join(scen_dir, "hbm3-mixed.json")), scen_dir, refs)
    traffic["traffic"]["requests"] = 200
    decode = absolutise(load(os.path.join(scen_dir, "decode-tiny.json")), scen_dir, refs)
    prefill = absolutise(load(os.path.join(scen_dir, "prefill-bigbird-small.json")), scen_dir, refs)
    e2e = absolutise(load(os.path.join(scen_dir, "e2e-tiny.json")), scen_dir, refs)
    enums = (r"/type$", r"/pattern/kind$", r"/mode$", r"/tiling$", r"/kernel$", r"/exp$", r"/accumulation$",
             r"page_policy$", r"/scheduler$", r"/refresh$", r"/systems/\d+$", r"/gpu_attention$",
             r"memoryType$", r"PagePolicy$", r"Scheduler", r"RefreshPolicy$", r"PowerDownPolicy$",
             r"Arbiter$", r"CmdMux$", r"RespQueue$", r"/pattern$", r"/model$")
    cases += json_cases("scenario", traffic, rng, 90, V, wrong_words=enums)
    cases += json_cases("scenario-decode", decode, rng, 60, V, wrong_words=enums)
    cases += json_cases("scenario-prefill", prefill, rng, 60, V, wrong_words=enums)
    cases += json_cases("e2e", e2e, rng, 80, V, wrong_words=enums)
    cases += json_cases("memspec", load(os.path.join(W, "memspecs/hbm3-5200.json")), rng, 90, V, wrong_words=enums)
    cases += json_cases("memspec-dramsys", load(os.path.join(W, "memspecs/dramsys/hbm2-dramsys.json")), rng, 60, V,
                        wrong_words=enums)
    cases += json_cases("mapping", load(os.path.join(W, "mappings/hbm3-channel-interleaved.json")), rng, 50, V)
    cases += json_cases("mapping-dramsys", load(os.path.join(W, "mappings/dramsys/hbm2-dramsys-mapping.json")),
                        rng, 40, V)
    cases += json_cases("model", load(os.path.join(W, "models/llama2-7b.json")), rng, 60, V, wrong_words=enums)
    cases += json_cases("gpu", load(os.path.join(W, "gpus/a100-80gb.json")), rng, 50, V, wrong_words=enums)
    cases += json_cases("energy", load(os.path.join(W, "energy/hbm3-pim.json")), rng, 50, V)
    sweep = {"name": "tiny", "scenario": os.path.join(scen_dir, "e2e-tiny.json"), "systems": ["gpu", "pilot"],
             "grid": {"sram_bytes": [2048, 4096]}}
    cases += json_cases("sweep", sweep, rng, 30, V, wrong_words=enums)
    cases += json_cases("mcconfig", load(os.path.join(W, "mcconfigs/dramsys/fr_fcfs.json")), rng, 40, V,
                        wrong_words=enums)

    cases += set_cases(pilot, traffic, decode)
    cases += trace_cases(pilot)
    cases += output_cases(pilot, traffic)
    cases += scale_cases(pilot, decode, prefill, e2e)
    merges, prepare = merge_cases(pilot, fake)
    cases += merges
    # Controls: the bases themselves are valid.
    for kind, doc in [("scenario", traffic), ("scenario-decode", decode), ("e2e", e2e)]:
        cases.append(Case(kind, "control", V(f"{kind}-control.json"), OK,
                          files={f"{kind}-control.json": json.dumps(doc)}))
    return cases, prepare


def set_cases(pilot, traffic, decode):
    cases = []
    # `run` reads --set as it reads the file (validate takes no --set); a refused input runs nothing.
    run = lambda *sets: [pilot, "run", "set-base.json", "--out", "o.json"] + [a for s in sets for a in ("--set", s)]  # noqa: E731
    files = {"set-base.json": json.dumps(traffic)}
    bad = ["/traffic/requests=-1", "/traffic/requests=0", "/traffic/requests=1e400", "/traffic/requests=\"x\"",
           "/traffic/requests=1.5", "/traffic/requests=", "/traffic/requests", "traffic/requests=1",
           "=5", "/traffic/nope=1", "/nope/deeper=1", "/traffic/requests=[" + "[" * 30000 + "]" * 30000 + "]",
           "/traffic/read_fraction=2", "/traffic/read_fraction=-0.1", "/traffic/pattern=\"zigzag\"",
           "/system/memspec=\"/no/such/file.json\"", "/system/pseudo_channels=3", "/system/pseudo_channels=33",
           "/controller/page_policy=\"sometimes\"", "/controller/refresh=\"never\"", "/traffic=null",
           "/traffic/request_bytes=3", "/traffic/request_bytes=1048577", "/system=[]", "/traffic/seed=-1",
           "/traffic/requests={\"a\":1}", "/traffic/requests=true", "/traffic/requests=18446744073709551616",
           "/traffic/interval_ns=-5", "/traffic/requests=1 2", "/traffic/requests=1e12"]
    for s in bad:
        cases.append(Case("--set", s[:60], run(s), WRONG, files=files))
    cases.append(Case("--set", "control", run("/traffic/requests=10"), OK, files=files))
    dfiles = {"set-decode.json": json.dumps(decode)}
    drun = lambda s: [pilot, "run", "set-decode.json", "--out", "o.json", "--set", s]  # noqa: E731
    for s in ["/workload/batch=0", "/workload/head_dim=17", "/workload/head_dim=4096", "/workload/context=0",
              "/workload/heads=3", "/workload/kv_heads=0", "/workload/mode=\"fast\"", "/workload/tiling=1",
              "/workload/sparse={\"sink\":-1}", "/workload/head_spread=9", "/workload/kernel=\"tpu\"",
              "/workload/sparse={\"window\":\"all\"}", "/workload/type=\"encode\"", "/workload=[]"]:
        cases.append(Case("--set", s[:60], drun(s), WRONG, files=dfiles))
    return cases


def trace_cases(pilot):
    cases = []
    header = "# campaign trace\n"
    lines = {
        "bad command": "0: fetch 0x0\n", "no colon": "0 read 0x0\n", "bad hex": "0: read 0xZZ\n",
        "negative time": "-5: read 0x0\n", "huge length": "0: (4294967295) read 0x0\n",
        "length 0": "0: (0) read 0x0\n", "length not a number": "0: (abc) read 0x0\n",
        "huge time": "1000000000000: read 0x0\n", "time past 2^64": "18446744073709551617: read 0x0\n",
        "time 1e300": "1e300: read 0x0\n", "address past capacity": "0: read 0xFFFFFFFFFFFF\n",
        "address past 2^64": "0: read 0x1FFFFFFFFFFFFFFFF\n", "write data short": "0: (64) write 0x0 0x00\n",
        "write data not hex": "0: write 0x0 0xGG\n", "write data too long": "0: (32) write 0x0 0x" + "00" * 64 + "\n",
        "missing address": "0: read\n", "extra field": "0: read 0x0 0x0 0x0 zz\n", "only a colon": ":\n",
        "unaligned crossing burst": "0: (64) read 0x10\n", "line of 3 MiB": "0: read 0x0 " + "x" * (3 << 20) + "\n",
        "binary": "\x00\x01\x02\n", "tab garbage": "\t\t:\t\n", "time not a number": "abc: read 0x0\n",
        "length over 1 MiB": "0: (2097152) read 0x0\n", "negative length": "0: (-64) read 0x0\n",
        "time decreasing": "100: read 0x0\n50: read 0x20\n",
    }
    either = {"time decreasing", "unaligned crossing burst"}
    for i, (label, body) in enumerate(sorted(lines.items())):
        for ext in (".stl", ".rstl"):
            name = f"trace-{i}{ext}"
            exp = EITHER if label in either else WRONG
            cases.append(Case("trace", f"{label} ({ext})", [pilot, "replay", name, "--out", f"trace-{i}{ext}.out.json"],
                              exp, files={name: header + "0: read 0x0\n" + body}))
    cases.append(Case("trace", "/dev/zero", [pilot, "replay", "/dev/zero"], WRONG))
    cases.append(Case("trace", "missing file", [pilot, "replay", "no-such.stl"], WRONG))
    cases.append(Case("trace", "a folder", [pilot, "replay", "."], WRONG))
    cases.append(Case("trace", "empty trace", [pilot, "replay", "empty.stl"], EITHER, files={"empty.stl": ""}))
    cases.append(Case("trace", "control", [pilot, "replay", "ok.stl", "--out", "ok.stl.json"], OK,
                      files={"ok.stl": header + "0: read 0x0\n10: write 0x40 0x" + "ab" * 32 + "\n"}))
    return cases


def output_cases(pilot, traffic):
    cases = []
    f = {"out-base.json": json.dumps(traffic), "t.stl": "0: read 0x0\n"}
    runs = [
        ("run --out /dev/full", ["run", "out-base.json", "--out", "/dev/full"]),
        ("run --vcd /dev/full", ["run", "out-base.json", "--vcd", "/dev/full", "--out", "o1.json"]),
        ("run --out = input", ["run", "out-base.json", "--out", "out-base.json"]),
        ("run --out missing dir", ["run", "out-base.json", "--out", "no/such/dir/o.json"]),
        ("run --out a folder", ["run", "out-base.json", "--out", "."]),
        ("run --out twice", ["run", "out-base.json", "--out", "o2.json", "--vcd", "o2.json"]),
        ("replay --out = input", ["replay", "t.stl", "--out", "t.stl"]),
        ("replay --out /dev/full", ["replay", "t.stl", "--out", "/dev/full"]),
        ("replay --vcd /dev/full", ["replay", "t.stl", "--vcd", "/dev/full", "--out", "o3.json"]),
        ("replay --out missing dir", ["replay", "t.stl", "--out", "nope/o.json"]),
        ("analyze --out /dev/full", ["analyze", os.path.join(W, "scenarios/prefill-bigbird-small.json"),
                                     "--out", "/dev/full"]),
        ("analyze --out missing dir", ["analyze", os.path.join(W, "scenarios/prefill-bigbird-small.json"),
                                       "--out", "nope/a.json"]),
        ("run --trace /dev/full", ["run", os.path.join(W, "scenarios/decode-tiny.json"), "--trace", "/dev/full",
                                   "--out", "o4.json", "--set", "/workload/mode=\"timing\""]),
        ("sweep --out a file", ["sweep", "sw.json", "--out", "t.stl"]),
        ("merge --out = a shard", ["merge", "--out", "t.stl", "t.stl"]),
    ]
    f["sw.json"] = json.dumps({"name": "x", "scenario": os.path.join(W, "scenarios/e2e-tiny.json"),
                               "systems": ["gpu"], "grid": {"sram_bytes": [2048]}})
    for label, argv in runs:
        cases.append(Case("output", label, [pilot] + argv, WRONG, files=f))
    return cases


def scale_cases(pilot, decode, prefill, e2e):
    cases = []
    timing = ["--set", "/workload/mode=\"timing\""]
    for label, doc, sets in [
        ("decode batch 2^20", decode, ["/workload/batch=1048576"]),
        ("decode context 2^24", decode, ["/workload/context=16777216"]),
        ("decode heads 1024 context 2^22", decode, ["/workload/heads=1024", "/workload/kv_heads=1024",
                                                    "/workload/context=4194304"]),
        ("prefill context 2^24", prefill, ["/workload/context=16777216"]),
        ("prefill batch 2^20", prefill, ["/workload/batch=1048576"]),
        ("e2e batch 2^20", e2e, ["/workload/batch=1048576"]),
        ("e2e seq_len 2^24", e2e, ["/workload/seq_len=16777216"]),
    ]:
        name = "scale-" + re.sub(r"\W+", "-", label) + ".json"
        argv = [a for s in sets for a in ("--set", s)]
        extra = timing if doc is not e2e else []
        scaled = doc
        for s in sets + (["/workload/mode=\"timing\""] if doc is not e2e else []):
            ptr, value = s.split("=", 1)
            scaled = put(scaled, ptr, json.loads(value))
        cases.append(Case("scaled", "validate " + label, [pilot, "validate", "v" + name], WRONG,
                          files={"v" + name: json.dumps(scaled)}))
        cases.append(Case("scaled", "run " + label, [pilot, "run", name, "--out", name + ".out"] + argv + extra,
                          WRONG, files={name: json.dumps(doc)}))
    return cases


def merge_cases(pilot, fake):
    """Shards of a real two-point sweep (the points run a stand-in for the end-to-end runner),
    then tampered: rows, labels, files missing."""
    cases = []

    def shards(d):
        base = {"name": "fake-e2e", "workload": {"type": "end_to_end", "model": "bigbird-base", "seq_len": 4096,
                                                 "out_len": 128, "batch": 512, "pattern": "bigbird",
                                                 "systems": ["gpu"]}, "pim": {"sram_bytes": 2048}}
        with open(os.path.join(d, "base.json"), "w") as f:
            json.dump(base, f)
        with open(os.path.join(d, "two.json"), "w") as f:
            json.dump({"name": "two", "scenario": "base.json", "grid": {"model": ["bigbird-base", "llama2-7b"]},
                       "systems": ["gpu", "pilot"]}, f)
        for k in (1, 2):
            subprocess.run([pilot, "sweep", "--pilot", fake, os.path.join(d, "two.json"), "--out",
                            os.path.join(d, f"s{k}"), "--shard", f"{k}/2", "--no-plots"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def tamper(path, fn):
        def setup(d):
            for k in (1, 2):
                src = os.path.join(d, "..", "shards", f"s{k}")
                shutil.copytree(src, os.path.join(d, f"s{k}"))
            fn(os.path.join(d, path))
        return setup

    def edit_json(fn):
        def f(p):
            with open(p) as fh:
                doc = json.load(fh)
            doc = fn(doc)
            with open(p, "w") as fh:
                json.dump(doc, fh)
        return f

    def edit_text(fn):
        def f(p):
            with open(p) as fh:
                t = fh.read()
            with open(p, "w") as fh:
                fh.write(fn(t))
        return f

    def row0(key, value):
        def fn(doc):
            rows = doc["rows"] if isinstance(doc, dict) and "rows" in doc else doc
            rows[0][key] = value
            return doc
        return fn

    def label(value):
        def fn(doc):
            doc["shard"] = value
            return doc
        return fn

    tampers = [
        ("time_ns abc", "s1/results.json", edit_json(row0("time_ns", "abc"))),
        ("time_ns negative", "s1/results.json", edit_json(row0("time_ns", -1))),
        ("system tpu", "s1/results.json", edit_json(row0("system", "tpu"))),
        ("phase unknown", "s1/results.json", edit_json(row0("phase", "warmup"))),
        ("row null", "s1/results.json", edit_json(lambda d: (d["rows"].__setitem__(0, None), d)[1]
                                                   if isinstance(d, dict) and "rows" in d else d)),
        ("shard 9/2", "s1/results.json", edit_json(label("9/2"))),
        ("shard 0/2", "s1/results.json", edit_json(label("0/2"))),
        ("shard x", "s1/results.json", edit_json(label("x"))),
        ("json truncated", "s1/results.json", edit_text(lambda t: t[: len(t) // 2])),
        ("json empty", "s1/results.json", edit_text(lambda t: "")),
        ("json deep", "s1/results.json", edit_text(lambda t: "[" * 100000 + "]" * 100000)),
        ("json array", "s1/results.json", edit_text(lambda t: "[]")),
        ("json removed", "s1/results.json", lambda p: os.remove(p)),
        ("same shard twice", "s2", lambda p: (shutil.rmtree(p), shutil.copytree(os.path.join(os.path.dirname(p), "s1"), p))),
    ]
    def prepare(d):
        os.makedirs(os.path.join(d, "shards"), exist_ok=True)
        shards(os.path.join(d, "shards"))
    for i, (lab, path, fn) in enumerate(tampers):
        cases.append(Case("merge", lab, [pilot, "merge", "--out", f"m{i}", "s1", "s2", "--no-plots"], WRONG,
                          setup=tamper(path, fn)))
    cases.append(Case("merge", "control", [pilot, "merge", "--out", "mc", "s1", "s2", "--no-plots"], OK,
                      setup=tamper("s1", lambda p: None)))
    cases.append(Case("merge", "missing shard 2/2", [pilot, "merge", "--out", "mm", "s1", "--no-plots"], WRONG,
                      setup=tamper("s1", lambda p: None)))
    return cases, prepare


# ------------------------------------------------------------------ running and judging

FORMS = [  # the file part holds no ": " (a prefix such as "error: " is not the file)
    re.compile(r"^[^:\s][^:]*: /\S*: \S.*$"),  # file: /json/pointer: reason
    re.compile(r"^[^:\s][^:]*: line \d+: \S.*$"),  # trace file: line N: reason
    re.compile(r"^[^:\s][^:]*: --[a-z-]+: \S.*$"),  # PATH: --option: reason
]
RAW = [re.compile(p) for p in (r"\[json\.exception", r"Error: \(E\d+\)", r"In file: ", r"terminate called",
                                r"what\(\):", r"Aborted", r"std::", r"basic_string")]


def named(case, line):
    """`PATH: reason` where PATH is a file or folder the command line names (or one of the
    input files): a write that failed, a file that cannot be opened."""
    paths = set(case.argv[1:]) | set(case.files)
    return any(line.startswith(p + ": ") and len(line) > len(p) + 2 for p in paths if p)


def judge(case, rc, err, timed_out):
    """The classes the result falls in (empty: fine)."""
    if timed_out:
        return ["hang"]
    if rc < 0 or rc >= 128 or re.search(r"AddressSanitizer|LeakSanitizer|: runtime error: ", err):
        return ["crash"]
    out = []
    lines = [l for l in err.splitlines() if l.strip()]
    if rc == 0:
        if case.expect == WRONG:
            out.append("silent")
        return out
    if case.expect == OK:
        out.append("refused-valid")
    if not lines or any(r.search(l) for l in lines for r in RAW) or \
            not all(any(f.match(l) for f in FORMS) or named(case, l) for l in lines) or \
            len(set(lines)) != len(lines) or (case.single and len(lines) > MAX_LINES):
        out.append("off-format")
    return out


def run_case(case, pilot_dir, limit_s, idx):
    d = os.path.join(pilot_dir, f"c{idx}")
    os.makedirs(d, exist_ok=True)
    for name, text in case.files.items():
        with open(os.path.join(d, name), "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
    if case.setup:
        case.setup(d)
    t0 = time.monotonic()
    try:
        p = subprocess.run(case.argv, cwd=d, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=limit_s, env=dict(os.environ, PILOT_PYTHON="/bin/false"))
        rc, err, to = p.returncode, p.stderr.decode("utf-8", "replace"), False
    except subprocess.TimeoutExpired as e:
        rc, err, to = None, (e.stderr or b"").decode("utf-8", "replace"), True
    dt = time.monotonic() - t0
    shutil.rmtree(d, ignore_errors=True)
    return judge(case, rc, err, to), rc, err, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pilot")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit-s", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--max", type=int, default=0, help="run only every k-th case so that at most N run")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print every flagged case with its stderr")
    a = ap.parse_args()
    pilot = os.path.abspath(a.pilot)
    rng = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix="pilot-campaign-")
    fake = os.path.join(tmp, "fake-pilot")
    with open(fake, "w") as f:
        f.write('#!/bin/sh\nexec /usr/bin/python3 "%s" "$@"\n' % os.path.join(ROOT, "test/cli/fake_pilot_e2e.py"))
    os.chmod(fake, 0o755)
    try:
        cases, prepare = build(pilot, rng, fake)
        if a.max and len(cases) > a.max:
            step = (len(cases) + a.max - 1) // a.max
            cases = cases[::step]
        if a.list:
            for c in cases:
                print(f"{c.kind:18} {c.expect:6} {c.name}  ::  {' '.join(c.argv[1:])[:100]}")
            return 0
        t0 = time.monotonic()
        prepare(tmp)
        with ThreadPoolExecutor(a.jobs) as ex:
            results = list(ex.map(lambda ic: run_case(ic[1], tmp, a.limit_s, ic[0]), enumerate(cases)))
        wall = time.monotonic() - t0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    classes = ["crash", "hang", "silent", "off-format", "refused-valid"]
    kinds = sorted({c.kind for c in cases})
    table = {k: {cl: 0 for cl in classes} for k in kinds}
    tried = {k: 0 for k in kinds}
    flagged = []
    for c, (cls, rc, err, dt) in zip(cases, results):
        tried[c.kind] += 1
        for cl in cls:
            table[c.kind][cl] += 1
        if cls:
            flagged.append((c, cls, rc, err))
    print(f"{'kind':18} {'tried':>6} " + " ".join(f"{cl:>13}" for cl in classes))
    for k in kinds:
        print(f"{k:18} {tried[k]:6} " + " ".join(f"{table[k][cl]:13}" for cl in classes))
    tot = {cl: sum(table[k][cl] for k in kinds) for cl in classes}
    print(f"{'total':18} {len(cases):6} " + " ".join(f"{tot[cl]:13}" for cl in classes))
    n = {e: sum(c.expect == e for c in cases) for e in (WRONG, EITHER, OK)}
    print(f"{len(cases)} inputs in {wall:.1f} s (seed {a.seed}, {a.jobs} jobs, limit {a.limit_s:g} s): "
          f"{n[WRONG]} wrong (must be refused), {n[EITHER]} either way, {n[OK]} valid controls")
    for c, cls, rc, err in flagged:
        print(f"FLAGGED {','.join(cls)} [{c.kind}] {c.name} (exit {rc}): {' '.join(c.argv[1:])[:160]}")
        for l in err.splitlines()[:4]:
            print("    " + l[:300])
    return 1 if any(tot.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
