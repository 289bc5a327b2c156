// SPDX-License-Identifier: MIT
// The paper's prefill I/O analysis: validation, the stages in order (paper_io_stages.cpp) and
// the totals of the chosen schedules; the buffer-size queries tools and tests ask.
#include "firmware/pim/paper_io_analysis.h"

#include <algorithm>
#include <vector>

#include "firmware/include/pilot/contract.h"
#include "firmware/pim/paper_io_terms.h"

namespace pilot::fw {

using namespace paperio;

uint32_t prefillPaperWindowRows(uint32_t M, uint32_t d) {
    return M / (2 * d + 1);
}
uint32_t prefillPaperGlobalKeys(uint32_t M, uint32_t d) {
    return M < d ? 0 : (M - d) / (d + 1);
}

const char* globalSpmmOrderName(GlobalSpmmOrder o) {
    switch (o) {
    case GlobalSpmmOrder::None:
        return "none";
    case GlobalSpmmOrder::OutputStationary:
        return "output-stationary";
    case GlobalSpmmOrder::ValueStationary:
        return "value-stationary";
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
uint64_t prefillGlobalSddmmBufferBytes(const PrefillIoShape& s, uint32_t keys) {
    return context(s).gSddmm(keys);
}
uint64_t prefillNaiveBufferBytes(const PrefillIoShape& s) {
    return context(s).naive();
}

PrefillPatternSummary summarizePattern(uint64_t seqLen, uint64_t window, uint64_t globalTokens,
                                       uint64_t randomBlocks, uint64_t blockSize, bool causal) {
    PrefillPatternSummary p;
    p.seqLen = seqLen;
    p.causal = causal;
    p.window = window;
    p.globalTokens = globalTokens;
    p.randomBlocks = randomBlocks;
    p.blockSize = blockSize;
    if (seqLen == 0 || window == 0)
        return p;
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
    if (s.elementBytes == 0 || s.columnBytes == 0 || s.accumBytes == 0 || s.banksPerGroup == 0 ||
        s.sramBytes == 0)
        return fail(Error::Shape,
                    "zero element, accumulator, column, buffer size or bank count (" + describe(s) + ")");
    if (s.headDim == 0 || (uint64_t(s.headDim) * s.elementBytes) % s.columnBytes != 0)
        return fail(Error::Shape, "head dimension " + std::to_string(s.headDim) +
                                      " is not a positive whole number of columns (" + describe(s) + ")");
    if (pat.seqLen == 0)
        return fail(Error::Sparse, "empty sequence (N = 0)");
    if (pat.window == 0)
        return fail(Error::Sparse, "window of 0 keys: a row without its own key");
    if (pat.globalTokens > pat.seqLen)
        return fail(Error::Sparse, "more global tokens (" + std::to_string(pat.globalTokens) +
                                       ") than tokens (" + std::to_string(pat.seqLen) + ")");
    if (pat.randomBlocks > 0 && pat.blockSize == 0)
        return fail(Error::Sparse, "random blocks with a block size of 0");
    const uint64_t rows = pat.nonGlobalRows(), N = pat.seqLen;
    if (rows > 0 && pat.nnzWindow < rows)
        return fail(Error::Sparse, "fewer window entries than non-global rows (every row attends to itself)");
    if (rows > 0 && pat.nnzNonGlobal() / rows > N)
        return fail(Error::Sparse, "more entries per non-global row than keys");
    if (rows == 0 && pat.nnzNonGlobal() > 0)
        return fail(Error::Sparse, "entries without non-global rows");

    const Ctx c = context(s);
    const Geo q = geometry(pat);
    const uint64_t d = c.d, E = c.E;
    PrefillIo r;
    r.elements = u32(s.sramBytes / s.elementBytes);
    r.paperWindowRows = prefillPaperWindowRows(r.elements, s.headDim);
    r.paperGlobalKeys = prefillPaperGlobalKeys(r.elements, s.headDim);
    const uint64_t capRows = s.sramBytes / (d * E) + 1; // no tile of more rows or keys can fit
    r.maxWindowRows = u32(largest([&](uint64_t a) { return c.stats(a) + c.ngSddmm(a) <= c.sram; }, capRows));
    r.maxGlobalKeys = u32(largest([&](uint64_t b) { return c.gSddmm(b) <= c.sram; }, capRows));

    BankCounts b(c.banks);
    if (!analyzeNonGlobalRows(s, c, q, r, b))
        return r;
    if (!analyzeGlobalRows(s, c, r, b))
        return r;
    analyzeSoftmax(s, c, r, b);
    analyzeNaive(s, c, r, b);

    // ---------------------------------------------------------------- totals of the chosen schedules
    std::vector<IoCount> total(c.banks);
    for (uint64_t k = 0; k < c.banks; ++k)
        for (const IoCount* y : {&b.ngSd[k], &b.ngSp[k], &b.sm[k], &b.gSd[k], &b.gSp[k]})
            add(total[k], *y);
    r.awareBank = busiest(total);
    r.awareGroup = sum(total);
    return r;
}

} // namespace pilot::fw
