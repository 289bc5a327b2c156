// SPDX-License-Identifier: MIT
#include "platform/energy_config.h"

#include "models/common/json_reader.h"

namespace pilot::platform {

using common::IssueList;
using common::JsonObject;

namespace {

// Every cost: positive (a zero or negative cost would make a system look free or earn energy)
// and below 1 uJ per unit, far above any real figure (a misplaced exponent).
constexpr double kMinPj = 1e-6, kMaxPj = 1e6;
constexpr const char* kCosts[] = {"external_pj_per_bit", "internal_pj_per_bit", "pim_pj_per_mac",
                                  "gpu_pj_per_flop"};

} // namespace

EnergyConfig parseEnergyConfig(const nlohmann::json& doc, const std::string& file) {
    IssueList issues(file);
    EnergyConfig e;
    JsonObject root(doc, "", issues);
    if (!root.valid()) {
        issues.throwIfAny();
        return e;
    }
    e.name = root.string("name");
    root.optString("notes");
    e.externalPjPerBit = root.number("external_pj_per_bit", kMinPj, kMaxPj);
    e.internalPjPerBit = root.number("internal_pj_per_bit", kMinPj, kMaxPj);
    e.pimPjPerMac = root.number("pim_pj_per_mac", kMinPj, kMaxPj);
    e.gpuPjPerFlop = root.number("gpu_pj_per_flop", kMinPj, kMaxPj);
    JsonObject src = root.object("sources");
    for (const char* key : kCosts)
        src.source(key, e.sources);
    src.rejectUnknownKeys();
    root.rejectUnknownKeys();
    issues.throwIfAny();
    return e;
}

EnergyConfig loadEnergyConfig(const std::string& path) {
    return parseEnergyConfig(common::readJsonFile(path), path);
}

} // namespace pilot::platform
