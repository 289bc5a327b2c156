// SPDX-License-Identifier: MIT
#pragma once
// IEEE 754 binary16 (FP16), the operand format of the bank PEs, modelled with integer bit
// manipulation only (no _Float16, no compiler extensions): the same bits on every machine.
//   float -> half: round to nearest, ties to even, subnormals included; magnitudes >= 65520
//                  (the midpoint between 65504, the largest half, and 2^16) become infinity;
//                  NaN stays NaN (quiet, sign and the top 9 payload bits kept).
//   half -> float: exact (every half is a float).
#include <cstdint>

namespace pilot::pim {

struct Half {
    uint16_t bits;
};

inline constexpr uint16_t kHalfSignMask = 0x8000;
inline constexpr uint16_t kHalfExpMask = 0x7C00;
inline constexpr uint16_t kHalfMantMask = 0x03FF;
inline constexpr uint16_t kHalfPosInf = 0x7C00;
inline constexpr uint16_t kHalfMax = 0x7BFF; // 65504
inline constexpr float kHalfMaxValue = 65504.0f;

uint16_t floatToHalf(float f);
float halfToFloat(uint16_t h);
// f rounded to the nearest half and back (the value an FP16 register would hold).
float roundToHalf(float f);

inline bool halfIsNaN(uint16_t h) {
    return (h & kHalfExpMask) == kHalfExpMask && (h & kHalfMantMask) != 0;
}
inline Half toHalf(float f) {
    return Half{floatToHalf(f)};
}
inline float toFloat(Half h) {
    return halfToFloat(h.bits);
}

} // namespace pilot::pim
