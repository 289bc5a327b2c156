// SPDX-License-Identifier: MIT
#pragma once
// The co-simulated mode of an end-to-end point (`"mode": "cosim"`): each system is one
// simulation (platform/cosim_system.h). A point of one system runs it in this process; a point
// of several runs each system as a child point of one system (SystemC elaborates one design per
// process), through the same SubSimulator as the composed mode's sub-simulations.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "platform/cosim_system.h"
#include "platform/end_to_end_point.h"
#include "platform/sub_simulations.h"

namespace pilot::platform {

// The point restricted to one system, as a self-contained scenario document (absolute paths).
nlohmann::json cosimChildDocument(const EndToEndPoint& p, const EndToEndSystem& system);

// Every system's measurement, by name; `count` gets the number of simulations run.
std::map<std::string, CosimMeasurement> measureCosim(const EndToEndPoint& p, const std::string& partsDir,
                                                     const SubSimulator& run, const RunOptions& opt,
                                                     size_t& count);

} // namespace pilot::platform
