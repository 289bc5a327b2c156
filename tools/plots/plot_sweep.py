#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Plots of a `pilot sweep` (or `pilot merge`) results folder, as PNG files.

Usage: plot_sweep.py DIR [--out PLOTDIR]        (PLOTDIR defaults to DIR/plots)

Reads DIR/results.csv (columns: docs/sweeps.md) and writes:
  speedup_prefill_attention.png, speedup_decode_attention.png, speedup_end_to_end.png
        speedup over the GPU per model and system (grouped bars); with both GPU attention
        implementations in the results, one panel each, side by side: "under the paper's
        methodology" (unfused) and "against today's kernels" (flash)
  speedup_vs_seq_len.png, speedup_vs_out_len.png
        speedup over the GPU against L_in (L_out): a panel per phase and model, a line per system
        (dashed under the unfused GPU attention when both are present)
  breakdown_end_to_end.png
        end-to-end time split into GEMM, attention, transfer/sync and idle, per system and model
        (a panel per GPU attention implementation)
  internal_bytes_vs_sram.png
        internal I/O of the attention phases against the PIM buffer size
Where several points share what a plot shows (say, a model swept over L_in in a per-model bar
chart), speedups are combined by geometric mean and times by arithmetic mean; the titles say so.
Points whose rows say fits = false (run with allow_overcommit) are marked with a '*' after
the model name. A plot whose dimension the data lacks (one L_in only, say) is skipped with a message.
Needs python3-matplotlib (Debian); draws with the Agg backend, no display.
"""
import argparse
import csv
import math
import os
import sys
from collections import OrderedDict

PHASES = ["prefill_attention", "decode_attention", "end_to_end"]
PHASE_TITLE = {"prefill_attention": "prefill attention", "decode_attention": "decode attention",
               "end_to_end": "end to end"}
PARTS = [("gemm_ns", "GEMM"), ("attention_ns", "attention"), ("transfer_sync_ns", "transfer/sync"),
         ("idle_ns", "idle")]
NUMERIC = ["point", "seq_len", "out_len", "batch", "sram_bytes", "time_ns", "internal_bytes", "external_bytes",
           "speedup_vs_gpu", "speedup_vs_attacc", "gemm_ns", "attention_ns", "transfer_sync_ns", "idle_ns",
           "energy_j", "per_token_latency_ns", "throughput_tokens_per_s"]


def read_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in NUMERIC:
            v = r.get(k, "")
            r[k] = float(v) if v not in ("", None) else None
    return rows


def ordered(rows, key):
    """Distinct values of a column in order of first appearance (the sweep's order)."""
    return list(OrderedDict.fromkeys(r[key] for r in rows if r[key] not in (None, "")))


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


ATTENTION_TITLE = {"unfused": "under the paper's methodology (GPU attention: unfused)",
                   "flash": "against today's kernels (GPU attention: flash)"}


def several(rows, keys):
    """True when some (model, system, phase) group has more than one point (values are combined)."""
    seen = {}
    for r in rows:
        k = tuple(r[x] for x in keys)
        seen.setdefault(k, set()).add(r["point"])
    return any(len(v) > 1 for v in seen.values())


class Plotter:
    def __init__(self, rows, out_dir, plt):
        self.rows, self.out, self.plt = rows, out_dir, plt
        self.models = ordered(rows, "model")
        self.systems = ordered(rows, "system")
        # GPU attention implementations, the paper's methodology first; [None] for older results.
        found = ordered(rows, "gpu_attention")
        self.attentions = [a for a in ("unfused", "flash") if a in found] + \
            [a for a in found if a not in ("unfused", "flash")] or [None]
        overcommitted = set(r["model"] for r in rows if r.get("fits") == "false")
        self.model_label = {m: m + ("*" if m in overcommitted else "") for m in self.models}
        # One colour per system in every plot, whichever systems a panel happens to have.
        cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        self.color = {s: cycle[i % len(cycle)] for i, s in enumerate(self.systems)}

    def save(self, fig, name, layout=True):
        path = os.path.join(self.out, name)
        if layout:
            fig.tight_layout()
        fig.savefig(path, dpi=120)
        self.plt.close(fig)
        print("wrote   %s" % path)

    def legend(self, fig):
        handles = {}
        for ax in fig.axes:
            for h, label in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(label, h)
        fig.legend([handles[s] for s in self.systems if s in handles], [s for s in self.systems if s in handles],
                   loc="upper center", ncol=len(handles), fontsize=8)
        fig.tight_layout(rect=(0, 0, 1, 0.95))

    @staticmethod
    def skip(name, why):
        print("skipped %s: %s" % (name, why))

    def of(self, rows, attention):
        return [r for r in rows if attention is None or r.get("gpu_attention") == attention]

    def panel_title(self, text, attention):
        return text if attention is None else "%s\n%s" % (text, ATTENTION_TITLE.get(attention, attention))

    def speedup_bars(self, phase):
        name = "speedup_%s.png" % phase
        rows = [r for r in self.rows if r["phase"] == phase and r["speedup_vs_gpu"] is not None]
        if not rows:
            return self.skip(name, "no speedup over the GPU (was the GPU run?)")
        n = len(self.attentions)
        fig, axes = self.plt.subplots(1, n, figsize=(max(7, 1.6 * len(self.models)) * (0.75 if n > 1 else 1) * n, 4),
                                      squeeze=False, sharey=True)
        width = 0.8 / len(self.systems)
        for a, attention in enumerate(self.attentions):
            ax = axes[0][a]
            sel = self.of(rows, attention)
            for i, system in enumerate(self.systems):
                xs, ys = [], []
                for m, model in enumerate(self.models):
                    v = geomean(r["speedup_vs_gpu"] for r in sel if r["model"] == model and r["system"] == system)
                    if v is not None:
                        xs.append(m - 0.4 + width * (i + 0.5))
                        ys.append(v)
                bars = ax.bar(xs, ys, width, label=system, color=self.color[system])
                ax.bar_label(bars, fmt="%.3g", fontsize=7)
            ax.axhline(1.0, color="gray", linewidth=0.8)
            ax.set_xticks(range(len(self.models)), [self.model_label[m] for m in self.models], rotation=20)
            note = "\n(geometric mean over each model's points)" if several(sel, ["model", "system"]) else ""
            ax.set_title(self.panel_title("Speedup over GPU: %s%s" % (PHASE_TITLE[phase], note), attention),
                         fontsize=10)
            ax.legend(fontsize=8, ncol=len(self.systems), loc="upper left")
        axes[0][0].set_ylabel("speedup over GPU")
        axes[0][0].set_ylim(0, axes[0][0].get_ylim()[1] * 1.25)   # room for the labels and the legend
        self.save(fig, name)

    def speedup_vs(self, key, label):
        name = "speedup_vs_%s.png" % key
        rows = [r for r in self.rows if r["speedup_vs_gpu"] is not None and r[key] is not None]
        models = [m for m in self.models if len(ordered([r for r in rows if r["model"] == m], key)) > 1]
        if not models:
            return self.skip(name, "no model has more than one %s" % key)
        fig, axes = self.plt.subplots(len(PHASES), len(models), figsize=(3.6 * len(models), 2.8 * len(PHASES)),
                                      squeeze=False)
        for c, model in enumerate(models):
            for p, phase in enumerate(PHASES):
                ax = axes[p][c]
                sel = [r for r in rows if r["model"] == model and r["phase"] == phase]
                for attention in self.attentions:
                    part = self.of(sel, attention)
                    style = "--" if attention == "unfused" and len(self.attentions) > 1 else "-"
                    for system in self.systems:
                        xs = sorted(set(r[key] for r in part if r["system"] == system))
                        ys = [geomean(r["speedup_vs_gpu"] for r in part if r["system"] == system and r[key] == x)
                              for x in xs]
                        if xs:
                            ax.plot(xs, ys, marker="o", linestyle=style, label=system, color=self.color[system])
                ax.set_xscale("log", base=2)
                xs = sorted(set(r[key] for r in sel))
                ax.set_xticks(xs, [kilo(x) for x in xs])
                ax.minorticks_off()
                ax.set_title("%s: %s" % (model, PHASE_TITLE[phase]), fontsize=9)
                ax.set_xlabel(label, fontsize=8)
                ax.set_ylabel("speedup over GPU", fontsize=8)
                ax.tick_params(labelsize=7)
        self.legend(fig)
        self.save(fig, name, layout=False)

    def breakdown(self):
        name = "breakdown_end_to_end.png"
        rows = [r for r in self.rows if r["phase"] == "end_to_end" and any(r[k] is not None for k, _ in PARTS)]
        if not rows:
            return self.skip(name, "no end-to-end time breakdown in the results")
        n = len(self.attentions)
        fig, axes = self.plt.subplots(1, n, figsize=(max(6, 1.8 * len(self.models)) * (0.75 if n > 1 else 1) * n, 4.5),
                                      squeeze=False, sharey=True)
        width = 0.8 / len(self.systems)
        colors = self.plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for a, attention in enumerate(self.attentions):
            ax = axes[0][a]
            sel = self.of(rows, attention)
            for m, model in enumerate(self.models):
                parts = {s: [mean(r[k] for r in sel if r["model"] == model and r["system"] == s) or 0.0
                             for k, _ in PARTS] for s in self.systems}
                # Each model's bars are normalised to its slowest system: models differ by orders of magnitude.
                scale = max([sum(v) for v in parts.values()] + [0.0]) or 1.0
                for i, system in enumerate(self.systems):
                    x, bottom = m - 0.4 + width * (i + 0.5), 0.0
                    for j, (_, part) in enumerate(PARTS):
                        h = parts[system][j] / scale
                        ax.bar(x, h, width * 0.9, bottom=bottom, color=colors[j % len(colors)],
                               label=part if m == 0 and i == 0 else None)
                        bottom += h
                    ax.text(x, bottom, system, rotation=90, ha="center", va="bottom", fontsize=7)
            ax.set_xticks(range(len(self.models)), [self.model_label[m] for m in self.models], rotation=20)
            ax.set_ylim(0, 1.45)
            note = "\n(mean over each model's points)" if several(sel, ["model", "system"]) else ""
            ax.set_title(self.panel_title("End-to-end time breakdown%s" % note, attention), fontsize=10)
            ax.legend(fontsize=8, ncol=len(PARTS), loc="upper left")
        axes[0][0].set_ylabel("time / slowest system's end-to-end time")
        self.save(fig, name)

    def internal_vs_sram(self):
        name = "internal_bytes_vs_sram.png"
        phases = ["prefill_attention", "decode_attention"]
        rows = [r for r in self.rows if r["phase"] in phases and r["sram_bytes"] is not None
                and r["internal_bytes"] is not None and r["internal_bytes"] > 0]
        models = [m for m in self.models if len(ordered([r for r in rows if r["model"] == m], "sram_bytes")) > 1]
        if not models:
            return self.skip(name, "no model has more than one sram_bytes (with internal I/O)")
        fig, axes = self.plt.subplots(len(phases), len(models), figsize=(3.6 * len(models), 5.6), squeeze=False)
        for c, model in enumerate(models):
            for p, phase in enumerate(phases):
                ax = axes[p][c]
                sel = [r for r in rows if r["model"] == model and r["phase"] == phase]
                for system in self.systems:
                    xs = sorted(set(r["sram_bytes"] for r in sel if r["system"] == system))
                    ys = [mean(r["internal_bytes"] for r in sel if r["system"] == system and r["sram_bytes"] == x)
                          for x in xs]
                    if xs:
                        ax.plot(xs, ys, marker="o", label=system, color=self.color[system])
                ax.set_xscale("log", base=2)
                ax.set_yscale("log")
                xs = sorted(set(r["sram_bytes"] for r in sel))
                ax.set_xticks(xs, ["%g KB" % (x / 1024) for x in xs])
                ax.minorticks_off()
                ax.set_title("%s: %s" % (model, PHASE_TITLE[phase]), fontsize=9)
                ax.set_xlabel("PIM buffer (sram_bytes)", fontsize=8)
                ax.set_ylabel("internal bytes", fontsize=8)
                ax.tick_params(labelsize=7)
        self.legend(fig)
        self.save(fig, name, layout=False)


def kilo(x):
    """2048 -> "2K", 131072 -> "128K" (sequence lengths)."""
    return "%gK" % (x / 1024) if x >= 1024 and x % 1024 == 0 else "%g" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="results folder of `pilot sweep` or `pilot merge`")
    ap.add_argument("--out", help="folder for the PNG files (default: DIR/plots)")
    args = ap.parse_args()
    csv_path = os.path.join(args.dir, "results.csv")
    try:
        rows = read_rows(csv_path)
    except OSError as e:
        print("plot_sweep: %s: %s" % (csv_path, e.strerror), file=sys.stderr)
        return 1
    if not rows:
        print("plot_sweep: %s: no rows" % csv_path, file=sys.stderr)
        return 1
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_sweep: needs matplotlib (Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 1
    out = args.out or os.path.join(args.dir, "plots")
    os.makedirs(out, exist_ok=True)
    p = Plotter(rows, out, plt)
    for phase in PHASES:
        p.speedup_bars(phase)
    p.speedup_vs("seq_len", "L_in (seq_len)")
    p.speedup_vs("out_len", "L_out (out_len)")
    p.breakdown()
    p.internal_vs_sram()
    return 0


if __name__ == "__main__":
    sys.exit(main())
