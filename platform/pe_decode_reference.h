// SPDX-License-Identifier: MIT
#pragma once
// A second reference of decode attention, this one rounding as the bank PEs do, so PIM outputs
// can be compared bit for bit (the FP64 reference in attention_reference.h keeps the error
// budget). Written from the PEs' documented arithmetic (models/pim/pe_arith.h, exp_approx.h,
// fp16.h and the micro-op semantics of PeArray: MacScores, Exp, MacPV, Acc, Sfm) and the decode
// kernel's schedule (firmware/pim/decode_attention_kernel.cpp), without calling any of the PE
// model's code: its own FP16 conversions, dot-product tree, exp approximation and online
// softmax. A mistake in either the model or this file shows as a mismatch.
#include <cstdint>
#include <vector>

namespace pilot::platform {

// How the kernel visits one unit's keys, as the firmware plans it.
struct PeDecodeSchedule {
    uint32_t banksPerGroup = 4; // key j lives in bank j % B, slot j / B
    uint32_t slotsPerRow = 0;   // P: a tile never crosses a row
    uint32_t tileKeys = 1;      // b: slots per tile (1 for the naive schedule)
    bool fp16Accum = false;     // FP16 accumulators (kFlagFp16Accum)
    bool exactExp = false;      // exp() in double, rounded to float (kFlagExactExp)
    float scale = 0;            // softmax scale as the PE gets it
    // Sink + window decode (DECODE_ATTN_SPARSE): keys [0, sink) and [L - window, L) of the L
    // placed keys; both 0: every placed key.
    uint32_t sink = 0, window = 0;
};

// One query's d FP16 outputs (bit patterns) over the L placed keys K, V (L x d FP16, row-major),
// as the PEs of one bank group compute them: per bank, tiles of its slots with an online
// softmax (FP32 state), then the bank-group accumulator's merge and the final division.
std::vector<uint16_t> peDecodeReference(const std::vector<uint16_t>& q, const std::vector<uint16_t>& K,
                                        const std::vector<uint16_t>& V, uint32_t d, uint32_t L,
                                        const PeDecodeSchedule& s);

// Slots a bank visits for L placed keys (the count the firmware plans the tiles for).
uint32_t peDecodeVisitedSlots(uint32_t L, const PeDecodeSchedule& s);

// FP16 conversions of this reference (IEEE binary16, round to nearest even), exposed for tests.
float peRefHalfToFloat(uint16_t h);
uint16_t peRefFloatToHalf(float f);
// The PE's exp() approximation as documented in models/pim/exp_approx.h, exposed for tests.
float peRefExp(float x);
// f rounded to the nearest FP16 value.
inline float peRefRoundHalf(float f) {
    return peRefHalfToFloat(peRefFloatToHalf(f));
}

// A dot product of n lanes as the PE's adder tree forms it (the decode and prefill references
// share it): per 16-lane group the exact FP32 products product(i) reduced pairwise (lanes (0,1),
// (2,3), ..., then the sums likewise), group sums added to the accumulator in order, rounded to
// FP16 after each add when fp16Accum.
template <typename Product> float peRefDot(uint32_t n, bool fp16Accum, Product product) {
    constexpr uint32_t kLanes = 16; // multipliers per PE
    float acc = 0.0f;
    for (uint32_t g = 0; g < n; g += kLanes) {
        float lane[kLanes];
        for (uint32_t l = 0; l < kLanes; ++l)
            lane[l] = g + l < n ? product(g + l) : 0.0f;
        for (uint32_t width = kLanes; width > 1; width /= 2)
            for (uint32_t l = 0; l < width / 2; ++l)
                lane[l] = lane[2 * l] + lane[2 * l + 1];
        acc += lane[0];
        if (fp16Accum)
            acc = peRefRoundHalf(acc);
    }
    return acc;
}

} // namespace pilot::platform
