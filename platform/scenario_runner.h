// SPDX-License-Identifier: MIT
#pragma once
// Runs one scenario: elaborates the system and its traffic, simulates to the last
// completion, and returns the results JSON (keys fixed by issue 3: sim_time_ns,
// wall_time_s, memory{...}). SystemC elaborates once per process: call once.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "models/traffic/traffic_generator.h"
#include "platform/scenario.h"
#include "platform/timeline.h"

namespace sc_core {
class sc_trace_file;
}

namespace pilot::platform {

struct Progress {
    double simTimeNs = 0;
    double share = 0; // of the trace or scenario
    uint64_t requestsDone = 0;
    double wallSeconds = 0;
};

class PimSystem;
struct RunOptions {
    std::string vcdPath;                             // empty: no waveform
    std::string tracePath;                           // Chrome/Perfetto trace-event timeline (PIM runs)
    TimelineScope traceScope;                        // its time window and channels
    std::function<void(const Progress&)> onProgress; // called between simulation slices
    // Test seam (test/test_fault_injection.cpp): called with the assembled PIM system before it
    // runs, to inject a fault (PeArray / PseudoChannelController::injectFaultForTest) and prove
    // a check notices it. The command line never sets it.
    std::function<void(PimSystem&)> beforePimRunForTest;
    // Trace events of parts the PIM timeline does not observe (the GPU's kernels in a
    // co-simulation), asked for once the simulation ended.
    std::function<nlohmann::json()> extraTimelineEvents;
};

nlohmann::json runScenario(const Scenario& s, const RunOptions& opt = {});

// The scenario's traffic source as a generator (not yet bound); `traffic` must be set.
std::unique_ptr<traffic::TrafficGenerator> makeTrafficGenerator(const Scenario& s);
// The `traffic` object of a run with traffic beside a PIM workload: what the generator saw
// (requests, bytes, bandwidth over its span, latency from send to data).
nlohmann::json trafficResults(const Scenario& s, const traffic::GeneratorStats& gs);

class HbmSystem;
// The `memory` object of the results: totals, per pseudo-channel, checker findings (host
// requests and PIM commands counted apart). `checker_errors` lists the first violations.
nlohmann::json memoryResults(const HbmSystem& sys, const hbm::Memspec& spec, double spanNs);

// Human summary of a results document.
std::string summarize(const nlohmann::json& results);

// Peak resident memory of this process so far, MiB.
double peakRssMiB();

} // namespace pilot::platform
