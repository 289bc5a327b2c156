// SPDX-License-Identifier: MIT
#pragma once
// Host runtime for PILOT: the channel's command queues (descriptors into the ring, the doorbell,
// waiting on the interrupt, reading completions) and bank-addressed reads and writes of the
// PIM layout. What a kernel's offload lays out and submits is its offload unit's
// (decode_offload.h, prefill_offload.h, over the rounds of offload_rounds.h).
#include <cstdint>
#include <functional>
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

    // Programs every channel's queue registers and enables its interrupt (the channels at once).
    void init();
    const PimGeometry& geometry() const { return m_geo; }

    // Runs fn(channel) for each of `channels` at once, a host thread per channel (as a GPU writes
    // and submits to all its channels concurrently); returns when every one returned.
    void forChannels(const std::vector<uint32_t>& channels, const std::function<void(uint32_t)>& fn);
    // Runs the tasks at once, a host thread each (e.g. a channel's units, written side by side).
    void parallel(std::vector<std::function<void()>> tasks);

    // Writes the descriptor into the channel's ring (a posted write), and once it and every
    // write posted to the channel before it have landed, rings the doorbell; waits while the
    // ring is full. Channels submitted from concurrent threads proceed side by side.
    void submit(uint32_t channel, const contract::Descriptor& d);
    // Until every descriptor submitted to the channel completed (its interrupt, then its
    // completion ring); returns its completions not yet handed out.
    std::vector<contract::Completion> waitChannel(uint32_t channel);
    // Every channel's waitChannel, at once; the completions in channel order.
    std::vector<contract::Completion> waitAll();

    // Bytes [offset, offset + len) of a bank's rows from `row` on, column by column. Timed:
    // posted writes (landed by the next fence or submit of the channel); src == nullptr writes
    // zeros (timing only). Untimed: the debug transport (data already resident).
    void bankWrite(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                   const uint8_t* src, uint64_t len, bool timed);
    // Timed: posted reads, complete once fence(channel) returned (dst == nullptr: discarded).
    void bankReadPosted(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                        uint8_t* dst, uint64_t len);
    // Timed reads completed on return (posted, then fenced); timed = false: the untimed (debug)
    // path, for checks that are not part of the workload.
    void bankRead(uint32_t channel, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                  uint8_t* dst, uint64_t len, bool timed = true);
    void fence(uint32_t channel) { m_bus.fence(channel); }
    // The bursts fn's timed writes and posted reads would post on each stream (bank group) of
    // `channel`, by group; nothing is posted meanwhile (fn must not wait).
    std::vector<uint64_t> countPosted(uint32_t channel, const std::function<void()>& fn);
    // A placement in periods (HostBus::placementBegin): the streams are bank groups.
    void placementBegin(uint32_t channel, const std::vector<uint32_t>& groups, uint64_t periods,
                        uint32_t burstsPerPeriod) {
        m_bus.placementBegin(channel, groups, periods, burstsPerPeriod);
    }
    void placementStreamDone(uint32_t channel, uint32_t group) { m_bus.placementStreamDone(channel, group); }

    // Bytes moved over the bus by timed accesses: all of them, and the operands and outputs
    // alone (without descriptors and completions).
    uint64_t externalBytes() const { return m_dataBytes + m_queueBytes; }
    uint64_t dataBytes() const { return m_dataBytes; }
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
    // Reads the channel's posted completions (waiting for its interrupt if none yet).
    void collect(uint32_t channel);
    // countPosted: adds the bursts of bytes [offset, offset + len) of a bank's rows.
    void countPosts(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset, uint64_t len);

    struct Channel {
        uint64_t sqBase = 0, cqBase = 0;
        uint32_t sqTail = 0, cqHead = 0, inFlight = 0;
        std::vector<contract::Completion> done; // read, not yet handed out
    };
    HostBus& m_bus;
    PimGeometry m_geo;
    std::vector<Channel> m_channels;
    uint64_t m_dataBytes = 0, m_queueBytes = 0;
    uint32_t m_countChannel = 0;
    std::vector<uint64_t>* m_counts = nullptr; // countPosted: bursts by group, nothing posted
};

} // namespace pilot::host
