// SPDX-License-Identifier: MIT
#pragma once
// The bank PEs of one pseudo-channel (one per bank: 16 FP16 MACs, exp unit, SRAM buffer) and
// the accumulator of each bank group. Data moves between a bank and its PE's buffer only
// through moveIn/moveOut (counted: internal I/O); arithmetic reads and writes the buffer.
#include <cstdint>
#include <vector>

#include "models/common/counter_set.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/backing_store.h"
#include "models/hbm/pim_unit.h"
#include "models/pim/pe_config.h"
#include "models/pim/prefill_mask.h"

namespace pilot::pim {

struct PeStats {
    uint64_t bankToSramBytes = 0; // summed over participating banks
    uint64_t sramToBankBytes = 0;
    uint64_t busyCycles = 0; // PE cycles of ops (lockstep: same for every PE)
    uint64_t macs = 0;       // summed over participating banks
    uint64_t ops = 0;
};

class PeArray : public hbm::PimUnit {
  public:
    PeArray(const PeConfig& cfg, const hbm::AddressMapping& map, hbm::BackingStore& store, uint32_t pcIndex);

    void moveIn(const contract::MicroOp& op, uint32_t column) override;
    void moveOut(const contract::MicroOp& op, uint32_t column) override;
    uint64_t execute(const contract::MicroOp& op) override;
    double peClockMHz() const override { return m_cfg.clockMHz; }

    const PeStats& stats() const { return m_stats; }
    // Every counter above and the per-bank bytes (for a fast-forward).
    void listCounters(common::CounterSet& set) {
        for (uint64_t* c : {&m_stats.bankToSramBytes, &m_stats.sramToBankBytes, &m_stats.busyCycles,
                            &m_stats.macs, &m_stats.ops})
            set.add(*c);
        set.add(m_bankBytes);
    }
    // Per-bank bytes moved (for the internal-bandwidth bound: the busiest bank sets it).
    uint64_t maxBankBytes() const;
    const std::vector<uint64_t>& bankBytes() const { return m_bankBytes; }
    const PeConfig& config() const { return m_cfg; }
    // Bytes of a bank's buffer (tests).
    const std::vector<uint8_t>& sram(uint32_t bank) const { return m_sram[bank]; }

    // Test seam (test/test_fault_injection.cpp): a fault the PEs commit on purpose, so a test
    // can prove the output checks notice it. Only C++ code reaches it; no scenario field or
    // command-line option does.
    struct FaultForTest {
        enum class Kind {
            None,
            MaskDropKey,   // the mask unit drops key `key` from every row that attends it
            MaskExtraKey,  // the mask unit lets through the first slot of each row it should block
            TileOffset,    // every move into the buffer lands `offsetBytes` further on
            MaskDoubleKey, // prefill: key `key` let through in every random-block batch that streams
                           // it (a row whose band already served it counts it twice)
        } kind = Kind::None;
        uint32_t key = 0;
        uint32_t offsetBytes = 0;
    };
    void injectFaultForTest(const FaultForTest& f) { m_fault = f; }

  private:
    // execute(), by its steps: the cycles an op takes, the mode PLT_CFG sets, the arithmetic.
    uint64_t opCycles(const contract::MicroOp& op) const;
    void setMode(const contract::MicroOp& op);
    void compute(const contract::MicroOp& op);
    struct Mode {
        bool fp16Accum = false, exactExp = false;
        float scale = 1.0f;
        uint32_t ctxLen = 0, sink = 0, window = 0;
        uint32_t spread = 1; // bank groups sharing one KV head (decode)
        PrefillMaskMode prefill;
    };
    // The key index held by slot j of a MacScores op in `bank` (decode: slot x banks per group +
    // bank; prefill: the op's key base and per-bank stride).
    int64_t keyIndex(const contract::MicroOp& op, uint32_t bank, uint32_t j) const;
    // Whether slot `slot` of `bank` holds a key the kernel attends to.
    bool keyValid(uint32_t bank, uint32_t slot) const;
    bool participates(const contract::MicroOp& op, uint32_t bank) const {
        return (op.bankGroupMask >> (bank / m_banksPerGroup)) & 1u;
    }
    uint32_t participatingBanks(const contract::MicroOp& op) const;
    uint64_t bankAddress(uint32_t bank, uint32_t row, uint32_t column) const;
    // Buffer values are read and written by memcpy: the buffer is bytes, as in hardware.
    float getF32(uint32_t bank, uint32_t offset) const;
    void setF32(uint32_t bank, uint32_t offset, float v);
    std::vector<uint16_t> getF16s(uint32_t bank, uint32_t offset, uint32_t count) const;
    void setF16(uint32_t bank, uint32_t offset, uint16_t v);
    void checkRange(const contract::MicroOp& op, uint32_t offset, uint64_t bytes) const;

    void cfg(const contract::MicroOp& op, uint32_t bank);
    void macScores(const contract::MicroOp& op, uint32_t bank);
    void expStep(const contract::MicroOp& op, uint32_t bank);
    void macPV(const contract::MicroOp& op, uint32_t bank);
    void accumulate(const contract::MicroOp& op, uint32_t group);
    void softmaxOut(const contract::MicroOp& op, uint32_t bank);
    void statStep(const contract::MicroOp& op, uint32_t bank);
    void probStep(const contract::MicroOp& op, uint32_t bank);
    void clearOut(const contract::MicroOp& op, uint32_t bank);
    // AttAcc's buffer-die softmax unit, over the banks of the set of groups from `firstGroup`.
    void bufferSoftmax(const contract::MicroOp& op, uint32_t firstGroup);
    void bufferOut(const contract::MicroOp& op, uint32_t firstGroup);

    PeConfig m_cfg;
    const hbm::AddressMapping& m_map;
    hbm::BackingStore& m_store;
    hbm::DramAddress m_pcAddr; // stack / channel / pseudo-channel of these banks
    uint32_t m_banksPerGroup, m_banks, m_columnBytes;
    std::vector<std::vector<uint8_t>> m_sram; // 4-byte aligned buffers
    std::vector<uint64_t> m_bankBytes;
    Mode m_mode;
    PeStats m_stats;
    FaultForTest m_fault;
};

} // namespace pilot::pim
