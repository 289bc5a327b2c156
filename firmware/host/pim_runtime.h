// SPDX-License-Identifier: MIT
#pragma once
// Host runtime for PILOT: the channel's command queues (descriptors into the ring, the doorbell,
// waiting on the interrupt, reading completions) and bank-addressed reads and writes of the
// PIM layout. What a kernel's offload lays out and submits is its offload unit's
// (decode_offload.h, prefill_offload.h, over the rounds of offload_rounds.h).
#include <cstdint>
#include <vector>

#include "firmware/host/host_bus.h"
#include "firmware/include/pilot/contract.h"

namespace pilot::host {

struct PimGeometry {
    uint32_t channels = 0, pcsPerChannel = 0, groupsPerPc = 0, banksPerGroup = 0;
    uint32_t rows = 0, rowBytes = 0, columnBytes = 0;
    uint32_t groupsPerChannel() const { return pcsPerChannel * groupsPerPc; }
};

// One head's operands, FP16 bit patterns, row-major: q is G x d (decode) or N x d (prefill), k
// and v are L x d.
struct HeadData {
    std::vector<uint16_t> q, k, v;
};

class PimRuntime {
  public:
    // Ring sizes; each channel's rings fill one row of its bank 0 (the rows must be long enough).
    static constexpr uint32_t kSqEntries = 8, kCqEntries = 8;

    PimRuntime(HostBus& bus, const PimGeometry& geo);

    // Programs every channel's queue registers and enables its interrupt.
    void init();
    const PimGeometry& geometry() const { return m_geo; }

    // Writes the descriptor into the channel's ring and rings its doorbell (waits while full).
    void submit(uint32_t channel, const contract::Descriptor& d);
    // Waits until every submitted descriptor completed; returns their completion entries.
    std::vector<contract::Completion> waitAll();
    // Bytes [offset, offset + len) of a bank's rows from `row` on, column by column.
    void bankWrite(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                   const uint8_t* src, uint64_t len, bool timed);
    // timed = false: the untimed (debug) path, for checks that are not part of the workload.
    void bankRead(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                  uint8_t* dst, uint64_t len, bool timed = true);
    uint64_t externalBytes() const { return m_externalBytes; }
    uint64_t nowPs() { return m_bus.nowPs(); }
    uint64_t columnAddress(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint32_t column) {
        return m_bus.columnAddress(channel, group, bank, row, column);
    }

  private:
    // Calls fn(physical address, bytes done so far, bytes) for each column piece of bytes
    // [offset, offset + len) of a bank's rows from `row` on.
    template <typename Fn>
    void forEachColumn(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset, uint64_t len,
                       Fn fn);
    // Reads the completions posted so far (waiting for an interrupt if none); false once
    // nothing is in flight.
    bool collect();

    struct Channel {
        uint64_t sqBase = 0, cqBase = 0;
        uint32_t sqTail = 0, cqHead = 0, inFlight = 0;
    };
    HostBus& m_bus;
    PimGeometry m_geo;
    std::vector<Channel> m_channels;
    uint64_t m_externalBytes = 0;
    std::vector<contract::Completion> m_done; // read, not yet handed to waitAll's caller
};

} // namespace pilot::host
