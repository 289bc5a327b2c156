// SPDX-License-Identifier: MIT
#include "firmware/pim/decode_planner.h"

#include <algorithm>
#include <string>

namespace pilot::fw {
namespace {

uint64_t alignUp(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

struct Sizes { // payload bytes of each region
    uint64_t q, out, state, scores, tile;
};

Sizes regionBytes(uint64_t d, uint64_t g, uint64_t b) {
    return Sizes{g * d * 2, g * d * 4, g * 8, g * b * 4, b * d * 2};
}

DecodePlan fail(std::string why) {
    DecodePlan p;
    p.error = contract::Error::Shape;
    p.why = std::move(why);
    return p;
}

std::string describe(const DecodeShape& s) {
    return "d=" + std::to_string(s.headDim) + ", G=" + std::to_string(s.queries) + ", buffer " +
           std::to_string(s.sramBytes) + " B (" + std::to_string(s.sramBytes / 2) + " elements), " +
           std::to_string(s.columnBytes) + " B columns";
}

} // namespace

uint64_t decodeBufferBytes(uint32_t headDim, uint32_t queries, uint32_t tileKeys, uint32_t columnBytes,
                           uint32_t tileBuffers) {
    const uint64_t col = columnBytes ? columnBytes : 1;
    const Sizes z = regionBytes(headDim, queries, tileKeys);
    return alignUp(z.q, col) + alignUp(z.out, col) + alignUp(z.state, col) + alignUp(z.scores, col) +
           tileBuffers * alignUp(z.tile, col);
}

uint32_t paperGlobalRowTile(uint32_t M, uint32_t d) {
    return M < d ? 0 : (M - d) / (d + 1);
}

uint32_t paperWindowTile(uint32_t M, uint32_t d) {
    return M / (2 * d + 1);
}

DecodePlan planDecode(const DecodeShape& s) {
    if (s.headDim == 0 || s.headDim % 16 != 0)
        return fail("head dimension " + std::to_string(s.headDim) + " is not a positive multiple of 16");
    if (s.queries == 0)
        return fail("GQA group of 0 query heads");
    if (s.columnBytes == 0)
        return fail("column size of 0 bytes");

    const uint64_t d = s.headDim, g = s.queries, L = s.keysPerBank;
    const uint64_t M = s.sramBytes / 2;            // elements
    const uint64_t fixedElems = 3 * g * d + 4 * g; // q + out (FP32) + state (FP32 max, sum)

    const uint32_t tiles = (!s.naive && s.doubleBuffer) ? 2 : 1;
    uint64_t b = 0;
    if (s.naive) {
        b = 1;
    } else {
        // Unaligned bound: G*d + 2*G*d + 4*G + 2*G*b + b*d <= M.
        b = M > fixedElems ? (M - fixedElems) / (tiles * d + 2 * g) : 0;
        b = std::min<uint64_t>(b, std::max<uint64_t>(L, 1));
        // Column alignment only adds padding: step down until the rounded-up regions fit.
        while (b > 0 && decodeBufferBytes(s.headDim, s.queries, static_cast<uint32_t>(b), s.columnBytes,
                                          tiles) > s.sramBytes)
            --b;
    }
    if (b == 0 || decodeBufferBytes(s.headDim, s.queries, static_cast<uint32_t>(b), s.columnBytes, tiles) >
                      s.sramBytes) {
        const Sizes z = regionBytes(d, g, 1);
        return fail(std::string(s.naive ? "naive" : "I/O-aware") + " decode does not fit the SRAM buffer (" +
                    describe(s) + "): q " + std::to_string(z.q) + " B + FP32 accumulators " +
                    std::to_string(z.out) + " B + softmax state " + std::to_string(z.state) + " B + scores " +
                    std::to_string(z.scores) + " B + one key " + std::to_string(z.tile) +
                    " B = " + std::to_string(decodeBufferBytes(s.headDim, s.queries, 1, s.columnBytes)) +
                    " B column-aligned, more than the buffer");
    }

    DecodePlan p;
    p.tileKeys = static_cast<uint32_t>(b);
    p.tiles = static_cast<uint32_t>((L + b - 1) / b);

    const Sizes z = regionBytes(d, g, b);
    const uint64_t col = s.columnBytes;
    uint64_t at = 0;
    auto place = [&](SramRegion& r, uint64_t bytes) {
        r.offset = static_cast<uint32_t>(at);
        r.bytes = static_cast<uint32_t>(bytes);
        at += alignUp(bytes, col);
    };
    // Order chosen so each PE op's operands are one contiguous range (the controller holds a
    // move back only while the running op uses its bytes): MacScores uses q..scores, Exp
    // scores..state, MacPV scores..tile2.
    place(p.q, z.q);
    place(p.tile, z.tile);
    place(p.scores, z.scores);
    place(p.out, z.out);
    place(p.state, z.state);
    if (tiles == 2)
        place(p.tile2, z.tile);
    else
        p.tile2 = p.tile;

    const uint64_t qBytes = g * d * 2, kvKeyBytes = d * 2, accBytes = g * d * 4, outBytes = g * d * 2;
    if (s.naive) {
        // The first key finds the accumulators cleared by PLT_CFG: L - 1 reads of them.
        p.bankToSramBytes = L * (qBytes + 2 * kvKeyBytes) + (L > 0 ? L - 1 : 0) * accBytes;
        p.sramToBankBytes = L * accBytes + outBytes;
    } else {
        p.bankToSramBytes = (L > 0 ? qBytes : 0) + 2 * L * kvKeyBytes;
        p.sramToBankBytes = outBytes;
    }
    p.macs = g * L * d * 2;
    return p;
}

DecodePlan planDecodeInPasses(const DecodeShape& s, uint32_t& queriesPerPass) {
    DecodePlan p;
    for (uint32_t g = s.queries; g >= 1; --g) {
        if (s.queries % g)
            continue;
        DecodeShape one = s;
        one.queries = g;
        p = planDecode(one);
        queriesPerPass = g;
        if (p.error == contract::Error::Ok)
            return p;
    }
    return p;
}

} // namespace pilot::fw
