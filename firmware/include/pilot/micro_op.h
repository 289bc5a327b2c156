// SPDX-License-Identifier: MIT
#pragma once
// PIM micro-ops: what the firmware issues (through the HAL) to a pseudo-channel's memory
// controller, which turns them into DRAM/PIM commands (ACTAB, MRD, MWR, PEOP) under the
// same timing rules as host traffic. All-bank: every bank of the pseudo-channel executes the
// op in lockstep on its own data. Part of the HW/SW contract.
#include <cstdint>

#include "firmware/include/pilot/contract.h"

namespace pilot::contract {

enum class MicroOpKind : uint8_t {
    MovIn,     // PLT_MOV: columns [column, column + columns) of `row` -> SRAM at sramOffset
    MovOut,    // PLT_MOV / PLT_OUT: SRAM at sramOffset -> columns of `row`
    Cfg,       // PLT_CFG: set PE modes and scale, clear accumulators and softmax state
    MacScores, // PLT_MAC: scores[g][j] = scale * q_g . tile_j, j < keys (FP32 out)
    Exp,       // PLT_EXP: online-softmax step: running max/sum update, rescale out, scores -> p
    MacPV,     // PLT_MAC: out_g += sum_j p[g][j] * tile_j
    Acc,       // PLT_ACC (bank-group accumulator): merge the group's banks' (max, sum, out) into bank 0
    Sfm,       // PLT_SFM: out_g /= sum_g, as FP16 at outHalf (bank 0 of each group; every bank
               // with allBanks); outHalf may equal out (converted in place)
    // Prefill (split softmax: scores leave the buffer between the SDDMM and the SpMM)
    Stat,  // PLT_EXP, statistics mode: scores rounded to FP16 and packed at outHalf (scores:
           // in place), the running max and sum of each query row updated from them
    Prob,  // PLT_EXP, probability mode: packed FP16 scores at outHalf -> FP32 p = exp(s - max)
           // at scores (outHalf == scores: in place)
    Clear, // zero the FP32 accumulators out[queries x headDim]
    // AttAcc (DECODE_ATTN_ATTACC, one query): the buffer die's softmax unit, outside the banks
    BufSfm, // scores of `keys` slots of every bank of each set of `spread` groups leave the banks
            // (FP16), the unit takes the set's running max and sum over them with exact exp(),
            // and returns p = exp(s - max) (FP32, at scores) and the rescale factor: every bank of
            // the set rescales its out accumulators and keeps the same (max, sum) in state
    BufOut, // the set's banks' out vectors leave the banks (FP16), the unit adds them and divides
            // by the sum: FP16 at outHalf of bank 0 of the set's first group
};

// Which (query, key) pairs a MacScores op computes; the rest score -inf (weight 0).
enum class MaskKind : uint8_t {
    Decode, // key of slot j in bank i = (slotBase + j) x banksPerGroup + i; Cfg's sink/window set
    Band,   // prefill: key in the row's window, or a global column
    Global, // prefill: a global column left of this bank's band (key < keyLimit + i x rowStride)
    Random, // prefill: a random-block key outside the row's window and the global columns
};

// SRAM regions of a PE op, byte offsets in every PE's buffer.
struct PeRegions {
    uint32_t q = 0, tile = 0, scores = 0, out = 0, state = 0, outHalf = 0;
};

struct MicroOp {
    MicroOpKind kind = MicroOpKind::Cfg;
    uint8_t pc = 0;             // pseudo-channel of the channel (0..pseudoChannels-1)
    uint16_t bankGroupMask = 0; // groups of that pseudo-channel whose results matter
    uint32_t row = 0;           // MovIn / MovOut
    uint16_t column = 0;        // first column
    uint16_t columns = 0;       // columns moved
    uint32_t sramOffset = 0;    // bytes
    uint8_t singleBank = 0;     // MovIn / MovOut in single-bank form: only `bank` moves (SMRD / SMWR)
    uint8_t bank = 0;           // flat bank of the pseudo-channel (single-bank form)
    // PE ops
    PeRegions r;
    uint16_t keys = 0;     // key slots in the tile (per bank)
    uint32_t slotBase = 0; // first key slot of the tile; slot s of bank i (in its group)
                           // holds key s x banksPerGroup + i (keys interleaved over banks);
                           // with spread > 1, key (s x spread + k) x banksPerGroup + i in the
                           // k-th group of its set
    uint8_t spread = 1;    // Cfg, BufSfm, BufOut: bank groups sharing one KV head (aligned sets
                           // of a pseudo-channel's groups)
    // Cfg: the key set the PEs attend to; slots outside it are masked (score -inf).
    uint32_t ctxLen = 0, sinkTokens = 0, windowTokens = 0; // window 0 with sink 0: dense
    uint16_t headDim = 0;
    uint16_t queries = 0;      // G
    uint32_t flags = 0;        // contract::kFlag* (Cfg)
    uint32_t globalTokens = 0; // Cfg (prefill): g
    // Prefill masks (MacScores): query row g of bank i (in its group) is row
    // rowBase + i x rowStride + g (valid below rowEnd); key slot j is key
    // keyBase + i x keyStride + j (valid in [0, ctxLen)).
    MaskKind mask = MaskKind::Decode;
    uint8_t allBanks = 0; // Sfm: every bank normalises its own rows
    uint16_t rowStride = 0, keyStride = 0;
    uint32_t rowBase = 0, rowEnd = 0;
    int32_t keyBase = 0, keyLimit = 0;
    uint32_t scaleBits = 0; // Cfg: softmax scale, float bits
    // Bytes of SRAM the op reads or writes, [lo, hi), [lo2, hi2) and [lo3, hi3) (empty when equal): a
    // move into or out of them waits for the op to finish (the buffer has one port per region;
    // the firmware double-buffers to overlap), and the op waits for moves into them to land.
    uint32_t busyLo = 0, busyHi = 0;
    uint32_t busyLo2 = 0, busyHi2 = 0;
    uint32_t busyLo3 = 0, busyHi3 = 0; // a third range (AttAcc's GEMV ops), empty when equal
    bool touches(uint32_t lo, uint32_t hi) const {
        return (lo < busyHi && busyLo < hi) || (lo < busyHi2 && busyLo2 < hi) ||
               (lo < busyHi3 && busyLo3 < hi);
    }
};
static_assert(uint64_t(1) << (sizeof(MicroOp::bank) * 8) == kMaxBanksPerPseudoChannel, "8-bit bank index");
static_assert(sizeof(MicroOp::bankGroupMask) * 8 == kMaxBankGroupsPerChannel,
              "a pseudo-channel's groups fit the mask");

} // namespace pilot::contract
