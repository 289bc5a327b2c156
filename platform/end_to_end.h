// SPDX-License-Identifier: MIT
#pragma once
// End-to-end inference of one model on the GPU-PILOT system and the systems it is compared
// with (issue 6): `pilot run` on a scenario whose workload type is "end_to_end".
//
// For each system (platform/end_to_end_systems.h) the run composes one layer (layers have
// identical shapes: simulated once, multiplied by the layer count) from:
//   - GPU kernels (models/gpu/kernel_cost.h): GEMMs, dense and block-sparse prefill attention,
//     decode attention; their memory time uses the bandwidth the HBM model achieves on a
//     sequential stream over the same stacks (a sub-simulation), not a guessed efficiency;
//   - PIM kernels, each a sub-simulation (platform/sub_simulations.h): prefill hybrid sparse
//     attention and decode attention at a few context lengths, linearly interpolated over the
//     L_out steps (`decode_samples`; = out_len runs every step).
// Schedule per layer: QKV GEMM -> attention -> output and FFN GEMMs; the PIM and the GPU overlap
// only where the dependencies allow it (the dense heads' prefill attention runs on the GPU while
// the PIM runs the sparse heads).
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/end_to_end_point.h"
#include "platform/scenario_runner.h"
#include "platform/sub_simulations.h"

namespace pilot::platform {

struct EndToEndRun {
    nlohmann::json results; // the results JSON (`end_to_end`: phases, breakdowns, speedups)
    size_t subSimulations = 0;
    double wallSeconds = 0;
};

// Decode contexts sampled over the L_out steps (step t attends L_in + t keys).
std::vector<uint32_t> sampledContexts(const EndToEndPoint& p);
// Adds the point's sub-simulations to `plan`: the HBM stream, then each system's.
void planSubSimulations(SubSimulationPlan& plan);
// Parses every sub-simulation the point would run exactly as its `pilot run` will, without
// running anything, so that `validate` and the start of a run refuse what a sub-simulation
// would (a PIM setting, the pattern, the memory). Throws common::ConfigError: each problem
// once, with the sub-simulation that found it (platform/end_to_end_check.cpp).
void checkSubSimulations(const EndToEndPoint& p);

// Plans the point's sub-simulations (files under `partsDir`), has `run` run them, and composes
// every system's figures. Throws std::runtime_error when a sub-simulation fails.
// In cosim mode (platform/end_to_end_cosim.h) `run` runs one child point per system, or none
// for a point of one system (simulated here, with `opt`'s waveform and timeline).
EndToEndRun runEndToEnd(const EndToEndPoint& p, const std::string& partsDir, const SubSimulator& run,
                        const RunOptions& opt = {});

// Human summary: the point, then a line per system (its phases' times and speedups).
std::string summarizeEndToEnd(const EndToEndPoint& p, const EndToEndRun& run);

} // namespace pilot::platform
