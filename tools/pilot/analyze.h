// SPDX-License-Identifier: MIT
#pragma once
// `pilot analyze`: the I/O analysis of a prefill scenario's sparse attention (per head and per
// layer), from the same library the firmware planner uses.
#include <string>

#include <nlohmann/json.hpp>

#include "platform/scenario.h"

namespace pilot::tools {

nlohmann::json analyzeScenario(const platform::Scenario& s);
std::string summarizeAnalysis(const nlohmann::json& a);

} // namespace pilot::tools
