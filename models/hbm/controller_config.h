// SPDX-License-Identifier: MIT
#pragma once
// Policies and sizes of a pseudo-channel memory controller. Values come from the scenario's
// "controller" object (defaults in workloads/defaults/scenario.json), never from code.
#include <cstdint>

#include "models/common/json_reader.h"

namespace pilot::hbm {

enum class SchedulerPolicy : uint8_t { FrFcfs, Fcfs };
enum class PagePolicy : uint8_t { Open, Closed };
enum class RefreshPolicy : uint8_t { AllBank, PerBank, None };

struct ControllerConfig {
    SchedulerPolicy scheduler = SchedulerPolicy::FrFcfs;
    PagePolicy page = PagePolicy::Open;
    RefreshPolicy refresh = RefreshPolicy::AllBank;
    uint32_t readQueue = 0;           // entries
    uint32_t writeQueue = 0;
    uint32_t writeHighWatermark = 0;  // switch to draining writes at this many queued writes
    uint32_t writeLowWatermark = 0;   // stop draining at this many (if reads wait)
    uint32_t pimQueue = 0;            // PIM micro-ops queued at most
    uint32_t rowHitCap = 0;           // FR-FCFS: hits per activation served ahead of an older miss (0: no cap)
};

ControllerConfig parseControllerConfig(common::JsonObject& obj);

}  // namespace pilot::hbm
