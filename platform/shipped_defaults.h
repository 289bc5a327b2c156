// SPDX-License-Identifier: MIT
#pragma once
// workloads/defaults/scenario.json, read once per process: the defaults of scenarios, replays,
// end-to-end runs and `pilot validate` live there, not in code.
#include <string>

#include <nlohmann/json.hpp>

namespace pilot::platform {

// The whole defaults document.
const nlohmann::json& shippedDefaults();
// A path the defaults name (relative to workloads/defaults/), made absolute.
std::string defaultsPath(const std::string& relative);
// The defaults directory (relative paths in the defaults resolve against it).
std::string defaultsDir();

} // namespace pilot::platform
