// SPDX-License-Identifier: MIT
#pragma once
// The bank PE's exp() unit (PILOT's BPM), modelled in FP32 arithmetic:
//   t = x * log2(e) = Int + Frac, Int = floor(t), Frac in [0, 1)
//   e^x = 2^Int * 2^Frac, 2^Int applied by adding Int to the exponent (std::ldexp: exact)
//   2^Frac = e^(Frac * ln2) by
//     - Frac <  0.5: the Taylor series of e^u, u = Frac * ln2, to order kExpTaylorOrder (3),
//                    evaluated by Horner in Frac with coefficients ln2^k / k!;
//     - Frac >= 0.5: a piecewise-linear table of kExpPwlSegments (16) equal segments over
//                    [0.5, 1), chords between the nodes 2^(0.5 + i/32) (17 FP32 entries).
// Why 3rd order and 16 segments: the Taylor branch costs 3 multiply-adds on the PE's existing
// units and its error (4.56e-4 relative at worst) is below one FP16 ulp (9.8e-4 relative at
// 1.0), the precision the scores are stored in; 16 segments keep the table (68 bytes) small
// while its chord error (5.9e-5) stays well below the Taylor branch, so one number bounds both.
// The resulting bound is expApproxMaxRelError() (derivation in exp_approx.cpp).
// Determinism: plain FP32 operations; a build that contracts a*b+c into FMA (-ffp-contract=fast
// on an FMA target) may change the last bit of Horner or the chord, within the same bound.
#include <cstdint>

namespace pilot::pim {

inline constexpr uint32_t kExpTaylorOrder = 3;
inline constexpr uint32_t kExpPwlSegments = 16;

// e^x as the PE computes it. exp(0) == 1 exactly; x below about -103.97 (t < -150) gives +0 (and results
// below the smallest normal float are FP32 subnormals); x above about 88.72 gives +inf;
// NaN stays NaN, -inf gives 0, +inf gives +inf.
float expApprox(float x);

// The exact reference: std::exp in double, rounded to float (kFlagExactExp).
float expExact(float x);

// Upper bound of |expApprox(x) - e^x| / e^x for every x whose e^x is a normal float
// (about -87.3 <= x <= 88.7), [-30, 0] (softmax's exp(s - max)) included: 4.7e-4.
double expApproxMaxRelError();

} // namespace pilot::pim
