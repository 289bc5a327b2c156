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

#include "firmware/host/pim_runtime.h"
#include "platform/pim_system.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

// Channels run identical command streams when the scenario replicates them: one channel is
// simulated and the results scaled by the channel count.
struct ChannelReplication {
    uint32_t simPcs;  // pseudo-channels to instantiate
    uint32_t scaleBy; // channels each simulated one stands for
};
ChannelReplication channelReplication(const Scenario& s, bool replicate);

// The skeleton every PIM workload run shares: build the (replicated) system and the host
// runtime; the runner sets the host program (its offload and checks); simulate; report.
class PimWorkloadRun {
  public:
    PimWorkloadRun(const Scenario& s, bool replicateChannels);
    const ChannelReplication rep;
    PimSystem sys;
    const host::PimGeometry geo;
    host::PimRuntime runtime;
    // The scenario's memory traffic beside the host program, on the same router (or none).
    std::unique_ptr<traffic::TrafficGenerator> traffic;

    // Simulates the host program to its end (simulateHostProgram); returns the wall seconds
    // since construction.
    double simulate(const RunOptions& opt, const char* what);
    const Scenario& scenario() const { return m_s; }
    // The results JSON: scenario, mode, `timeKey` = timeNs, kernels, and the system sections
    // (busyNs: the span the memory figures are rated over; errors gets the checker's).
    nlohmann::json results(const char* timeKey, double timeNs, nlohmann::json kernels, double busyNs,
                           double wallSeconds, std::vector<std::string>& errors);

  private:
    const Scenario& m_s;
    const std::chrono::steady_clock::time_point m_wall0;
};

// Simulates until the host program finished, and the traffic beside it if any (throws on a
// deadlock naming `what`), then closes the memory system and writes the VCD and the timeline
// RunOptions ask for; wall0 is the run's start (for the progress line).
void simulateHostProgram(PimSystem& sys, const hbm::Memspec& spec, const RunOptions& opt, const char* what,
                         std::chrono::steady_clock::time_point wall0,
                         const traffic::TrafficGenerator* traffic = nullptr);

// n FP16 values uniform in [-1, 1), a stream per (seed, stream): outputs of attention over
// them stay in [-1, 1], so absolute errors are meaningful.
std::vector<uint16_t> randomHalfs(uint64_t seed, uint64_t stream, size_t n);
std::vector<float> toFloats(const std::vector<uint16_t>& h, size_t begin, size_t n);

// "pim", "memory" (errors moved to `errors`) and "simulator" sections of a results JSON.
// The `simulator` object: the commands simulated (those a fast-forward took without simulating
// them apart), their rate, the process's peak memory.
// ff: the PIM's stretches skipped; placement: the host's placement periods skipped.
nlohmann::json simulatorResults(const nlohmann::json& memory, const pim::FastForwardStats& ff, double wall,
                                const pim::FastForwardStats& placement = {});
void addSystemSections(nlohmann::json& r, const Scenario& s, PimSystem& sys, uint64_t hostExternalBytes,
                       double busyNs, uint32_t simPcs, double wallSeconds, std::vector<std::string>& errors);

} // namespace pilot::platform
