#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A PNG of a `pilot run --trace` timeline: what each channel did over simulated time.

Usage: plot_timeline.py TRACE.json [--out PNG] [--channels N]   (PNG defaults to TRACE.png)

For each channel (the first N, default 2): a row per track of the trace (firmware
descriptors, micro-op moves and PE ops of each pseudo-channel, PE busy per bank group drawn
as the number of busy groups), spans coloured by micro-op kind; below, the DRAM command
counters of the channel's pseudo-channels (commands per bin, by class). It draws what the trace
holds and nothing else, so the picture is the timeline Perfetto would show, without a browser.
Needs python3-matplotlib (Debian); draws with the Agg backend, no display.
"""
import argparse
import collections
import json
import sys

KIND_COLOURS = {"MOV": "#4c72b0", "OUT": "#55a868", "CFG": "#8c8c8c", "MAC": "#c44e52", "EXP": "#dd8452",
                "ACC": "#8172b3", "SFM": "#937860", "CLR": "#da8bc3", "fetch": "#cccccc"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--out")
    ap.add_argument("--channels", type=int, default=2)
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_timeline.py needs matplotlib (Debian: python3-matplotlib; run it with /usr/bin/python3)")
    try:
        events = json.load(open(a.trace))["traceEvents"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"{a.trace}: not a trace-event timeline ({e})")

    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    channels = sorted({e["pid"] for e in events if e["ph"] != "M"})[: a.channels]
    if not channels:
        sys.exit(f"{a.trace}: no events")
    spans = collections.defaultdict(list)   # (channel, track) -> [(start, dur, name)]
    counters = collections.defaultdict(list)  # (channel, counter) -> [(ts, {class: n})]
    for e in events:
        if e.get("pid") not in channels:
            continue
        if e["ph"] == "X":
            spans[(e["pid"], names[(e["pid"], e["tid"])])].append((e["ts"], e["dur"], e["name"]))
        elif e["ph"] == "C":
            counters[(e["pid"], e["name"])].append((e["ts"], e["args"]))

    fig, axes = plt.subplots(2 * len(channels), 1, figsize=(12, 4.2 * len(channels)), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1.3] * len(channels)})
    for i, c in enumerate(channels):
        ax, cax = axes[2 * i][0], axes[2 * i + 1][0]
        tracks = [t for (ch, t) in spans if ch == c and " bg" not in t]
        tracks.sort(key=lambda t: (t != "firmware", t))
        # PE busy per bank group, summed: how many bank groups compute at each moment.
        groups = [(ch, t) for (ch, t) in spans if ch == c and " bg" in t]
        for row, track in enumerate(tracks):
            for start, dur, name in spans[(c, track)]:
                kind = name.split(" ")[0] if track != "firmware" else ("fetch" if name == "fetch" else "kernel")
                ax.broken_barh([(start, max(dur, 1e-4))], (row - 0.4, 0.8),
                               facecolors=KIND_COLOURS.get(kind, "#64b5cd"), linewidth=0)
        if groups:
            edges = collections.Counter()
            for key in groups:
                for start, dur, _ in spans[key]:
                    edges[start] += 1
                    edges[start + dur] -= 1
            xs, ys, level = [], [], 0
            for t in sorted(edges):
                xs.append(t)
                level += edges[t]
                ys.append(level)
            row = len(tracks)
            top = max(ys) or 1
            ax.fill_between(xs, [row - 0.4 + 0.8 * y / top for y in ys], row - 0.4, step="post",
                            color="#c44e52", alpha=0.6, linewidth=0)
            tracks.append(f"bank groups busy (of {len(groups)})")
        ax.set_yticks(range(len(tracks)))
        ax.set_yticklabels(tracks, fontsize=8)
        ax.invert_yaxis()
        ax.set_title(f"channel {c}", fontsize=10, loc="left")
        ax.grid(axis="x", alpha=0.3)
        for (ch, name), points in sorted(counters.items()):
            if ch != c:
                continue
            points.sort(key=lambda p: p[0])
            for cls in points[0][1]:
                ys = [p[1][cls] for p in points]
                if any(ys):
                    cax.step([p[0] for p in points], ys, where="post", linewidth=0.8,
                             label=f"{name.split(' ')[0]} {cls}")
        cax.set_ylabel("commands / bin", fontsize=8)
        cax.legend(fontsize=6, ncol=4, loc="upper right")
        cax.sharex(ax)
        cax.grid(alpha=0.3)
    axes[-1][0].set_xlabel("simulated time (us)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=v) for v in KIND_COLOURS.values()]
    fig.legend(handles, list(KIND_COLOURS), loc="upper center", ncol=len(KIND_COLOURS), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out = a.out or a.trace.rsplit(".", 1)[0] + ".png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
