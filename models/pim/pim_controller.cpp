// SPDX-License-Identifier: MIT
#include "models/pim/pim_controller.h"

#include "models/common/burst_access.h"

#include <algorithm>
#include <cstring>

namespace pilot::pim {

using namespace pilot::contract;

PimController::PimController(sc_core::sc_module_name name, uint32_t channel, const PimCapabilities& caps,
                             sc_core::sc_time registerAccess)
    : sc_module(name), tSocket("tSocket"), iSocket("iSocket"), irq_o("irq_o"), m_channel(channel),
      m_registerAccess(registerAccess), m_caps(caps) {
    m_regs[kRegId / 4] = kMagic;
    m_regs[kRegVersion / 4] = kVersion;
    m_regs[kRegCapPes / 4] = caps.pes;
    m_regs[kRegCapMacLanes / 4] = caps.macLanes;
    m_regs[kRegCapSramBytes / 4] = caps.sramBytes;
    m_regs[kRegCapBankGroups / 4] = caps.bankGroups;
    m_regs[kRegCapPeMhz / 4] = caps.peMHz;
    m_regs[kRegCapPcs / 4] = caps.pcs;
    m_regs[kRegCapRows / 4] = caps.rows;
    m_regs[kRegCapRowBytes / 4] = caps.rowBytes;
    m_regs[kRegCapColumnBytes / 4] = caps.columnBytes;
    m_regs[kRegCapBanksPerGroup / 4] = caps.banksPerGroup;
    tSocket.register_b_transport(this, &PimController::bTransport);
    tSocket.register_transport_dbg(this, &PimController::transportDbg);
    iSocket.register_nb_transport_bw(this, &PimController::nbTransportBw);
    SC_HAS_PROCESS(PimController);
    SC_THREAD(thread);
    SC_METHOD(irqTraceDrop);
    sensitive << m_irqDrop;
    dont_initialize();
}

void PimController::thread() {
    if (m_firmware)
        m_firmware();
}

void PimController::setReg(uint32_t offset, uint32_t value) {
    m_regs.at(offset / 4) = value;
    if (offset == kRegSqHead)
        m_traceSqHead = value;
}

void PimController::raiseIrq() {
    m_regs[kRegIrqStatus / 4] |= kIrqCompletion;
    updateIrqLine();
}

void PimController::updateIrqLine() {
    const bool level = (m_regs[kRegIrqStatus / 4] & m_regs[kRegIrqMask / 4]) != 0;
    irq_o.write(level);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (level && !m_traceIrq) {
        m_traceIrq = true;
        m_irqRose = now;
        note(HostEvent::IrqRaised);
    } else if (!level && m_traceIrq) {
        note(HostEvent::IrqCleared);
        const sc_core::sc_time until = m_irqRose + m_registerAccess;
        m_irqDrop.notify(until > now ? until - now : sc_core::SC_ZERO_TIME);
    }
}

void PimController::irqTraceDrop() {
    m_traceIrq = (m_regs[kRegIrqStatus / 4] & m_regs[kRegIrqMask / 4]) != 0;
}

bool PimController::hostWrite(uint32_t offset, uint32_t value) {
    switch (offset) {
    case kRegSqBaseLo:
    case kRegSqBaseHi:
    case kRegSqSize:
    case kRegCqBaseLo:
    case kRegCqBaseHi:
    case kRegCqSize:
    case kRegCqHead:
        m_regs[offset / 4] = value;
        return true;
    case kRegSqTail:
        m_regs[offset / 4] = value;
        m_traceSqTail = value;
        note(HostEvent::Doorbell, value);
        ++m_doorbells;
        m_doorbell.notify(sc_core::SC_ZERO_TIME);
        return true;
    case kRegIrqStatus:
        m_regs[offset / 4] &= ~value; // write 1 to clear
        updateIrqLine();
        return true;
    case kRegIrqMask:
        m_regs[offset / 4] = value;
        updateIrqLine();
        return true;
    default:
        return false; // read-only or unmapped
    }
}

void PimController::bTransport(tlm::tlm_generic_payload& t, sc_core::sc_time& d) {
    const uint64_t offset = t.get_address() - (kMmioBase + uint64_t(m_channel) * kRegWindowBytes);
    if (t.get_data_length() != 4 || offset % 4 || offset >= kRegWindowBytes || t.get_byte_enable_ptr()) {
        t.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE); // registers are 32-bit, aligned
        return;
    }
    uint32_t v;
    if (t.is_read()) {
        v = m_regs[offset / 4];
        std::memcpy(t.get_data_ptr(), &v, 4);
    } else if (t.is_write()) {
        std::memcpy(&v, t.get_data_ptr(), 4);
        if (!hostWrite(uint32_t(offset), v)) {
            t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
    }
    d += m_registerAccess;
    t.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int PimController::transportDbg(tlm::tlm_generic_payload& t) {
    const uint64_t offset = t.get_address() - (kMmioBase + uint64_t(m_channel) * kRegWindowBytes);
    if (!t.is_read() || offset % 4 || offset + t.get_data_length() > kRegWindowBytes)
        return 0;
    std::memcpy(t.get_data_ptr(), &m_regs[offset / 4], t.get_data_length());
    return t.get_data_length();
}

void PimController::trace(sc_core::sc_trace_file* tf) const {
    const std::string base = name();
    sc_core::sc_trace(tf, m_traceSqHead, base + ".sq_head");
    sc_core::sc_trace(tf, m_traceSqTail, base + ".sq_tail");
    sc_core::sc_trace(tf, m_traceIrq, base + ".irq");
}

// ---------------------------------------------------------------- ports for the HAL

void PimController::memAccess(uint64_t addr, uint8_t* data, uint32_t len, bool write) {
    const uint64_t failed = common::burstAccess(iSocket, addr, data, len, write, m_caps.columnBytes);
    if (failed != UINT64_MAX)
        SC_REPORT_ERROR(name(), ("device memory access failed at 0x" + std::to_string(failed)).c_str());
}

void PimController::memRead(uint64_t addr, uint8_t* dst, uint32_t len) {
    memAccess(addr, dst, len, false);
}
void PimController::memWrite(uint64_t addr, const uint8_t* src, uint32_t len) {
    memAccess(addr, const_cast<uint8_t*>(src), len, true);
}

void PimController::free(tlm::tlm_generic_payload* gp) {
    m_free.push_back(static_cast<OpPayload*>(gp));
}

void PimController::issueMicroOp(const contract::MicroOp& op) {
    while (m_waitingEndReq)
        sc_core::wait(m_endReq);
    if (m_free.empty()) {
        m_pool.push_back(std::make_unique<OpPayload>());
        OpPayload* p = m_pool.back().get();
        p->set_mm(this);
        p->set_extension(&p->ext); // owned by the payload; never freed by reset()
        m_free.push_back(p);
    }
    OpPayload* p = m_free.back();
    m_free.pop_back();
    p->ext.op = op;
    p->ext.pcIndex = m_channel * m_caps.pcs + op.pc;
    p->set_command(tlm::TLM_IGNORE_COMMAND);
    p->set_address(0);
    p->set_data_length(0);
    p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    p->acquire();
    ++m_issued;
    ++m_outstanding;
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    const tlm::tlm_sync_enum r = iSocket->nb_transport_fw(*p, ph, d);
    if (r == tlm::TLM_ACCEPTED) {
        m_waitingEndReq = true;
    } else if (r == tlm::TLM_COMPLETED) {
        // Refused at once (no PIM unit there): a platform assembly error.
        SC_REPORT_ERROR(name(), "micro-op refused by its pseudo-channel");
        --m_outstanding;
        p->release();
    }
}

tlm::tlm_sync_enum PimController::nbTransportBw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph,
                                                sc_core::sc_time& d) {
    if (ph == tlm::END_REQ) {
        m_waitingEndReq = false;
        m_endReq.notify(sc_core::SC_ZERO_TIME);
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::BEGIN_RESP) {
        m_waitingEndReq = false;
        m_endReq.notify(sc_core::SC_ZERO_TIME);
        --m_outstanding;
        // The op finishes at now + d; responses of two pseudo-channels need not come in that order.
        m_lastDone = std::max(m_lastDone, sc_core::sc_time_stamp() + d);
        if (m_outstanding == 0)
            m_opDone.notify(sc_core::SC_ZERO_TIME);
        t.release();
        return tlm::TLM_COMPLETED;
    }
    return tlm::TLM_COMPLETED;
}

void PimController::setFastForward(FastForwardConfig cfg, common::CounterSet counters) {
    m_sampler = std::make_unique<RepeatSampler>(std::move(cfg), std::move(counters));
}

void PimController::repeatBegin(bool growing) {
    if (!fastForward())
        return;
    drainMicroOps(); // the counters from here count the stretch's periods alone
    m_sampler->begin(growing);
}

uint64_t PimController::repeatMark(uint64_t periodsLeft, uint64_t opsPerPeriod, int64_t growth) {
    if (!fastForward())
        return 0;
    if (m_sampler->drainBeforeMark())
        drainMicroOps();
    m_sampler->mark(sc_core::sc_time_stamp().value());
    if (!m_sampler->ready(periodsLeft))
        return 0;
    // Drained, the counters hold whole periods. The work still queued at the mark takes its
    // time in the drain, as it would have before the next period ran; the skipped periods
    // follow at the measured pace, and the last one is simulated again (so the stretch ends
    // in the pipeline as it would).
    drainMicroOps();
    const uint64_t skipped = periodsLeft - 1;
    const uint64_t ops0 = m_sampler->stats().microOps;
    const uint64_t ps = m_sampler->skip(skipped, opsPerPeriod, growth);
    if (ps == 0)
        return 0;
    const uint64_t until = sc_core::sc_time_stamp().value() + ps;
    m_sampler->reserve(until);
    sc_core::wait(sc_core::sc_time::from_value(ps));
    m_issued += m_sampler->stats().microOps - ops0; // the skipped periods' ops, as the sampler counted them
    return skipped;
}

void PimController::drainMicroOps() {
    while (m_outstanding)
        sc_core::wait(m_opDone);
    if (m_lastDone > sc_core::sc_time_stamp())
        sc_core::wait(m_lastDone - sc_core::sc_time_stamp());
}

} // namespace pilot::pim
