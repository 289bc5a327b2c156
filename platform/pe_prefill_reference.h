// SPDX-License-Identifier: MIT
#pragma once
// A second reference of prefill hybrid sparse attention, this one rounding as the bank PEs do,
// so the PREFILL_HYBRID_SPARSE kernel's outputs can be compared bit for bit (the FP64 reference
// in attention_reference.h keeps the error budget). Written from the pattern's definition
// (firmware/host/sparse_pattern.h: window band, global tokens [0, g), random blocks per
// block-row, causality), the kernel's documented schedule (firmware/pim/prefill_kernel.h:
// rounds of 4a rows, band slots shifted by i a, then the global keys left of the banks' bands,
// then each random block; batches cut at b keys and at DRAM rows) and the PEs' documented
// arithmetic (models/pim/pe_arith.h, exp_approx.h; PeArray's MacScores, Stat, Prob, MacPV,
// Sfm). It calls neither the firmware nor the PE model: which keys a row attends comes from the
// pattern (a key counts at its first visit by a part of the schedule that serves it), not from
// the mask unit's rule, so a dropped, doubled or misplaced key shows as a mismatch.
// The global rows run as a decode kernel of R queries over every key: peDecodeReference.
#include <cstdint>
#include <vector>

namespace pilot::platform {

inline constexpr uint32_t kPeRefNoBlock = 0xFFFFFFFFu; // a random-block table entry left empty

struct PePrefillSchedule {
    // The pattern as the kernel gets it.
    uint32_t seqLen = 0, headDim = 0, window = 0, globalTokens = 0, randomBlocks = 0, blockSize = 0;
    bool causal = false;
    // r block indices per block-row (kPeRefNoBlock: none), as the pattern drew them.
    std::vector<uint32_t> table;
    // The tiling as the firmware planned it.
    uint32_t banksPerGroup = 4;
    uint32_t slotsPerRow = 0;    // P: K/V slots per DRAM row (a batch never crosses a row)
    uint32_t tileRows = 1;       // a: rows per bank per round
    uint32_t batchKeys = 1;      // b: keys per batch
    uint32_t globalTileKeys = 1; // the global rows' decode tile (1 for the naive kernel)
    bool fp16Accum = false;      // FP16 accumulators (kFlagFp16Accum)
    bool exactExp = false;       // exp() in double, rounded to float (kFlagExactExp)
    float scale = 0;             // softmax scale as the PE gets it
};

// The N x d FP16 outputs (bit patterns, row-major) of one head with N x d FP16 operands q, K, V.
std::vector<uint16_t> pePrefillReference(const std::vector<uint16_t>& q, const std::vector<uint16_t>& K,
                                         const std::vector<uint16_t>& V, const PePrefillSchedule& s);

} // namespace pilot::platform
