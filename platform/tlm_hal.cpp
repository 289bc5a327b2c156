// SPDX-License-Identifier: MIT
#include "platform/tlm_hal.h"

namespace pilot::platform {

TlmHal::TlmHal(pim::PimController& hw, const hbm::AddressMapping& map, sc_core::sc_time registerAccess)
    : m_hw(hw), m_map(map), m_registerAccess(registerAccess) {}

uint32_t TlmHal::readReg(uint32_t offset) {
    sc_core::wait(m_registerAccess);
    return m_hw.reg(offset);
}

void TlmHal::writeReg(uint32_t offset, uint32_t value) {
    sc_core::wait(m_registerAccess);
    m_hw.setReg(offset, value);
}

void TlmHal::readMem(uint64_t addr, void* dst, uint32_t len) {
    m_hw.memRead(addr, static_cast<uint8_t*>(dst), len);
}
void TlmHal::writeMem(uint64_t addr, const void* src, uint32_t len) {
    m_hw.memWrite(addr, static_cast<const uint8_t*>(src), len);
}

uint64_t TlmHal::rowAddress(uint32_t groupInChannel, uint32_t bankInGroup, uint32_t row, uint32_t column) {
    const auto& org = m_map.spec().org;
    const uint32_t groupsPerPc = org.bankGroupsPerPc();
    const uint32_t ch = m_hw.channel();
    hbm::DramAddress a;
    a.stack = ch / org.channels;
    a.channel = ch % org.channels;
    a.pseudoChannel = groupInChannel / groupsPerPc;
    const uint32_t g = groupInChannel % groupsPerPc;
    a.sid = g / org.bankGroups;
    a.bankGroup = g % org.bankGroups;
    a.bank = bankInGroup;
    a.row = row;
    a.column = column;
    return m_map.encode(a);
}

fw::Hal::Locate TlmHal::locateRow(uint64_t addr, uint32_t& group, uint32_t& bank, uint32_t& row) {
    if (addr >= m_map.capacity())
        return Locate::OutOfRange;
    const auto& org = m_map.spec().org;
    const hbm::DramAddress a = m_map.decode(addr);
    if (a.stack * org.channels + a.channel != m_hw.channel())
        return Locate::OutOfRange;
    if (a.column != 0 || a.byte != 0)
        return Locate::Misaligned;
    group = a.pseudoChannel * org.bankGroupsPerPc() + a.sid * org.bankGroups + a.bankGroup;
    bank = a.bank;
    row = a.row;
    return Locate::Ok;
}

} // namespace pilot::platform
