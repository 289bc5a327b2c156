// SPDX-License-Identifier: MIT
#pragma once
// Policies and sizes of a pseudo-channel memory controller. Values come from the scenario's
// "controller" object (defaults in workloads/defaults/scenario.json), never from code. The
// scheduler, the refresh policy and the host-vs-PIM arbitration are named:
// scheduler_registry.cpp, refresh_policies.cpp and host_pim_policy.cpp list the names that exist.
#include <cstdint>
#include <string>

#include "models/common/json_reader.h"
#include "models/hbm/channel_arbiter.h"
#include "models/hbm/host_pim_policy.h"

namespace pilot::hbm {

enum class PagePolicy : uint8_t { Open, Closed };
// Where queued requests wait (after DRAMSys's SchedulerBuffer):
enum class BufferPolicy : uint8_t {
    ReadWrite, // a read queue and a write queue; writes drained in groups between watermarks
    Shared,    // one buffer of request_buffer entries for reads and writes, no write grouping
    Bankwise,  // request_buffer entries per bank, no write grouping; a request is admitted when
               // the bank of the previous one has room (DRAMSys's BufferCounterBankwise)
};

struct ControllerConfig {
    std::string scheduler = "fr-fcfs";
    PagePolicy page = PagePolicy::Open;
    std::string refresh = "all-bank";
    BusArbitration busArbitration = BusArbitration::OldestFirst; // shared command buses
    BufferPolicy buffer = BufferPolicy::ReadWrite;
    uint32_t requestBuffer = 0; // Shared: entries in all; Bankwise: entries per bank
    uint32_t readQueue = 0;     // entries
    uint32_t writeQueue = 0;
    uint32_t writeHighWatermark = 0; // switch to draining writes at this many queued writes
    uint32_t writeLowWatermark = 0;  // stop draining at this many (if reads wait)
    uint32_t pimQueue = 0;           // PIM micro-ops queued at most
    uint32_t rowHitCap = 0;          // FR-FCFS: hits per activation served ahead of an older miss (0: no cap)
    HostPimArbitrationConfig hostPim; // who serves when host requests and micro-ops both wait
};

ControllerConfig parseControllerConfig(common::JsonObject& obj);
// The request slots a controller of `banks` banks needs under cfg's buffer policy.
uint32_t requestSlots(const ControllerConfig& cfg, uint32_t banks);

} // namespace pilot::hbm
