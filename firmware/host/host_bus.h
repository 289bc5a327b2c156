// SPDX-License-Identifier: MIT
#pragma once
// What the host runtime needs from the machine it runs on: timed memory and register access
// over the interconnect, an untimed loader (for data already resident, e.g. a KV cache
// written during prefill), the PIM interrupt lines, and the board's PIM address layout.
//
// A GPU does not walk the channels with one blocking thread: it has many stores in flight and
// many threads. Hence posted accesses (returned at once, many in flight per channel, complete
// after fence()) and parallel(), which runs host threads side by side (one per channel, say).
#include <cstdint>
#include <functional>
#include <vector>

namespace pilot::host {

class HostBus {
  public:
    virtual ~HostBus() = default;
    virtual void write(uint64_t addr, const void* src, uint32_t len) = 0; // timed, waited for
    virtual void read(uint64_t addr, void* dst, uint32_t len) = 0;        // timed, waited for
    virtual void load(uint64_t addr, const void* src, uint64_t len) = 0;  // untimed (debug transport)
    virtual void store(uint64_t addr, void* dst, uint64_t len) = 0;       // untimed read
    // Posted write into `channel`'s memory: returns at once (the data copied; src == nullptr
    // writes zeros: timing-only runs move the bytes without materialising them). The accesses
    // of one `stream` go out in order, those of different streams interleaved (a GPU's threads
    // writing several banks at once: the runtime uses one stream per bank group).
    virtual void post(uint32_t channel, uint32_t stream, uint64_t addr, const void* src, uint32_t len) = 0;
    // Posted read from `channel`'s memory: dst (nullptr: discarded) is filled once fence returned.
    virtual void postRead(uint32_t channel, uint32_t stream, uint64_t addr, void* dst, uint32_t len) = 0;
    // Until every access posted to the channel completed.
    virtual void fence(uint32_t channel) = 0;
    // Runs the tasks as concurrent host threads; returns when every one finished.
    virtual void parallel(std::vector<std::function<void()>> tasks) = 0;
    virtual void writeReg(uint32_t channel, uint32_t offset, uint32_t value) = 0;
    virtual uint32_t readReg(uint32_t channel, uint32_t offset) = 0;
    virtual void waitIrq() = 0;                 // until any channel's interrupt line is (or becomes) high
    virtual void waitIrq(uint32_t channel) = 0; // until this channel's line is (or becomes) high
    virtual bool irqLevel(uint32_t channel) = 0;
    virtual uint64_t nowPs() = 0;
    // A placement in periods (docs/fast-forward.md, "Placement"), timing only: from here each of
    // `streams` of `channel` posts `periods` periods of `burstsPerPeriod` accesses, writes of
    // no data or reads whose data nobody keeps (a round's operands, or its outputs read back),
    // and maybe a tail, each stream's periods alike; placementStreamDone once a stream posted its
    // last. The machine may take periods without simulating them: their accesses then go
    // nowhere, their time passes and the memory's counters move as if they had gone. Default:
    // every access simulated.
    virtual void placementBegin(uint32_t /*channel*/, const std::vector<uint32_t>& /*streams*/,
                                uint64_t /*periods*/, uint32_t /*burstsPerPeriod*/) {}
    virtual void placementStreamDone(uint32_t /*channel*/, uint32_t /*stream*/) {}
    // Physical address of `column` of `row` in bank `bank` of bank group `group` of `channel`.
    // A bank's row is contiguous in the bank, not in physical space: go column by column.
    virtual uint64_t columnAddress(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row,
                                   uint32_t column) = 0;
};

} // namespace pilot::host
