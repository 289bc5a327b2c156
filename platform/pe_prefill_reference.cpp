// SPDX-License-Identifier: MIT
#include "platform/pe_prefill_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "platform/pe_decode_reference.h"

namespace pilot::platform {

namespace {

// Dot product of FP16 values already widened to float (exactly), once per head (the PE's adder
// tree: peRefDot).
float dot(const float* a, const float* b, uint32_t n, bool fp16Accum) {
    return peRefDot(n, fp16Accum, [&](uint32_t i) { return a[i] * b[i]; });
}

// The parts of the schedule a batch belongs to: what it may serve a row.
enum class Part { Band, Global, Random };

// One key batch of a round: slots [slot, slot + n); the key slot t holds in bank i is
// keyBase + i x keyStride + (t - slot).
struct Batch {
    Part part;
    int64_t keyBase;
    int64_t keyStride;
    uint32_t n;
};

// One round: rows [rb, rowEnd) of a segment, bank i owning [rb + i a, rb + (i + 1) a).
struct Round {
    uint32_t rb, rowEnd, blockRow;
};

struct Band {
    int64_t lo = 0, hi = 0; // row i's window is [i - lo, i + hi] (none when window = 0)
};

Band bandOf(const PePrefillSchedule& s) {
    Band b;
    if (s.window == 0)
        return b;
    b.lo = s.causal ? int64_t(s.window) - 1 : int64_t(s.window / 2);
    b.hi = s.causal ? 0 : int64_t(s.window) - 1 - b.lo;
    return b;
}

// Slots [x, y) cut into batches of at most b keys that never cross a DRAM row of P slots.
template <typename Fn> void cut(int64_t x, int64_t y, uint32_t P, uint32_t b, Fn fn) {
    while (x < y) {
        const int64_t n = std::min<int64_t>({int64_t(b), y - x, int64_t(P) - x % P});
        fn(x, uint32_t(n));
        x += n;
    }
}

std::vector<Round> roundsOf(const PePrefillSchedule& s) {
    std::vector<Round> out;
    const uint32_t per = s.tileRows * s.banksPerGroup, B = s.blockSize;
    const bool blocked = s.randomBlocks > 0 && B > 0;
    for (uint32_t seg = s.causal ? 0 : s.globalTokens; seg < s.seqLen;) {
        const uint32_t end = blocked ? std::min(s.seqLen, (seg / B + 1) * B) : s.seqLen;
        for (uint32_t rb = seg; rb < end; rb += per)
            out.push_back({rb, end, blocked ? rb / B : 0});
        seg = end;
    }
    return out;
}

// The batches of a round in issue order: the band slots (bank i's copy shifted by i a, so every
// bank reads the same slots), the global keys left of the last busy bank's band, each random block.
std::vector<Batch> batchesOf(const PePrefillSchedule& s, const Band& band, const Round& r) {
    std::vector<Batch> out;
    const int64_t a = s.tileRows, shift = int64_t(s.banksPerGroup - 1) * a;
    const int64_t begin = std::max<int64_t>(0, int64_t(r.rb) - band.lo + shift);
    const int64_t end =
        std::min<int64_t>(int64_t(s.seqLen) + shift, std::min<int64_t>(r.rb + a, r.rowEnd) + band.hi + shift);
    cut(begin, end, s.slotsPerRow, s.batchKeys, [&](int64_t slot, uint32_t n) {
        out.push_back({Part::Band, slot - shift, a, n});
    });
    const int64_t lastBank = std::min<int64_t>(s.banksPerGroup - 1, (r.rowEnd - r.rb - 1) / a);
    const int64_t globalEnd = std::clamp<int64_t>(int64_t(r.rb) + lastBank * a - band.lo, 0, s.globalTokens);
    cut(0, globalEnd, s.slotsPerRow, s.batchKeys, [&](int64_t slot, uint32_t n) {
        out.push_back({Part::Global, slot, 0, n});
    });
    for (uint32_t k = 0; k < s.randomBlocks && s.blockSize; ++k) {
        const uint32_t block = s.table.at(size_t(r.blockRow) * s.randomBlocks + k);
        const int64_t firstKey = block == kPeRefNoBlock ? int64_t(s.seqLen) : int64_t(block) * s.blockSize;
        const int64_t first = s.globalTokens + (int64_t(r.blockRow) * s.randomBlocks + k) * s.blockSize;
        cut(first, first + s.blockSize, s.slotsPerRow, s.batchKeys, [&](int64_t slot, uint32_t n) {
            out.push_back({Part::Random, firstKey + (slot - first), 0, n});
        });
    }
    return out;
}

// One non-global row through the round's batches: its scores and statistics (the SDDMM and
// Stat: FP16 scores, online max and sum per batch), then the probabilities and P.V in the same
// order (Prob, MacPV) and the division (Sfm).
void row(const PePrefillSchedule& s, const Band& band, const std::vector<Batch>& batches, uint32_t bank,
         int64_t i, const float* q, const std::vector<float>& K, const std::vector<float>& V,
         std::vector<uint8_t>& counted, uint16_t* out) {
    const uint32_t d = s.headDim;
    const float inf = std::numeric_limits<float>::infinity();
    auto ex = [&](float x) { return s.exactExp ? float(std::exp(double(x))) : peRefExp(x); };
    // A key counts at its first visit by a part that serves the row: the band serves the row's
    // window and the global columns, the global keys the global columns, a random block all of
    // its keys (the row's block-row drew it).
    auto serves = [&](Part part, int64_t key) {
        if (key < 0 || key >= int64_t(s.seqLen) || (s.causal && key > i) || counted[size_t(key)])
            return false;
        const bool inWindow = s.window > 0 && key >= i - band.lo && key <= i + band.hi;
        const bool global = key < int64_t(s.globalTokens);
        return part == Part::Random || global || (part == Part::Band && inWindow);
    };
    std::vector<int64_t> keys; // in visit order
    std::vector<float> scores; // FP16 values
    float m = -inf, sum = 0.0f;
    for (const Batch& b : batches) {
        const size_t first = keys.size();
        float mNew = m;
        for (uint32_t j = 0; j < b.n; ++j) {
            const int64_t key = b.keyBase + int64_t(bank) * b.keyStride + j;
            if (!serves(b.part, key))
                continue;
            counted[size_t(key)] = 1;
            keys.push_back(key);
            scores.push_back(peRefRoundHalf(dot(q, K.data() + size_t(key) * d, d, s.fp16Accum) * s.scale));
            mNew = std::max(mNew, scores.back());
        }
        sum = std::isinf(m) ? 0.0f : sum * ex(m - mNew);
        for (size_t j = first; j < keys.size(); ++j)
            if (!std::isinf(scores[j]))
                sum += ex(scores[j] - mNew);
        m = mNew;
    }
    std::vector<float> acc(d, 0.0f);
    for (size_t j = 0; j < keys.size(); ++j) {
        counted[size_t(keys[j])] = 0; // ready for the next row
        const float w = peRefRoundHalf(std::isinf(scores[j]) ? 0.0f : ex(scores[j] - m));
        for (uint32_t k = 0; k < d; ++k) {
            acc[k] += w * V[size_t(keys[j]) * d + k];
            if (s.fp16Accum)
                acc[k] = peRefRoundHalf(acc[k]);
        }
    }
    for (uint32_t k = 0; k < d; ++k)
        out[k] = peRefFloatToHalf(acc[k] / sum);
}

} // namespace

std::vector<uint16_t> pePrefillReference(const std::vector<uint16_t>& q, const std::vector<uint16_t>& K,
                                         const std::vector<uint16_t>& V, const PePrefillSchedule& s) {
    const uint32_t N = s.seqLen, d = s.headDim, a = s.tileRows;
    std::vector<uint16_t> out(size_t(N) * d, 0);
    const Band band = bandOf(s);
    std::vector<uint8_t> counted(N, 0);
    auto widen = [](const std::vector<uint16_t>& h) {
        std::vector<float> f(h.size());
        for (size_t i = 0; i < h.size(); ++i)
            f[i] = peRefHalfToFloat(h[i]);
        return f;
    };
    const std::vector<float> qf = widen(q), Kf = widen(K), Vf = widen(V);
    for (const Round& r : roundsOf(s)) {
        const std::vector<Batch> batches = batchesOf(s, band, r);
        for (uint32_t bank = 0; bank < s.banksPerGroup; ++bank)
            for (uint32_t g = 0; g < a; ++g) {
                const uint64_t i = uint64_t(r.rb) + uint64_t(bank) * a + g;
                if (i < r.rowEnd)
                    row(s, band, batches, bank, int64_t(i), qf.data() + i * d, Kf, Vf, counted,
                        out.data() + i * d);
            }
    }
    // Global rows attend every key: a decode kernel of R queries over the keys split by bank.
    if (!s.causal && s.globalTokens) {
        PeDecodeSchedule ds;
        ds.banksPerGroup = s.banksPerGroup;
        ds.slotsPerRow = s.slotsPerRow;
        ds.tileKeys = s.globalTileKeys;
        ds.fp16Accum = s.fp16Accum;
        ds.exactExp = s.exactExp;
        ds.scale = s.scale;
        for (uint32_t i = 0; i < s.globalTokens; ++i) {
            const std::vector<uint16_t> qi(q.begin() + size_t(i) * d, q.begin() + size_t(i + 1) * d);
            const std::vector<uint16_t> o = peDecodeReference(qi, K, V, d, N, ds);
            std::copy(o.begin(), o.end(), out.begin() + size_t(i) * d);
        }
    }
    return out;
}

} // namespace pilot::platform
