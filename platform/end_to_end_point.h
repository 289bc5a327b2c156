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

struct EndToEndPoint {
    std::string file, name;
    std::string memspec, mapping; // absolute paths
    uint32_t stacks = 1;
    nlohmann::json pim = nlohmann::json::object(); // the scenario's `pim` object, passed to sub-simulations
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

    bool sparsePrefill() const { return !pattern.is_null(); }
};

bool isEndToEnd(const nlohmann::json& scenario);
// Reads and checks the point (model, GPU and energy files included) after the `--set`
// overrides. Throws common::ConfigError on bad input.
EndToEndPoint loadEndToEndPoint(const std::string& path, const std::vector<std::string>& sets = {});
// One line: name, model, lengths, batch, pattern and systems.
std::string describeEndToEnd(const EndToEndPoint& p);

} // namespace pilot::platform
