// SPDX-License-Identifier: MIT
#pragma once
// The firmware's HAL (firmware/hal/hal.h) bound to this platform: register and memory access
// through the PIM controller model's ports, micro-ops into its queue, the board's address map.
// Platform assembles it (it knows both sides), so firmware/ includes no model header.
#include "firmware/hal/hal.h"
#include "models/hbm/address_mapping.h"
#include "models/pim/pim_controller.h"

namespace pilot::platform {

class TlmHal : public fw::Hal {
  public:
    // `registerAccess`: what one firmware register access takes (a controller clock).
    TlmHal(pim::PimController& hw, const hbm::AddressMapping& map, sc_core::sc_time registerAccess);

    uint32_t readReg(uint32_t offset) override;
    void writeReg(uint32_t offset, uint32_t value) override;
    void readMem(uint64_t addr, void* dst, uint32_t len) override;
    void writeMem(uint64_t addr, const void* src, uint32_t len) override;
    void issue(const contract::MicroOp& op) override { m_hw.issueMicroOp(op); }
    void drain() override { m_hw.drainMicroOps(); }
    void waitDoorbell() override { sc_core::wait(m_hw.doorbell()); }
    void raiseIrq() override { m_hw.raiseIrq(); }
    uint64_t nowPs() override { return sc_core::sc_time_stamp().value(); }
    uint64_t rowAddress(uint32_t groupInChannel, uint32_t bankInGroup, uint32_t row,
                        uint32_t column) override;
    Locate locateRow(uint64_t addr, uint32_t& group, uint32_t& bank, uint32_t& row) override;
    bool fastForward() override { return m_hw.fastForward(); }
    void repeatBegin(bool growing) override { m_hw.repeatBegin(growing); }
    uint64_t repeatMark(uint64_t periodsLeft, uint64_t opsPerPeriod, int64_t growth) override {
        return m_hw.repeatMark(periodsLeft, opsPerPeriod, growth);
    }

  private:
    pim::PimController& m_hw;
    const hbm::AddressMapping& m_map;
    const sc_core::sc_time m_registerAccess;
};

} // namespace pilot::platform
