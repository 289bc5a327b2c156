// SPDX-License-Identifier: MIT
#pragma once
// The I/O analysis of PREFILL hybrid sparse attention (window + global tokens + random blocks)
// for one head on one bank group: tile sizes, bytes moved between each bank and its PE's SRAM
// buffer, MACs and compute-to-I/O ratios of every schedule, the paper's I/O-aware tiling and
// its "PIM" baseline. This is the analysis `pilot analyze` reports (tools/pilot/analyze.cpp);
// the firmware runs its own kernel plan (prefill_kernel.h), whose bytes `pilot run` checks the
// PE counters against. Plain C++17, no SystemC, no model headers. The
// derivation and a worked table are in docs/io-analysis.md ("Prefill"); the conventions are the
// decode planner's (decode_planner.h): SRAM elements are FP16 slots, every buffer region starts
// on a column boundary and occupies whole columns, byte counts are payload bytes.
//
// ---------------------------------------------------------------- the pattern (PrefillPatternSummary)
// N tokens; the first g tokens are global. Row i (a query) attends to key j when
//   window:  non-causal  j in [i - lo, i + hi], lo = floor(w / 2), hi = w - 1 - lo  (w keys)
//            causal      j in [i - (w - 1), i]                                 (w keys, lo = w - 1, hi = 0)
//            (clipped to [0, N); a window wider than the sequence is the whole sequence)
//   global column: j < g (every row attends to the global tokens; causal: j <= i as well)
//   random:  r blocks of B keys per block-row (rows i with the same i / B share them), drawn
//            outside the row's window and the global columns (BigBird)
//   global row (non-causal only): rows i < g attend to all N keys. Causal patterns have no
//            global rows: their g global tokens are attention sinks (DuoAttention's streaming
//            heads), global columns only.
// Non-global rows are [R, N) with R = globalRows() (R = g non-causal, 0 causal). Their entries
// split into window / global-column (outside the window) / random; a caller that has the real
// mask (BigBird's block-aligned window, random collisions) fills the three nnz counts from it;
// summarizePattern() fills them by the per-row formula above.
//
// What the analysis takes from where: the nnz counts set the MACs and the score bytes (every
// entry's score is written once and read back); the geometry (w, g, B, N, causal) sets which
// keys each tile loads: a Q tile of rows [r0, r1) needs the band union
//   U = [max(0, r0 - lo), min(N, r1 + hi))     (|U| = a - 1 + w away from the edges),
// the global keys outside U, [0, min(g, max(0, r0 - lo))), and the random keys of the
// block-rows it spans, ceil(nnzRandom / nonGlobalRows) keys per block-row spanned (the rows of
// a block-row share their random blocks; two block-rows are assumed to share none; random keys
// are assumed never to lie in U, an upper bound on bytes).
//
// ---------------------------------------------------------------- mapping (pilot-design.md)
// One head per bank group of `banksPerGroup` (4) banks.
// Non-global rows: Q tiles of a rows, dealt round-robin to the banks (tile t -> bank t % 4);
// K and V are copied into every bank, so a row and its softmax finish inside one bank.
// Global rows: q copied to every bank; K and V split by keys, bank k holding the contiguous
// keys [k*N/4 ...) (L_k = N/4, the first N % 4 banks one more); the bank-group accumulator
// (BGPM) merges the banks' partial softmax statistics and outputs in the buffers (no DRAM
// traffic); bank 0 writes the merged outputs.
// "bank" figures are those of the busiest bank (most bytes; bank 0 writes the global rows'
// outputs and is counted as their writer); "group" figures are the whole head (the sum over
// banks, each output written once). Entries (MACs, score bytes) of non-global rows are
// apportioned to a bank by its share of the rows.
//
// ---------------------------------------------------------------- schedules (I/O-aware: PILOT's)
// Units: E = elementBytes (2), A = accumBytes (4: FP32 accumulators; 2 with kFlagFp16Accum),
// S = 8 bytes of softmax statistics per row (FP32 running max and sum), col = columnBytes.
// ring(n) = (ceil((n*E + col - E) / col) + db) whole columns: a score ring that takes n scores
// per sub-step and writes (reads) only whole columns, the remainder (< 1 column) staying behind;
// db = 1 when double-buffered (one more column in flight), else 0.
//
// 1. Non-global SDDMM, per-bank Q-stationary, c = 1 (the paper's optimum: b = a - 1 + c = a):
//    for each Q tile (rows [r0, r1), a' <= a rows): load Q (a'*d*E); sweep the band diagonally,
//    the K ring of a keys sliding one key per sub-step: each key of U is loaded once (d*E) and
//    each sub-step computes one score per row (a scores into the ring, written back in whole
//    columns). While a key is resident every row of the tile may use it: global-column entries
//    whose key lies in U are computed then (opportunistic reuse, no load). Before Q is evicted,
//    the remaining work is batched through the same K region, b keys per move: the global keys
//    outside U (each loaded once per tile, used by all a' rows) and the tile's random keys.
//    The running max and sum of each row stay in the buffer (online softmax) until the tile's
//    SpMM has used them. Scores are stored raw (FP16), tile-major: tile, sub-step, row.
//      bank -> buffer = rows*d*E + keys*d*E        keys = sum over tiles (|U| + global + random)
//      buffer -> bank = entries*E                  (the scores)
//      macs           = entries*d
//    Buffer: rU(a*d*E) + rU((a + db)*d*E) + ring(a)   (Q, K ring, score ring)
//            + rU(8a) (statistics, shared with the SpMM).
// 2. Softmax, row-wise and in the buffer: the statistics are updated during the SDDMM (an exp
//    per score) and applied during the SpMM (p = exp(s - max) when the score is read back, the
//    output divided by the sum at the end): no pass of its own. Counted here: the statistics'
//    traffic only (0 for non-global rows; for global rows their round trips between K tiles
//    and the reads of the merged statistics by the SpMM); the scores' write-back is counted in
//    the SDDMM (out) and their read-back in the SpMM (in). `exps` counts the exponentiations.
//    For comparison `softmaxSeparatePass` is a stand-alone row pass (read scores, write
//    probabilities; a row that does not fit the buffer is read twice: max/sum, then normalise).
// 3. Non-global SpMM, output-stationary, the SDDMM's tiles with the same a (the scores were
//    stored tile-major for that a), each run right after the tile's SDDMM with its sweep in the
//    reverse order (the statistics are still resident, the Q/K regions dead): the FP32 output tile
//    a x (d/p) stays resident, V follows the same ring and batches as K, the scores are read
//    back through the ring; p column passes (p | d, d/p*E whole columns) when an a x d FP32
//    tile does not fit: V is still read once (a d/p slice per pass), the scores p times.
//      bank -> buffer = keys*d*E + p*entries*E ;  buffer -> bank = rows*d*E ;  macs = entries*d
//    Buffer: rU(a*(d/p)*A) + rU((a + db)*(d/p)*E) + ring(a), plus the shared rU(8a);
//    the tile fits when rU(8a) + max(SDDMM regions, SpMM regions) <= buffer bytes.
//    Chosen: the (a, p) with the fewest bytes over every a up to the largest SDDMM tile and the
//    smallest p that fits it (ties: the larger a).
// 4. Global rows (R = g rows, non-causal), per bank, L = L_k keys:
//    SDDMM K-stationary (a = 1, the paper's optimum): for each K tile of b keys (loaded once),
//    every global row streams past: q (d*E) and its statistics (S, not before the first tile),
//    b scores into the ring, the statistics written back (S). T = ceil(L / b) tiles. At the last
//    tile the BGPM merges the four banks' statistics of the row before they are written.
//      bank -> buffer = L*d*E + T*R*d*E ; buffer -> bank = R*L*E ; macs = R*L*d
//      paper rho = b*R / (R + b)
//    Buffer: rU(d*E) + (1 + db)*rU(b*d*E) + ring(b) + rU(8).
//    SpMM, two orders; the chosen one has fewer bytes (SpMM plus its statistics reads):
//    - output-stationary: an FP32 output tile of a_o rows x d/p resident, this bank's V
//      streamed past it (b_o keys per move), scores read p times; the BGPM sums
//      the four banks' partial outputs, bank 0 writes them.
//        bank -> buffer = ceil(R/a_o)*L*d*E + p*R*L*E ; buffer -> bank = R*d*E (bank 0)
//      Buffer: rU(a_o*(d/p)*A) + (1 + db)*rU(b_o*(d/p)*E) + ring(a_o*b_o) + rU(8*a_o)
//    - value-stationary (the paper's K-stationary order): a V tile of b_v keys resident, every
//      row's FP32 partial output read (not for the first tile), updated, written back:
//        bank -> buffer = L*d*E + R*L*E + (T_v - 1)*R*d*A ;
//        buffer -> bank = (T_v - 1)*R*d*A + R*d*E (bank 0)
//      Buffer: (1 + db)*rU(b_v*d*E) + rU(d*A) + ring(b_v) + rU(8)
//
// 5. Naive (the paper's "PIM" baseline: the same hardware without I/O-aware tiling, no reuse
//    of buffer contents across sub-computations). The sub-computations are one score and one
//    output accumulation. Rows are processed one at a time; only the row's softmax statistics
//    (max, sum) stay resident while it is processed (the BGPM merges a global row's four
//    partial statistics and outputs in the buffers). Per entry (i, j):
//      SDDMM: load q_i (d*E), load k_j (d*E), write s_ij (E)
//      SpMM:  load s_ij (E), load v_j (d*E), read the accumulator (d*A; not for the row's first
//             entry in this bank), accumulate, write it back (d*A)
//    and per row the final output write (d*E; a global row: bank 0 only).
//      bank -> buffer = e*(3*d*E + E) + (e - rows)*d*A ;  buffer -> bank = e*(E + d*A) + rows*d*E
//    Buffer: rU(8) + max(2*rU(d*E) + rU(E), rU(E) + rU(d*E) + rU(d*A)); when it does not fit,
//    `naive.fits` is false and its bytes are still reported (the formula).
//
// Errors: contract::Error::Shape with a reason when no aware tiling fits (one row or one key:
// a Q row, a K row, a score column and the statistics exceed the buffer), when d*E is not a
// whole number of columns, or for zero sizes; contract::Error::Sparse for an inconsistent
// pattern (N = 0, w = 0, g > N, random blocks without a block size, nnz counts that do not
// fit N x N).
#include <cstdint>
#include <string>

#include "firmware/include/pilot/contract.h"

namespace pilot::fw {

struct PrefillPatternSummary {
    uint64_t seqLen = 0; // N
    bool causal = false;
    uint64_t window = 0;       // w: keys per row in the band (see above)
    uint64_t globalTokens = 0; // g: the first g tokens are global (rows non-causal, columns always)
    uint64_t randomBlocks = 0; // r: random blocks per block-row
    uint64_t blockSize = 0;    // B: rows (and keys) per block
    // Entries of the non-global rows, disjoint: window, global-column (outside the window),
    // random (outside both).
    uint64_t nnzWindow = 0, nnzGlobal = 0, nnzRandom = 0;

    uint64_t globalRows() const { return causal ? 0 : (globalTokens < seqLen ? globalTokens : seqLen); }
    uint64_t nonGlobalRows() const { return seqLen - globalRows(); }
    uint64_t nnzNonGlobal() const { return nnzWindow + nnzGlobal + nnzRandom; }
    uint64_t nnzGlobalRows() const { return globalRows() * seqLen; } // R x N
    uint64_t nnzTotal() const { return nnzNonGlobal() + nnzGlobalRows(); }
};

// Longformer / BigBird / DuoAttention-style pattern by the per-row formula: window entries
// |[i - lo, i + hi] ∩ [0, N)| (causal: ∩ [0, i]), global-column entries max(0, min(g, i - lo)),
// random entries min(r*B, keys the row may see - window - global), summed over the non-global
// rows. O(N).
PrefillPatternSummary summarizePattern(uint64_t seqLen, uint64_t window, uint64_t globalTokens,
                                       uint64_t randomBlocks, uint64_t blockSize, bool causal);

struct PrefillIoShape {
    // The buffer, head and memory come from the scenario and its memspec (no defaults here).
    uint32_t sramBytes = 0;     // buffer M x elementBytes
    uint32_t headDim = 0;       // d; d * elementBytes must be whole columns
    uint32_t elementBytes = 2;  // FP16 operands, scores and outputs
    uint32_t columnBytes = 0;   // one DRAM column (PLT_MOV moves whole columns)
    uint32_t accumBytes = 4;    // FP32 output accumulators (2: kFlagFp16Accum)
    uint32_t banksPerGroup = 0; // banks of the bank group serving the head
    bool doubleBuffer = false;  // one more K/V ring slot (and score column): moves overlap MACs
    PrefillPatternSummary pattern;
};

struct IoCount {
    uint64_t bankToBuffer = 0; // DRAM -> SRAM bytes
    uint64_t bufferToBank = 0; // SRAM -> DRAM bytes
    uint64_t macs = 0;         // useful multiply-accumulates (entries x d per matrix product)
    uint64_t exps = 0;         // exponentiations
    uint64_t bytes() const { return bankToBuffer + bufferToBank; }
    double macsPerByte() const { return bytes() ? double(macs) / double(bytes()) : 0.0; }
};

struct PrefillSchedule {
    bool used = false;        // the pattern has this work (no global rows: the global ones are not)
    bool fits = false;        // its tiles fit the buffer
    uint32_t bufferBytes = 0; // column-aligned bytes its regions occupy (with shared ones)
    uint32_t tileRows = 0;    // a: query / output rows per tile
    uint32_t tileKeys = 0;    // b: keys per K/V tile (ring slots for the window sweep)
    uint32_t passes = 1;      // p: column passes of an output tile
    uint64_t tiles = 0;       // Q tiles (non-global), K/V tiles (global SDDMM, value-stationary), ...
    uint64_t steps = 0;  // operand moves of K or V (ring slots, batches, tiles) or, naive, sub-computations
    IoCount bank;        // the busiest bank
    IoCount group;       // the bank group (one head)
    double paperRho = 0; // the paper's compute-to-I/O ratio (MACs per element moved), where defined
};

enum class GlobalSpmmOrder : uint8_t { None, OutputStationary, ValueStationary };

struct PrefillTiling {
    uint32_t rows = 0;       // a: non-global Q / output tile rows (= K/V ring keys without double buffering)
    uint32_t ringKeys = 0;   // K/V ring slots: a (+1 double-buffered)
    uint32_t spmmPasses = 0; // p
    uint32_t globalKeys = 0; // b of the global-row SDDMM (a = 1)
    GlobalSpmmOrder globalSpmm = GlobalSpmmOrder::None;
    uint32_t globalSpmmRows = 0; // a_o (output-stationary) or 1
    uint32_t globalSpmmKeys = 0; // b_o or b_v
    uint32_t globalSpmmPasses = 0;
    uint32_t bufferBytes = 0; // the largest column-aligned footprint of the chosen phases
};

struct PrefillIo {
    contract::Error error = contract::Error::Ok;
    std::string why;
    uint32_t elements = 0;        // M = sramBytes / elementBytes
    uint32_t paperWindowRows = 0; // the paper's a = b = floor(M / (2d + 1))
    uint32_t paperGlobalKeys = 0; // the paper's b = floor((M - d) / (d + 1))
    uint32_t maxWindowRows = 0;   // largest a whose SDDMM regions (and statistics) fit, uncapped
    uint32_t maxGlobalKeys = 0;   // largest b of the global-row SDDMM, uncapped
    PrefillSchedule nonGlobalSddmm, softmax, nonGlobalSpmm, globalSddmm, globalSpmmOutputStationary,
        globalSpmmValueStationary, naive;
    IoCount softmaxSeparatePass;       // group bytes of a stand-alone softmax pass (comparison only)
    uint64_t coveredGlobalEntries = 0; // global-column entries computed while the band tiles are resident
    uint64_t batchedGlobalEntries = 0; // ... computed in the batch before Q is evicted
    PrefillTiling chosen;
    IoCount awareBank, awareGroup; // chosen schedules together (bank: the busiest bank)
    IoCount naiveBank, naiveGroup;
    double naiveOverAware() const {
        return awareGroup.bytes() ? double(naiveGroup.bytes()) / double(awareGroup.bytes()) : 0.0;
    }
};

// The analysis of one head. Never throws; errors come back in the result.
PrefillIo analyzePrefill(const PrefillIoShape& s);

// Column-aligned buffer bytes of the non-global tile (a rows, p passes), the global-row SDDMM
// (b keys) and the naive schedule: the fit tests above, exposed for tools and tests.
uint64_t prefillNonGlobalBufferBytes(const PrefillIoShape& s, uint32_t rows, uint32_t passes);
uint64_t prefillNonGlobalSddmmBufferBytes(const PrefillIoShape& s, uint32_t rows); // with the statistics
uint64_t prefillGlobalSddmmBufferBytes(const PrefillIoShape& s, uint32_t keys);
uint64_t prefillNaiveBufferBytes(const PrefillIoShape& s);

// The paper's tile sizes, M in elements: a = b = floor(M / (2d + 1)) (window, c = 1) and
// b = floor((M - d) / (d + 1)) (global rows, a = 1; 0 when M < d).
uint32_t prefillPaperWindowRows(uint32_t M, uint32_t d);
uint32_t prefillPaperGlobalKeys(uint32_t M, uint32_t d);

const char* globalSpmmOrderName(GlobalSpmmOrder o);

} // namespace pilot::fw
