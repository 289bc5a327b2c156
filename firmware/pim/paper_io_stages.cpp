// SPDX-License-Identifier: MIT
// The stages of the paper's prefill I/O analysis (paper_io_analysis.h, docs/io-analysis.md):
// 1 + 3 non-global rows (SDDMM and SpMM), 4 global rows (SDDMM, then the cheaper SpMM order),
// 2 softmax, 5 the naive baseline. Each fills its schedules and per-bank counts.
#include <algorithm>
#include <limits>
#include <vector>

#include "firmware/pim/paper_io_terms.h"

namespace pilot::fw::paperio {

bool analyzeNonGlobalRows(const PrefillIoShape& s, const Ctx& c, const Geo& q, PrefillIo& r, BankCounts& b) {
    const PrefillPatternSummary& pat = s.pattern;
    const uint64_t rows = pat.nonGlobalRows(), N = pat.seqLen;
    const uint64_t d = c.d, E = c.E, banks = c.banks;
    const uint64_t eNg = pat.nnzNonGlobal();
    const uint64_t randomPerBlockRow = rows ? ceilDiv(pat.nnzRandom, rows) : 0;
    const std::vector<uint64_t> allPasses = c.passes();
    if (rows == 0)
        return true;
    if (r.maxWindowRows == 0)
        return failWith(r, Error::Shape,
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
        if (!p)
            continue;
        const Sweep w = sweep(q, a, a + c.db, randomPerBlockRow, s.banksPerGroup, false);
        const uint64_t bytes = 2 * w.keys * d * E + 2 * rows * d * E + (1 + p) * eNg * E;
        if (bytes <= bestBytes) { // ties: the larger a
            bestBytes = bytes;
            bestA = a;
            bestP = p;
        }
    }
    if (!bestA)
        return failWith(r, Error::Shape,
                        "no non-global SpMM tile fits the SRAM buffer (" + describe(s) +
                            "): one FP32 output row slice, one V row slice, score ring and statistics = " +
                            std::to_string(c.ngTile(1, allPasses.back())) + " B column-aligned");
    const Sweep w = sweep(q, bestA, bestA + c.db, randomPerBlockRow, s.banksPerGroup, true);
    r.batchedGlobalEntries = std::min(w.batchedGlobalEntries, pat.nnzGlobal);
    r.coveredGlobalEntries = pat.nnzGlobal - r.batchedGlobalEntries;
    b.bankRows = w.bankRows;
    const std::vector<uint64_t> eBank = apportion(eNg, w.bankRows, rows);
    for (uint64_t k = 0; k < banks; ++k) {
        b.ngSd[k].bankToBuffer = w.bankRows[k] * d * E + w.bankKeys[k] * d * E;
        b.ngSd[k].bufferToBank = eBank[k] * E;
        b.ngSd[k].macs = eBank[k] * d;
        b.ngSp[k].bankToBuffer = w.bankKeys[k] * d * E + bestP * eBank[k] * E;
        b.ngSp[k].bufferToBank = w.bankRows[k] * d * E;
        b.ngSp[k].macs = eBank[k] * d;
        b.sm[k].exps += 2 * eBank[k]; // SDDMM running sum, SpMM weight
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
    sd.bank = busiest(b.ngSd);
    sd.group = sum(b.ngSd);
    sp.bank = busiest(b.ngSp);
    sp.group = sum(b.ngSp);
    r.chosen.rows = u32(bestA);
    r.chosen.ringKeys = u32(bestA + c.db);
    r.chosen.spmmPasses = u32(bestP);
    r.chosen.bufferBytes = u32(c.ngTile(bestA, bestP));
    return true;
}

namespace {

// Keys bank k holds of the split K and V (contiguous; the first N % banks one more).
uint64_t keysOf(uint64_t N, uint64_t banks, uint64_t k) {
    return N / banks + (k < N % banks ? 1 : 0);
}

// Global SDDMM: tiles of b keys (the most that fit) against the R global queries.
bool globalSddmm(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& bc) {
    const uint64_t R = s.pattern.globalRows(), N = s.pattern.seqLen;
    const uint64_t d = c.d, E = c.E, banks = c.banks, L0 = ceilDiv(N, banks);
    PrefillSchedule& gs = r.globalSddmm;
    if (r.maxGlobalKeys == 0)
        return failWith(r, Error::Shape,
                        "global rows do not fit the SRAM buffer (" + describe(s) + "): one q row " +
                            std::to_string(d * E) + " B + one K row + score ring + statistics = " +
                            std::to_string(c.gSddmm(1)) + " B column-aligned, more than the buffer");
    const uint64_t b = r.maxGlobalKeys;
    gs.used = gs.fits = true;
    gs.tileRows = 1;
    gs.tileKeys = u32(b);
    gs.bufferBytes = u32(c.gSddmm(b));
    gs.paperRho = double(b) * double(R) / double(R + b);
    for (uint64_t k = 0; k < banks; ++k) {
        const uint64_t L = keysOf(N, banks, k), T = ceilDiv(L, b);
        bc.gSd[k].bankToBuffer = L * d * E + T * R * d * E;
        bc.gSd[k].bufferToBank = R * L * E;
        bc.gSd[k].macs = R * L * d;
        bc.sdStats[k].bankToBuffer = (T ? T - 1 : 0) * R * 8;
        bc.sdStats[k].bufferToBank = T * R * 8;
        bc.sdStats[k].exps = R * L;
    }
    gs.tiles = ceilDiv(L0, b);
    gs.steps = gs.tiles * R;
    gs.bank = busiest(bc.gSd);
    gs.group = sum(bc.gSd);
    return true;
}

// Output-stationary global SpMM: for each pass count the largest a_o (with b_o = 1), then the
// largest b_o; the pass count that moves the fewest bytes.
void globalSpmmOutputStationary(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, std::vector<IoCount>& x,
                                std::vector<IoCount>& stats) {
    const uint64_t R = s.pattern.globalRows(), N = s.pattern.seqLen;
    const uint64_t d = c.d, E = c.E, banks = c.banks, L0 = ceilDiv(N, banks);
    PrefillSchedule& os = r.globalSpmmOutputStationary;
    uint64_t bestBytes = std::numeric_limits<uint64_t>::max();
    for (uint64_t p : c.passes()) {
        const uint64_t ao =
            largest([&](uint64_t a) { return c.gOs(a, 1, p) <= c.sram; }, std::min<uint64_t>(R, c.sram));
        if (!ao)
            continue;
        const uint64_t bytes = ceilDiv(R, ao) * N * d * E + p * R * N * E;
        if (bytes < bestBytes) { // ties: fewer passes
            bestBytes = bytes;
            os.tileRows = u32(ao);
            os.passes = u32(p);
            os.tileKeys = u32(
                largest([&](uint64_t bb) { return c.gOs(ao, bb, p) <= c.sram; }, std::max<uint64_t>(L0, 1)));
        }
    }
    os.used = true;
    os.fits = os.tileRows > 0;
    if (!os.fits)
        return;
    for (uint64_t k = 0; k < banks; ++k) {
        const uint64_t L = keysOf(N, banks, k);
        const uint64_t ao = os.tileRows, p = os.passes;
        x[k].bankToBuffer = ceilDiv(R, ao) * L * d * E + p * R * L * E;
        x[k].bufferToBank = k == 0 ? R * d * E : 0;
        x[k].macs = R * L * d;
        stats[k].bankToBuffer = L ? R * 8 : 0;
        stats[k].exps = R * L;
    }
    os.tiles = ceilDiv(R, os.tileRows);
    os.steps = os.tiles * os.passes * ceilDiv(L0, os.tileKeys);
    os.bufferBytes = u32(c.gOs(os.tileRows, os.tileKeys, os.passes));
    os.bank = busiest(x);
    os.group = sum(x);
}

// Value-stationary global SpMM: tiles of the most V keys that fit, FP32 outputs spilled between.
void globalSpmmValueStationary(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, std::vector<IoCount>& x,
                               std::vector<IoCount>& stats) {
    const uint64_t R = s.pattern.globalRows(), N = s.pattern.seqLen;
    const uint64_t d = c.d, E = c.E, A = c.A, banks = c.banks, L0 = ceilDiv(N, banks);
    PrefillSchedule& vs = r.globalSpmmValueStationary;
    const uint64_t bv = largest([&](uint64_t bb) { return c.gVs(bb) <= c.sram; }, std::max<uint64_t>(L0, 1));
    vs.used = true;
    vs.fits = bv > 0;
    vs.tileRows = 1;
    vs.tileKeys = u32(bv);
    if (!vs.fits)
        return;
    for (uint64_t k = 0; k < banks; ++k) {
        const uint64_t L = keysOf(N, banks, k), T = ceilDiv(L, bv);
        x[k].bankToBuffer = L * d * E + R * L * E + (T ? T - 1 : 0) * R * d * A;
        x[k].bufferToBank = (T ? T - 1 : 0) * R * d * A + (k == 0 ? R * d * E : 0);
        x[k].macs = R * L * d;
        stats[k].bankToBuffer = T * R * 8;
        stats[k].exps = R * L;
    }
    vs.tiles = ceilDiv(L0, bv);
    vs.steps = vs.tiles * R;
    vs.bufferBytes = u32(c.gVs(bv));
    vs.bank = busiest(x);
    vs.group = sum(x);
}

} // namespace

bool analyzeGlobalRows(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& bc) {
    if (s.pattern.globalRows() == 0)
        return true;
    if (!globalSddmm(s, c, r, bc))
        return false;
    const uint64_t banks = c.banks;
    std::vector<IoCount> osX(banks), osStats(banks), vsX(banks), vsStats(banks);
    globalSpmmOutputStationary(s, c, r, osX, osStats);
    globalSpmmValueStationary(s, c, r, vsX, vsStats);
    const PrefillSchedule& os = r.globalSpmmOutputStationary;
    const PrefillSchedule& vs = r.globalSpmmValueStationary;
    if (!os.fits && !vs.fits)
        return failWith(r, Error::Shape,
                        "no global-row SpMM tile fits the SRAM buffer (" + describe(s) + ")");
    const uint64_t never = std::numeric_limits<uint64_t>::max();
    const uint64_t osCost = os.fits ? os.group.bytes() + sum(osStats).bytes() : never;
    const uint64_t vsCost = vs.fits ? vs.group.bytes() + sum(vsStats).bytes() : never;
    const bool useOs = osCost <= vsCost;
    const PrefillSchedule& g = useOs ? os : vs;
    for (uint64_t k = 0; k < banks; ++k) {
        bc.gSp[k] = useOs ? osX[k] : vsX[k];
        add(bc.sm[k], bc.sdStats[k]);
        add(bc.sm[k], useOs ? osStats[k] : vsStats[k]);
    }
    r.chosen.globalKeys = u32(r.maxGlobalKeys);
    r.chosen.globalSpmm = useOs ? GlobalSpmmOrder::OutputStationary : GlobalSpmmOrder::ValueStationary;
    r.chosen.globalSpmmRows = g.tileRows;
    r.chosen.globalSpmmKeys = g.tileKeys;
    r.chosen.globalSpmmPasses = g.passes;
    r.chosen.bufferBytes = std::max({r.chosen.bufferBytes, r.globalSddmm.bufferBytes, g.bufferBytes});
    return true;
}

void analyzeSoftmax(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& b) {
    const PrefillPatternSummary& pat = s.pattern;
    const uint64_t rows = pat.nonGlobalRows(), R = pat.globalRows(), N = pat.seqLen;
    const uint64_t E = c.E, L0 = ceilDiv(N, c.banks), eNg = pat.nnzNonGlobal();
    PrefillSchedule& x = r.softmax;
    x.used = x.fits = true;
    x.tiles = rows + R; // rows normalised
    x.tileRows = r.chosen.rows;
    x.bufferBytes = u32(c.stats(std::max<uint64_t>(r.chosen.rows, 1)));
    x.bank = busiest(b.sm);
    x.group = sum(b.sm);
    // A stand-alone pass for comparison: read the scores (twice when a row does not fit), write
    // probabilities.
    const uint64_t rowLen = rows ? ceilDiv(eNg, rows) : 0;
    const uint64_t ngReads = c.stats(1) + c.rU(rowLen * E) <= c.sram ? 1 : 2;
    const uint64_t gReads = c.stats(1) + c.rU(L0 * E) <= c.sram ? 1 : 2;
    r.softmaxSeparatePass.bankToBuffer = ngReads * eNg * E + gReads * R * N * E;
    r.softmaxSeparatePass.bufferToBank = eNg * E + R * N * E;
    r.softmaxSeparatePass.exps = eNg + R * N;
}

void analyzeNaive(const PrefillIoShape& s, const Ctx& c, PrefillIo& r, BankCounts& b) {
    const PrefillPatternSummary& pat = s.pattern;
    const uint64_t rows = pat.nonGlobalRows(), R = pat.globalRows(), N = pat.seqLen;
    const uint64_t d = c.d, E = c.E, A = c.A, banks = c.banks, eNg = pat.nnzNonGlobal();
    PrefillSchedule& x = r.naive;
    x.used = true;
    x.bufferBytes = u32(c.naive());
    x.fits = c.naive() <= c.sram;
    x.tileRows = 1;
    x.tileKeys = 1;
    // The non-global rows of each bank are those of the aware split (whole tiles dealt
    // round-robin); the naive schedule has no tiles, the split only sets the per-bank figure.
    const std::vector<uint64_t> eBank = apportion(eNg, b.bankRows, rows);
    for (uint64_t k = 0; k < banks; ++k) {
        IoCount& y = b.nv[k];
        auto entries = [&](uint64_t e, uint64_t rr, uint64_t writtenRows) {
            if (!e)
                return;
            y.bankToBuffer += e * (3 * d * E + E) + (e - rr) * d * A;
            y.bufferToBank += e * (E + d * A) + writtenRows * d * E;
            y.macs += 2 * e * d;
            y.exps += 2 * e;
        };
        entries(eBank[k], b.bankRows[k], b.bankRows[k]);
        const uint64_t L = keysOf(N, banks, k);
        entries(R * L, L ? R : 0, k == 0 ? R : 0);
    }
    x.bank = busiest(b.nv);
    x.group = sum(b.nv);
    x.tiles = eNg + R * N;
    x.steps = 2 * x.tiles;
    r.naiveBank = x.bank;
    r.naiveGroup = x.group;
}

} // namespace pilot::fw::paperio
