// SPDX-License-Identifier: MIT
#pragma once
// The GPU host's port into the memory system for software that runs on the host (the PIM
// runtime): a loosely-timed TLM initiator, the PIM interrupt lines, and a thread that runs
// the installed host program. Timed accesses wait for their annotated delay.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace pilot::gpu {

class HostPort : public sc_core::sc_module {
  public:
    tlm_utils::simple_initiator_socket<HostPort> iSocket;
    std::vector<std::unique_ptr<sc_core::sc_in<bool>>> irq_i; // one per PIM channel

    HostPort(sc_core::sc_module_name name, uint32_t irqLines, uint32_t burstBytes);

    void setProgram(std::function<void()> program) { m_program = std::move(program); }
    bool finished() const { return m_finished; }

    // For the program (in this module's thread).
    void access(uint64_t addr, uint8_t* data, uint32_t len, bool write);      // timed, burst by burst
    void debugAccess(uint64_t addr, uint8_t* data, uint64_t len, bool write); // untimed
    void waitIrq();
    bool irqLevel(uint32_t line) const { return irq_i[line]->read(); }
    uint64_t bytesMoved() const { return m_bytes; }

  private:
    void thread();

    const uint32_t m_burstBytes;
    std::function<void()> m_program;
    sc_core::sc_event_or_list m_anyIrq;
    bool m_finished = false;
    uint64_t m_bytes = 0;
};

} // namespace pilot::gpu
