// SPDX-License-Identifier: MIT
#include "platform/pe_decode_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace pilot::platform {

namespace {

const float kInf = std::numeric_limits<float>::infinity();

// Constants of the exp unit derived here in double and rounded to float once (the model keeps
// hex literals; equal bits are part of what the comparison checks).
const double kLn2 = 0.6931471805599453094;

// Dot product of FP16 vectors (the PE's adder tree: peRefDot).
float dot(const uint16_t* a, const uint16_t* b, uint32_t n, bool fp16Accum) {
    return peRefDot(n, fp16Accum,
                    [&](uint32_t i) { return peRefHalfToFloat(a[i]) * peRefHalfToFloat(b[i]); });
}

// The slot ranges a bank visits: all slots, or those holding a sink or window key.
std::vector<std::pair<uint32_t, uint32_t>> slotRanges(uint32_t L, const PeDecodeSchedule& s) {
    const uint32_t B = s.banksPerGroup, slots = (L + B - 1) / B;
    if (s.sink == 0 && s.window == 0)
        return {{0, slots}};
    const uint32_t sink = std::min(s.sink, L), win = std::min(s.window, L);
    const uint32_t sinkEnd = (sink + B - 1) / B, winBegin = (L - win) / B;
    if (sinkEnd >= winBegin)
        return {{0, slots}};
    std::vector<std::pair<uint32_t, uint32_t>> r;
    if (sinkEnd)
        r.push_back({0, sinkEnd});
    if (win)
        r.push_back({winBegin, slots});
    return r;
}

// A bank's softmax state for one query after all its tiles.
struct BankState {
    float max = -kInf, sum = 0.0f;
    std::vector<float> out;
};

} // namespace

uint32_t peDecodeVisitedSlots(uint32_t L, const PeDecodeSchedule& s) {
    uint32_t n = 0;
    for (const auto& [first, end] : slotRanges(L, s))
        n += end - first;
    return n;
}

namespace {

float halfToFloatByFormula(uint16_t h) {
    const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (e == 0x1F)
        return m ? std::numeric_limits<float>::quiet_NaN() : float(sign * kInf);
    const double mag = e == 0 ? std::ldexp(double(m), -24) : std::ldexp(double(1024 + m), e - 25);
    return float(sign * mag);
}

} // namespace

float peRefHalfToFloat(uint16_t h) {
    // The formula once per bit pattern: the references convert every operand of every product.
    static const std::vector<float> table = [] {
        std::vector<float> t(1u << 16);
        for (uint32_t i = 0; i < t.size(); ++i)
            t[i] = halfToFloatByFormula(uint16_t(i));
        return t;
    }();
    return table[h];
}

uint16_t peRefFloatToHalf(float f) {
    const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
    if (std::isnan(f))
        return sign | 0x7E00;
    const double a = std::fabs(double(f));
    if (a >= 65520.0) // at or past the midpoint between 65504 and 2^16
        return sign | 0x7C00;
    if (a == 0.0)
        return sign;
    int e;
    std::frexp(a, &e);                                        // a in [2^(e-1), 2^e)
    const int quantum = std::max(e - 11, -24);                // 11 significant bits; subnormals 2^-24
    const double q = std::nearbyint(std::ldexp(a, -quantum)); // ties to even (default rounding mode)
    const double v = std::ldexp(q, quantum);
    if (v == 0.0)
        return sign;
    int ve;
    std::frexp(v, &ve);
    const int unbiased = ve - 1;
    if (unbiased < -14) // subnormal: v = q x 2^-24 with q < 1024
        return uint16_t(sign | uint16_t(q));
    const uint32_t mant = uint32_t(std::ldexp(v, 10 - unbiased)) - 1024;
    return uint16_t(sign | uint16_t((unbiased + 15) << 10) | uint16_t(mant));
}

float peRefExp(float x) {
    static const float log2e = float(1.0 / kLn2);
    static const float c1 = float(kLn2), c2 = float(kLn2 * kLn2 / 2.0), c3 = float(kLn2 * kLn2 * kLn2 / 6.0);
    static const std::vector<float> nodes = [] {
        std::vector<float> n(17);
        for (int i = 0; i <= 16; ++i)
            n[i] = float(std::exp2(0.5 + i / 32.0));
        return n;
    }();
    if (std::isnan(x))
        return x;
    const float t = x * log2e;
    if (t >= 128.0f)
        return kInf;
    if (t < -150.0f)
        return 0.0f;
    const float fl = std::floor(t);
    int n = int(fl);
    float frac = t - fl;
    if (frac >= 1.0f) {
        frac = 0.0f;
        ++n;
    }
    float p;
    if (frac < 0.5f) {
        p = ((c3 * frac + c2) * frac + c1) * frac + 1.0f;
    } else {
        const float u = (frac - 0.5f) * 32.0f;
        const int i = int(u);
        const float w = u - float(i);
        p = nodes[i] + w * (nodes[i + 1] - nodes[i]);
    }
    return std::ldexp(p, n);
}

std::vector<uint16_t> peDecodeReference(const std::vector<uint16_t>& q, const std::vector<uint16_t>& K,
                                        const std::vector<uint16_t>& V, uint32_t d, uint32_t L,
                                        const PeDecodeSchedule& s) {
    auto ex = [&](float x) { return s.exactExp ? float(std::exp(double(x))) : peRefExp(x); };
    const uint32_t B = s.banksPerGroup;
    const auto ranges = slotRanges(L, s);
    auto attended = [&](uint64_t key) {
        if (key >= L)
            return false;
        return (s.sink == 0 && s.window == 0) || key < s.sink || key + s.window >= L;
    };
    std::vector<BankState> banks(B);
    for (uint32_t b = 0; b < B; ++b) {
        BankState& st = banks[b];
        st.out.assign(d, 0.0f);
        for (const auto& [first, end] : ranges)
            for (uint32_t slot = first, n = 0; slot < end; slot += n) {
                n = std::min({s.tileKeys, end - slot, s.slotsPerRow - slot % s.slotsPerRow});
                // Scores of the tile (masked slots -inf), then the online-softmax update.
                std::vector<float> p(n);
                float mNew = st.max;
                for (uint32_t j = 0; j < n; ++j) {
                    const uint64_t key = uint64_t(slot + j) * B + b;
                    p[j] =
                        attended(key) ? dot(q.data(), K.data() + key * d, d, s.fp16Accum) * s.scale : -kInf;
                    mNew = std::max(mNew, p[j]);
                }
                const float alpha = std::isinf(st.max) ? 0.0f : ex(st.max - mNew);
                float sum = st.sum * alpha;
                for (uint32_t j = 0; j < n; ++j) {
                    p[j] = std::isinf(p[j]) ? 0.0f : ex(p[j] - mNew);
                    sum += p[j];
                }
                for (float& o : st.out) {
                    o *= alpha;
                    if (s.fp16Accum)
                        o = peRefRoundHalf(o);
                }
                st.max = mNew;
                st.sum = sum;
                // P.V: the weight rounded to FP16 (a multiplier operand), product exact in FP32.
                for (uint32_t j = 0; j < n; ++j) {
                    const uint64_t key = uint64_t(slot + j) * B + b;
                    if (!attended(key))
                        continue; // weight 0 (padding holds zeros): adds nothing
                    const float w = peRefRoundHalf(p[j]);
                    for (uint32_t k = 0; k < d; ++k) {
                        st.out[k] += w * peRefHalfToFloat(V[key * d + k]);
                        if (s.fp16Accum)
                            st.out[k] = peRefRoundHalf(st.out[k]);
                    }
                }
            }
    }
    // The bank-group accumulator: states merged in bank order under the common maximum.
    float M = -kInf;
    for (const BankState& st : banks)
        M = std::max(M, st.max);
    float sum = 0.0f;
    std::vector<float> out(d, 0.0f);
    for (const BankState& st : banks) {
        if (std::isinf(st.max))
            continue;
        const float w = ex(st.max - M);
        sum += st.sum * w;
        for (uint32_t k = 0; k < d; ++k)
            out[k] += st.out[k] * w;
    }
    std::vector<uint16_t> h(d);
    for (uint32_t k = 0; k < d; ++k)
        h[k] = peRefFloatToHalf(out[k] / sum);
    return h;
}

} // namespace pilot::platform
