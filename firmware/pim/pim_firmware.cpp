// SPDX-License-Identifier: MIT
#include "firmware/pim/pim_firmware.h"

#include <algorithm>

#include "firmware/pim/opcode_table.h"

namespace pilot::fw {

using namespace pilot::contract;

PimFirmware::PimFirmware(Hal& hal) : m_hal(hal), m_svc(hal, m_geo, m_stats.microOps) {}

void PimFirmware::run() {
    m_geo = ChannelGeometry::fromCapabilities(m_hal);
    for (;;) {
        m_hal.waitDoorbell();
        serviceQueue();
    }
}

void PimFirmware::serviceQueue() {
    for (;;) {
        const uint32_t size = m_hal.readReg(kRegSqSize);
        const uint32_t head = m_hal.readReg(kRegSqHead);
        const uint32_t tail = m_hal.readReg(kRegSqTail);
        if (size == 0 || head == tail)
            return;
        const uint64_t sqBase = (uint64_t(m_hal.readReg(kRegSqBaseHi)) << 32) | m_hal.readReg(kRegSqBaseLo);
        Descriptor d;
        const uint64_t fetchPs = m_hal.nowPs();
        m_svc.bankBytes(sqBase, uint64_t(head % size) * sizeof(Descriptor), &d, sizeof d, false);
        const uint64_t opsBefore = m_stats.microOps;

        m_hal.writeReg(kRegStatus, setField(m_hal.readReg(kRegStatus), kStatusBusy, 1));
        const uint64_t t0 = m_hal.nowPs();
        const Error err = serve(d);
        const uint64_t ps = m_hal.nowPs() - t0;
        ++m_stats.descriptors;
        ++m_stats.errors[uint8_t(err) & 15];

        const uint32_t newHead = (head + 1) % (2 * size); // indices run over 2 x size: full != empty
        m_hal.writeReg(kRegSqHead, newHead);
        postCompletion(d, err, newHead, ps);
        m_stats.log.push_back(
            {d.tag, d.opcode, uint8_t(err), fetchPs, t0, m_hal.nowPs(), m_stats.microOps - opsBefore});
    }
}

void PimFirmware::postCompletion(const Descriptor& d, Error err, uint32_t newHead, uint64_t ps) {
    // Completion entry, then the tail, then the interrupt (the host reads in that order).
    const uint32_t cqSize = m_hal.readReg(kRegCqSize);
    const uint32_t cqTail = m_hal.readReg(kRegCqTail);
    const uint64_t cqBase = (uint64_t(m_hal.readReg(kRegCqBaseHi)) << 32) | m_hal.readReg(kRegCqBaseLo);
    Completion c{};
    c.tag = d.tag;
    c.error = uint8_t(err);
    c.phase = uint8_t(m_cqPhase);
    c.sqHead = uint16_t(newHead);
    const double peMHz = m_hal.readReg(kRegCapPeMhz);
    c.cycles = uint32_t(std::min<double>(double(ps) * 1e-6 * peMHz, 4294967295.0));
    if (cqSize) {
        // Indices over 2 x size, as the submission ring's: with size entries unread the tail
        // must not equal the head (a host that collects only when its ring is full would see
        // an empty ring and wait forever; found by test/test_controller_property.cpp).
        m_svc.bankBytes(cqBase, uint64_t(cqTail % cqSize) * sizeof(Completion), &c, sizeof c, true);
        const uint32_t next = (cqTail + 1) % (2 * cqSize);
        if (next % cqSize == 0)
            m_cqPhase ^= 1u;
        m_hal.writeReg(kRegCqTail, next);
    }
    m_hal.writeReg(kRegStatus, setField(setField(0, kStatusBusy, 0), kStatusErr, uint32_t(err)));
    m_hal.raiseIrq();
}

Error PimFirmware::serve(const Descriptor& d) {
    if (d.version != kVersion)
        return Error::Version;
    const std::unique_ptr<Kernel> kernel = makeKernel(d.opcode, m_svc);
    if (!kernel)
        return Error::Opcode;
    Error e;
    if ((e = kernel->validate(d)) != Error::Ok)
        return e;
    if ((e = kernel->plan()) != Error::Ok)
        return e;
    kernel->emit();
    return Error::Ok;
}

} // namespace pilot::fw
