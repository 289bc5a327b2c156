// SPDX-License-Identifier: MIT
#pragma once
// The arithmetic of one bank PE (PILOT's BPM): 16 FP16 multipliers feeding a binary adder
// tree, and an accumulator that is FP32 (default) or FP16 (kFlagFp16Accum). Operands are FP16
// bit patterns (pilot::pim::Half bits) as they sit in the PE's SRAM buffer.
//
// Numerics, fixed so results are the same on every machine:
//  - A product of two FP16 values is exact in FP32 (11 x 11 significand bits <= 24; exponents
//    from 2^-48 to 2^32 stay in the normal float range), so a multiplier is modelled exactly
//    (and FMA contraction by the compiler cannot change any result).
//  - The adder tree is modelled in FP32: it is wider than the FP16 multiplier inputs, and only
//    the accumulator's format is a mode of the PE.
//  - Elements are processed in groups of kPeLanes consecutive indices; a last, partial group
//    is padded with zero products.
#include <cstdint>

namespace pilot::pim {

inline constexpr uint32_t kPeLanes = 16;

// Dot product of n FP16 pairs a[k] * b[k]. Per group of 16 lanes (elements 16g .. 16g+15) the
// 16 products are reduced by a pairwise tree in FP32: level 1 adds (0,1), (2,3), ... (14,15);
// level 2 adds the results pairwise in the same order, and so on (4 levels). The group sums are
// then added to the accumulator one group after another (g = 0, 1, ...), starting from 0:
// acc = acc + sum_g in FP32, or acc = half(acc + sum_g) (the FP32 sum rounded to FP16) when
// fp16Accum. Returns the accumulator (an FP16 value when fp16Accum). n == 0 gives 0.
float dot16Lanes(const uint16_t* a, const uint16_t* b, uint32_t n, bool fp16Accum);

// acc[k] += p * v[k] for k in [0, n): the multipliers take FP16 operands, so p is rounded to
// FP16 first (a softmax weight below 2^-25 becomes 0); the product is then exact in FP32 and
// the add is one FP32 rounding, followed by a rounding of acc[k] to FP16 when fp16Accum.
// Elements are independent (the 16 lanes work on 16 consecutive k per step).
void axpyAccumulate(float* acc, const uint16_t* v, float p, uint32_t n, bool fp16Accum);

// PE cycles for `macs` multiply-accumulates on `lanes` multipliers: ceil(macs / lanes).
// Throws std::invalid_argument when lanes == 0.
uint64_t macCycles(uint64_t macs, uint32_t lanes);

} // namespace pilot::pim
