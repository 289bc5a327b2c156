// SPDX-License-Identifier: MIT
#include "models/pim/pe_arith.h"

#include <stdexcept>

#include "models/pim/fp16.h"

namespace pilot::pim {

namespace {

static_assert((kPeLanes & (kPeLanes - 1)) == 0, "the adder tree needs a power-of-two lane count");

float accumulate(float acc, float x, bool fp16Accum) {
    const float s = acc + x;
    return fp16Accum ? roundToHalf(s) : s;
}

} // namespace

float dot16Lanes(const uint16_t* a, const uint16_t* b, uint32_t n, bool fp16Accum) {
    float acc = 0.0f;
    for (uint32_t base = 0; base < n; base += kPeLanes) {
        float level[kPeLanes];
        for (uint32_t l = 0; l < kPeLanes; ++l) {
            const uint32_t k = base + l;
            level[l] = k < n ? halfToFloat(a[k]) * halfToFloat(b[k]) : 0.0f; // exact product
        }
        for (uint32_t width = kPeLanes / 2; width >= 1; width /= 2)
            for (uint32_t l = 0; l < width; ++l)
                level[l] = level[2 * l] + level[2 * l + 1];
        acc = accumulate(acc, level[0], fp16Accum);
    }
    return acc;
}

void axpyAccumulate(float* acc, const uint16_t* v, float p, uint32_t n, bool fp16Accum) {
    const float ph = roundToHalf(p);
    for (uint32_t k = 0; k < n; ++k)
        acc[k] = accumulate(acc[k], ph * halfToFloat(v[k]), fp16Accum);
}

uint64_t macCycles(uint64_t macs, uint32_t lanes) {
    if (lanes == 0)
        throw std::invalid_argument("macCycles: lanes must be > 0");
    return macs / lanes + (macs % lanes != 0 ? 1 : 0);
}

} // namespace pilot::pim
