// SPDX-License-Identifier: MIT
// The PE's number formats and arithmetic without a SystemC kernel: FP16 conversion (checked
// against values computed from the binary16 definition with ldexp in double, and against
// midpoints between neighbouring halves), the exp() approximation (against std::exp in double,
// with the error terms re-derived here from the formulas), the lane/tree/accumulator order of
// the dot product, and the FP64 attention reference (against hand-computed softmax values).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "models/pim/pe_arith.h"
#include "platform/attention_reference.h"

using namespace pilot::pim;

namespace {

// The value of a finite binary16 pattern from the definition: (-1)^s * 2^(e-15) * (1 + m/1024)
// for normals, (-1)^s * 2^-14 * (m/1024) for subnormals.
double halfDefinition(uint16_t h) {
    const int s = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    const double mag = e == 0 ? std::ldexp(m, -24) : std::ldexp(1024 + m, e - 25);
    return s ? -mag : mag;
}

float bitsFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

constexpr double kU32 = 0x1p-24; // unit roundoff of FP32
constexpr double kU16 = 0x1p-11; // unit roundoff of FP16

// Deterministic FP16 operand in about [-2, 2] from a generator whose sequence the standard fixes.
uint16_t randomHalf(std::mt19937& rng) {
    const uint32_t r = rng();
    const double v = (static_cast<double>(r % 40001u) - 20000.0) / 10000.0;
    return floatToHalf(static_cast<float>(v));
}

} // namespace

// ---------------------------------------------------------------------------------------- FP16

TEST_CASE("FP16: every half pattern converts to its defined value and back to the same bits", "[pim][fp16]") {
    uint32_t nans = 0;
    for (uint32_t i = 0; i < 65536; ++i) {
        const uint16_t h = static_cast<uint16_t>(i);
        const float f = halfToFloat(h);
        if (halfIsNaN(h)) {
            ++nans;
            REQUIRE(std::isnan(f));
            REQUIRE(halfIsNaN(floatToHalf(f)));
            continue;
        }
        if ((h & 0x7FFF) == 0x7C00) {
            REQUIRE(std::isinf(f));
            REQUIRE((f > 0) == ((h & 0x8000) == 0));
        } else {
            REQUIRE(static_cast<double>(f) == halfDefinition(h));
            REQUIRE(std::signbit(f) == ((h & 0x8000) != 0));
        }
        REQUIRE(floatToHalf(f) == h);
    }
    CHECK(nans == 2 * 1023);
}

TEST_CASE("FP16: a float halfway between two halves rounds to the even one, anything off the midpoint to the "
          "nearer",
          "[pim][fp16]") {
    // 1 + 2^-11 is halfway between 1 (0x3C00, even) and 1 + 2^-10 (0x3C01): down to 1.
    CHECK(floatToHalf(1.0f + 0x1p-11f) == 0x3C00);
    // 1 + 3 * 2^-11 is halfway between 0x3C01 (odd) and 0x3C02 (even): up.
    CHECK(floatToHalf(1.0f + 3 * 0x1p-11f) == 0x3C02);
    CHECK(floatToHalf(std::nextafter(1.0f + 0x1p-11f, 2.0f)) == 0x3C01);
    CHECK(floatToHalf(-(1.0f + 3 * 0x1p-11f)) == 0xBC02);
    // The mantissa carry moves to the next binade: 2 - 2^-11 is halfway between 0x3BFF and 2.0.
    CHECK(floatToHalf(2.0f - 0x1p-11f) == 0x4000);

    // Every pair of neighbouring finite halves, both signs, subnormals included.
    for (uint16_t h = 0; h < 0x7BFF; ++h) {
        const float lo = halfToFloat(h), hi = halfToFloat(static_cast<uint16_t>(h + 1));
        const float mid = static_cast<float>((static_cast<double>(lo) + hi) / 2); // exact in float
        REQUIRE(static_cast<double>(mid) == (static_cast<double>(lo) + hi) / 2);
        const uint16_t even = (h & 1) ? static_cast<uint16_t>(h + 1) : h;
        REQUIRE(floatToHalf(mid) == even);
        REQUIRE(floatToHalf(-mid) == (even | 0x8000));
        REQUIRE(floatToHalf(std::nextafter(mid, 1e9f)) == h + 1);
        REQUIRE(floatToHalf(std::nextafter(mid, 0.0f)) == h);
    }
}

TEST_CASE("FP16: a random float converts to a nearest half", "[pim][fp16]") {
    std::mt19937 rng(12345);
    for (int i = 0; i < 200000; ++i) {
        // Magnitudes from 2^-27 to 2^16, uniform in the exponent, random mantissa and sign.
        const uint32_t exp = 100u + rng() % 43u;
        const float f = bitsFloat((rng() & 0x80000000u) | (exp << 23) | (rng() & 0x7FFFFFu));
        const uint16_t h = floatToHalf(f);
        if (std::fabs(f) >= 65520.0f) {
            REQUIRE((h & 0x7FFF) == 0x7C00);
            continue;
        }
        const double err = std::fabs(halfDefinition(h) - static_cast<double>(f));
        const uint16_t mag = h & 0x7FFF;
        if (mag < 0x7BFF)
            REQUIRE(err <= std::fabs(halfDefinition(static_cast<uint16_t>(h + 1)) - f));
        if (mag > 0) {
            const uint16_t below = static_cast<uint16_t>(h - 1); // the next smaller magnitude
            REQUIRE(err <= std::fabs(halfDefinition(below) - f));
        } else {
            REQUIRE(std::fabs(static_cast<double>(f)) <= 0x1p-25);
        }
    }
}

TEST_CASE("FP16: subnormals round in units of 2^-24 and values up to 2^-25 flush to signed zero",
          "[pim][fp16]") {
    CHECK(floatToHalf(0x1p-24f) == 0x0001);
    CHECK(halfToFloat(0x0001) == 0x1p-24f);
    CHECK(halfToFloat(0x03FF) == 1023 * 0x1p-24f);
    CHECK(floatToHalf(0x1p-25f) == 0x0000); // tie between 0 and 2^-24: even
    CHECK(floatToHalf(std::nextafter(0x1p-25f, 1.0f)) == 0x0001);
    CHECK(floatToHalf(3 * 0x1p-25f) == 0x0002);        // tie between 1 and 2 units: even
    CHECK(floatToHalf(5 * 0x1p-25f) == 0x0002);        // tie between 2 and 3 units: even
    CHECK(floatToHalf(0x1p-14f - 0x1p-25f) == 0x0400); // tie 0x3FF / 0x400: to the smallest normal
    CHECK(floatToHalf(1e-40f) == 0x0000);              // a float subnormal
    CHECK(floatToHalf(-1e-40f) == 0x8000);
    CHECK(floatToHalf(-0x1p-24f) == 0x8001);
    CHECK(floatToHalf(-0.0f) == 0x8000);
    CHECK(std::signbit(halfToFloat(0x8000)));
}

TEST_CASE("FP16: magnitudes from 65520 up overflow to infinity, NaN stays NaN", "[pim][fp16]") {
    CHECK(floatToHalf(65504.0f) == kHalfMax);
    CHECK(floatToHalf(std::nextafter(65520.0f, 0.0f)) == kHalfMax);
    CHECK(floatToHalf(65520.0f) == kHalfPosInf);
    CHECK(floatToHalf(-65520.0f) == 0xFC00);
    CHECK(floatToHalf(1e10f) == kHalfPosInf);
    CHECK(floatToHalf(std::numeric_limits<float>::infinity()) == kHalfPosInf);
    CHECK(floatToHalf(-std::numeric_limits<float>::infinity()) == 0xFC00);
    CHECK(halfIsNaN(floatToHalf(std::numeric_limits<float>::quiet_NaN())));
    CHECK(halfIsNaN(floatToHalf(bitsFloat(0x7F800001u)))); // payload only in dropped bits
    CHECK(halfIsNaN(floatToHalf(bitsFloat(0xFF800001u))));
    CHECK(std::isnan(roundToHalf(std::numeric_limits<float>::quiet_NaN())));
    CHECK(roundToHalf(65519.0f) == 65504.0f);
    CHECK(std::isinf(roundToHalf(70000.0f)));
}

// ----------------------------------------------------------------------------------------- exp

TEST_CASE("exp: exp(0) is exactly 1, very negative inputs give 0, overflow gives inf", "[pim][exp]") {
    CHECK(expApprox(0.0f) == 1.0f);
    CHECK(expApprox(-0.0f) == 1.0f);
    CHECK(expApprox(-200.0f) == 0.0f);
    CHECK(expApprox(-1e30f) == 0.0f);
    CHECK(expApprox(-std::numeric_limits<float>::infinity()) == 0.0f);
    CHECK(std::isinf(expApprox(100.0f)));
    CHECK(std::isinf(expApprox(std::numeric_limits<float>::infinity())));
    CHECK(std::isnan(expApprox(std::numeric_limits<float>::quiet_NaN())));
    // Just below 0, t = x log2(e) is within rounding of 0 from below.
    CHECK(expApprox(-1e-9f) == Approx(1.0).epsilon(1e-6));
    CHECK(expApprox(-1e-9f) <= 1.0f);
    // 2^Int is exact: where Frac = 0 (x = k ln2 gives t within rounding of k), e^x = 2^k.
    CHECK(expApprox(static_cast<float>(-10 * std::log(2.0))) == Approx(std::ldexp(1.0, -10)).epsilon(1e-5));
    CHECK(expExact(-1.0f) == static_cast<float>(std::exp(-1.0)));
    CHECK(expExact(0.0f) == 1.0f);
}

TEST_CASE(
    "exp: the relative error over a dense sweep of -30 to 0 stays within expApproxMaxRelError, below 0.05%",
    "[pim][exp]") {
    const double bound = expApproxMaxRelError();
    REQUIRE(bound < 5e-4);

    // The error terms, derived here from the formulas (not read from the implementation).
    const double u = std::log(2.0) / 2; // Taylor branch ends at Frac = 0.5
    const double taylorSup = 1.0 - (1 + u + u * u / 2 + u * u * u / 6) * std::exp(-u);
    const double c = std::log(2.0) / (2 * kExpPwlSegments), r = std::expm1(c);
    const double chordMax = (r / c) * std::exp(-c * (1 / c - 1 / r)) - 1;
    REQUIRE(taylorSup == Approx(4.5632e-4).epsilon(1e-4));
    REQUIRE(chordMax == Approx(5.865e-5).epsilon(1e-3));
    REQUIRE(bound >= taylorSup + 30 * std::log2(std::exp(1.0)) * 0x1p-23 * std::log(2.0));

    double maxAll = 0, maxTaylor = 0, maxTable = 0;
    const int steps = 3000000; // step 1e-5
    for (int i = 0; i <= steps; ++i) {
        const float x = static_cast<float>(-30.0 * i / steps);
        const double exact = std::exp(static_cast<double>(x));
        const double rel = std::fabs(static_cast<double>(expApprox(x)) - exact) / exact;
        maxAll = std::max(maxAll, rel);
        // Which branch, by the fraction of x log2(e) in double, away from the branch edges.
        const double t = static_cast<double>(x) * std::log2(std::exp(1.0));
        const double frac = t - std::floor(t);
        if (frac > 1e-4 && frac < 0.5 - 1e-4)
            maxTaylor = std::max(maxTaylor, rel);
        if (frac > 0.5 + 1e-4 && frac < 1 - 1e-4)
            maxTable = std::max(maxTable, rel);
    }
    INFO("max relative error: all " << maxAll << ", Taylor branch " << maxTaylor << ", table branch "
                                    << maxTable);
    CHECK(maxAll <= bound);
    // The approximation is the documented one: the Taylor branch reaches its truncation error
    // (3rd order) and the table branch its chord error (16 segments), not less.
    CHECK(maxTaylor >= 0.99 * taylorSup);
    CHECK(maxTaylor <= taylorSup + 5e-6);
    CHECK(maxTable >= 0.95 * chordMax);
    CHECK(maxTable <= chordMax + 5e-6);
}

TEST_CASE("exp: the bound also holds wherever e^x is a normal float", "[pim][exp]") {
    const double bound = expApproxMaxRelError();
    double maxRel = 0;
    for (int i = 0; i <= 1750000; ++i) {
        const float x = static_cast<float>(-87.0 + 1e-4 * i); // [-87, 88]
        const double exact = std::exp(static_cast<double>(x));
        maxRel = std::max(maxRel, std::fabs(static_cast<double>(expApprox(x)) - exact) / exact);
    }
    INFO("max relative error over [-87, 88]: " << maxRel);
    CHECK(maxRel <= bound);
}

// -------------------------------------------------------------------------------- PE arithmetic

TEST_CASE("PE: a group of 16 products is reduced by a pairwise tree in lane order, in FP32", "[pim][pe]") {
    // Products 2^24, 1, 1, 1: the tree computes (2^24 + 1) + (1 + 1) = 2^24 + 2 (the first sum
    // is a tie that rounds to 2^24). Left to right it would be 2^24; exactly it is 2^24 + 3.
    std::vector<uint16_t> a(16, 0), b(16, 0);
    a[0] = b[0] = floatToHalf(4096.0f);
    for (int l = 1; l < 4; ++l)
        a[l] = b[l] = floatToHalf(1.0f);
    CHECK(dot16Lanes(a.data(), b.data(), 16, false) == 16777218.0f);
    CHECK(dot16Lanes(a.data(), b.data(), 4, false) == 16777218.0f); // a partial group pads zeros
    // A product of two halves is exact: (1 + 2^-10)^2 = 1 + 2^-9 + 2^-20 needs 21 bits.
    const uint16_t x = floatToHalf(1.0f + 0x1p-10f);
    CHECK(dot16Lanes(&x, &x, 1, false) == 1.0f + 0x1p-9f + 0x1p-20f);
    CHECK(dot16Lanes(a.data(), b.data(), 0, false) == 0.0f);
}

TEST_CASE("PE: with FP16 accumulation the accumulator is rounded to half after each group, not inside one",
          "[pim][pe]") {
    const uint16_t one = floatToHalf(1.0f), big = floatToHalf(2048.0f);
    std::vector<uint16_t> ones(48, one), a(48, 0);
    // Lanes 0, 1 and 2 in one group: the tree gives 2050 (exact), a half: 2050.
    a[0] = big;
    a[1] = one;
    a[2] = one;
    CHECK(dot16Lanes(a.data(), ones.data(), 48, true) == 2050.0f);
    // 2048, 1 and 1 in three groups: 2048 + 1 = 2049 is a tie between halves 2048 and 2050 and
    // rounds to 2048, twice. FP32 accumulation keeps 2050.
    std::fill(a.begin(), a.end(), 0);
    a[0] = big;
    a[16] = one;
    a[32] = one;
    CHECK(dot16Lanes(a.data(), ones.data(), 48, true) == 2048.0f);
    CHECK(dot16Lanes(a.data(), ones.data(), 48, false) == 2050.0f);
}

TEST_CASE("PE: with small integer operands the dot product is exact in both accumulation modes",
          "[pim][pe]") {
    std::vector<uint16_t> a(200), b(200);
    double exact = 0;
    for (uint32_t k = 0; k < 200; ++k) {
        const int x = static_cast<int>(k % 7) - 3, y = static_cast<int>(k % 5) - 2;
        a[k] = floatToHalf(static_cast<float>(x));
        b[k] = floatToHalf(static_cast<float>(y));
        exact += x * y;
    }
    CHECK(static_cast<double>(dot16Lanes(a.data(), b.data(), 200, false)) == exact);
    CHECK(static_cast<double>(dot16Lanes(a.data(), b.data(), 200, true)) == exact);
}

TEST_CASE(
    "PE: dot16Lanes is within the rounding-error bound of the tree and accumulator of a double dot product",
    "[pim][pe]") {
    // Each product is exact and passes through 4 tree adds (FP32, u32 each) and at most G
    // accumulator adds (u32, and u16 more for the FP16 rounding), G = ceil(n/16). With S the sum
    // of those unit roundoffs, |error| <= S/(1-S) * sum |a_k b_k|, plus 2^-25 per FP16 rounding
    // that lands in the subnormal range (absolute error there).
    std::mt19937 rng(2024);
    for (uint32_t n : {1u, 15u, 16u, 17u, 64u, 128u, 256u, 1000u}) {
        std::vector<uint16_t> a(n), b(n);
        double exact = 0, sumAbs = 0;
        for (uint32_t k = 0; k < n; ++k) {
            a[k] = randomHalf(rng);
            b[k] = randomHalf(rng);
            const double p = halfDefinition(a[k]) * halfDefinition(b[k]);
            exact += p;
            sumAbs += std::fabs(p);
        }
        const double groups = std::ceil(n / 16.0);
        for (bool fp16 : {false, true}) {
            const double s = 4 * kU32 + groups * (kU32 + (fp16 ? kU16 + kU32 * kU16 : 0));
            const double bound = s / (1 - s) * sumAbs + (fp16 ? groups * 0x1p-25 : 0);
            const double got = dot16Lanes(a.data(), b.data(), n, fp16);
            INFO("n = " << n << ", fp16Accum = " << fp16 << ", error " << std::fabs(got - exact) << ", bound "
                        << bound);
            CHECK(std::fabs(got - exact) <= bound);
        }
    }
}

TEST_CASE("PE: axpyAccumulate rounds the weight to half, multiplies exactly and rounds acc per mode",
          "[pim][pe]") {
    const uint16_t v[3] = {floatToHalf(1.0f), floatToHalf(-2.0f), floatToHalf(0.5f)};
    // p = 1 + 2^-12 is below the midpoint of 1 and 1 + 2^-10 in half: it multiplies as 1.
    float acc[3] = {0.0f, 1.0f, 2048.0f};
    axpyAccumulate(acc, v, 1.0f + 0x1p-12f, 3, false);
    CHECK(acc[0] == 1.0f);
    CHECK(acc[1] == -1.0f);
    CHECK(acc[2] == 2048.5f);
    float acc16[3] = {0.0f, 1.0f, 2048.0f};
    axpyAccumulate(acc16, v, 1.0f, 3, true);
    CHECK(acc16[0] == 1.0f);
    CHECK(acc16[1] == -1.0f);
    CHECK(acc16[2] == 2048.0f); // 2048.5 rounds to the half 2048
    // A weight below 2^-25 vanishes in half.
    float acc2[1] = {3.0f};
    axpyAccumulate(acc2, v, 1e-9f, 1, false);
    CHECK(acc2[0] == 3.0f);
}

TEST_CASE("PE: macCycles is ceil(macs / lanes)", "[pim][pe]") {
    CHECK(macCycles(0, 16) == 0);
    CHECK(macCycles(1, 16) == 1);
    CHECK(macCycles(16, 16) == 1);
    CHECK(macCycles(17, 16) == 2);
    CHECK(macCycles(64 * 128, 16) == 512);
    CHECK(macCycles(std::numeric_limits<uint64_t>::max(), 16) == (uint64_t{1} << 60));
    CHECK_THROWS_AS(macCycles(5, 0), std::invalid_argument);
}

// --------------------------------------------------------------------------- attention reference

TEST_CASE("Reference: two-key attention equals the hand-computed softmax", "[platform][reference]") {
    using pilot::platform::decodeAttentionReference;
    using pilot::platform::decodeAttentionWeights;
    // q = (0.5, 0), scale 2: scores 1 (key 0 = (1, 0)) and 0 (key 1 = (0, 3)).
    // w0 = e / (e + 1) = 0.7310585786300049, w1 = 1 / (e + 1) = 0.2689414213699951.
    const std::vector<float> q{0.5f, 0.0f}, K{1.0f, 0.0f, 0.0f, 3.0f}, V{1.0f, 2.0f, 3.0f, 4.0f};
    const auto w = decodeAttentionWeights(q, K, 2, {0, 1}, 2.0);
    REQUIRE(w.size() == 2);
    CHECK(w[0] == Approx(0.7310585786300049).epsilon(1e-14));
    CHECK(w[1] == Approx(0.2689414213699951).epsilon(1e-14));
    const auto out = decodeAttentionReference(q, K, V, 2, {0, 1}, 2.0);
    REQUIRE(out.size() == 2);
    CHECK(out[0] == Approx(0.7310585786300049 * 1 + 0.2689414213699951 * 3).epsilon(1e-14)); // 1.5378828...
    CHECK(out[1] == Approx(0.7310585786300049 * 2 + 0.2689414213699951 * 4).epsilon(1e-14)); // 2.5378828...
    // One key: its value row, whatever the score.
    const auto one = decodeAttentionReference(q, K, V, 2, {1}, 2.0);
    CHECK(one[0] == 3.0);
    CHECK(one[1] == 4.0);
}

TEST_CASE("Reference: weights sum to 1 and large scores stay finite thanks to max subtraction",
          "[platform][reference]") {
    using pilot::platform::decodeAttentionWeights;
    // Scores 1000 and 999: without max subtraction exp overflows double.
    const std::vector<float> q{1.0f}, K{1000.0f, 999.0f, 0.0f};
    const auto w = decodeAttentionWeights(q, K, 1, {0, 1, 2}, 1.0);
    CHECK(w[0] == Approx(0.7310585786300049).epsilon(1e-12));
    CHECK(w[1] == Approx(0.2689414213699951).epsilon(1e-12));
    CHECK(w[2] == 0.0); // e^-1000 underflows

    std::mt19937 rng(7);
    const uint32_t d = 64, L = 300;
    std::vector<float> q64(d), K64(static_cast<size_t>(L) * d);
    for (float& x : q64)
        x = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) / 500.0f;
    for (float& x : K64)
        x = static_cast<float>(static_cast<int>(rng() % 2001) - 1000) / 500.0f;
    const auto keys = pilot::platform::sinkWindowKeys(L, 4, 100);
    const auto w64 = decodeAttentionWeights(q64, K64, d, keys, 1.0 / std::sqrt(64.0));
    double sum = 0;
    for (double x : w64) {
        CHECK(x >= 0.0);
        sum += x;
    }
    CHECK(sum == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("Reference: bad shapes and key indices outside the context are rejected", "[platform][reference]") {
    using pilot::platform::decodeAttentionReference;
    const std::vector<float> q{1.0f, 0.0f}, K{1.0f, 0.0f, 0.0f, 1.0f}, V{1.0f, 2.0f, 3.0f, 4.0f};
    CHECK_THROWS_AS(decodeAttentionReference(q, K, V, 2, {2}, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(decodeAttentionReference(q, K, V, 2, {}, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(decodeAttentionReference(q, K, V, 3, {0}, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(decodeAttentionReference(q, K, {1.0f}, 2, {0}, 1.0), std::invalid_argument);
}

TEST_CASE(
    "Reference: sinkWindowKeys is the sorted, deduplicated union of the sink keys and the last window keys",
    "[platform][reference]") {
    using pilot::platform::sinkWindowKeys;
    CHECK(sinkWindowKeys(10, 2, 3) == std::vector<uint32_t>{0, 1, 7, 8, 9});
    CHECK(sinkWindowKeys(10, 6, 6) == std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(sinkWindowKeys(5, 10, 0) == std::vector<uint32_t>{0, 1, 2, 3, 4});
    CHECK(sinkWindowKeys(5, 0, 10) == std::vector<uint32_t>{0, 1, 2, 3, 4});
    CHECK(sinkWindowKeys(10, 0, 2) == std::vector<uint32_t>{8, 9});
    CHECK(sinkWindowKeys(10, 0, 0).empty());
    CHECK(sinkWindowKeys(0, 4, 4).empty());
}
