// SPDX-License-Identifier: MIT
#include "models/pim/fp16.h"

#include <cstring>

namespace pilot::pim {

namespace {

uint32_t floatBits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float bitsFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

} // namespace

uint16_t floatToHalf(float f) {
    const uint32_t x = floatBits(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & kHalfSignMask);
    const uint32_t ax = x & 0x7FFFFFFFu;

    if (ax >= 0x7F800000u) { // infinity or NaN
        if (ax == 0x7F800000u)
            return sign | kHalfPosInf;
        // NaN: keep the top payload bits and force the quiet bit, so it cannot become infinity.
        return static_cast<uint16_t>(sign | kHalfPosInf | 0x0200u | ((ax >> 13) & kHalfMantMask));
    }
    if (ax >= 0x477FF000u)
        return sign | kHalfPosInf; // >= 65520: rounds past 65504

    if (ax >= 0x38800000u) { // >= 2^-14: a normal half
        // Rebias the exponent (127 -> 15) in place, then drop 13 mantissa bits with RNE: adding
        // 0xFFF plus the kept lsb carries exactly when the dropped part is above half, or equal
        // to half with an odd kept part. A carry out of the mantissa increments the exponent,
        // which is the correct result (the overflow case was excluded above).
        const uint32_t m = ax - 0x38000000u;
        const uint32_t lsb = (m >> 13) & 1u;
        return static_cast<uint16_t>(sign | ((m + 0xFFFu + lsb) >> 13));
    }

    // Below 2^-14: a subnormal half (units of 2^-24) or zero. Exactly 2^-25 is a tie between 0
    // and the smallest subnormal and goes to 0 (even); float subnormals are far below it.
    if (ax <= 0x33000000u)
        return sign;
    const uint32_t e = ax >> 23; // biased float exponent, 102..112
    const uint32_t mant = (ax & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126u - e; // value / 2^-24 = mant / 2^shift, shift 14..24
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (q & 1u)))
        ++q; // q == 0x400 is the smallest normal
    return static_cast<uint16_t>(sign | q);
}

float halfToFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & kHalfSignMask) << 16;
    const uint32_t e = (h >> 10) & 0x1Fu;
    uint32_t m = h & kHalfMantMask;
    if (e == 0x1Fu)
        return bitsFloat(sign | 0x7F800000u | (m << 13)); // inf, NaN (payload kept)
    if (e == 0) {
        if (m == 0)
            return bitsFloat(sign); // signed zero
        // Subnormal m * 2^-24: normalise so the leading one becomes the implicit bit.
        int32_t exp = 1;
        while ((m & 0x400u) == 0) {
            m <<= 1;
            --exp;
        }
        m &= kHalfMantMask;
        return bitsFloat(sign | (static_cast<uint32_t>(exp + 112) << 23) | (m << 13));
    }
    return bitsFloat(sign | ((e + 112u) << 23) | (m << 13));
}

float roundToHalf(float f) {
    return halfToFloat(floatToHalf(f));
}

} // namespace pilot::pim
