// SPDX-License-Identifier: MIT
#pragma once
// The terms the paper's prefill I/O analysis (paper_io_analysis.h) is built from: the band
// geometry of a pattern, the keys a Q tile loads, a sweep over the non-global tiles, the
// column-aligned buffer sizes of every schedule, and per-bank count helpers. Internal to
// paper_io_analysis*.cpp.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "firmware/include/pilot/contract.h"
#include "firmware/pim/paper_io_analysis.h"

namespace pilot::fw::paperio {

using contract::Error;

inline uint64_t ceilDiv(uint64_t v, uint64_t a) {
    return a ? (v + a - 1) / a : 0;
}

struct Geo { // the band geometry of a pattern
    int64_t N, lo, hi, g, B, R;
    bool causal;
};

inline Geo geometry(const PrefillPatternSummary& p) {
    Geo q{};
    q.N = static_cast<int64_t>(p.seqLen);
    q.causal = p.causal;
    const contract::WindowBand band = contract::windowBand(p.window, p.causal);
    q.lo = band.lo;
    q.hi = band.hi;
    q.g = static_cast<int64_t>(std::min(p.globalTokens, p.seqLen));
    q.B = static_cast<int64_t>(p.blockSize);
    q.R = static_cast<int64_t>(p.globalRows());
    return q;
}

// Keys one Q tile of rows [r0, r1) loads (K, and V again in the SpMM).
struct TileKeys {
    uint64_t band = 0;   // |U|
    uint64_t global = 0; // global keys outside U
    uint64_t random = 0; // random keys of the block-rows it spans
    uint64_t total() const { return band + global + random; }
};

inline TileKeys tileKeys(const Geo& q, int64_t r0, int64_t r1, uint64_t randomPerBlockRow) {
    TileKeys t;
    const int64_t uLo = std::max<int64_t>(0, r0 - q.lo);
    const int64_t uHi = std::min<int64_t>(q.N, r1 + q.hi); // exclusive
    t.band = uHi > uLo ? static_cast<uint64_t>(uHi - uLo) : 0;
    t.global = static_cast<uint64_t>(std::max<int64_t>(0, std::min(q.g, uLo)));
    if (randomPerBlockRow && q.B > 0) {
        const uint64_t spans = static_cast<uint64_t>((r1 - 1) / q.B - r0 / q.B + 1);
        const int64_t visible = q.causal ? r1 : q.N; // keys any row of the tile may see
        const int64_t left = visible - static_cast<int64_t>(t.band) - static_cast<int64_t>(t.global);
        t.random = std::min<uint64_t>(spans * randomPerBlockRow, left > 0 ? static_cast<uint64_t>(left) : 0);
    }
    return t;
}

// One pass over the non-global Q tiles of a rows: keys loaded, moves, and per-bank shares.
struct Sweep {
    uint64_t tiles = 0;
    uint64_t keys = 0;       // sum over tiles of |U| + global + random
    uint64_t moves = 0;      // ring slots (one per band key) + ceil(global / b) + ceil(random / b)
    uint64_t globalKeys = 0; // batched global keys (all tiles)
    uint64_t batchedGlobalEntries = 0;
    std::vector<uint64_t> bankRows, bankKeys, bankTiles, bankMoves;
};

inline Sweep sweep(const Geo& q, uint64_t a, uint64_t ringKeys, uint64_t randomPerBlockRow, uint32_t banks,
                   bool perBank) {
    Sweep s;
    if (perBank) {
        s.bankRows.assign(banks, 0);
        s.bankKeys.assign(banks, 0);
        s.bankTiles.assign(banks, 0);
        s.bankMoves.assign(banks, 0);
    }
    uint64_t t = 0;
    for (int64_t r0 = q.R; r0 < q.N; r0 += static_cast<int64_t>(a), ++t) {
        const int64_t r1 = std::min<int64_t>(q.N, r0 + static_cast<int64_t>(a));
        const TileKeys k = tileKeys(q, r0, r1, randomPerBlockRow);
        const uint64_t moves = k.band + ceilDiv(k.global, ringKeys) + ceilDiv(k.random, ringKeys);
        s.keys += k.total();
        s.moves += moves;
        s.globalKeys += k.global;
        s.batchedGlobalEntries += k.global * static_cast<uint64_t>(r1 - r0);
        if (perBank) {
            const uint32_t b = static_cast<uint32_t>(t % banks);
            s.bankRows[b] += static_cast<uint64_t>(r1 - r0);
            s.bankKeys[b] += k.total();
            s.bankTiles[b] += 1;
            s.bankMoves[b] += moves;
        }
    }
    s.tiles = t;
    return s;
}

struct Ctx {
    uint64_t d, E, A, col, db, sram, banks;
    uint64_t rU(uint64_t v) const { return ceilDiv(v, col) * col; }
    uint64_t ring(uint64_t scoresPerStep) const { // whole columns; the remainder stays behind
        return ceilDiv(scoresPerStep * E + col - E, col) * col + db * col;
    }
    uint64_t stats(uint64_t rows) const { return rU(8 * rows); }
    uint64_t ngSddmm(uint64_t a) const { return rU(a * d * E) + rU((a + db) * d * E) + ring(a); }
    uint64_t ngSpmm(uint64_t a, uint64_t p) const {
        const uint64_t dp = d / p;
        return rU(a * dp * A) + rU((a + db) * dp * E) + ring(a);
    }
    uint64_t ngTile(uint64_t a, uint64_t p) const { return stats(a) + std::max(ngSddmm(a), ngSpmm(a, p)); }
    uint64_t gSddmm(uint64_t b) const { return rU(d * E) + (1 + db) * rU(b * d * E) + ring(b) + stats(1); }
    uint64_t gOs(uint64_t a, uint64_t b, uint64_t p) const {
        const uint64_t dp = d / p;
        return rU(a * dp * A) + (1 + db) * rU(b * dp * E) + ring(a * b) + stats(a);
    }
    uint64_t gVs(uint64_t b) const { return (1 + db) * rU(b * d * E) + rU(d * A) + ring(b) + stats(1); }
    uint64_t naive() const {
        return stats(1) + std::max(2 * rU(d * E) + rU(E), rU(E) + rU(d * E) + rU(d * A));
    }
    // p | d with d/p * E whole columns (p = 1 always allowed).
    std::vector<uint64_t> passes() const {
        std::vector<uint64_t> v;
        for (uint64_t p = 1; p <= d; ++p)
            if (d % p == 0 && (p == 1 || ((d / p) * E) % col == 0))
                v.push_back(p);
        return v;
    }
};

inline Ctx context(const PrefillIoShape& s) {
    return Ctx{s.headDim,   s.elementBytes, s.accumBytes, s.columnBytes, s.doubleBuffer ? 1u : 0u,
               s.sramBytes, s.banksPerGroup};
}

// Largest n >= 0 with fit(n) true, fit monotone (true then false), n <= cap.
template <class F> uint64_t largest(F fit, uint64_t cap) {
    uint64_t lo = 0, hi = cap; // fit(lo) assumed true for lo = 0
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo + 1) / 2;
        if (fit(mid))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

inline void add(IoCount& x, const IoCount& y) {
    x.bankToBuffer += y.bankToBuffer;
    x.bufferToBank += y.bufferToBank;
    x.macs += y.macs;
    x.exps += y.exps;
}

// The busiest bank (most bytes; the lowest index on ties).
inline IoCount busiest(const std::vector<IoCount>& v) {
    IoCount best;
    for (size_t k = 0; k < v.size(); ++k)
        if (k == 0 || v[k].bytes() > best.bytes())
            best = v[k];
    return best;
}

inline IoCount sum(const std::vector<IoCount>& v) {
    IoCount t;
    for (const IoCount& x : v)
        add(t, x);
    return t;
}

inline PrefillIo fail(Error e, std::string why) {
    PrefillIo r;
    r.error = e;
    r.why = std::move(why);
    return r;
}

// Sets r to the error; false (for the stages' early returns).
inline bool failWith(PrefillIo& r, Error e, std::string why) {
    r = fail(e, std::move(why));
    return false;
}

inline std::string describe(const PrefillIoShape& s) {
    return "d=" + std::to_string(s.headDim) + ", buffer " + std::to_string(s.sramBytes) + " B (" +
           std::to_string(s.elementBytes ? s.sramBytes / s.elementBytes : 0) + " elements), " +
           std::to_string(s.columnBytes) + " B columns";
}

inline uint32_t u32(uint64_t v) {
    return static_cast<uint32_t>(std::min<uint64_t>(v, std::numeric_limits<uint32_t>::max()));
}

// Bank k's share of the group's `total` entries, by its rows (floors; the remainder to bank 0).
inline std::vector<uint64_t> apportion(uint64_t total, const std::vector<uint64_t>& rows, uint64_t allRows) {
    std::vector<uint64_t> e(rows.size(), 0);
    if (!allRows)
        return e;
    uint64_t given = 0;
    for (size_t k = 0; k < rows.size(); ++k) {
        e[k] = (total / allRows) * rows[k] + ((total % allRows) * rows[k]) / allRows;
        given += e[k];
    }
    if (!e.empty())
        e[0] += total - given;
    return e;
}

// Per-bank counts of each schedule, as the stages fill them (the chosen global SpMM order only).
struct BankCounts {
    explicit BankCounts(uint64_t banks)
        : ngSd(banks), ngSp(banks), sm(banks), gSd(banks), gSp(banks), nv(banks), sdStats(banks),
          bankRows(banks, 0) {}
    std::vector<IoCount> ngSd, ngSp, sm, gSd, gSp, nv, sdStats;
    std::vector<uint64_t> bankRows; // non-global rows of each bank (the aware split)
};

// The stages of analyzePrefill, in order; each fills its schedules in r and its counts in b.
// false: r holds the error (r = fail(...)).
bool analyzeNonGlobalRows(const PrefillIoShape& s, const Ctx& c, const Geo& q, PrefillIo& r, BankCounts& b);
bool analyzeGlobalRows(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& b);
void analyzeSoftmax(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& b);
void analyzeNaive(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& b);

} // namespace pilot::fw::paperio
