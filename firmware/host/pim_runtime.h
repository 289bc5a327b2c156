// SPDX-License-Identifier: MIT
#pragma once
// Host runtime for PILOT: lays decode attention heads out in PIM layout, submits descriptors
// through each channel's command queue, waits on the interrupt and reads the outputs.
//
// PIM layout of one decode head (one KV head and its G query heads) in bank group g:
//   - key j lives in bank j % B of the group (B banks per group), at slot j / B; a bank's
//     keys and values share rows from kvRow: P = rowBytes / (4d) slots per row, the key of
//     slot s at byte (s % P) x 2d of row kvRow + s / P and its value half a row later;
//   - the G x d FP16 queries are copied into every bank of the group at row qRow;
//   - bank 0 of the group receives the G x d FP16 outputs at row outRow (scratch after it).
// Every head of a round uses the same rows in its own group, so one descriptor per channel
// runs all of the channel's heads in lockstep.
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

struct DecodeLayout {
    uint32_t qRow = 0, kvRow = 0, outRow = 0, rowsUsed = 0;
    uint32_t slotsPerRow = 0;
};

// Rows for heads of context L, head dim d, G queries (the naive schedule needs scratch rows).
DecodeLayout decodeLayout(const PimGeometry& g, uint32_t ctxLen, uint32_t headDim, uint32_t queries);

// One head's data, FP16 bit patterns: q is G x d, k and v are L x d (row-major, key-major).
struct HeadData {
    std::vector<uint16_t> q, k, v;
};

class PimRuntime {
public:
    PimRuntime(HostBus& bus, const PimGeometry& geo);

    // Programs every channel's queue registers and enables its interrupt.
    void init();
    const PimGeometry& geometry() const { return m_geo; }

    // K and V are placed with the untimed loader (resident KV cache); q with timed writes.
    void placeHead(uint32_t channel, uint32_t group, const DecodeLayout& lay, const HeadData& h, uint32_t headDim,
                   uint32_t ctxLen, uint32_t queries, bool functional);
    // Writes the descriptor into the channel's ring and rings its doorbell (waits while full).
    void submit(uint32_t channel, const contract::Descriptor& d);
    // Waits until every submitted descriptor completed; returns their completion entries.
    std::vector<contract::Completion> waitAll();
    std::vector<uint16_t> readOutput(uint32_t channel, uint32_t group, const DecodeLayout& lay, uint32_t count);
    // Bytes [offset, offset + len) of a bank's rows from `row` on, column by column.
    void bankWrite(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset, const uint8_t* src,
                   uint64_t len, bool timed);
    // timed = false: the untimed (debug) path, for checks that are not part of the workload.
    void bankRead(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset, uint8_t* dst,
                  uint64_t len, bool timed = true);
    uint64_t externalBytes() const { return m_externalBytes; }

private:
    // Calls fn(physical address, bytes done so far, bytes) for each column piece of bytes
    // [offset, offset + len) of a bank's rows from `row` on.
    template <typename Fn>
    void forEachColumn(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset, uint64_t len, Fn fn);
    // Reads the completions posted so far (waiting for an interrupt if none); false once
    // nothing is in flight.
    bool collect();

    struct Channel {
        uint64_t sqBase = 0, cqBase = 0;
        uint32_t sqTail = 0, cqHead = 0, inFlight = 0;
    };
    static constexpr uint32_t kSqEntries = 8, kCqEntries = 8;

    HostBus& m_bus;
    PimGeometry m_geo;
    std::vector<Channel> m_channels;
    uint64_t m_externalBytes = 0;
    std::vector<contract::Completion> m_done;   // read, not yet handed to waitAll's caller
};

}  // namespace pilot::host
