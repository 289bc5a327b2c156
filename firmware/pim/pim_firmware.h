// SPDX-License-Identifier: MIT
#pragma once
// The PIM controller's firmware: serves the submission ring, hands each descriptor to the
// kernel of its opcode (opcode_table.h: validate, plan from the buffer size the capability
// register reports, emit micro-ops), and posts a completion entry and an interrupt. A bad
// descriptor completes with an error code; the queue keeps serving.
#include <cstdint>
#include <vector>

#include "firmware/hal/hal.h"
#include "firmware/include/pilot/contract.h"
#include "firmware/pim/kernel_services.h"

namespace pilot::fw {

// One served descriptor, for timelines.
struct DescriptorRecord {
    uint32_t tag;
    uint16_t opcode;
    uint8_t error;
    uint64_t fetchPs, startPs, endPs; // fetched, validated and planned, completed
    uint64_t microOps;
};

struct FirmwareStats {
    std::vector<DescriptorRecord> log;
    uint64_t descriptors = 0;
    uint64_t errors[16] = {}; // by contract::Error
    uint64_t microOps = 0;
};

class PimFirmware {
  public:
    explicit PimFirmware(Hal& hal);
    [[noreturn]] void run(); // the controller thread's body
    const FirmwareStats& stats() const { return m_stats; }

  private:
    void serviceQueue();
    // Validates, plans and runs one descriptor with the kernel of its opcode (opcode_table.h).
    contract::Error serve(const contract::Descriptor& d);
    void postCompletion(const contract::Descriptor& d, contract::Error err, uint32_t newHead, uint64_t ps);

    Hal& m_hal;
    ChannelGeometry m_geo{};
    FirmwareStats m_stats;
    KernelServices m_svc;
    uint32_t m_cqPhase = 1;
};

} // namespace pilot::fw
