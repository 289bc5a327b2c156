// SPDX-License-Identifier: MIT
#include "firmware/pim/paper_io_analysis.h"

#include "firmware/include/pilot/contract.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace pilot::fw {
namespace {

using contract::Error;

uint64_t ceilDiv(uint64_t v, uint64_t a) { return a ? (v + a - 1) / a : 0; }

struct Geo {   // the band geometry of a pattern
    int64_t N, lo, hi, g, B, R;
    bool causal;
};

Geo geometry(const PrefillPatternSummary& p) {
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
    uint64_t band = 0;      // |U|
    uint64_t global = 0;    // global keys outside U
    uint64_t random = 0;    // random keys of the block-rows it spans
    uint64_t total() const { return band + global + random; }
};

TileKeys tileKeys(const Geo& q, int64_t r0, int64_t r1, uint64_t randomPerBlockRow) {
    TileKeys t;
    const int64_t uLo = std::max<int64_t>(0, r0 - q.lo);
    const int64_t uHi = std::min<int64_t>(q.N, r1 + q.hi);   // exclusive
    t.band = uHi > uLo ? static_cast<uint64_t>(uHi - uLo) : 0;
    t.global = static_cast<uint64_t>(std::max<int64_t>(0, std::min(q.g, uLo)));
    if (randomPerBlockRow && q.B > 0) {
        const uint64_t spans = static_cast<uint64_t>((r1 - 1) / q.B - r0 / q.B + 1);
        const int64_t visible = q.causal ? r1 : q.N;   // keys any row of the tile may see
        const int64_t left = visible - static_cast<int64_t>(t.band) - static_cast<int64_t>(t.global);
        t.random = std::min<uint64_t>(spans * randomPerBlockRow, left > 0 ? static_cast<uint64_t>(left) : 0);
    }
    return t;
}

// One pass over the non-global Q tiles of a rows: keys loaded, moves, and per-bank shares.
struct Sweep {
    uint64_t tiles = 0;
    uint64_t keys = 0;          // sum over tiles of |U| + global + random
    uint64_t moves = 0;         // ring slots (one per band key) + ceil(global / b) + ceil(random / b)
    uint64_t globalKeys = 0;    // batched global keys (all tiles)
    uint64_t batchedGlobalEntries = 0;
    std::vector<uint64_t> bankRows, bankKeys, bankTiles, bankMoves;
};

Sweep sweep(const Geo& q, uint64_t a, uint64_t ringKeys, uint64_t randomPerBlockRow, uint32_t banks,
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
    uint64_t ring(uint64_t scoresPerStep) const {   // whole columns; the remainder stays behind
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
            if (d % p == 0 && (p == 1 || ((d / p) * E) % col == 0)) v.push_back(p);
        return v;
    }
};

Ctx context(const PrefillIoShape& s) {
    return Ctx{s.headDim, s.elementBytes, s.accumBytes, s.columnBytes, s.doubleBuffer ? 1u : 0u, s.sramBytes,
               s.banksPerGroup};
}

// Largest n >= 0 with fit(n) true, fit monotone (true then false), n <= cap.
template <class F>
uint64_t largest(F fit, uint64_t cap) {
    uint64_t lo = 0, hi = cap;   // fit(lo) assumed true for lo = 0
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo + 1) / 2;
        if (fit(mid)) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

void add(IoCount& x, const IoCount& y) {
    x.bankToBuffer += y.bankToBuffer;
    x.bufferToBank += y.bufferToBank;
    x.macs += y.macs;
    x.exps += y.exps;
}

// The busiest bank (most bytes; the lowest index on ties).
IoCount busiest(const std::vector<IoCount>& v) {
    IoCount best;
    for (size_t k = 0; k < v.size(); ++k)
        if (k == 0 || v[k].bytes() > best.bytes()) best = v[k];
    return best;
}

IoCount sum(const std::vector<IoCount>& v) {
    IoCount t;
    for (const IoCount& x : v) add(t, x);
    return t;
}

PrefillIo fail(Error e, std::string why) {
    PrefillIo r;
    r.error = e;
    r.why = std::move(why);
    return r;
}

std::string describe(const PrefillIoShape& s) {
    return "d=" + std::to_string(s.headDim) + ", buffer " + std::to_string(s.sramBytes) + " B (" +
           std::to_string(s.elementBytes ? s.sramBytes / s.elementBytes : 0) + " elements), " +
           std::to_string(s.columnBytes) + " B columns";
}

uint32_t u32(uint64_t v) { return static_cast<uint32_t>(std::min<uint64_t>(v, std::numeric_limits<uint32_t>::max())); }

// Bank k's share of the group's `total` entries, by its rows (floors; the remainder to bank 0).
std::vector<uint64_t> apportion(uint64_t total, const std::vector<uint64_t>& rows, uint64_t allRows) {
    std::vector<uint64_t> e(rows.size(), 0);
    if (!allRows) return e;
    uint64_t given = 0;
    for (size_t k = 0; k < rows.size(); ++k) {
        e[k] = (total / allRows) * rows[k] + ((total % allRows) * rows[k]) / allRows;
        given += e[k];
    }
    if (!e.empty()) e[0] += total - given;
    return e;
}

}  // namespace

uint32_t prefillPaperWindowRows(uint32_t M, uint32_t d) { return M / (2 * d + 1); }
uint32_t prefillPaperGlobalKeys(uint32_t M, uint32_t d) { return M < d ? 0 : (M - d) / (d + 1); }

const char* globalSpmmOrderName(GlobalSpmmOrder o) {
    switch (o) {
        case GlobalSpmmOrder::None: return "none";
        case GlobalSpmmOrder::OutputStationary: return "output-stationary";
        case GlobalSpmmOrder::ValueStationary: return "value-stationary";
    }
    return "?";
}

uint64_t prefillNonGlobalBufferBytes(const PrefillIoShape& s, uint32_t rows, uint32_t passes) {
    return passes ? context(s).ngTile(rows, passes) : 0;
}
uint64_t prefillNonGlobalSddmmBufferBytes(const PrefillIoShape& s, uint32_t rows) {
    const Ctx c = context(s);
    return c.stats(rows) + c.ngSddmm(rows);
}
uint64_t prefillGlobalSddmmBufferBytes(const PrefillIoShape& s, uint32_t keys) { return context(s).gSddmm(keys); }
uint64_t prefillNaiveBufferBytes(const PrefillIoShape& s) { return context(s).naive(); }

PrefillPatternSummary summarizePattern(uint64_t seqLen, uint64_t window, uint64_t globalTokens,
                                       uint64_t randomBlocks, uint64_t blockSize, bool causal) {
    PrefillPatternSummary p;
    p.seqLen = seqLen;
    p.causal = causal;
    p.window = window;
    p.globalTokens = globalTokens;
    p.randomBlocks = randomBlocks;
    p.blockSize = blockSize;
    if (seqLen == 0 || window == 0) return p;
    const Geo q = geometry(p);
    const uint64_t rnd = randomBlocks * blockSize;
    for (int64_t i = q.R; i < q.N; ++i) {
        const int64_t lo = std::max<int64_t>(0, i - q.lo), hi = std::min<int64_t>(q.N - 1, i + q.hi);
        const uint64_t win = static_cast<uint64_t>(hi - lo + 1);
        const uint64_t glob = static_cast<uint64_t>(std::max<int64_t>(0, std::min(q.g, i - q.lo)));
        const uint64_t visible = causal ? static_cast<uint64_t>(i + 1) : seqLen;
        p.nnzWindow += win;
        p.nnzGlobal += glob;
        p.nnzRandom += std::min(rnd, visible - win - glob);
    }
    return p;
}

PrefillIo analyzePrefill(const PrefillIoShape& s) {
    const PrefillPatternSummary& pat = s.pattern;
    // ---------------------------------------------------------------- validation
    if (s.elementBytes == 0 || s.columnBytes == 0 || s.accumBytes == 0 || s.banksPerGroup == 0 || s.sramBytes == 0)
        return fail(Error::Shape, "zero element, accumulator, column, buffer size or bank count (" + describe(s) + ")");
    if (s.headDim == 0 || (uint64_t(s.headDim) * s.elementBytes) % s.columnBytes != 0)
        return fail(Error::Shape, "head dimension " + std::to_string(s.headDim) +
                                      " is not a positive whole number of columns (" + describe(s) + ")");
    if (pat.seqLen == 0) return fail(Error::Sparse, "empty sequence (N = 0)");
    if (pat.window == 0) return fail(Error::Sparse, "window of 0 keys: a row without its own key");
    if (pat.globalTokens > pat.seqLen)
        return fail(Error::Sparse, "more global tokens (" + std::to_string(pat.globalTokens) + ") than tokens (" +
                                       std::to_string(pat.seqLen) + ")");
    if (pat.randomBlocks > 0 && pat.blockSize == 0) return fail(Error::Sparse, "random blocks with a block size of 0");
    const uint64_t rows = pat.nonGlobalRows(), R = pat.globalRows(), N = pat.seqLen;
    if (rows > 0 && pat.nnzWindow < rows)
        return fail(Error::Sparse, "fewer window entries than non-global rows (every row attends to itself)");
    if (rows > 0 && pat.nnzNonGlobal() / rows > N)
        return fail(Error::Sparse, "more entries per non-global row than keys");
    if (rows == 0 && pat.nnzNonGlobal() > 0) return fail(Error::Sparse, "entries without non-global rows");

    const Ctx c = context(s);
    const Geo q = geometry(pat);
    const uint64_t d = c.d, E = c.E, A = c.A, banks = c.banks;
    PrefillIo r;
    r.elements = u32(s.sramBytes / s.elementBytes);
    r.paperWindowRows = prefillPaperWindowRows(r.elements, s.headDim);
    r.paperGlobalKeys = prefillPaperGlobalKeys(r.elements, s.headDim);
    const uint64_t capRows = s.sramBytes / (d * E) + 1;   // no tile of more rows or keys can fit
    r.maxWindowRows = u32(largest([&](uint64_t a) { return c.stats(a) + c.ngSddmm(a) <= c.sram; }, capRows));
    r.maxGlobalKeys = u32(largest([&](uint64_t b) { return c.gSddmm(b) <= c.sram; }, capRows));

    const uint64_t eNg = pat.nnzNonGlobal();
    const uint64_t randomPerBlockRow = rows ? ceilDiv(pat.nnzRandom, rows) : 0;
    const std::vector<uint64_t> allPasses = c.passes();
    // Per bank, each schedule's counts (the chosen global SpMM order only).
    std::vector<IoCount> ngSd(banks), ngSp(banks), sm(banks), gSd(banks), gSp(banks), nv(banks);
    std::vector<uint64_t> bankRows(banks, 0);

    // ---------------------------------------------------------------- 1 + 3: non-global rows
    if (rows > 0) {
        if (r.maxWindowRows == 0)
            return fail(Error::Shape,
                        "non-global rows do not fit the SRAM buffer (" + describe(s) + "): one Q row " +
                            std::to_string(d * E) + " B + one K row " + std::to_string(d * E) +
                            " B + score ring + statistics = " + std::to_string(c.stats(1) + c.ngSddmm(1)) +
                            " B column-aligned, more than the buffer");
        uint64_t bestA = 0, bestP = 0, bestBytes = std::numeric_limits<uint64_t>::max();
        const uint64_t aTop = std::min<uint64_t>(r.maxWindowRows, rows);
        for (uint64_t a = 1; a <= aTop; ++a) {
            uint64_t p = 0;
            for (uint64_t cand : allPasses)
                if (c.ngTile(a, cand) <= c.sram) {
                    p = cand;
                    break;
                }
            if (!p) continue;
            const Sweep w = sweep(q, a, a + c.db, randomPerBlockRow, s.banksPerGroup, false);
            const uint64_t bytes = 2 * w.keys * d * E + 2 * rows * d * E + (1 + p) * eNg * E;
            if (bytes <= bestBytes) {   // ties: the larger a
                bestBytes = bytes;
                bestA = a;
                bestP = p;
            }
        }
        if (!bestA)
            return fail(Error::Shape, "no non-global SpMM tile fits the SRAM buffer (" + describe(s) +
                                          "): one FP32 output row slice, one V row slice, score ring and statistics = " +
                                          std::to_string(c.ngTile(1, allPasses.back())) + " B column-aligned");
        const Sweep w = sweep(q, bestA, bestA + c.db, randomPerBlockRow, s.banksPerGroup, true);
        r.batchedGlobalEntries = std::min(w.batchedGlobalEntries, pat.nnzGlobal);
        r.coveredGlobalEntries = pat.nnzGlobal - r.batchedGlobalEntries;
        bankRows = w.bankRows;
        const std::vector<uint64_t> eBank = apportion(eNg, w.bankRows, rows);
        for (uint64_t k = 0; k < banks; ++k) {
            ngSd[k].bankToBuffer = w.bankRows[k] * d * E + w.bankKeys[k] * d * E;
            ngSd[k].bufferToBank = eBank[k] * E;
            ngSd[k].macs = eBank[k] * d;
            ngSp[k].bankToBuffer = w.bankKeys[k] * d * E + bestP * eBank[k] * E;
            ngSp[k].bufferToBank = w.bankRows[k] * d * E;
            ngSp[k].macs = eBank[k] * d;
            sm[k].exps += 2 * eBank[k];   // SDDMM running sum, SpMM weight
        }
        PrefillSchedule& sd = r.nonGlobalSddmm;
        PrefillSchedule& sp = r.nonGlobalSpmm;
        for (PrefillSchedule* x : {&sd, &sp}) {
            x->used = x->fits = true;
            x->tileRows = u32(bestA);
            x->tileKeys = u32(bestA + c.db);
            x->tiles = w.tiles;
            x->steps = w.moves;
            x->bufferBytes = u32(c.ngTile(bestA, bestP));
            const double wEff = double(std::min<uint64_t>(pat.window, N));
            x->paperRho = double(bestA) / (double(bestA) / wEff + 1.0);
        }
        sd.passes = 1;
        sp.passes = u32(bestP);
        sp.steps = w.moves * bestP;
        sd.bank = busiest(ngSd);
        sd.group = sum(ngSd);
        sp.bank = busiest(ngSp);
        sp.group = sum(ngSp);
        r.chosen.rows = u32(bestA);
        r.chosen.ringKeys = u32(bestA + c.db);
        r.chosen.spmmPasses = u32(bestP);
        r.chosen.bufferBytes = u32(c.ngTile(bestA, bestP));
    }

    // ---------------------------------------------------------------- 4: global rows
    const uint64_t L0 = ceilDiv(N, banks);   // bank 0 holds the most keys
    auto keysOf = [&](uint64_t k) { return N / banks + (k < N % banks ? 1 : 0); };
    if (R > 0) {
        PrefillSchedule& gs = r.globalSddmm;
        PrefillSchedule& os = r.globalSpmmOutputStationary;
        PrefillSchedule& vs = r.globalSpmmValueStationary;
        if (r.maxGlobalKeys == 0)
            return fail(Error::Shape, "global rows do not fit the SRAM buffer (" + describe(s) + "): one q row " +
                                          std::to_string(d * E) + " B + one K row + score ring + statistics = " +
                                          std::to_string(c.gSddmm(1)) + " B column-aligned, more than the buffer");
        const uint64_t b = r.maxGlobalKeys;
        gs.used = gs.fits = true;
        gs.tileRows = 1;
        gs.tileKeys = u32(b);
        gs.bufferBytes = u32(c.gSddmm(b));
        gs.paperRho = double(b) * double(R) / double(R + b);
        std::vector<IoCount> sdStats(banks), osX(banks), osStats(banks), vsX(banks), vsStats(banks);
        for (uint64_t k = 0; k < banks; ++k) {
            const uint64_t L = keysOf(k), T = ceilDiv(L, b);
            gSd[k].bankToBuffer = L * d * E + T * R * d * E;
            gSd[k].bufferToBank = R * L * E;
            gSd[k].macs = R * L * d;
            sdStats[k].bankToBuffer = (T ? T - 1 : 0) * R * 8;
            sdStats[k].bufferToBank = T * R * 8;
            sdStats[k].exps = R * L;
        }
        gs.tiles = ceilDiv(L0, b);
        gs.steps = gs.tiles * R;
        gs.bank = busiest(gSd);
        gs.group = sum(gSd);
        // Output-stationary: for each pass count the largest a_o (with b_o = 1), then the largest b_o.
        uint64_t bestBytes = std::numeric_limits<uint64_t>::max();
        for (uint64_t p : allPasses) {
            const uint64_t ao = largest([&](uint64_t a) { return c.gOs(a, 1, p) <= c.sram; }, std::min<uint64_t>(R, c.sram));
            if (!ao) continue;
            const uint64_t bytes = ceilDiv(R, ao) * N * d * E + p * R * N * E;
            if (bytes < bestBytes) {   // ties: fewer passes
                bestBytes = bytes;
                os.tileRows = u32(ao);
                os.passes = u32(p);
                os.tileKeys =
                    u32(largest([&](uint64_t bb) { return c.gOs(ao, bb, p) <= c.sram; }, std::max<uint64_t>(L0, 1)));
            }
        }
        os.used = true;
        os.fits = os.tileRows > 0;
        const uint64_t bv = largest([&](uint64_t bb) { return c.gVs(bb) <= c.sram; }, std::max<uint64_t>(L0, 1));
        vs.used = true;
        vs.fits = bv > 0;
        vs.tileRows = 1;
        vs.tileKeys = u32(bv);
        for (uint64_t k = 0; k < banks; ++k) {
            const uint64_t L = keysOf(k);
            const uint64_t outBytes = k == 0 ? R * d * E : 0;
            if (os.fits) {
                const uint64_t ao = os.tileRows, p = os.passes;
                osX[k].bankToBuffer = ceilDiv(R, ao) * L * d * E + p * R * L * E;
                osX[k].bufferToBank = outBytes;
                osX[k].macs = R * L * d;
                osStats[k].bankToBuffer = L ? R * 8 : 0;
                osStats[k].exps = R * L;
            }
            if (vs.fits) {
                const uint64_t T = ceilDiv(L, bv);
                vsX[k].bankToBuffer = L * d * E + R * L * E + (T ? T - 1 : 0) * R * d * A;
                vsX[k].bufferToBank = (T ? T - 1 : 0) * R * d * A + outBytes;
                vsX[k].macs = R * L * d;
                vsStats[k].bankToBuffer = T * R * 8;
                vsStats[k].exps = R * L;
            }
        }
        if (os.fits) {
            os.tiles = ceilDiv(R, os.tileRows);
            os.steps = os.tiles * os.passes * ceilDiv(L0, os.tileKeys);
            os.bufferBytes = u32(c.gOs(os.tileRows, os.tileKeys, os.passes));
            os.bank = busiest(osX);
            os.group = sum(osX);
        }
        if (vs.fits) {
            vs.tiles = ceilDiv(L0, bv);
            vs.steps = vs.tiles * R;
            vs.bufferBytes = u32(c.gVs(bv));
            vs.bank = busiest(vsX);
            vs.group = sum(vsX);
        }
        if (!os.fits && !vs.fits)
            return fail(Error::Shape, "no global-row SpMM tile fits the SRAM buffer (" + describe(s) + ")");
        const uint64_t never = std::numeric_limits<uint64_t>::max();
        const uint64_t osCost = os.fits ? os.group.bytes() + sum(osStats).bytes() : never;
        const uint64_t vsCost = vs.fits ? vs.group.bytes() + sum(vsStats).bytes() : never;
        const bool useOs = osCost <= vsCost;
        const PrefillSchedule& g = useOs ? os : vs;
        for (uint64_t k = 0; k < banks; ++k) {
            gSp[k] = useOs ? osX[k] : vsX[k];
            add(sm[k], sdStats[k]);
            add(sm[k], useOs ? osStats[k] : vsStats[k]);
        }
        r.chosen.globalKeys = u32(b);
        r.chosen.globalSpmm = useOs ? GlobalSpmmOrder::OutputStationary : GlobalSpmmOrder::ValueStationary;
        r.chosen.globalSpmmRows = g.tileRows;
        r.chosen.globalSpmmKeys = g.tileKeys;
        r.chosen.globalSpmmPasses = g.passes;
        r.chosen.bufferBytes = std::max({r.chosen.bufferBytes, gs.bufferBytes, g.bufferBytes});
    }

    // ---------------------------------------------------------------- 2: softmax
    {
        PrefillSchedule& x = r.softmax;
        x.used = x.fits = true;
        x.tiles = rows + R;   // rows normalised
        x.tileRows = r.chosen.rows;
        x.bufferBytes = u32(c.stats(std::max<uint64_t>(r.chosen.rows, 1)));
        x.bank = busiest(sm);
        x.group = sum(sm);
        // A stand-alone pass for comparison: read the scores (twice when a row does not fit), write probabilities.
        const uint64_t rowLen = rows ? ceilDiv(eNg, rows) : 0;
        const uint64_t ngReads = c.stats(1) + c.rU(rowLen * E) <= c.sram ? 1 : 2;
        const uint64_t gReads = c.stats(1) + c.rU(L0 * E) <= c.sram ? 1 : 2;
        r.softmaxSeparatePass.bankToBuffer = ngReads * eNg * E + gReads * R * N * E;
        r.softmaxSeparatePass.bufferToBank = eNg * E + R * N * E;
        r.softmaxSeparatePass.exps = eNg + R * N;
    }

    // ---------------------------------------------------------------- 5: naive
    {
        PrefillSchedule& x = r.naive;
        x.used = true;
        x.bufferBytes = u32(c.naive());
        x.fits = c.naive() <= c.sram;
        x.tileRows = 1;
        x.tileKeys = 1;
        // The non-global rows of each bank are those of the aware split (whole tiles dealt
        // round-robin); the naive schedule has no tiles, the split only sets the per-bank figure.
        const std::vector<uint64_t> eBank = apportion(eNg, bankRows, rows);
        for (uint64_t k = 0; k < banks; ++k) {
            IoCount& y = nv[k];
            auto entries = [&](uint64_t e, uint64_t rr, uint64_t writtenRows) {
                if (!e) return;
                y.bankToBuffer += e * (3 * d * E + E) + (e - rr) * d * A;
                y.bufferToBank += e * (E + d * A) + writtenRows * d * E;
                y.macs += 2 * e * d;
                y.exps += 2 * e;
            };
            entries(eBank[k], bankRows[k], bankRows[k]);
            const uint64_t L = keysOf(k);
            entries(R * L, L ? R : 0, k == 0 ? R : 0);
        }
        x.bank = busiest(nv);
        x.group = sum(nv);
        x.tiles = eNg + R * N;
        x.steps = 2 * x.tiles;
        r.naiveBank = x.bank;
        r.naiveGroup = x.group;
    }

    // ---------------------------------------------------------------- totals of the chosen schedules
    std::vector<IoCount> total(banks);
    for (uint64_t k = 0; k < banks; ++k)
        for (const IoCount* y : {&ngSd[k], &ngSp[k], &sm[k], &gSd[k], &gSp[k]}) add(total[k], *y);
    r.awareBank = busiest(total);
    r.awareGroup = sum(total);
    return r;
}

}  // namespace pilot::fw
