// SPDX-License-Identifier: MIT
#include "firmware/pim/prefill_kernel.h"

#include <algorithm>

namespace pilot::fw {

using contract::Error;
using contract::MaskKind;
using contract::WindowBand;
using contract::windowBand;

namespace {

uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}
uint64_t roundUp(uint64_t a, uint64_t col) {
    return ceilDiv(a, col) * col;
}

// Calls fn(slot, n) for the batches of slots [x, y): split at DRAM rows (P slots) and at b.
template <typename Fn> void forEachBatch(uint64_t x, uint64_t y, uint32_t P, uint32_t b, Fn fn) {
    while (x < y) {
        const uint64_t n = std::min<uint64_t>({b, y - x, P - x % P});
        fn(x, uint32_t(n));
        x += n;
    }
}

struct Span {
    int64_t begin, end;
}; // slots of a region a round reads

// The band slots of a round: bank i's band keys [rb + i a - lo, min(rb + a, end) + hi + i a)
// sit at the same slots in every bank (the copy of bank i is shifted by i a).
Span bandSpan(const PrefillKernelPlan& p, const PrefillRound& r) {
    const int64_t begin = int64_t(r.rowBegin) - p.lo + p.shift;
    const int64_t end = int64_t(std::min(r.rowBegin + p.a, r.rowEnd)) + p.hi + p.shift;
    return {std::max<int64_t>(0, begin), std::min<int64_t>(p.bandSlots, end)};
}

// The global keys left of the bands: [0, min(g, the last busy bank's band begin)).
int64_t globalEnd(const PrefillKernelPlan& p, const PrefillRound& r) {
    const uint32_t lastBank = std::min(p.shape.banksPerGroup - 1, (r.rowEnd - r.rowBegin - 1) / p.a);
    const int64_t bandBegin = int64_t(r.rowBegin) + int64_t(lastBank) * p.a - p.lo;
    return std::clamp<int64_t>(bandBegin, 0, p.shape.globalTokens);
}

// What one round streams, per bank: the keys of its batches, their batch count and the
// whole-column bytes of their FP16 score blocks. One walk over the round's slot ranges (band,
// global keys, each random block at its own aux slots), the same ranges prefillBatches() cuts.
struct RoundWalk {
    uint64_t keys = 0, scoreBytes = 0, batches = 0;
};
RoundWalk walkRound(const PrefillKernelPlan& p, const PrefillRound& r) {
    const PrefillKernelShape& s = p.shape;
    RoundWalk w;
    auto add = [&](uint64_t x, uint64_t y) {
        forEachBatch(x, y, p.P, p.b, [&](uint64_t, uint32_t n) {
            w.keys += n;
            w.scoreBytes += roundUp(uint64_t(p.a) * n * 2, s.columnBytes);
            ++w.batches;
        });
    };
    const Span band = bandSpan(p, r);
    if (band.begin < band.end)
        add(uint64_t(band.begin), uint64_t(band.end));
    add(0, uint64_t(globalEnd(p, r)));
    for (uint32_t k = 0; k < s.randomBlocks && s.blockSize; ++k) {
        const uint64_t first = s.globalTokens + (uint64_t(r.blockRow) * s.randomBlocks + k) * s.blockSize;
        add(first, first + s.blockSize);
    }
    return w;
}

// Per-bank bytes of one round (the closed form the PE counters are checked against).
PrefillIoPrediction roundIo(const PrefillKernelPlan& p, const PrefillRound& r) {
    const PrefillKernelShape& s = p.shape;
    const uint64_t d = s.headDim, a = p.a;
    const RoundWalk w = walkRound(p, r);
    PrefillIoPrediction io;
    // SDDMM: Q once (naive: per batch), K once, scores out. SpMM: V once over the p passes,
    // scores in once per pass, outputs out once; naive: the accumulator round trip per batch.
    const uint64_t qLoads = s.naive ? w.batches : 1;
    io.bankToBuffer = qLoads * a * d * 2 + 2 * w.keys * d * 2 + uint64_t(p.p) * w.scoreBytes;
    io.bufferToBank = w.scoreBytes + a * d * 2;
    if (s.naive) {
        io.bankToBuffer += (w.batches - 1) * d * 4;
        io.bufferToBank += w.batches * d * 4;
    }
    io.macs = 2 * a * w.keys * d;
    return io;
}

// Regions for (a, p, b), in the order Q/out | K/V | scores [| K/V 2 | scores 2] | statistics;
// false when they exceed the buffer.
bool placeRegions(PrefillKernelPlan& p, uint32_t a, uint32_t passes, uint32_t b, bool doubleBuffer) {
    const uint64_t d = p.shape.headDim, col = p.shape.columnBytes;
    const uint64_t qo = roundUp(std::max(a * d * 2, a * (d / passes) * 4), col);
    const uint64_t kv = roundUp(b * d * 2, col);
    const uint64_t sc = roundUp(uint64_t(a) * b * 4, col);
    const uint64_t st = roundUp(uint64_t(a) * 8, col);
    const uint64_t sets = doubleBuffer ? 2 : 1;
    if (qo + sets * (kv + sc) + st > p.shape.sramBytes)
        return false;
    p.doubleBuffer = doubleBuffer;
    p.qOff = 0;
    p.kvOff = uint32_t(qo);
    p.scoresOff = uint32_t(qo + kv);
    p.kvOff2 = doubleBuffer ? uint32_t(qo + kv + sc) : p.kvOff;
    p.scoresOff2 = doubleBuffer ? uint32_t(qo + 2 * kv + sc) : p.scoresOff;
    p.stateOff = uint32_t(qo + sets * (kv + sc));
    p.bufferBytes = uint32_t(p.stateOff + st);
    return true;
}

PrefillIoPrediction nonGlobalIo(const PrefillKernelPlan& p) {
    PrefillIoPrediction t;
    for (const PrefillRound& r : prefillRounds(p)) {
        const PrefillIoPrediction io = roundIo(p, r);
        t.bankToBuffer += io.bankToBuffer;
        t.bufferToBank += io.bufferToBank;
        t.macs += io.macs;
    }
    return t;
}

Error fail(PrefillKernelPlan& p, Error e, std::string why) {
    p.error = e;
    p.why = std::move(why);
    return e;
}

} // namespace

std::vector<PrefillRound> prefillRounds(const PrefillKernelPlan& p) {
    std::vector<PrefillRound> out;
    const PrefillKernelShape& s = p.shape;
    if (p.a == 0)
        return out;
    const uint32_t per = p.a * s.banksPerGroup;
    const bool blocked = s.randomBlocks > 0 && s.blockSize > 0;
    for (uint32_t seg = p.globalRows; seg < s.seqLen;) {
        const uint32_t segEnd =
            blocked ? std::min(s.seqLen, (seg / s.blockSize + 1) * s.blockSize) : s.seqLen;
        for (uint32_t rb = seg; rb < segEnd; rb += per)
            out.push_back({uint32_t(out.size()), rb, segEnd, blocked ? rb / s.blockSize : 0});
        seg = segEnd;
    }
    return out;
}

std::vector<PrefillBatch> prefillBatches(const PrefillKernelPlan& p, const PrefillRound& r,
                                         const uint32_t* randomBlocks) {
    std::vector<PrefillBatch> out;
    const PrefillKernelShape& s = p.shape;
    const Span band = bandSpan(p, r);
    if (band.begin < band.end)
        forEachBatch(uint64_t(band.begin), uint64_t(band.end), p.P, p.b, [&](uint64_t slot, uint32_t n) {
            // bank i: key = slot - shift + i a
            out.push_back({PrefillRegion::Band, uint32_t(slot), n, MaskKind::Band,
                           int32_t(int64_t(slot) - p.shift), uint16_t(p.a), 0});
        });
    const int32_t limit = int32_t(int64_t(r.rowBegin) - p.lo); // bank 0's band begin; + i a per bank
    forEachBatch(0, uint64_t(globalEnd(p, r)), p.P, p.b, [&](uint64_t slot, uint32_t n) {
        out.push_back({PrefillRegion::Aux, uint32_t(slot), n, MaskKind::Global, int32_t(slot), 0, limit});
    });
    for (uint32_t k = 0; k < s.randomBlocks && s.blockSize; ++k) {
        const uint32_t block = randomBlocks ? randomBlocks[k] : kNoRandomBlock;
        // A missing block still streams its slots (fixed work per round) with every key masked.
        const int64_t firstKey = block == kNoRandomBlock ? int64_t(s.seqLen) : int64_t(block) * s.blockSize;
        const uint64_t first = s.globalTokens + (uint64_t(r.blockRow) * s.randomBlocks + k) * s.blockSize;
        forEachBatch(first, first + s.blockSize, p.P, p.b, [&](uint64_t slot, uint32_t n) {
            out.push_back({PrefillRegion::Aux, uint32_t(slot), n, MaskKind::Random,
                           int32_t(firstKey + int64_t(slot - first)), 0, 0});
        });
    }
    return out;
}

namespace {

// The shape the kernel accepts; false (with the plan's error) otherwise.
bool validShape(PrefillKernelPlan& p) {
    const PrefillKernelShape& s = p.shape;
    const uint32_t d = s.headDim;
    if (s.seqLen == 0)
        return fail(p, Error::EmptyContext, "the sequence is empty"), false;
    if (s.window == 0 && s.globalTokens == 0)
        return fail(p, Error::Sparse, "no window and no global tokens: rows attend nothing"), false;
    if (s.globalTokens > s.seqLen)
        return fail(p, Error::Sparse, "more global tokens than the sequence has"), false;
    if (s.randomBlocks > 0 && s.blockSize == 0)
        return fail(p, Error::Sparse, "random blocks without a block size"), false;
    if (s.randomBlocks > 0 && s.randomBlocks > ceilDiv(s.seqLen, s.blockSize))
        return fail(p, Error::Sparse, "more random blocks per block-row than there are blocks"), false;
    if (d == 0 || d % 16 || d > 256 || uint64_t(d) * 4 > s.rowBytes || s.columnBytes == 0 ||
        (d * 2) % s.columnBytes)
        return fail(p, Error::Shape,
                    "head dim " + std::to_string(d) +
                        " unsupported (multiple of 16, at most 256 and rowBytes / 4)"),
               false;
    if (s.banksPerGroup == 0)
        return fail(p, Error::Shape, "no banks per group"), false;
    return true;
}

// The tiling that moves the fewest bytes: a rows (naive: 1), p passes with whole-column
// slices, every b that fits. false (with the plan's error) when nothing fits; `bestBytes`
// receives the chosen tiling's bytes.
bool chooseTiling(PrefillKernelPlan& p, uint64_t& bestBytes) {
    const PrefillKernelShape& s = p.shape;
    const uint32_t d = s.headDim;
    std::vector<uint32_t> passOptions;
    for (uint32_t q = 1; q <= d; ++q)
        if (d % q == 0 && ((d / q) * 2) % s.columnBytes == 0)
            passOptions.push_back(q);
    if (s.naive)
        passOptions = {1};
    const uint32_t aMin = s.tileRows ? s.tileRows : 1;
    const uint32_t aMax = s.naive      ? 1
                          : s.tileRows ? s.tileRows
                                       : std::max<uint32_t>(1, s.sramBytes / (2 * d));
    if (s.naive && s.tileRows > 1)
        return fail(p, Error::Shape, "the naive kernel runs one row per bank (tile rows 1)"), false;
    bool found = false;
    PrefillKernelPlan best = p;
    bestBytes = 0;
    for (uint32_t a = aMin; a <= aMax; ++a) {
        for (uint32_t q : passOptions) {
            bool fits = false;
            for (uint32_t b = p.P; b > 0; --b) { // every b that fits: uneven splits of a row cost bytes
                PrefillKernelPlan c = p;
                if (!placeRegions(c, a, q, b, false))
                    continue;
                fits = true;
                c.a = a;
                c.p = q;
                c.b = b;
                c.shift = (s.banksPerGroup - 1) * a;
                c.bandSlots = s.seqLen + c.shift;
                const uint64_t bytes = nonGlobalIo(c).bytes();
                // Fewest bytes; ties: the larger a, then the larger b (fewer micro-ops).
                if (!found || bytes < bestBytes || (bytes == bestBytes && a > best.a)) {
                    best = c;
                    bestBytes = bytes;
                    found = true;
                }
            }
            if (fits)
                break; // more passes than the fewest that fit only re-read the scores
        }
    }
    if (!found)
        return fail(p, Error::Shape,
                    s.tileRows ? "a tile of " + std::to_string(s.tileRows) + " rows does not fit the " +
                                     std::to_string(s.sramBytes) + "-byte buffer"
                               : "one query row, one key and its statistics do not fit the " +
                                     std::to_string(s.sramBytes) + "-byte buffer"),
               false;
    p = best;
    return true;
}

// Double buffering when a second K/V batch and score block fit at the same a and passes and
// move at most 1% more bytes (a smaller b only changes how the scores round to columns):
// overlapping the moves with the MACs is worth that much. Among the batch sizes that fit
// twice, the one moving the fewest bytes (a b that splits a DRAM row's keys unevenly rounds
// more score columns).
void preferDoubleBuffer(PrefillKernelPlan& p, uint64_t bestBytes) {
    PrefillKernelPlan chosen;
    uint64_t chosenBytes = 0;
    for (uint32_t b = p.P; b > 0; --b) {
        PrefillKernelPlan c = p;
        if (!placeRegions(c, p.a, p.p, b, true))
            continue;
        c.b = b;
        const uint64_t bytes = nonGlobalIo(c).bytes();
        if (!chosen.doubleBuffer || bytes < chosenBytes) {
            chosen = c;
            chosenBytes = bytes;
        }
    }
    if (chosen.doubleBuffer && chosenBytes * 100 <= bestBytes * 101)
        p = chosen;
}

// Score staging in the columns the tiles leave free, when it holds at least two batches.
void stageScores(PrefillKernelPlan& p) {
    const PrefillKernelShape& s = p.shape;
    const uint64_t batchScores = roundUp(uint64_t(p.a) * p.b * 2, s.columnBytes);
    const uint64_t free = (s.sramBytes - p.bufferBytes) / s.columnBytes * s.columnBytes;
    if (free >= 2 * batchScores) {
        p.stageOff = p.stateOff; // staging, then the statistics: Stat uses both, contiguous
        p.stageBytes = uint32_t(free / batchScores * batchScores);
        p.stateOff += p.stageBytes;
        p.bufferBytes += p.stageBytes;
    }
}

// The layout (rows per bank of each region) and the non-global rows' predicted bytes.
void layOut(PrefillKernelPlan& p) {
    const PrefillKernelShape& s = p.shape;
    const uint32_t d = s.headDim;
    auto rows = [&](uint64_t bytes) { return uint32_t(ceilDiv(bytes, s.rowBytes)); };
    const std::vector<PrefillRound> rounds = prefillRounds(p);
    p.rounds = uint32_t(rounds.size());
    p.qRows = p.outRows = rows(uint64_t(p.rounds) * p.a * d * 2);
    p.bandRows = uint32_t(ceilDiv(p.bandSlots, p.P));
    p.auxSlots = s.globalTokens + p.blockRows * s.randomBlocks * s.blockSize;
    p.auxRows = uint32_t(ceilDiv(p.auxSlots, p.P));
    for (const PrefillRound& r : rounds)
        p.scratchBytes = std::max(p.scratchBytes, walkRound(p, r).scoreBytes);
    const uint64_t accBytes =
        s.naive ? roundUp(uint64_t(d) * 4, s.columnBytes) : 0; // the spilled accumulator
    p.scratchRows = rows(p.scratchBytes + accBytes);
    p.patternRows = rows(uint64_t(p.blockRows) * s.randomBlocks * 4);
    p.nonGlobal = nonGlobalIo(p);
}

// The global rows' decode kernel (R queries over N keys split by key), its bytes and rows.
void planGlobalRows(PrefillKernelPlan& p) {
    const PrefillKernelShape& s = p.shape;
    const uint32_t d = s.headDim;
    auto rows = [&](uint64_t bytes) { return uint32_t(ceilDiv(bytes, s.rowBytes)); };
    const uint32_t slots = uint32_t(ceilDiv(s.seqLen, s.banksPerGroup));
    DecodeShape ds{slots, d, p.globalRows, s.sramBytes, s.columnBytes, s.naive, true};
    p.global = planDecodeInPasses(ds, p.globalPassQueries);
    if (p.global.error != Error::Ok) {
        fail(p, p.global.error, "global rows: " + p.global.why);
        return;
    }
    const uint64_t passes = p.globalRows / p.globalPassQueries;
    p.globalPart.bankToBuffer = passes * p.global.bankToSramBytes;
    p.globalPart.bufferToBank = passes * p.global.sramToBankBytes;
    p.globalPart.macs = passes * p.global.macs;
    p.globalQRows = rows(uint64_t(p.globalRows) * d * 2);
    p.splitKvRows = uint32_t(ceilDiv(slots, p.P));
    p.globalOutRows =
        rows(uint64_t(p.globalRows) * d * 2) + (s.naive ? rows(uint64_t(p.globalRows) * d * 4) : 0);
}

} // namespace

PrefillKernelPlan planPrefillKernel(const PrefillKernelShape& s) {
    PrefillKernelPlan p;
    p.shape = s;
    if (!validShape(p))
        return p;
    p.P = s.rowBytes / (4 * s.headDim);
    const WindowBand band = windowBand(s.window, s.causal); // w = 0: an empty band, lo = hi = 0
    p.lo = uint32_t(std::max<int64_t>(band.lo, 0));
    p.hi = uint32_t(std::max<int64_t>(band.hi, 0));
    p.globalRows = s.causal ? 0 : s.globalTokens;
    p.blockRows = s.randomBlocks && s.blockSize ? uint32_t(ceilDiv(s.seqLen, s.blockSize)) : 0;
    uint64_t bestBytes = 0;
    if (!chooseTiling(p, bestBytes))
        return p;
    if (!s.naive)
        preferDoubleBuffer(p, bestBytes);
    if (!s.naive)
        stageScores(p);
    layOut(p);
    if (p.globalRows)
        planGlobalRows(p);
    return p;
}

} // namespace pilot::fw
