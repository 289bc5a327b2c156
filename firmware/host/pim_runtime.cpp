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
    forEachColumn(c, group, bank, row, offset, len, [&](uint64_t addr, uint64_t at, uint32_t n) {
        if (!timed)
            return m_bus.load(addr, src + at, n);
        m_bus.write(addr, src + at, n);
        m_externalBytes += n;
    });
}

void PimRuntime::bankRead(uint32_t c, uint32_t group, uint32_t bank, uint32_t row, uint64_t offset,
                          uint8_t* dst, uint64_t len, bool timed) {
    forEachColumn(c, group, bank, row, offset, len, [&](uint64_t addr, uint64_t at, uint32_t n) {
        if (!timed)
            return m_bus.store(addr, dst + at, n);
        m_bus.read(addr, dst + at, n);
        m_externalBytes += n;
    });
}

void PimRuntime::init() {
    // The rings live in the last two rows of bank 0 of group 0 of each channel, entries laid
    // out column after column of that row (the firmware reads them the same way).
    static_assert(kSqEntries * sizeof(Descriptor) <= 1024, "the submission ring fits a 1 KB row");
    for (uint32_t c = 0; c < m_geo.channels; ++c) {
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
    }
}

void PimRuntime::submit(uint32_t c, const Descriptor& d) {
    Channel& ch = m_channels[c];
    while (ch.inFlight >= kSqEntries)
        collect(); // ring full: back-pressure on the caller
    bankWrite(c, 0, 0, m_geo.rows - 1, uint64_t(ch.sqTail % kSqEntries) * sizeof(Descriptor),
              reinterpret_cast<const uint8_t*>(&d), sizeof d, true);
    ch.sqTail = (ch.sqTail + 1) % (2 * kSqEntries); // 2 x size index space: full != empty
    ++ch.inFlight;
    m_bus.writeReg(c, kRegSqTail, ch.sqTail); // the doorbell
}

std::vector<Completion> PimRuntime::waitAll() {
    while (collect()) {
    }
    return std::move(m_done);
}

bool PimRuntime::collect() {
    std::vector<Completion>& done = m_done;
    for (;;) {
        bool waiting = false;
        for (uint32_t c = 0; c < m_geo.channels; ++c) {
            Channel& ch = m_channels[c];
            if (!ch.inFlight)
                continue;
            if (!m_bus.irqLevel(c)) {
                waiting = true;
                continue;
            }
            // Clear first, then drain the ring: a completion posted meanwhile raises it again.
            m_bus.writeReg(c, kRegIrqStatus, kIrqCompletion);
            const uint32_t tail = m_bus.readReg(c, kRegCqTail);
            while (ch.cqHead != tail) {
                Completion e;
                bankRead(c, 0, 0, m_geo.rows - 2, uint64_t(ch.cqHead % kCqEntries) * sizeof(Completion),
                         reinterpret_cast<uint8_t*>(&e), sizeof e);
                done.push_back(e);
                ch.cqHead = (ch.cqHead + 1) % (2 * kCqEntries); // indices over 2 x size (contract.h)
                --ch.inFlight;
            }
            m_bus.writeReg(c, kRegCqHead, ch.cqHead);
            waiting |= ch.inFlight > 0;
        }
        if (!waiting)
            return false;
        bool anyHigh = false;
        for (uint32_t c = 0; c < m_geo.channels; ++c)
            anyHigh |= m_channels[c].inFlight && m_bus.irqLevel(c);
        if (anyHigh)
            continue;
        m_bus.waitIrq();
        return true; // something may have completed: let the caller look again
    }
}

} // namespace pilot::host
