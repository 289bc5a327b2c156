// SPDX-License-Identifier: MIT
// The prefill kernel's plan (firmware/pim/prefill_kernel.h) and the PE mask unit
// (models/pim/prefill_mask.h): the rounds cover every non-global row once; the batches never
// cross a DRAM row; the batches of a row's round, masked by the PE rule, give exactly the
// keys the pattern generator (firmware/host/sparse_pattern.h) attends, each once; the tiling
// fits the buffer; aware < naive; errors for patterns and buffers that cannot run.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <vector>

#include "firmware/host/sparse_pattern.h"
#include "firmware/pim/prefill_kernel.h"
#include "models/pim/prefill_mask.h"

using namespace pilot;
using contract::Error;
using fw::PrefillKernelShape;

namespace {

// PILOT's 2 KB buffer on HBM3 (1 KB rows, 32-byte columns, 4 banks per group), stated here
// rather than taken from defaults in the code under test.
PrefillKernelShape hbm3Shape() {
    PrefillKernelShape s;
    s.sramBytes = 2048;
    s.rowBytes = 1024;
    s.columnBytes = 32;
    s.banksPerGroup = 4;
    return s;
}

PrefillKernelShape shapeOf(const host::HybridPattern& p, uint32_t d, uint32_t g, uint32_t r, uint32_t B) {
    PrefillKernelShape s = hbm3Shape();
    s.seqLen = p.n;
    s.headDim = d;
    s.window = p.window;
    s.globalTokens = g;
    s.randomBlocks = r;
    s.blockSize = r ? B : 0;
    s.causal = p.causal;
    return s;
}

// Every (row, key) pair the kernel's batches compute as valid, with multiplicity.
std::map<std::pair<uint32_t, uint32_t>, int> kernelPairs(const fw::PrefillKernelPlan& plan,
                                                         const std::vector<uint32_t>& table) {
    const auto& s = plan.shape;
    const pim::PrefillMaskMode mode{s.seqLen, s.window, s.globalTokens, s.causal};
    std::map<std::pair<uint32_t, uint32_t>, int> pairs;
    for (const fw::PrefillRound& r : fw::prefillRounds(plan)) {
        const auto batches = fw::prefillBatches(
            plan, r, table.empty() ? nullptr : table.data() + size_t(r.blockRow) * s.randomBlocks);
        uint64_t scoreBytes = 0; // the round's scores must fit the scratch rows the layout has
        for (const fw::PrefillBatch& b : batches)
            scoreBytes += (uint64_t(plan.a) * b.keys * 2 + 31) / 32 * 32;
        REQUIRE(scoreBytes <= plan.scratchBytes);
        for (const fw::PrefillBatch& b : batches) {
            REQUIRE(b.keys >= 1);
            REQUIRE(b.keys <= plan.b);
            REQUIRE(b.slot / plan.P == (b.slot + b.keys - 1) / plan.P); // one DRAM row: one activation
            contract::MicroOp op;
            op.mask = b.mask;
            op.rowBase = r.rowBegin;
            op.rowStride = uint16_t(plan.a);
            op.rowEnd = r.rowEnd;
            op.keyBase = b.keyBase;
            op.keyStride = b.keyStride;
            op.keyLimit = b.keyLimit;
            for (uint32_t bank = 0; bank < s.banksPerGroup; ++bank)
                for (uint32_t g = 0; g < plan.a; ++g)
                    for (uint32_t j = 0; j < b.keys; ++j)
                        if (pim::prefillPairValid(mode, op, bank, g, j)) {
                            const uint32_t row = r.rowBegin + bank * plan.a + g;
                            const uint32_t key =
                                uint32_t(int64_t(b.keyBase) + int64_t(bank) * b.keyStride + j);
                            ++pairs[{row, key}];
                        }
        }
    }
    return pairs;
}

void checkCovers(const host::HybridPattern& p, uint32_t d, uint32_t g, uint32_t r, uint32_t B,
                 uint32_t sram) {
    PrefillKernelShape s = shapeOf(p, d, g, r, B);
    s.sramBytes = sram;
    const fw::PrefillKernelPlan plan = fw::planPrefillKernel(s);
    REQUIRE(plan.error == Error::Ok);
    REQUIRE(plan.bufferBytes <= sram);
    std::vector<uint32_t> table(size_t(plan.blockRows) * r, fw::kNoRandomBlock);
    for (uint32_t br = 0; br < plan.blockRows && br < p.randomBlocks.size(); ++br)
        for (uint32_t k = 0; k < r && k < p.randomBlocks[br].size(); ++k)
            table[size_t(br) * r + k] = p.randomBlocks[br][k];
    const auto pairs = kernelPairs(plan, table);
    // Rows covered once each: every non-global row of the rounds.
    std::set<uint32_t> rows;
    for (const fw::PrefillRound& rd : fw::prefillRounds(plan))
        for (uint32_t bank = 0; bank < s.banksPerGroup; ++bank)
            for (uint32_t k = 0; k < plan.a; ++k) {
                const uint32_t row = rd.rowBegin + bank * plan.a + k;
                if (row < rd.rowEnd)
                    REQUIRE(rows.insert(row).second);
            }
    REQUIRE(rows.size() == p.n - plan.globalRows);
    size_t expected = 0;
    for (uint32_t i = plan.globalRows; i < p.n; ++i) {
        for (uint32_t key : p.rowKeys(i)) {
            INFO("row " << i << " key " << key);
            auto it = pairs.find({i, key});
            REQUIRE(it != pairs.end());
            REQUIRE(it->second == 1);
            ++expected;
        }
    }
    REQUIRE(pairs.size() == expected); // and nothing the pattern does not attend
}

} // namespace

TEST_CASE("prefill kernel: the masked batches cover exactly the pattern's keys once", "[prefill_kernel]") {
    SECTION("BigBird, non-causal and causal, N not a multiple of the block") {
        checkCovers(host::HybridPattern::bigbird(203, 24, 8, 2, 8, 7, false), 64, 8, 2, 8, 2048);
        checkCovers(host::HybridPattern::bigbird(203, 24, 8, 2, 8, 7, true), 64, 8, 2, 8, 2048);
        checkCovers(host::HybridPattern::bigbird(300, 48, 16, 1, 16, 3, false), 128, 16, 1, 16, 4096);
        // 5 global tokens: the random blocks' aux slots start off a DRAM-row boundary
        checkCovers(host::HybridPattern::bigbird(203, 24, 5, 2, 8, 7, false), 64, 5, 2, 8, 2048);
    }
    SECTION("Longformer: window wider than N, no globals, globals only (window 0)") {
        std::vector<uint32_t> g5 = {0, 1, 2, 3, 4}, none, g7 = {0, 1, 2, 3, 4, 5, 6};
        checkCovers(host::HybridPattern::longformer(150, 33, g5, false), 64, 5, 0, 0, 2048);
        checkCovers(host::HybridPattern::longformer(150, 33, g5, true), 64, 5, 0, 0, 2048);
        checkCovers(host::HybridPattern::longformer(90, 1000, none, false), 64, 0, 0, 0, 2048);
        checkCovers(host::HybridPattern::longformer(99, 0, g7, false), 32, 7, 0, 0, 2048);
    }
    SECTION("streaming heads, larger buffers") {
        checkCovers(host::HybridPattern::streaming(257, 4, 40), 128, 4, 0, 0, 2048);
        checkCovers(host::HybridPattern::streaming(257, 4, 40), 64, 4, 0, 0, 16384);
    }
}

TEST_CASE("prefill kernel: tiling, prediction and layout", "[prefill_kernel]") {
    PrefillKernelShape s = hbm3Shape();
    s.seqLen = 4096;
    s.headDim = 64;
    s.window = 192;
    s.globalTokens = 64;
    s.randomBlocks = 1;
    s.blockSize = 64;
    const fw::PrefillKernelPlan aware = fw::planPrefillKernel(s);
    REQUIRE(aware.error == Error::Ok);
    CHECK(aware.P == 4); // 1 KB rows, 256 B of K and V per slot
    CHECK(aware.globalRows == 64);
    CHECK(aware.bufferBytes <= 2048);
    CHECK(aware.a * 4 <= 64); // rounds stay inside one 64-row block-row
    s.naive = true;
    const fw::PrefillKernelPlan naive = fw::planPrefillKernel(s);
    REQUIRE(naive.error == Error::Ok);
    CHECK(naive.a == 1);
    CHECK(naive.nonGlobal.bytes() > 5 * aware.nonGlobal.bytes());
    CHECK(naive.nonGlobal.macs <=
          aware.nonGlobal.macs * 11 / 10); // the same work, up to the masked rectangles
    s.naive = false;
    s.sramBytes = 8192;
    const fw::PrefillKernelPlan big = fw::planPrefillKernel(s);
    REQUIRE(big.error == Error::Ok);
    CHECK(big.a > aware.a);
    CHECK(big.nonGlobal.bytes() < aware.nonGlobal.bytes());
    // The layout holds the band copy (N + 3a slots), the aux copy (g + blocks x r x B slots).
    CHECK(aware.bandSlots == 4096 + 3 * aware.a);
    CHECK(aware.auxSlots == 64 + 64 * 64);
}

TEST_CASE("prefill kernel: errors for patterns and buffers that cannot run", "[prefill_kernel]") {
    PrefillKernelShape s = hbm3Shape();
    s.seqLen = 512;
    s.headDim = 64;
    s.window = 64;
    CHECK(fw::planPrefillKernel(s).error == Error::Ok);
    auto with = [&](auto change) {
        PrefillKernelShape t = s;
        change(t);
        return fw::planPrefillKernel(t);
    };
    CHECK(with([](PrefillKernelShape& t) { t.seqLen = 0; }).error == Error::EmptyContext);
    CHECK(with([](PrefillKernelShape& t) { t.window = 0; }).error == Error::Sparse);
    CHECK(with([](PrefillKernelShape& t) { t.globalTokens = 513; }).error == Error::Sparse);
    CHECK(with([](PrefillKernelShape& t) { t.randomBlocks = 1; }).error == Error::Sparse);
    CHECK(with([](PrefillKernelShape& t) { t.headDim = 40; }).error == Error::Shape);
    const auto tiny = with([](PrefillKernelShape& t) {
        t.headDim = 128;
        t.sramBytes = 256;
    });
    CHECK(tiny.error == Error::Shape);
    CHECK(tiny.why.find("do not fit") != std::string::npos);
    CHECK(with([](PrefillKernelShape& t) { t.tileRows = 100; }).error == Error::Shape);
    CHECK(with([](PrefillKernelShape& t) { t.tileRows = 3; }).a == 3);
}
