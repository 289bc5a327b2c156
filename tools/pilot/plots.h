// SPDX-License-Identifier: MIT
#pragma once
// Plots and reports drawn by the tool itself (`pilot plot`, and `pilot sweep` after its
// results): the plot scripts in tools/plots run under a Python that has matplotlib, found
// whatever `python3` comes first on PATH (a venv or pyenv interpreter often lacks it).
#include <string>

#include <nlohmann/json.hpp>

namespace pilot::tools {

// The first of $PILOT_PYTHON, /usr/bin/python3 (Debian's, where python3-matplotlib installs)
// and `python3` on PATH that imports matplotlib; empty when none does.
std::string findPlotPython();

// Draws `path`: a sweep results folder (tools/plots/plot_sweep.py: DIR/plots/*.png) or a
// timeline JSON (tools/plots/plot_timeline.py: TRACE.png). Returns the script's exit status;
// 3 with a message on stderr when no interpreter has matplotlib.
int drawPlots(const std::string& path);

// DIR/report.md: the sweep's table (per point and system: prefill attention, decode attention,
// end to end, speedups over the GPU and AttAcc) and the plots found in DIR/plots.
void writeSweepReport(const std::string& dir, const nlohmann::ordered_json& results);

} // namespace pilot::tools
