// SPDX-License-Identifier: MIT
#pragma once
// What every PIM workload run shares: running the host program to completion (with the VCD,
// the progress callback and the Perfetto timeline of RunOptions), random FP16 operands, and
// the figures that sum up a system run.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/pim_system.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

// Channels run identical command streams when the scenario replicates them: one channel is
// simulated and the results scaled by the channel count.
struct ChannelReplication {
    uint32_t simPcs;    // pseudo-channels to instantiate
    uint32_t scaleBy;   // channels each simulated one stands for
};
ChannelReplication channelReplication(const Scenario& s, bool replicate);

// Simulates until the host program finished (throws on a deadlock naming `what`), then
// closes the memory system; wall0 is the run's start (for the progress line).
void simulateHostProgram(PimSystem& sys, const RunOptions& opt, const char* what,
                         std::chrono::steady_clock::time_point wall0);

// n FP16 values uniform in [-1, 1), a stream per (seed, stream): outputs of attention over
// them stay in [-1, 1], so absolute errors are meaningful.
std::vector<uint16_t> randomHalfs(uint64_t seed, uint64_t stream, size_t n);
std::vector<float> toFloats(const std::vector<uint16_t>& h, size_t begin, size_t n);

// Chrome / Perfetto trace-event JSON of the firmware's descriptors (a track per channel).
void writeTimeline(const std::string& path, PimSystem& sys);

// "pim", "memory" (errors moved to `errors`) and "simulator" sections of a results JSON.
void addSystemSections(nlohmann::json& r, const Scenario& s, PimSystem& sys, uint64_t hostExternalBytes,
                       double busyNs, uint32_t simPcs, double wallSeconds, std::vector<std::string>& errors);

}  // namespace pilot::platform
