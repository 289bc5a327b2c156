// SPDX-License-Identifier: MIT
#pragma once
// DRAMSys's controller configuration ("mcconfig") as PILOT-VP controller settings, so that
// DRAMSys's shipped configurations can be compared like for like. Each setting PILOT-VP models
// replaces the matching controller field; a setting it does not model is refused with its JSON
// pointer and the values that are supported (nothing is silently approximated).
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "models/hbm/controller_config.h"

namespace pilot::hbm {

struct DramsysMcconfig {
    ControllerConfig controller;
    uint32_t maxActiveTransactions = 0; // requests in flight at most (0: not given)
};

// `base` supplies what the mcconfig does not set (queue sizes of the read-write buffer, PIM
// queue). Throws common::ConfigError listing every problem.
DramsysMcconfig parseDramsysMcconfig(const nlohmann::json& doc, const std::string& file,
                                     const ControllerConfig& base);
DramsysMcconfig loadDramsysMcconfig(const std::string& path, const ControllerConfig& base);

} // namespace pilot::hbm
