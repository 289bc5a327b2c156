// SPDX-License-Identifier: MIT
#pragma once
// The PIM controller of one channel, as hardware: its MMIO register file (contract.h) as a
// TLM target, the doorbell that wakes its firmware, an interrupt line to the host, and an
// initiator socket through which the firmware (via the HAL) reads descriptors from device
// memory and issues micro-ops. The firmware itself is software: the platform installs it as
// the body of this controller's thread (models never include firmware).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "firmware/include/pilot/contract.h"
#include "firmware/include/pilot/micro_op.h"
#include "models/hbm/pim_extension.h"
#include "models/pim/repeat_sampler.h"

namespace pilot::pim {

struct PimCapabilities {
    uint32_t pes = 0, macLanes = 0, sramBytes = 0, bankGroups = 0, peMHz = 0, pcs = 0;
    uint32_t rows = 0, rowBytes = 0, columnBytes = 0, banksPerGroup = 0;
};

class PimController : public sc_core::sc_module, public tlm::tlm_mm_interface {
  public:
    tlm_utils::simple_target_socket<PimController> tSocket;    // MMIO window (from the host)
    tlm_utils::simple_initiator_socket<PimController> iSocket; // to memory and the pseudo-channels
    // Interrupt line, level. Driven from the firmware thread (raise) and the host's register
    // writes (clear), hence many writers.
    sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> irq_o;

    // `registerAccess`: what one MMIO register access takes in the controller's clock domain.
    PimController(sc_core::sc_module_name name, uint32_t channel, const PimCapabilities& caps,
                  sc_core::sc_time registerAccess);

    // Installed by the platform before simulation starts: runs in this controller's thread.
    void setFirmware(std::function<void()> main) { m_firmware = std::move(main); }

    // Hardware side, for the HAL.
    uint32_t channel() const { return m_channel; }
    uint32_t reg(uint32_t offset) const { return m_regs.at(offset / 4); }
    void setReg(uint32_t offset, uint32_t value); // device-side write (no access checks)
    const sc_core::sc_event& doorbell() const { return m_doorbell; }
    void raiseIrq(); // sets IRQ_STATUS; drives the line if IRQ_MASK allows
    void trace(sc_core::sc_trace_file* tf) const;

    uint64_t doorbells() const { return m_doorbells; }

    // What the host did at the register window, for timelines (recorded once enabled).
    struct HostEvent {
        enum Kind : uint8_t { Doorbell, IrqRaised, IrqCleared } kind;
        uint64_t ps;
        uint32_t value; // Doorbell: the new tail
    };
    void recordHostEvents() { m_recordEvents = true; }
    const std::vector<HostEvent>& hostEvents() const { return m_hostEvents; }

    // Ports the HAL drives from the firmware thread (they wait()).
    void memRead(uint64_t addr, uint8_t* dst, uint32_t len); // device memory, burst by burst
    void memWrite(uint64_t addr, const uint8_t* src, uint32_t len);
    void issueMicroOp(const contract::MicroOp& op); // to pseudo-channel op.pc of this channel
    void drainMicroOps();                           // until every issued op completed
    uint64_t microOpsIssued() const { return m_issued; }
    // Fast-forward of repeating stretches (repeat_sampler.h); the HAL's repeatBegin/repeatMark.
    void setFastForward(FastForwardConfig cfg, common::CounterSet counters);
    bool fastForward() const { return m_sampler && m_sampler->enabled(); }
    void repeatBegin(bool growing);
    uint64_t repeatMark(uint64_t periodsLeft, uint64_t opsPerPeriod, int64_t growth);
    FastForwardStats fastForwardStats() const { return m_sampler ? m_sampler->stats() : FastForwardStats{}; }
    void free(tlm::tlm_generic_payload* gp) override;

  private:
    struct OpPayload : tlm::tlm_generic_payload {
        hbm::PimOpExtension ext;
        // The extension is a member: detach it so the payload's destructor does not free it.
        ~OpPayload() override { clear_extension(&ext); }
    };
    tlm::tlm_sync_enum nbTransportBw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
    void memAccess(uint64_t addr, uint8_t* data, uint32_t len, bool write);
    void bTransport(tlm::tlm_generic_payload& t, sc_core::sc_time& d);
    unsigned int transportDbg(tlm::tlm_generic_payload& t);
    // Host access: returns false for a register the host may not access that way.
    bool hostWrite(uint32_t offset, uint32_t value);
    void updateIrqLine();
    void irqTraceDrop();
    void thread();

    const uint32_t m_channel;
    const sc_core::sc_time m_registerAccess;
    const PimCapabilities m_caps;
    std::unique_ptr<RepeatSampler> m_sampler;
    std::vector<std::unique_ptr<OpPayload>> m_pool;
    std::vector<OpPayload*> m_free;
    bool m_waitingEndReq = false;
    uint64_t m_issued = 0, m_outstanding = 0;
    sc_core::sc_event m_endReq, m_opDone;
    sc_core::sc_time m_lastDone = sc_core::SC_ZERO_TIME;
    std::array<uint32_t, contract::kRegWindowBytes / 4> m_regs{};
    std::function<void()> m_firmware;
    sc_core::sc_event m_doorbell;
    uint64_t m_doorbells = 0;
    // Waveform copies of the queue registers. The IRQ line's copy stays high for at least one
    // register access after it rises: a handler that clears it at once would otherwise raise and
    // clear it within one time stamp, and a VCD viewer would never show the pulse.
    uint32_t m_traceSqHead = 0, m_traceSqTail = 0;
    bool m_traceIrq = false;
    sc_core::sc_time m_irqRose;
    bool m_recordEvents = false;
    std::vector<HostEvent> m_hostEvents;
    void note(HostEvent::Kind k, uint32_t value = 0) {
        if (m_recordEvents)
            m_hostEvents.push_back({k, sc_core::sc_time_stamp().value(), value});
    }
    sc_core::sc_event m_irqDrop;
};

} // namespace pilot::pim
