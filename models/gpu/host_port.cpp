// SPDX-License-Identifier: MIT
#include "models/gpu/host_port.h"

#include "models/common/burst_access.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace pilot::gpu {

HostPort::HostPort(sc_core::sc_module_name name, uint32_t irqLines, uint32_t burstBytes)
    : sc_module(name), iSocket("iSocket"), m_burstBytes(burstBytes) {
    for (uint32_t i = 0; i < irqLines; ++i)
        irq_i.push_back(std::make_unique<sc_core::sc_in<bool>>(("irq_i" + std::to_string(i)).c_str()));
    SC_HAS_PROCESS(HostPort);
    SC_THREAD(thread);
}

void HostPort::thread() {
    for (auto& p : irq_i)
        m_anyIrq |= (*p)->posedge_event();
    if (m_program)
        m_program();
    m_finished = true;
    sc_core::sc_pause(); // hand control back to the run loop
}

void HostPort::access(uint64_t addr, uint8_t* data, uint32_t len, bool write) {
    const uint64_t failed = common::burstAccess(iSocket, addr, data, len, write, m_burstBytes);
    if (failed != UINT64_MAX) {
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(failed));
        throw std::runtime_error(std::string(write ? "write" : "read") + " at " + hex + " failed");
    }
    m_bytes += len;
}

void HostPort::debugAccess(uint64_t addr, uint8_t* data, uint64_t len, bool write) {
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(uint32_t(len));
    if (iSocket->transport_dbg(t) != len)
        throw std::runtime_error("debug access failed at 0x" + std::to_string(addr));
}

void HostPort::waitIrq() {
    sc_core::wait(m_anyIrq);
}

} // namespace pilot::gpu
