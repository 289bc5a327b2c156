// SPDX-License-Identifier: MIT
#pragma once
// One end-to-end point (a scenario whose workload type is "end_to_end"): model, L_in (seq_len),
// L_out (out_len), batch, sparse pattern, SRAM size, the systems to compare, and the GPU and
// energy files, read and checked once. Defaults (decode samples, GPU and energy files) come
// from workloads/defaults/scenario.json.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/host/prefill_pattern.h"
#include "models/gpu/gpu_config.h"
#include "platform/energy_config.h"
#include "platform/model_config.h"

namespace pilot::platform {

struct EndToEndSystem;

// How a co-simulated point runs (/workload/cosim; defaults in workloads/defaults/scenario.json).
struct CosimSettings {
    bool replicate = true;         // simulate the first channel, scale by the channel count
    uint32_t outstandingPerPc = 0; // GPU bursts in flight per simulated pseudo-channel
    uint64_t tileBytes = 0;        // a GPU kernel tile's traffic on the simulated channels
    // Steady state extrapolated: an uncontended GPU kernel's tiles, the PIM's prefill rounds
    // and repeating stretches of its micro-ops (the latter in the composed mode's PIM
    // sub-simulations too; docs/fast-forward.md).
    bool fastForward = true;
    bool isolationRuns = true; // overlapped GPU and PIM work also run alone once
};

struct EndToEndPoint {
    std::string file, name;
    std::string memspec, mapping; // absolute paths
    uint32_t stacks = 1;
    nlohmann::json pim = nlohmann::json::object(); // the scenario's `pim` object, passed to sub-simulations
    nlohmann::json controller; // the scenario's `controller` object (or null), passed to sub-simulations
    ModelConfig model;
    gpu::GpuConfig gpu;
    EnergyConfig energy;
    uint32_t seqLen = 0, outLen = 0, batch = 0, samples = 0;
    bool functional = false;   // sub-simulations with data, every PIM output checked against FP64
    nlohmann::json pattern;    // a prefill pattern object (platform/scenario.h), or null: dense on the GPU
    host::PrefillPattern spec; // the same, parsed (when not null)
    std::string patternName;
    std::vector<const EndToEndSystem*> systems; // in the scenario's order
    std::vector<std::string> inputFiles; // every file the point read: scenario, model, GPU, energy, memory
    std::string gpuAttention;            // "unfused" | "flash" (models/gpu/gpu_attention.h)
    bool allowOvercommit = false;        // run points whose working set does not fit
    // "cosim": each system one simulation, GPU and PIM on the same memory (platform/cosim_system.h);
    // "composed": sub-simulations of the PIM kernels and the GPU's cost models, composed.
    std::string mode;
    CosimSettings cosim;

    bool sparsePrefill() const { return !pattern.is_null(); }
};

bool isEndToEnd(const nlohmann::json& scenario);
// Reads and checks the point (model, GPU and energy files included) after the `--set`
// overrides, the working set of every system against the memory included
// (platform/end_to_end_capacity.h). Throws common::ConfigError on bad input, and when a system
// does not fit and /workload/allow_overcommit is not true.
EndToEndPoint loadEndToEndPoint(const std::string& path, const std::vector<std::string>& sets = {});
// One line: name, model, lengths, batch, pattern and systems.
std::string describeEndToEnd(const EndToEndPoint& p);

} // namespace pilot::platform
