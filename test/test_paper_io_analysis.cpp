// SPDX-License-Identifier: MIT
// The prefill I/O analysis (firmware/pim/paper_io_analysis.h): the paper's tile formulas, the chosen
// tilings (fit the buffer with column-aligned regions, maximal), the byte counts of the
// schedules against independent counts written here from the header's formulas and from
// explicit masks, aware <= naive and monotonicity in the buffer size for the paper's
// workloads, edge cases and errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "firmware/pim/paper_io_analysis.h"

using pilot::contract::Error;
using pilot::fw::analyzePrefill;
using pilot::fw::GlobalSpmmOrder;
using pilot::fw::PrefillIo;
using pilot::fw::PrefillIoShape;
using pilot::fw::PrefillPatternSummary;
using pilot::fw::summarizePattern;

namespace {

constexpr uint64_t kCol = 32;

uint64_t rU(uint64_t v) {
    return (v + kCol - 1) / kCol * kCol;
}
uint64_t cdiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}
// Score ring taking n FP16 scores per sub-step, writing whole columns (the remainder stays).
uint64_t ring(uint64_t n, uint64_t db) {
    return cdiv(n * 2 + kCol - 2, kCol) * kCol + db * kCol;
}

// Independent fit tests (FP16 operands, A-byte accumulators, 8-byte statistics per row).
uint64_t sddmmBytes(uint64_t d, uint64_t a, uint64_t db) {
    return rU(8 * a) + rU(a * d * 2) + rU((a + db) * d * 2) + ring(a, db);
}
uint64_t tileBytes(uint64_t d, uint64_t a, uint64_t p, uint64_t A, uint64_t db) {
    const uint64_t spmm = rU(a * (d / p) * A) + rU((a + db) * (d / p) * 2) + ring(a, db);
    return std::max(sddmmBytes(d, a, db), rU(8 * a) + spmm);
}
uint64_t globalSddmmBytes(uint64_t d, uint64_t b, uint64_t db) {
    return rU(d * 2) + (1 + db) * rU(b * d * 2) + ring(b, db) + rU(8);
}

struct Workload {
    const char* name;
    uint64_t N, d, w, g, r, B;
    bool causal;
};

// The paper's Table II patterns (pilot-design.md); DuoAttention: the streaming heads.
const std::vector<Workload>& paperWorkloads() {
    static const std::vector<Workload> v{
        {"BigBird", 4096, 64, 192, 64, 1, 64, false},
        {"Longformer", 4096, 64, 512, 1, 0, 0, false},
        {"LED-large", 16384, 64, 1024, 1, 0, 0, false},
        {"Llama-2 streaming", 4096, 128, 2044, 4, 0, 0, true},
        {"Pythia streaming", 2048, 128, 1022, 2, 0, 0, true},
        {"Mistral streaming", 8192, 128, 4088, 8, 0, 0, true},
    };
    return v;
}

// PILOT's 2 KB buffer, d = 64, on HBM3 (32-byte columns, 4 banks per group), stated here
// rather than taken from defaults in the code under test.
PrefillIoShape hbm3Shape() {
    PrefillIoShape s;
    s.sramBytes = 2048;
    s.headDim = 64;
    s.columnBytes = 32;
    s.banksPerGroup = 4;
    return s;
}

PrefillIoShape shapeOf(const Workload& w, uint32_t sram, bool doubleBuffer = false, uint32_t accum = 4) {
    PrefillIoShape s = hbm3Shape();
    s.sramBytes = sram;
    s.headDim = static_cast<uint32_t>(w.d);
    s.accumBytes = accum;
    s.doubleBuffer = doubleBuffer;
    s.pattern = summarizePattern(w.N, w.w, w.g, w.r, w.B, w.causal);
    return s;
}

// An explicit mask (no random blocks): keys row i attends to.
std::set<uint64_t> rowKeys(uint64_t N, uint64_t w, uint64_t g, bool causal, uint64_t i) {
    std::set<uint64_t> k;
    const int64_t lo = causal ? int64_t(w) - 1 : int64_t(w / 2);
    const int64_t hi = causal ? 0 : int64_t(w) - 1 - lo;
    if (!causal && i < g) { // global row
        for (uint64_t j = 0; j < N; ++j)
            k.insert(j);
        return k;
    }
    for (int64_t j = int64_t(i) - lo; j <= int64_t(i) + hi; ++j)
        if (j >= 0 && j < int64_t(N))
            k.insert(uint64_t(j));
    for (uint64_t j = 0; j < g; ++j)
        if (!causal || j <= i)
            k.insert(j);
    return k;
}

} // namespace

TEST_CASE("prefill paper tile formulas reproduce the paper's 2 KB examples", "[fw][prefill][io]") {
    CHECK(pilot::fw::prefillPaperWindowRows(1024, 64) == 7);
    CHECK(pilot::fw::prefillPaperGlobalKeys(1024, 64) == 14);
    CHECK(pilot::fw::prefillPaperWindowRows(1024, 128) == 3);
    CHECK(pilot::fw::prefillPaperGlobalKeys(1024, 128) == 6);
    CHECK(pilot::fw::prefillPaperGlobalKeys(32, 64) == 0);
    // Largest a with a*d + b*d + a*c <= M at c = 1 (b = a), largest b with d + b*d + b <= M.
    for (uint32_t M : {1024u, 2048u, 4096u, 16384u})
        for (uint32_t d : {16u, 64u, 128u, 256u}) {
            const uint32_t a = pilot::fw::prefillPaperWindowRows(M, d),
                           b = pilot::fw::prefillPaperGlobalKeys(M, d);
            CHECK(2 * a * d + a <= M);
            CHECK(2 * (a + 1) * d + (a + 1) > M);
            CHECK(d + b * d + b <= M);
            CHECK(d + (b + 1) * d + (b + 1) > M);
        }
    // The analysis with its column-aligned regions keeps the paper's tiles at 2 KB.
    for (const auto& [d, a, b] :
         std::vector<std::tuple<uint32_t, uint32_t, uint32_t>>{{64, 7, 14}, {128, 3, 6}}) {
        PrefillIoShape s = hbm3Shape();
        s.headDim = d;
        s.pattern = summarizePattern(4096, 512, 1, 0, 0, false);
        const PrefillIo r = analyzePrefill(s);
        REQUIRE(r.error == Error::Ok);
        CHECK(r.elements == 1024);
        CHECK(r.paperWindowRows == a);
        CHECK(r.paperGlobalKeys == b);
        CHECK(r.maxWindowRows == a);
        CHECK(r.chosen.rows == a);
        CHECK(r.maxGlobalKeys == b);
        CHECK(r.chosen.globalKeys == b);
        CHECK(r.nonGlobalSddmm.tileRows == a);
        CHECK(r.nonGlobalSpmm.tileRows == a); // the same tile as the SDDMM (tile-major scores)
        CHECK(r.globalSddmm.tileKeys == b);
        CHECK(r.globalSddmm.tileRows == 1);
    }
}

TEST_CASE("every chosen prefill tiling fits the buffer with column-aligned regions", "[fw][prefill][io]") {
    int planned = 0;
    for (const Workload& w : paperWorkloads())
        for (uint32_t sram = 2048; sram <= 32768; sram += 2048)
            for (bool db : {false, true})
                for (uint32_t A : {4u, 2u}) {
                    const PrefillIoShape s = shapeOf(w, sram, db, A);
                    const PrefillIo r = analyzePrefill(s);
                    INFO(w.name << " sram=" << sram << " db=" << db << " A=" << A);
                    REQUIRE(r.error == Error::Ok);
                    ++planned;
                    const uint64_t d = w.d, a = r.chosen.rows, p = r.chosen.spmmPasses;
                    REQUIRE(a >= 1);
                    REQUIRE(p >= 1);
                    CHECK(d % p == 0);
                    CHECK(((d / p) * 2) % kCol == 0);
                    CHECK(r.chosen.ringKeys == a + (db ? 1 : 0));
                    CHECK(tileBytes(d, a, p, A, db) <= sram);
                    CHECK(r.nonGlobalSpmm.bufferBytes == tileBytes(d, a, p, A, db));
                    CHECK(r.chosen.bufferBytes <= sram);
                    CHECK(r.chosen.bufferBytes % kCol == 0);
                    if (s.pattern.globalRows() > 0) {
                        const uint64_t b = r.chosen.globalKeys;
                        CHECK(globalSddmmBytes(d, b, db) <= sram);
                        CHECK(r.globalSddmm.bufferBytes == globalSddmmBytes(d, b, db));
                        const uint64_t ao = r.chosen.globalSpmmRows, bo = r.chosen.globalSpmmKeys,
                                       po = r.chosen.globalSpmmPasses;
                        REQUIRE(ao >= 1);
                        REQUIRE(bo >= 1);
                        REQUIRE(po >= 1);
                        uint64_t need = 0;
                        if (r.chosen.globalSpmm == GlobalSpmmOrder::OutputStationary)
                            need = rU(ao * (d / po) * A) + (1 + db) * rU(bo * (d / po) * 2) +
                                   ring(ao * bo, db) + rU(8 * ao);
                        else
                            need = (1 + db) * rU(bo * d * 2) + rU(d * A) + ring(bo, db) + rU(8);
                        CHECK(r.chosen.globalSpmm != GlobalSpmmOrder::None);
                        CHECK(need <= sram);
                    } else {
                        CHECK(r.chosen.globalSpmm == GlobalSpmmOrder::None);
                        CHECK_FALSE(r.globalSddmm.used);
                    }
                }
    CHECK(planned == int(paperWorkloads().size()) * 16 * 4);
}

TEST_CASE("the prefill tiles are maximal so one more row or key does not fit", "[fw][prefill][io]") {
    for (uint32_t sram = 2048; sram <= 32768; sram += 2048)
        for (uint32_t d : {16u, 64u, 128u, 256u})
            for (bool db : {false, true}) {
                PrefillIoShape s = hbm3Shape();
                s.sramBytes = sram;
                s.headDim = d;
                s.doubleBuffer = db;
                s.pattern = summarizePattern(1 << 14, 1024, 2, 0, 0, false);
                const PrefillIo r = analyzePrefill(s);
                INFO("d=" << d << " sram=" << sram << " db=" << db);
                REQUIRE(r.error == Error::Ok);
                const uint64_t a = r.maxWindowRows, b = r.maxGlobalKeys;
                CHECK(sddmmBytes(d, a, db) <= sram);
                CHECK(sddmmBytes(d, a + 1, db) > sram);
                CHECK(globalSddmmBytes(d, b, db) <= sram);
                CHECK(globalSddmmBytes(d, b + 1, db) > sram);
                CHECK(r.chosen.globalKeys == b);
                CHECK(r.chosen.rows <= a);
                // The chosen pass count is the smallest that fits the chosen a.
                for (uint64_t p = 1; p < r.chosen.spmmPasses; ++p)
                    if (d % p == 0 && (p == 1 || ((d / p) * 2) % kCol == 0))
                        CHECK(tileBytes(d, r.chosen.rows, p, 4, db) > sram);
                // Never above the paper's unaligned optimum (our regions only add to its count).
                CHECK(a <= pilot::fw::prefillPaperWindowRows(sram / 2, d));
                CHECK(b <= pilot::fw::prefillPaperGlobalKeys(sram / 2, d));
            }
    // The paper's workloads with 2 KB: the chosen window tile is the largest that fits.
    for (const Workload& w : paperWorkloads()) {
        const PrefillIo r = analyzePrefill(shapeOf(w, 2048));
        INFO(w.name);
        REQUIRE(r.error == Error::Ok);
        CHECK(r.chosen.rows == r.maxWindowRows);
        CHECK(r.chosen.rows == (w.d == 64 ? 7u : 3u));
        CHECK(r.chosen.spmmPasses == 2u); // an a x d FP32 output tile does not fit next to the V ring
    }
}

TEST_CASE("aware prefill moves fewer bytes than naive for the paper workloads with 2 to 32 KB",
          "[fw][prefill][io]") {
    for (const Workload& w : paperWorkloads())
        for (uint32_t sram = 2048; sram <= 32768; sram += 2048)
            for (uint32_t A : {4u, 2u}) {
                const PrefillIo r = analyzePrefill(shapeOf(w, sram, false, A));
                INFO(w.name << " sram=" << sram << " A=" << A);
                REQUIRE(r.error == Error::Ok);
                CHECK(r.naive.fits);
                CHECK(r.awareGroup.bytes() < r.naiveGroup.bytes());
                CHECK(r.awareBank.bytes() < r.naiveBank.bytes());
                CHECK(r.naiveOverAware() > 1.0);
                // The same useful MACs: every entry once in the SDDMM and once in the SpMM.
                const uint64_t entries = r.awareGroup.macs / (2 * w.d);
                CHECK(r.awareGroup.macs == r.naiveGroup.macs);
                CHECK(entries == shapeOf(w, sram).pattern.nnzTotal());
                // The busiest bank carries at least a quarter of the head and at most all of it.
                CHECK(4 * r.awareBank.bytes() >= r.awareGroup.bytes());
                CHECK(r.awareBank.bytes() <= r.awareGroup.bytes());
                CHECK(r.awareGroup.macsPerByte() > r.naiveGroup.macsPerByte());
            }
}

TEST_CASE("prefill bytes do not grow as the buffer grows", "[fw][prefill][io]") {
    for (const Workload& w : paperWorkloads())
        for (bool db : {false, true}) {
            uint64_t prev = UINT64_MAX, prevNaive = 0;
            uint32_t prevA = 0;
            for (uint32_t sram = 2048; sram <= 32768; sram += 1024) {
                const PrefillIo r = analyzePrefill(shapeOf(w, sram, db));
                INFO(w.name << " sram=" << sram << " db=" << db);
                REQUIRE(r.error == Error::Ok);
                CHECK(r.awareGroup.bytes() <= prev);
                if (prevNaive)
                    CHECK(r.naiveGroup.bytes() == prevNaive); // the baseline does not tile
                CHECK(r.maxWindowRows >= prevA);
                prev = r.awareGroup.bytes();
                prevNaive = r.naiveGroup.bytes();
                prevA = r.maxWindowRows;
            }
        }
}

TEST_CASE("summarizePattern counts the entries of an explicit mask", "[fw][prefill][io]") {
    for (bool causal : {false, true})
        for (uint64_t N : {1u, 7u, 40u, 97u})
            for (uint64_t w : {1u, 2u, 5u, 16u, 200u})
                for (uint64_t g : {0u, 1u, 3u}) {
                    if (g > N)
                        continue;
                    const PrefillPatternSummary p = summarizePattern(N, w, g, 0, 0, causal);
                    uint64_t all = 0;
                    for (uint64_t i = 0; i < N; ++i)
                        all += rowKeys(N, w, g, causal, i).size();
                    INFO("N=" << N << " w=" << w << " g=" << g << " causal=" << causal);
                    CHECK(p.globalRows() == (causal ? 0 : g));
                    CHECK(p.nnzRandom == 0);
                    CHECK(p.nnzTotal() == all);
                    CHECK(p.nnzWindow >= p.nonGlobalRows());
                }
    // Random blocks: r*B keys per non-global row, capped by the keys left outside window and globals.
    const PrefillPatternSummary bb = summarizePattern(4096, 192, 64, 1, 64, false);
    CHECK(bb.nnzRandom == (4096 - 64) * 64);
    // Window: 4032 rows x 192 keys less the clipped corners (rows 64..95 lose 96 - i keys on the
    // left, rows 4001..4095 lose i - 4000 on the right). Global columns outside the window:
    // min(64, i - 96) for i > 96.
    CHECK(bb.nnzWindow == 4032u * 192 - 32 * 33 / 2 - 95 * 96 / 2);
    CHECK(bb.nnzGlobal == 63u * 64 / 2 + (4096 - 160) * 64);
    const PrefillPatternSummary tiny = summarizePattern(10, 3, 0, 5, 4, false); // r*B = 20 > keys left
    CHECK(tiny.nnzRandom == 2 * 8 + 8 * 7); // every key outside the window: 10 - 2 at the ends, 10 - 3 inside
    CHECK(tiny.nnzTotal() == 100);
}

TEST_CASE("aware key loads are the union of the keys each tile's rows need", "[fw][prefill][io]") {
    // No random blocks: a Q tile loads each key its rows need exactly once (band union plus the
    // global keys outside it), in the SDDMM (K) and again in the SpMM (V).
    for (bool causal : {false, true})
        for (uint64_t N : {5u, 33u, 130u})
            for (uint64_t w : {1u, 4u, 9u, 64u, 300u})
                for (uint64_t g : {0u, 1u, 4u})
                    for (uint32_t sram : {2048u, 4096u}) {
                        if (g > N)
                            continue;
                        PrefillIoShape s = hbm3Shape();
                        s.sramBytes = sram;
                        s.headDim = 16;
                        s.pattern = summarizePattern(N, w, g, 0, 0, causal);
                        const PrefillIo r = analyzePrefill(s);
                        INFO("N=" << N << " w=" << w << " g=" << g << " causal=" << causal
                                  << " sram=" << sram);
                        REQUIRE(r.error == Error::Ok);
                        const uint64_t a = r.chosen.rows, R = s.pattern.globalRows(), rows = N - R;
                        uint64_t keys = 0, tiles = 0;
                        for (uint64_t r0 = R; r0 < N; r0 += a, ++tiles) {
                            std::set<uint64_t> u;
                            for (uint64_t i = r0; i < std::min(N, r0 + a); ++i) {
                                const std::set<uint64_t> k = rowKeys(N, w, g, causal, i);
                                u.insert(k.begin(), k.end());
                            }
                            keys += u.size();
                        }
                        const uint64_t E = 2, d = 16, e = s.pattern.nnzNonGlobal();
                        CHECK(r.nonGlobalSddmm.tiles == tiles);
                        CHECK(r.nonGlobalSddmm.group.bankToBuffer == rows * d * E + keys * d * E);
                        CHECK(r.nonGlobalSddmm.group.bufferToBank == e * E);
                        CHECK(r.nonGlobalSpmm.group.bankToBuffer ==
                              keys * d * E + r.chosen.spmmPasses * e * E);
                        CHECK(r.nonGlobalSpmm.group.bufferToBank == rows * d * E);
                        CHECK(r.nonGlobalSddmm.group.macs == e * d);
                        CHECK(r.coveredGlobalEntries + r.batchedGlobalEntries == s.pattern.nnzGlobal);
                        if (R == 0)
                            CHECK(r.softmax.group.bytes() == 0);
                    }
}

TEST_CASE("global rows and random blocks follow the header formulas", "[fw][prefill][io]") {
    // BigBird-like: N 4096, d 64, w 192, g 64, one random block of 64 per block-row, 2 KB.
    const Workload w{"BigBird", 4096, 64, 192, 64, 1, 64, false};
    const PrefillIoShape s = shapeOf(w, 2048);
    const PrefillIo r = analyzePrefill(s);
    REQUIRE(r.error == Error::Ok);
    const uint64_t d = 64, E = 2, N = 4096, R = 64, rows = N - R, a = 7, b = 14, L = N / 4;
    CHECK(r.chosen.rows == a);
    // Non-global: band union, global keys outside it, the random keys of each block-row spanned.
    const uint64_t lo = 96, hi = 95, perBlockRow = cdiv(s.pattern.nnzRandom, rows);
    CHECK(perBlockRow == 64);
    uint64_t keys = 0;
    for (uint64_t r0 = R; r0 < N; r0 += a) {
        const uint64_t r1 = std::min(N, r0 + a);
        const uint64_t uLo = r0 > lo ? r0 - lo : 0, uHi = std::min(N, r1 + hi);
        const uint64_t spans = (r1 - 1) / 64 - r0 / 64 + 1;
        keys += (uHi - uLo) + std::min<uint64_t>(64, uLo) + spans * perBlockRow;
    }
    CHECK(r.nonGlobalSddmm.group.bankToBuffer == rows * d * E + keys * d * E);
    // Global SDDMM, K-stationary with a = 1, b = 14, every bank 1024 keys.
    const uint64_t T = cdiv(L, b);
    CHECK(r.globalSddmm.group.bankToBuffer == 4 * (L * d * E + T * R * d * E));
    CHECK(r.globalSddmm.group.bufferToBank == R * N * E);
    CHECK(r.globalSddmm.bank.bankToBuffer == L * d * E + T * R * d * E);
    CHECK(r.globalSddmm.paperRho == Approx(double(b) * R / (R + b)));
    // The chosen global SpMM is the cheaper order (with its statistics reads).
    const auto& os = r.globalSpmmOutputStationary;
    const auto& vs = r.globalSpmmValueStationary;
    REQUIRE(os.fits);
    REQUIRE(vs.fits);
    CHECK(os.group.bankToBuffer == cdiv(R, os.tileRows) * N * d * E + os.passes * R * N * E);
    CHECK(os.group.bufferToBank == R * d * E); // bank 0 writes the merged outputs once
    const uint64_t Tv = cdiv(L, vs.tileKeys);
    CHECK(vs.group.bankToBuffer == N * d * E + R * N * E + 4 * (Tv - 1) * R * d * 4);
    CHECK(vs.group.bufferToBank == 4 * (Tv - 1) * R * d * 4 + R * d * E);
    const uint64_t osCost = os.group.bytes() + 4 * R * 8, vsCost = vs.group.bytes() + 4 * Tv * R * 8;
    CHECK(r.chosen.globalSpmm ==
          (osCost <= vsCost ? GlobalSpmmOrder::OutputStationary : GlobalSpmmOrder::ValueStationary));
    // Softmax: only the global rows' statistics move (round trips between K tiles, SpMM reads).
    const uint64_t stats =
        4 * ((T - 1) * R * 8 + T * R * 8) +
        (r.chosen.globalSpmm == GlobalSpmmOrder::OutputStationary ? 4 * R * 8 : 4 * Tv * R * 8);
    CHECK(r.softmax.group.bytes() == stats);
    // Totals are the sum of the chosen schedules.
    const auto& gsp = r.chosen.globalSpmm == GlobalSpmmOrder::OutputStationary ? os : vs;
    CHECK(r.awareGroup.bytes() == r.nonGlobalSddmm.group.bytes() + r.nonGlobalSpmm.group.bytes() +
                                      r.softmax.group.bytes() + r.globalSddmm.group.bytes() +
                                      gsp.group.bytes());
    // Naive: per entry q, k, score; score, v, accumulator round trip; per row the output.
    const uint64_t e = s.pattern.nnzNonGlobal(), eg = R * N;
    const uint64_t naiveIn = (e + eg) * (3 * d * E + E) + (e - rows) * d * 4 + (eg - 4 * R) * d * 4;
    const uint64_t naiveOut = (e + eg) * (E + d * 4) + rows * d * E + R * d * E;
    CHECK(r.naiveGroup.bankToBuffer == naiveIn);
    CHECK(r.naiveGroup.bufferToBank == naiveOut);
}

TEST_CASE("prefill edge cases without globals or with a window wider than the sequence",
          "[fw][prefill][io]") {
    SECTION("no global tokens") {
        PrefillIoShape s = hbm3Shape();
        s.pattern = summarizePattern(4096, 512, 0, 0, 0, false);
        const PrefillIo r = analyzePrefill(s);
        REQUIRE(r.error == Error::Ok);
        CHECK(s.pattern.nnzGlobal == 0);
        CHECK_FALSE(r.globalSddmm.used);
        CHECK_FALSE(r.globalSpmmOutputStationary.used);
        CHECK(r.chosen.globalSpmm == GlobalSpmmOrder::None);
        CHECK(r.chosen.globalKeys == 0);
        CHECK(r.softmax.group.bytes() == 0); // the statistics never leave the buffer
        CHECK(r.batchedGlobalEntries == 0);
        CHECK(r.awareGroup.bytes() == r.nonGlobalSddmm.group.bytes() + r.nonGlobalSpmm.group.bytes());
    }
    SECTION("window wider than the sequence") {
        for (bool causal : {false, true}) {
            PrefillIoShape s = hbm3Shape();
            s.pattern = summarizePattern(100, 1000, 0, 0, 0, causal);
            const PrefillIo r = analyzePrefill(s);
            REQUIRE(r.error == Error::Ok);
            const uint64_t N = 100, a = r.chosen.rows, d = 64, E = 2;
            CHECK(s.pattern.nnzWindow == (causal ? N * (N + 1) / 2 : N * N));
            uint64_t keys = 0;
            for (uint64_t r0 = 0; r0 < N; r0 += a)
                keys += causal ? std::min(N, r0 + a) : N;
            CHECK(r.nonGlobalSddmm.group.bankToBuffer == N * d * E + keys * d * E);
            CHECK(r.awareGroup.bytes() < r.naiveGroup.bytes());
        }
    }
    SECTION("sequence not a multiple of the tile") {
        PrefillIoShape s = hbm3Shape();
        s.pattern = summarizePattern(4099, 512, 1, 0, 0, false); // 4098 non-global rows, a = 7
        const PrefillIo r = analyzePrefill(s);
        REQUIRE(r.error == Error::Ok);
        CHECK(r.chosen.rows == 7);
        CHECK(r.nonGlobalSddmm.tiles == cdiv(4098, 7));
        CHECK(r.nonGlobalSpmm.group.bufferToBank == 4098u * 64 * 2); // every row's output once
        CHECK(r.globalSddmm.bank.bankToBuffer >= r.globalSddmm.group.bankToBuffer / 4);
    }
    SECTION("only global rows and a single token") {
        PrefillIoShape s = hbm3Shape();
        s.pattern = summarizePattern(8, 2, 8, 0, 0, false); // every row global
        PrefillIo r = analyzePrefill(s);
        REQUIRE(r.error == Error::Ok);
        CHECK_FALSE(r.nonGlobalSddmm.used);
        CHECK(r.globalSddmm.used);
        CHECK(r.awareGroup.macs == 2u * 8 * 8 * 64);
        s.pattern = summarizePattern(1, 1, 0, 0, 0, true);
        r = analyzePrefill(s);
        REQUIRE(r.error == Error::Ok);
        CHECK(r.chosen.rows == 1);
        CHECK(r.awareGroup.macs == 2u * 64);
    }
}

TEST_CASE("prefill analysis reports Shape when d is too big for the buffer and Sparse for bad patterns",
          "[fw][prefill][io]") {
    PrefillIoShape s = hbm3Shape();
    s.headDim = 512; // one Q row and one K row are the whole 2 KB buffer
    s.pattern = summarizePattern(4096, 512, 1, 0, 0, false);
    PrefillIo r = analyzePrefill(s);
    CHECK(r.error == Error::Shape);
    CHECK(r.why.find("512") != std::string::npos);
    CHECK(r.why.find("2048") != std::string::npos);
    CHECK(r.chosen.rows == 0);
    CHECK(r.awareGroup.bytes() == 0);
    s.headDim = 496; // still fits: 2 x 992 B + a score column + the statistics = 2048 B
    CHECK(analyzePrefill(s).error == Error::Ok);
    s.sramBytes = 32768;
    s.headDim = 512; // fits a larger buffer
    CHECK(analyzePrefill(s).error == Error::Ok);
    s.sramBytes = 2048;
    s.headDim = 100; // not whole columns
    CHECK(analyzePrefill(s).error == Error::Shape);
    s.headDim = 64;
    s.pattern = summarizePattern(4096, 0, 1, 0, 0, false);
    CHECK(analyzePrefill(s).error == Error::Sparse);
    s.pattern = summarizePattern(0, 8, 0, 0, 0, false);
    CHECK(analyzePrefill(s).error == Error::Sparse);
    s.pattern = summarizePattern(64, 8, 0, 0, 0, false);
    s.pattern.globalTokens = 65;
    CHECK(analyzePrefill(s).error == Error::Sparse);
    s.pattern = summarizePattern(64, 8, 0, 0, 0, false);
    s.pattern.randomBlocks = 1; // random blocks without a block size
    CHECK(analyzePrefill(s).error == Error::Sparse);
}
