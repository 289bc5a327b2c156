// SPDX-License-Identifier: MIT
// The decode I/O planner (firmware/pim/decode_planner.h): the paper's tile formulas, the SRAM
// layout of a plan (fits, disjoint, column-aligned), the tile size (largest that fits), and the
// predicted internal I/O of both schedules. Expected values are written from the formulas in
// the header comment and docs/io-analysis.md, with an independent fit test here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "firmware/pim/decode_planner.h"

using pilot::contract::Error;
using pilot::fw::DecodePlan;
using pilot::fw::DecodeShape;
using pilot::fw::planDecode;
using pilot::fw::SramRegion;

namespace {

constexpr uint32_t kCol = 32;

uint64_t roundCol(uint64_t v) {
    return (v + kCol - 1) / kCol * kCol;
}

// Independent fit test: q (G*d FP16), out (G*d FP32), state (2 FP32 per query), scores (G*b FP32),
// tile (b*d FP16), each rounded up to a 32-byte column.
bool fits(uint32_t sramBytes, uint64_t d, uint64_t g, uint64_t b) {
    const uint64_t total = roundCol(g * d * 2) + roundCol(g * d * 4) + roundCol(g * 8) + roundCol(g * b * 4) +
                           roundCol(b * d * 2);
    return total <= sramBytes;
}

DecodeShape shape(uint32_t keys, uint32_t d, uint32_t g, uint32_t sram, bool naive = false) {
    return DecodeShape{keys, d, g, sram, kCol, naive};
}

std::vector<DecodeShape> sweep() {
    std::vector<DecodeShape> v;
    for (uint32_t sram = 2048; sram <= 32768; sram += 2048)
        for (uint32_t d : {16u, 64u, 128u, 256u})
            for (uint32_t g : {1u, 2u, 4u, 8u})
                for (uint32_t keys : {0u, 1u, 2u, 7u, 100u, 1024u, 4097u})
                    for (bool naive : {false, true})
                        v.push_back(shape(keys, d, g, sram, naive));
    return v;
}

} // namespace

TEST_CASE("paper tile formulas reproduce the paper's 2 KB examples", "[fw][planner]") {
    // 2 KB buffer = 1024 FP16 elements.
    CHECK(pilot::fw::paperGlobalRowTile(1024, 64) == 14); // global rows / decode: (M - d) / (d + 1)
    CHECK(pilot::fw::paperWindowTile(1024, 64) == 7);     // window: M / (2d + 1)
    CHECK(pilot::fw::paperGlobalRowTile(1024, 128) == 6);
    CHECK(pilot::fw::paperWindowTile(1024, 128) == 3);
    // The formulas are the largest b with d + b*d + b <= M and 2*b*d + b <= M.
    for (uint32_t M : {1024u, 2048u, 4096u, 16384u})
        for (uint32_t d : {64u, 128u, 256u}) {
            const uint32_t bg = pilot::fw::paperGlobalRowTile(M, d), bw = pilot::fw::paperWindowTile(M, d);
            CHECK(d + bg * d + bg <= M);
            CHECK(d + (bg + 1) * d + (bg + 1) > M);
            CHECK(2 * bw * d + bw <= M);
            CHECK(2 * (bw + 1) * d + (bw + 1) > M);
        }
    CHECK(pilot::fw::paperGlobalRowTile(32, 64) == 0); // smaller than one query: nothing fits
}

TEST_CASE("every plan's regions fit in the buffer, are disjoint, column-aligned and sized by the formulas",
          "[fw][planner]") {
    int planned = 0;
    for (const DecodeShape& s : sweep()) {
        const DecodePlan p = planDecode(s);
        if (p.error != Error::Ok)
            continue;
        ++planned;
        INFO("keys=" << s.keysPerBank << " d=" << s.headDim << " G=" << s.queries << " sram=" << s.sramBytes
                     << " naive=" << s.naive << " b=" << p.tileKeys);
        const uint64_t d = s.headDim, g = s.queries, b = p.tileKeys;
        CHECK(p.q.bytes == g * d * 2);
        CHECK(p.out.bytes == g * d * 4);
        CHECK(p.state.bytes == g * 8);
        CHECK(p.scores.bytes == g * b * 4);
        CHECK(p.tile.bytes == b * d * 2);
        std::array<SramRegion, 5> r{p.q, p.out, p.state, p.scores, p.tile};
        for (const SramRegion& x : r) {
            CHECK(x.offset % kCol == 0);
            CHECK(x.bytes > 0);
            CHECK(uint64_t(x.offset) + x.bytes <= s.sramBytes);
        }
        std::sort(r.begin(), r.end(),
                  [](const SramRegion& a, const SramRegion& c) { return a.offset < c.offset; });
        for (size_t i = 0; i + 1 < r.size(); ++i)
            CHECK(uint64_t(r[i].offset) + r[i].bytes <= r[i + 1].offset);
    }
    CHECK(planned > 100);
}

TEST_CASE("the aware tile is the largest that fits after column alignment, capped at the bank's keys",
          "[fw][planner]") {
    for (uint32_t sram = 2048; sram <= 32768; sram += 2048)
        for (uint32_t d : {16u, 64u, 128u, 256u})
            for (uint32_t g : {1u, 2u, 4u, 8u}) {
                INFO("d=" << d << " G=" << g << " sram=" << sram);
                const DecodePlan p = planDecode(shape(1u << 20, d, g, sram));
                if (!fits(sram, d, g, 1)) {
                    CHECK(p.error == Error::Shape);
                    continue;
                }
                REQUIRE(p.error == Error::Ok);
                CHECK(p.tileKeys >= 1);
                CHECK(fits(sram, d, g, p.tileKeys));
                CHECK_FALSE(fits(sram, d, g, p.tileKeys + 1)); // b + 1 would not fit
                // Never above the unaligned bound floor((M - 3Gd - 4G) / (d + 2G)).
                const uint64_t M = sram / 2;
                CHECK(p.tileKeys <= (M - 3ull * g * d - 4ull * g) / (d + 2ull * g));
                CHECK(p.tiles == ((1u << 20) + p.tileKeys - 1) / p.tileKeys);
                // Fewer keys than the tile holds: one tile of exactly those keys.
                if (p.tileKeys > 3) {
                    const DecodePlan small = planDecode(shape(3, d, g, sram));
                    CHECK(small.tileKeys == 3);
                    CHECK(small.tiles == 1);
                }
            }
}

TEST_CASE("aware bytes are exactly q once, K and V once each, and the outputs once", "[fw][planner]") {
    for (const DecodeShape& s : sweep()) {
        if (s.naive)
            continue;
        const DecodePlan p = planDecode(s);
        if (p.error != Error::Ok)
            continue;
        INFO("keys=" << s.keysPerBank << " d=" << s.headDim << " G=" << s.queries << " sram=" << s.sramBytes);
        const uint64_t d = s.headDim, g = s.queries, L = s.keysPerBank;
        const uint64_t q = L ? g * d * 2 : 0, k = L * d * 2, v = L * d * 2, out = g * d * 2;
        CHECK(p.bankToSramBytes == q + k + v);
        CHECK(p.sramToBankBytes == out);
        CHECK(p.macs == g * L * d * 2);
        CHECK(p.tiles == (L + p.tileKeys - 1) / p.tileKeys);
    }
}

TEST_CASE(
    "naive moves one key per step, re-reads q and round-trips the accumulators, so it moves more for L >= 2",
    "[fw][planner]") {
    for (const DecodeShape& s : sweep()) {
        if (!s.naive)
            continue;
        const DecodePlan p = planDecode(s);
        if (p.error != Error::Ok)
            continue;
        INFO("keys=" << s.keysPerBank << " d=" << s.headDim << " G=" << s.queries << " sram=" << s.sramBytes);
        const uint64_t d = s.headDim, g = s.queries, L = s.keysPerBank;
        CHECK(p.tileKeys == 1);
        CHECK(p.tiles == L);
        CHECK(p.bankToSramBytes == L * (g * d * 2 + 2 * d * 2) + (L > 0 ? L - 1 : 0) * g * d * 4);
        CHECK(p.sramToBankBytes == L * g * d * 4 + g * d * 2);
        CHECK(p.macs == g * L * d * 2);
        DecodeShape a = s;
        a.naive = false;
        const DecodePlan aware = planDecode(a);
        REQUIRE(aware.error == Error::Ok); // the naive layout fitting implies the aware one fits (b >= 1)
        CHECK(aware.macs == p.macs);
        if (L >= 2)
            CHECK(p.bankToSramBytes + p.sramToBankBytes > aware.bankToSramBytes + aware.sramToBankBytes);
    }
}

TEST_CASE("a 2 KB buffer with d = 256 and G = 8 is a Shape error with a reason", "[fw][planner]") {
    for (bool naive : {false, true}) {
        const DecodePlan p = planDecode(shape(1024, 256, 8, 2048, naive));
        CHECK(p.error == Error::Shape);
        CHECK(p.why.find("256") != std::string::npos);
        CHECK(p.why.find("2048") != std::string::npos);
        CHECK(p.tileKeys == 0);
        CHECK(p.bankToSramBytes == 0);
    }
    CHECK(planDecode(shape(1024, 100, 1, 2048)).error == Error::Shape); // d not a multiple of 16
    CHECK(planDecode(shape(1024, 64, 0, 2048)).error == Error::Shape);  // no queries
}

TEST_CASE("buffers of 2 to 32 KB all plan for d in {64, 128} with one query head", "[fw][planner]") {
    for (uint32_t sram = 2048; sram <= 32768; sram += 2048)
        for (uint32_t d : {64u, 128u})
            for (bool naive : {false, true}) {
                INFO("d=" << d << " sram=" << sram << " naive=" << naive);
                const DecodePlan p = planDecode(shape(4096, d, 1, sram, naive));
                CHECK(p.error == Error::Ok);
                CHECK(p.tileKeys >= 1);
            }
    // The paper's 2 KB decode examples, with our layout (G = 1): below the paper's b because
    // the FP32 accumulators and state share the buffer.
    CHECK(planDecode(shape(4096, 64, 1, 2048)).tileKeys == 12);
    CHECK(planDecode(shape(4096, 128, 1, 2048)).tileKeys == 4);
    // Bigger buffers never give smaller tiles.
    for (uint32_t d : {64u, 128u}) {
        uint32_t prev = 0;
        for (uint32_t sram = 2048; sram <= 32768; sram += 2048) {
            const uint32_t b = planDecode(shape(1u << 20, d, 1, sram)).tileKeys;
            CHECK(b >= prev);
            prev = b;
        }
    }
}
