// SPDX-License-Identifier: MIT
#pragma once
// The PREFILL_HYBRID_SPARSE kernel as the firmware runs it: its tiling (chosen by predicting
// the bank<->buffer bytes of every candidate), its SRAM regions, the PIM layout the host runtime
// writes for it, the order of its work (rounds and key batches) and the closed-form prediction
// of its internal I/O. Shared by the firmware (which issues the micro-ops), the host runtime
// (which lays the data out) and the results (prediction vs the PE counters). Plain C++17.
// The derivation is in docs/io-analysis.md ("The prefill kernel as built").
//
// ---------------------------------------------------------------- pattern
// N rows = N keys; tokens [0, g) global; a row's band is [i - lo, i + hi] (non-causal:
// lo = floor(w / 2), hi = (w - 1) - lo; causal: lo = w - 1, hi = 0), clipped to [0, N); r random
// blocks of B keys per block-row (rows i with the same i / B), listed in a table. Non-causal:
// rows [0, g) are global rows (attend all N keys); causal: no global rows, key j <= i always.
//
// ---------------------------------------------------------------- mapping (one head per bank group)
// Non-global rows [R, N) are cut into segments (at block-row boundaries when there are random
// blocks, so the four banks of a round share their random blocks) and each segment into
// rounds of 4a rows: in round k bank i owns rows [rb + i a, rb + (i + 1) a) (clipped to the
// segment). All banks run the same micro-ops on the same addresses (all-bank PIM commands),
// so the data each bank needs must sit at the same place in every bank:
//   - Q and O: round k's tile of bank i at bytes [k a 2d, (k + 1) a 2d) of its Q / O rows;
//   - band copy of K and V: bank i holds key j at slot j - i a + shift (shift = 3a): the band
//     of bank i's tile, keys [rb + i a - lo, ...), is then at slots [rb - lo + shift, ...) in
//     every bank. Slots hold K and V sharing rows as in decode (P = rowBytes / 4d per row);
//   - aux copy (identical in every bank): slots [0, g) the global keys, then per block-row its
//     r random blocks, B slots each (slot g + (blockRow r + k) B + t);
//   - global rows: Q copied to every bank, K and V split by keys (key j in bank j % 4, slot
//     j / 4: the decode layout) and run as a decode kernel of R queries (BGPM reduction).
// Memory overhead of the copies: every bank of the group holds N + 3a band slots and
// g + ceil(N / B) r B aux slots besides its N / 4 split slots: K and V take about
// 4 (1 + r) + 1 times the space of one copy (layoutBytesPerBank() gives the exact rows).
//
// ---------------------------------------------------------------- one round (per bank, lockstep)
// Cfg (clear the a rows' softmax statistics); MovIn the Q tile; then for every key batch
// (b keys, never crossing a DRAM row or a random block): MovIn K; MacScores (a x b, masked);
// Stat (scores -> FP16, running max and sum); the a x b FP16 scores (whole columns) go to the
// scratch rows, several batches per MovOut when the buffer has room to stage them. Batches:
// the band slots, then the global keys left of the banks' bands, then each random block. Then
// for each of p column passes (an FP32 a x d/p output tile): Clear; per batch: MovIn the V
// slices, its scores (a stage at a time when staged), Prob (p = exp(s - max)), MacPV; Sfm
// (every bank: out / sum -> FP16 in place); MovOut the tile's d/p columns. The next batch's
// moves are issued right after this batch's MACs (into a second K/V and score block when
// double-buffered), so they overlap the PE work.
// Naive (kFlagNaive, the paper's "PIM" baseline without I/O-aware tiling): a = 1, the row's q
// reloaded for every batch and its FP32 accumulator written back to the bank after every
// batch and read again before the next (p = 1); nothing else is reused either.
#include <cstdint>
#include <string>
#include <vector>

#include "firmware/include/pilot/contract.h"
#include "firmware/include/pilot/micro_op.h"
#include "firmware/pim/decode_planner.h"

namespace pilot::fw {

inline constexpr uint32_t kNoRandomBlock = 0xFFFFFFFFu;

struct PrefillKernelShape {
    uint32_t seqLen = 0, headDim = 0, window = 0, globalTokens = 0, randomBlocks = 0, blockSize = 0;
    bool causal = false, naive = false;
    // The buffer and the memory geometry: the capability registers (firmware) or the scenario
    // and its memspec (host, tools); no defaults here.
    uint32_t sramBytes = 0, rowBytes = 0, columnBytes = 0, banksPerGroup = 0;
    uint32_t tileRows = 0; // a; 0: choose by the I/O prediction
};

struct PrefillIoPrediction {
    uint64_t bankToBuffer = 0, bufferToBank = 0, macs = 0; // per bank (all banks alike)
    uint64_t bytes() const { return bankToBuffer + bufferToBank; }
};

struct PrefillKernelPlan {
    contract::Error error = contract::Error::Ok;
    std::string why;
    PrefillKernelShape shape;
    uint32_t a = 0; // rows per bank per round
    uint32_t b = 0; // keys per batch
    uint32_t p = 1; // SpMM column passes (d / p columns of the output at a time)
    uint32_t P = 0; // K/V slots per DRAM row
    uint32_t lo = 0, hi = 0, globalRows = 0, shift = 0;
    uint32_t blockRows = 0; // ceil(N / B) when there are random blocks, else 0
    // SRAM regions, byte offsets: Q tile (FP32 output tile in the SpMM), K / V batch, scores
    // (FP32, packed FP16 in place), softmax statistics; naive: the spilled accumulator's home.
    uint32_t qOff = 0, kvOff = 0, scoresOff = 0, stateOff = 0, bufferBytes = 0;
    // Double buffering (aware kernel, when the buffer holds a second K/V batch and score block at
    // no extra bytes moved): batch k uses kvOff / scoresOff (k even) or kvOff2 / scoresOff2, so
    // the next batch's moves overlap this batch's PE ops.
    bool doubleBuffer = false;
    uint32_t kvOff2 = 0, scoresOff2 = 0;
    // Score staging (aware kernel, in buffer bytes the tiles leave free): Stat packs each
    // batch's FP16 scores there, and one MovOut writes several batches' scores together, so the
    // scratch row is opened once per stage instead of once per batch. 0: no staging.
    uint32_t stageOff = 0, stageBytes = 0;
    // Layout, per bank: rows of each region (the runtime allocates them in this order).
    uint32_t rounds = 0;
    uint32_t qRows = 0, outRows = 0, bandRows = 0, auxRows = 0, scratchRows = 0, patternRows = 0;
    uint32_t bandSlots = 0, auxSlots = 0;
    uint64_t scratchBytes = 0;
    // The global rows' decode kernel (R queries over N keys split by key).
    DecodePlan global;
    uint32_t globalPassQueries = 0;
    uint32_t globalQRows = 0, splitKvRows = 0, globalOutRows = 0; // out rows include naive scratch
    // Prediction for the whole head, per bank: non-global part and global part.
    PrefillIoPrediction nonGlobal, globalPart;
    PrefillIoPrediction total() const {
        return {nonGlobal.bankToBuffer + globalPart.bankToBuffer,
                nonGlobal.bufferToBank + globalPart.bufferToBank, nonGlobal.macs + globalPart.macs};
    }
    uint64_t layoutBytesPerBank(uint32_t rowBytes) const {
        return uint64_t(qRows + outRows + bandRows + auxRows + scratchRows + patternRows + globalQRows +
                        splitKvRows + globalOutRows) *
               rowBytes;
    }
};

// Plans the kernel (errors in the plan, never throws): Sparse for an inconsistent pattern,
// Shape when no tile fits the buffer (or tileRows does not), d unsupported, rows too small.
PrefillKernelPlan planPrefillKernel(const PrefillKernelShape& s);

struct PrefillRound {
    uint32_t index = 0;    // k: tile slot of Q / O
    uint32_t rowBegin = 0; // rb: bank i owns [rb + i a, min(rb + (i + 1) a, rowEnd))
    uint32_t rowEnd = 0;   // end of the segment
    uint32_t blockRow = 0; // rb / B (random blocks), else 0
};
std::vector<PrefillRound> prefillRounds(const PrefillKernelPlan& plan);

enum class PrefillRegion : uint8_t { Band, Aux };
struct PrefillBatch {
    PrefillRegion region = PrefillRegion::Band;
    uint32_t slot = 0, keys = 0; // slots [slot, slot + keys) of the region
    contract::MaskKind mask = contract::MaskKind::Band;
    int32_t keyBase = 0;    // key of the first slot in bank 0
    uint16_t keyStride = 0; // + keyStride per bank of the group
    int32_t keyLimit = 0;   // Global: keys below keyLimit + i a in bank i
};
// The key batches of one round, in issue order. `randomBlocks` holds the round's block-row's
// r entries of the pattern table (kNoRandomBlock: none).
std::vector<PrefillBatch> prefillBatches(const PrefillKernelPlan& plan, const PrefillRound& round,
                                         const uint32_t* randomBlocks);

} // namespace pilot::fw
