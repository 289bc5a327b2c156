// SPDX-License-Identifier: MIT
#pragma once
// `pilot run` on an end-to-end scenario: the composition is platform's
// (platform/end_to_end.h); this runs its sub-simulations as child processes of this very
// executable (SystemC elaborates one design per process, and only the `pilot` program can be
// re-run as `pilot run`), prints the summary and writes the results.
#include <string>
#include <vector>

#include "platform/scenario_runner.h"

namespace pilot::tools {

// Runs the point; prints a summary; writes the results JSON to `out` (when given) and the
// sub-simulations under `<out>.parts/` (or a temporary folder, removed afterwards). Returns
// the exit code.
// `opt`: the waveform and timeline, for a co-simulated point of one system (one simulation).
int runEndToEnd(const std::string& path, const std::vector<std::string>& sets, const std::string& out,
                const platform::RunOptions& opt = {});

} // namespace pilot::tools
