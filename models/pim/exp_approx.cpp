// SPDX-License-Identifier: MIT
#include "models/pim/exp_approx.h"

#include <cmath>

namespace pilot::pim {

namespace {

// log2(e) rounded to float (relative error <= 2^-24).
constexpr float kLog2e = 0x1.715476p+0f;

// Taylor coefficients of 2^f = e^(f ln2): ln2^k / k!, k = 1..3, rounded to float.
constexpr float kC1 = 0x1.62e430p-1f; // 0.693147181
constexpr float kC2 = 0x1.ebfbe0p-3f; // 0.240226507
constexpr float kC3 = 0x1.c6b08ep-5f; // 0.0555041087

// 2^(0.5 + i / 32), i = 0..16, rounded to float: the nodes of the 16 segments over [0.5, 1).
constexpr float kPwlNodes[kExpPwlSegments + 1] = {
    0x1.6a09e6p+0f, 0x1.71f75ep+0f, 0x1.7a1148p+0f, 0x1.82589ap+0f, 0x1.8ace54p+0f, 0x1.93737cp+0f,
    0x1.9c4918p+0f, 0x1.a5503cp+0f, 0x1.ae89fap+0f, 0x1.b7f770p+0f, 0x1.c199bep+0f, 0x1.cb720ep+0f,
    0x1.d5818ep+0f, 0x1.dfc974p+0f, 0x1.ea4afap+0f, 0x1.f50766p+0f, 0x1.000000p+1f};

static_assert(kExpTaylorOrder == 3, "the Horner form below is written for order 3");
static_assert(kExpPwlSegments == 16, "the node table below is written for 16 segments");

// 2^f for f in [0, 1).
float pow2Frac(float f) {
    if (f < 0.5f)
        return ((kC3 * f + kC2) * f + kC1) * f + 1.0f;
    const float u = (f - 0.5f) * static_cast<float>(2 * kExpPwlSegments); // exact: [0, 16)
    const int i = static_cast<int>(u);
    const float w = u - static_cast<float>(i);                   // exact: [0, 1)
    return kPwlNodes[i] + w * (kPwlNodes[i + 1] - kPwlNodes[i]); // difference exact
}

} // namespace

float expApprox(float x) {
    if (std::isnan(x))
        return x;
    const float t = x * kLog2e;
    if (t >= 128.0f)
        return HUGE_VALF; // 2^t >= 2^128 overflows float
    if (t < -150.0f)
        return 0.0f; // 2^t < 2^-150 rounds to 0 (also x = -inf)
    const float fl = std::floor(t);
    int n = static_cast<int>(fl);
    float frac = t - fl; // exact except for t in (-0.5, 0), where it may round up
    if (frac >= 1.0f) {  // ... to exactly 1: t is within 2^-25 of the next integer
        frac = 0.0f;
        ++n;
    }
    return std::ldexp(pow2Frac(frac), n);
}

float expExact(float x) {
    return static_cast<float>(std::exp(static_cast<double>(x)));
}

// Derivation of the bound (relative errors; they add to first order):
//  1. Taylor truncation, Frac in [0, 0.5): 1 - T3(u) e^-u with u = Frac ln2 grows with u
//     (its derivative is u^3/6 e^-u > 0), so its supremum is at u = ln2 / 2: 4.5632e-4.
//  2. Chord of a segment of width h = 1/32: the relative error (1 + w(2^h - 1)) 2^(-wh) - 1 is
//     the same on every segment; its maximum, at w = 1/c - 1/(2^h - 1) with c = h ln2, is
//     5.865e-5 (about c^2 / 8). Below term 1, so the branches share one bound.
//  3. The argument: t = fl(x fl(log2 e)) carries a relative error <= 2^-23, i.e. an absolute
//     error <= |t| 2^-23, which becomes a relative error <= |t| 2^-23 ln2 in 2^t: 3.6e-6 for
//     x in [-30, 0] (|t| <= 43.3), 1.06e-5 for |t| <= 128 (every normal result).
//  4. Evaluation: float coefficients/nodes and at most 4 roundings in Horner or the chord, plus
//     Frac's rounding for t in (-0.5, 0): <= 8 * 2^-24 = 4.8e-7.
//  Sum: 4.5632e-4 + 1.06e-5 + 4.8e-7 = 4.674e-4, rounded up to 4.7e-4.
double expApproxMaxRelError() {
    return 4.7e-4;
}

} // namespace pilot::pim
