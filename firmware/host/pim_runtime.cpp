// SPDX-License-Identifier: MIT
#include "firmware/host/pim_runtime.h"

#include <algorithm>
#include <stdexcept>

namespace pilot::host {

using namespace pilot::contract;

PimRuntime::PimRuntime(HostBus& bus, const PimGeometry& geo)
    : m_bus(bus), m_geo(geo), m_channels(geo.channels) {}

template <typename Fn>
void PimRuntime::forEachColumn(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                               uint64_t len, Fn fn) {
    // A bank's row is contiguous in the bank, not in physical space: go column by column.
    const uint32_t cb = m_geo.columnBytes, colsPerRow = m_geo.rowBytes / cb;
    for (uint64_t done = 0; done < len;) {
        const uint64_t colIndex = offset / cb;
        const uint32_t inCol = uint32_t(offset % cb);
        const uint32_t n = uint32_t(std::min<uint64_t>(len - done, cb - inCol));
        fn(m_bus.columnAddress(c, group, bank, row + uint32_t(colIndex / colsPerRow),
                               uint32_t(colIndex % colsPerRow)) +
               inCol,
           done, n);
        offset += n;
        done += n;
    }
}

void PimRuntime::bankWrite(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                           const uint8_t* src, uint64_t len, bool timed) {
    if (m_counts) { // counting: nothing written
        if (timed)
            countPosts(c, group, bank, row, offset, len);
        return;
    }
    forEachColumn(c, group, bank, row, offset, len, [&](uint64_t addr, uint64_t at, uint32_t n) {
        if (!timed)
            return m_bus.load(addr, src + at, n);
        m_bus.post(c, group, addr, src ? src + at : nullptr, n);
        m_dataBytes += n;
    });
}

void PimRuntime::countPosts(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                            uint64_t len) {
    if (c != m_countChannel)
        return;
    if (m_counts->size() <= group)
        m_counts->resize(group + 1);
    forEachColumn(c, group, bank, row, offset, len,
                  [&](uint64_t, uint64_t, uint32_t) { ++(*m_counts)[group]; });
}

std::vector<uint64_t> PimRuntime::countPosted(uint32_t c, const std::function<void()>& fn) {
    std::vector<uint64_t> counts(m_geo.groupsPerChannel());
    m_countChannel = c;
    m_counts = &counts;
    fn();
    m_counts = nullptr;
    return counts;
}

void PimRuntime::bankReadPosted(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                                uint8_t* dst, uint64_t len) {
    if (m_counts) // counting: nothing read
        return countPosts(c, group, bank, row, offset, len);
    forEachColumn(c, group, bank, row, offset, len, [&](uint64_t addr, uint64_t at, uint32_t n) {
        m_bus.postRead(c, group, addr, dst ? dst + at : nullptr, n);
        m_dataBytes += n;
    });
}

void PimRuntime::bankRead(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                          uint8_t* dst, uint64_t len, bool timed) {
    if (timed) {
        bankReadPosted(c, group, bank, row, offset, dst, len);
        return m_bus.fence(c);
    }
    forEachColumn(c, group, bank, row, offset, len,
                  [&](uint64_t addr, uint64_t at, uint32_t n) { m_bus.store(addr, dst + at, n); });
}

void PimRuntime::parallel(std::vector<std::function<void()>> tasks) {
    m_bus.parallel(std::move(tasks));
}

void PimRuntime::forChannels(const std::vector<uint32_t>& channels, const std::function<void(uint32_t)>& fn) {
    std::vector<std::function<void()>> tasks;
    for (const uint32_t c : channels)
        tasks.push_back([&fn, c] { fn(c); });
    m_bus.parallel(std::move(tasks));
}

void PimRuntime::init() {
    // The rings live in the last two rows of bank 0 of group 0 of each channel, entries laid
    // out column after column of that row (the firmware reads them the same way).
    static_assert(kSqEntries * sizeof(Descriptor) <= 1024, "the submission ring fits a 1 KB row");
    std::vector<uint32_t> all(m_geo.channels);
    for (uint32_t c = 0; c < m_geo.channels; ++c)
        all[c] = c;
    forChannels(all, [&](uint32_t c) {
        Channel& ch = m_channels[c];
        ch.sqBase = m_bus.columnAddress(c, 0, 0, m_geo.rows - 1, 0);
        ch.cqBase = m_bus.columnAddress(c, 0, 0, m_geo.rows - 2, 0);
        m_bus.writeReg(c, kRegSqBaseLo, uint32_t(ch.sqBase));
        m_bus.writeReg(c, kRegSqBaseHi, uint32_t(ch.sqBase >> 32));
        m_bus.writeReg(c, kRegSqSize, kSqEntries);
        m_bus.writeReg(c, kRegCqBaseLo, uint32_t(ch.cqBase));
        m_bus.writeReg(c, kRegCqBaseHi, uint32_t(ch.cqBase >> 32));
        m_bus.writeReg(c, kRegCqSize, kCqEntries);
        m_bus.writeReg(c, kRegIrqMask, kIrqCompletion);
    });
}

void PimRuntime::submit(uint32_t c, const Descriptor& d) {
    Channel& ch = m_channels[c];
    while (ch.inFlight >= kSqEntries)
        collect(c); // ring full: back-pressure on the caller
    const auto* bytes = reinterpret_cast<const uint8_t*>(&d);
    forEachColumn(c, 0, 0, m_geo.rows - 1, uint64_t(ch.sqTail % kSqEntries) * sizeof(Descriptor), sizeof d,
                  [&](uint64_t addr, uint64_t at, uint32_t n) {
                      m_bus.post(c, 0, addr, bytes + at, n);
                      m_queueBytes += n;
                  });
    ch.sqTail = (ch.sqTail + 1) % (2 * kSqEntries); // 2 x size index space: full != empty
    ++ch.inFlight;
    m_bus.fence(c);                           // the descriptor and the operands before it landed
    m_bus.writeReg(c, kRegSqTail, ch.sqTail); // the doorbell
}

std::vector<Completion> PimRuntime::waitChannel(uint32_t c) {
    Channel& ch = m_channels[c];
    while (ch.inFlight)
        collect(c);
    return std::move(ch.done);
}

std::vector<Completion> PimRuntime::waitAll() {
    std::vector<uint32_t> busy;
    for (uint32_t c = 0; c < m_geo.channels; ++c)
        if (m_channels[c].inFlight || !m_channels[c].done.empty())
            busy.push_back(c);
    std::vector<std::vector<Completion>> byChannel(m_geo.channels);
    forChannels(busy, [&](uint32_t c) { byChannel[c] = waitChannel(c); });
    std::vector<Completion> all;
    for (auto& v : byChannel)
        all.insert(all.end(), v.begin(), v.end());
    return all;
}

void PimRuntime::collect(uint32_t c) {
    Channel& ch = m_channels[c];
    m_bus.waitIrq(c);
    // Clear first, then drain the ring: a completion posted meanwhile raises the line again.
    m_bus.writeReg(c, kRegIrqStatus, kIrqCompletion);
    const uint32_t tail = m_bus.readReg(c, kRegCqTail);
    // Entries [cqHead, tail) over the 2 x size index space (contract.h), read at once.
    const size_t first = ch.done.size();
    ch.done.resize(first + (tail + 2 * kCqEntries - ch.cqHead) % (2 * kCqEntries));
    uint32_t head = ch.cqHead;
    for (size_t i = first; i < ch.done.size(); ++i) {
        forEachColumn(c, 0, 0, m_geo.rows - 2, uint64_t(head % kCqEntries) * sizeof(Completion),
                      sizeof(Completion), [&](uint64_t addr, uint64_t at, uint32_t n) {
                          m_bus.postRead(c, 0, addr, reinterpret_cast<uint8_t*>(&ch.done[i]) + at, n);
                          m_queueBytes += n;
                      });
        head = (head + 1) % (2 * kCqEntries);
        --ch.inFlight;
    }
    m_bus.fence(c);
    ch.cqHead = head;
    m_bus.writeReg(c, kRegCqHead, ch.cqHead);
}

} // namespace pilot::host
