// SPDX-License-Identifier: MIT
#pragma once
// The energy file of end-to-end runs (workloads/energy/*.json): energy per bit moved and per
// operation, each with its public source, validated like every other config (unknown keys,
// types, ranges: a cost must be positive and finite).
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace pilot::platform {

struct EnergyConfig {
    std::string name;
    double externalPjPerBit = 0;                // a byte over the host bus (TSVs, PHY, interposer)
    double internalPjPerBit = 0;                // a byte between a bank and its PE's buffer
    double pimPjPerMac = 0;                     // one FP16 multiply-add in a bank PE
    double gpuPjPerFlop = 0;                    // one GPU FLOP at full power
    std::map<std::string, std::string> sources; // value pointer -> source
};

// Throws common::ConfigError listing every problem ("file: /pointer: reason").
EnergyConfig parseEnergyConfig(const nlohmann::json& doc, const std::string& file);
EnergyConfig loadEnergyConfig(const std::string& path);

} // namespace pilot::platform
