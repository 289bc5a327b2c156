// SPDX-License-Identifier: MIT
#pragma once
// The I/O analysis of decode attention for one bank PE (BPM): how many keys a tile holds, where
// each operand lives in the PE's SRAM buffer, and how many bytes move between the bank and the
// buffer. Shared by the firmware (which follows the plan) and the tools (which predict I/O).
// Plain C++17, no SystemC, no model headers. The derivation is in docs/io-analysis.md.
//
// Units. SRAM "elements" are 2-byte FP16 slots: M = sramBytes / 2. An FP32 value takes two
// elements. Byte counts are payload bytes; with d a multiple of 16 and 32-byte columns every
// move below is a whole number of columns.
//
// Mapping (pilot-design.md, "Data mapping"): decode is a global row with R = 1. One bank group
// serves one KV head and its G query heads; q (G x d) is copied to every bank of the group; the
// group's keys (K and V rows) are split across its banks, this bank holding keysPerBank of them.
//
// I/O-aware schedule (the default; PILOT's), per bank, online softmax, K and V streamed once:
//   load q once                                          G*d*2 bytes   bank -> buffer
//   for each tile of b keys (tiles = ceil(keysPerBank / b)):
//     load the K tile into `tile`                        b'*d*2        bank -> buffer
//     scores[g][j] = q_g . k_j  (G*b' scores, FP32)
//     exponentiate with the running max/sum update per query (state), rescaling `out`
//     load the V tile into the same `tile` region        b'*d*2        bank -> buffer
//     out_g += sum_j p_gj v_j   (FP32 accumulators)
//   (b' = b, except the last tile, which holds the remaining keys.)
//   The BGPM merges the banks' partial (max, sum, out) without DRAM traffic, and bank 0 of the
//   group writes the final G x d FP16 outputs:                G*d*2        buffer -> bank
//   sramToBankBytes reports that final write for this bank as if it were the writer (every
//   bank of a group has the same plan, so the figure is per bank-group; callers summing over
//   the banks of a group count it once).
//   bankToSramBytes = G*d*2 + 2*keysPerBank*d*2   (q, K, V; 0 when keysPerBank == 0)
//   sramToBankBytes = G*d*2                        (the outputs)
// Buffer (elements): q G*d + out 2*G*d + state 4*G (FP32 max and sum per query)
//                    + scores 2*G*b + tile b*d <= M
//   => b = floor((M - 3*G*d - 4*G) / (d + 2*G)), then reduced until every region, rounded up to
//   a whole number of columns (PLT_MOV moves whole columns), fits; capped at keysPerBank.
//
// Naive schedule (kFlagNaive; the paper's "PIM" baseline: the same hardware without I/O-aware
// tiling, i.e. no reuse of buffer contents across sub-computations). The sub-computation is one
// key: it reads every operand it needs from the bank and writes its result back, keeping only
// the per-query softmax state scalars (max, sum; 8 bytes per query) resident between keys:
//   for each key j (tileKeys = 1, tiles = keysPerBank):
//     load q                                             G*d*2         bank -> buffer
//     load k_j into `tile`                               d*2           bank -> buffer
//     G scores, exponentiate with the running max/sum update
//     load v_j into `tile`                               d*2           bank -> buffer
//     read the FP32 accumulators out (G x d) from DRAM  G*d*4         bank -> buffer
//     (not for j = 0: PLT_CFG cleared them), rescale, accumulate
//     write them back                                    G*d*4         buffer -> bank
//   final merge and write as in the aware schedule       G*d*2         buffer -> bank
//   bankToSramBytes = keysPerBank * (G*d*2 + 2*d*2) + (keysPerBank - 1) * G*d*4
//   sramToBankBytes = keysPerBank * G*d*4 + G*d*2
// Buffer (elements): q G*d + out 2*G*d + state 4*G + scores 2*G + one key d <= M (column-aligned
// regions), else Error::Shape.
//
// Both: macs = G * keysPerBank * d * 2 (q.k scores and p.V).
#include <cstdint>
#include <string>

#include "firmware/include/pilot/contract.h"

namespace pilot::fw {

struct DecodeShape {
    uint32_t keysPerBank; // keys this bank holds (the group's keys are split across its banks)
    uint32_t headDim;     // d, multiple of 16
    uint32_t queries;     // G query heads sharing this KV head
    uint32_t sramBytes;   // buffer size M x 2
    uint32_t columnBytes; // bytes of one DRAM column (32)
    bool naive;           // no I/O-aware tiling
    // Two tile buffers (I/O-aware only): the bank streams the next K or V tile into one while
    // the PE works on the other. Smaller tiles, same bytes, moves overlapped with MACs.
    bool doubleBuffer = false;
};

struct SramRegion {
    uint32_t offset, bytes; // byte offsets inside the buffer; offset is column-aligned
};

struct DecodePlan {
    contract::Error error = contract::Error::Ok; // Shape when nothing fits (or d, G, column size invalid)
    std::string why;                             // human reason when error != Ok
    uint32_t tileKeys = 0;                       // b
    uint32_t tiles = 0;                          // ceil(keysPerBank / b)
    // Laid out in this order, each starting on a column boundary; `bytes` is the payload size
    // (the padding up to the next column is not part of the region).
    SramRegion q,                 // G x d FP16 queries
        out,                      // FP32 G x d accumulators
        state,                    // FP32 running max and sum per query (max at +0, sum at +4 per query)
        scores,                   // FP32 G x b
        tile;                     // b x d FP16, holds the K tile then the V tile
    SramRegion tile2;             // second tile buffer when double-buffered, else equal to tile
    uint64_t bankToSramBytes = 0; // predicted internal I/O, DRAM -> buffer, this bank
    uint64_t sramToBankBytes = 0; // buffer -> DRAM (includes the final output write, see above)
    uint64_t macs = 0;            // multiply-accumulates this bank performs
};

// Plans one bank's share of a decode attention. Never throws; errors come back in the plan.
// A bank holding no keys (keysPerBank == 0, possible when the context is shorter than the
// group's bank count) gets a valid plan with tiles = 0, no loads and no MACs.
DecodePlan planDecode(const DecodeShape& s);
// When the buffer cannot hold all G query heads, the kernel runs in passes over K and V:
// the plan for the largest divisor of G that fits (`queriesPerPass` receives it; the plan's
// byte counts are per pass). Error Shape when even one query head does not fit.
DecodePlan planDecodeInPasses(const DecodeShape& s, uint32_t& queriesPerPass);

// Column-aligned bytes the regions of a plan with tile size b occupy (the fit test above), for
// the aware layout (naive: b = 1). Exposed for tools and tests.
uint64_t decodeBufferBytes(uint32_t headDim, uint32_t queries, uint32_t tileKeys, uint32_t columnBytes,
                           uint32_t tileBuffers = 1);

// The paper's tile sizes, M in elements (for documentation and tests; see docs/io-analysis.md):
// global rows / decode (R = 1): buffer holds q (d), a K^T tile (b*d) and b scores:
//   d + b*d + b <= M  =>  b = floor((M - d) / (d + 1));     0 when M < d
uint32_t paperGlobalRowTile(uint32_t M, uint32_t d);
// non-global rows (window), c = 1: a = b, a*d + b*d + a <= M  =>  a = b = floor(M / (2d + 1))
uint32_t paperWindowTile(uint32_t M, uint32_t d);

} // namespace pilot::fw
