// SPDX-License-Identifier: MIT
#pragma once
// The PIM controller's firmware: serves the submission ring, validates each descriptor,
// plans the tiling from the buffer size the capability register reports (the I/O analysis
// in decode_planner.h), issues micro-ops, and posts a completion entry and an interrupt.
// A bad descriptor completes with an error code; the queue keeps serving.
#include <cstdint>
#include <vector>

#include "firmware/hal/hal.h"
#include "firmware/include/pilot/contract.h"
#include "firmware/pim/decode_planner.h"
#include "firmware/pim/prefill_kernel.h"

namespace pilot::fw {

// One served descriptor, for timelines.
struct DescriptorRecord {
    uint32_t tag;
    uint16_t opcode;
    uint8_t error;
    uint64_t fetchPs, startPs, endPs;   // fetched, validated and planned, completed
    uint64_t microOps;
};

struct FirmwareStats {
    std::vector<DescriptorRecord> log;
    uint64_t descriptors = 0;
    uint64_t errors[16] = {};   // by contract::Error
    uint64_t microOps = 0;
};

class PimFirmware {
public:
    explicit PimFirmware(Hal& hal);
    [[noreturn]] void run();   // the controller thread's body
    const FirmwareStats& stats() const { return m_stats; }

private:
    struct Geometry {
        uint32_t pcs, groupsPerPc, banksPerGroup, rows, rowBytes, columnBytes, sramBytes;
    };
    // A validated decode descriptor, in the firmware's terms.
    struct Decode {
        contract::Descriptor d;
        uint32_t qRow, kvRow, outRow, scratchRow;
        uint32_t slotsPerRow;   // P: slots whose key and value share one row
        uint32_t slots;   // key slots per bank: ceil(L / banksPerGroup)
        std::vector<std::pair<uint32_t, uint32_t>> slotRanges;   // [begin, end) slots to visit
        uint32_t activeSlots;
        DecodePlan plan;
        uint32_t passQueries;   // query heads per pass over K and V
        float scale;
    };

    // A validated prefill descriptor: the plan, the rows of its regions, the pattern table and
    // the global rows' decode kernel.
    struct Prefill {
        contract::Descriptor d;
        PrefillKernelPlan plan;
        uint32_t qRow, outRow, bandRow, auxRow, scratchRow;
        std::vector<uint32_t> table;   // r block indices per block-row
        float scale;
        bool hasGlobal = false;
        Decode global;
    };

    void serviceQueue();
    void ringAccess(uint64_t base, uint64_t offset, void* data, uint32_t len, bool write);
    contract::Error serve(const contract::Descriptor& d);
    contract::Error validateDecode(const contract::Descriptor& d, Decode& out);
    contract::Error locate(uint64_t addr, uint32_t lowestGroup, uint32_t rowsNeeded, uint32_t& row);
    void runDecode(const Decode& k);
    contract::Error validatePrefill(const contract::Descriptor& d, Prefill& out);
    void runPrefill(const Prefill& k);
    // Appends one round of the non-global kernel for the groups in `mask` of pseudo-channel pc.
    void appendPrefillRound(std::vector<contract::MicroOp>& ops, const Prefill& k, uint32_t pc, uint32_t mask,
                            const PrefillRound& round) const;
    // Appends the MovIn / MovOut ops moving `bytes` bytes that start `offset` bytes after
    // column 0 of `baseRow`, split at row ends, to or from SRAM at `sram`.
    void appendMoves(std::vector<contract::MicroOp>& ops, const contract::MicroOp& proto, uint32_t baseRow,
                     uint64_t offset, uint64_t bytes, uint32_t sram) const;
    void issueInterleaved(std::vector<std::vector<contract::MicroOp>>& perPc);

    Hal& m_hal;
    Geometry m_geo{};
    FirmwareStats m_stats;
    uint32_t m_cqPhase = 1;
};

}  // namespace pilot::fw
