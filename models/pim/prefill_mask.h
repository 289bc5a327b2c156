// SPDX-License-Identifier: MIT
#pragma once
// The PE's mask unit for prefill scores: which (query row, key) pairs of a MacScores op the
// pattern attends to (the rest score -inf, weight 0). One function, used by the PE array and
// tested against the pattern generators (test/test_prefill_kernel.cpp).
#include <cstdint>

#include "firmware/include/pilot/micro_op.h"

namespace pilot::pim {

// What PLT_CFG sets for a prefill kernel.
struct PrefillMaskMode {
    uint32_t seqLen = 0;       // N: keys (and rows) in [0, N)
    uint32_t window = 0;       // w: the band [i - lo, i + hi] (causal: the w keys ending at i)
    uint32_t globalTokens = 0; // g: keys [0, g) are global columns
    bool causal = false;
};

// Whether query g of `op` in bank `bankInGroup` of its group attends key slot j: the row is
// op.rowBase + bankInGroup x op.rowStride + g (valid below op.rowEnd), the key
// op.keyBase + bankInGroup x op.keyStride + j; op.mask says which part of the pattern the op's
// keys serve (Band: window or global column; Global: a global column left of this bank's band,
// below op.keyLimit + bankInGroup x op.rowStride; Random: neither window nor global column).
bool prefillPairValid(const PrefillMaskMode& m, const contract::MicroOp& op, uint32_t bankInGroup, uint32_t g,
                      uint32_t j);

} // namespace pilot::pim
