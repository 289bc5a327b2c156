// SPDX-License-Identifier: MIT
#pragma once
// Sparse attention patterns for the prefill stage (pilot-design.md, "Data mapping"): a compact
// description of one head's N x N attention mask, with rows = queries and columns = keys, built
// from the parts PILOT's hybrid sparse attention distinguishes. Plain C++17, no SystemC.
//
// Cell (i, j) (query row i, key j, both in [0, N)) is attended when it is allowed and at least
// one part covers it:
//   - allowed: always when non-causal; j <= i when causal. Causality clips every part below.
//   - window w (a band around the diagonal; w counts the row's own key, so w = 1 is the
//     diagonal alone and w = 0 means no window):
//       causal      keys [i - w + 1, i]                           (w keys)
//       non-causal  keys [i - floor(w/2), i + floor((w - 1)/2)]   (w keys)
//     For odd w the non-causal band is the symmetric [i - w/2, i + w/2]; for even w the extra
//     key goes to the past side, so w <= 2 gives the same band causal or not. Bands are
//     clipped to [0, N); a window larger than N is allowed. (HF Longformer's
//     attention_window = 512, i.e. 256 keys on each side, is w = 513 here.)
//   - global tokens g (sorted, unique): row g is a global row and attends every allowed key;
//     column g is attended by every row that is allowed to see it (causal: rows i >= g).
//   - random blocks (block size B): for block-row br = i / B, the key blocks in
//     randomBlocks[br]; row i attends every allowed key of those blocks (the last block of a
//     dimension may be shorter than B when B does not divide N).
//   - explicit runs (masks read from a file): explicitRows[i] lists [begin, end) runs.
//
// Random blocks are drawn deterministically (the same on every machine and library):
//   engine = std::mt19937_64(seed); for each block-row br in ascending order:
//     candidates = key blocks, ascending, that would add at least one attended cell to the
//                  block-row given window, globals and causality (blocks that add nothing are
//                  never drawn);
//     r' = min(r, |candidates|); for k in [0, r'): j = k + draw(|candidates| - k),
//       swap(candidates[k], candidates[j]);   (partial Fisher-Yates)
//     randomBlocks[br] = candidates[0, r') sorted ascending.
//   draw(n): t = (2^64 - n) mod n; repeat x = engine() until x >= t; return x mod n
//            (rejection sampling, unbiased; std::uniform_int_distribution is not portable).
//
// Mask text format (fromMaskFile / parseMask / writeMask):
//   - '#' starts a comment to the end of the line; lines blank after that are skipped.
//   - first line: "N C" with N > 0 the number of rows and keys, C in {0, 1, noncausal, causal}.
//   - then exactly N row lines, row 0 first: comma-separated keys "j" or inclusive ranges
//     "a-b" (a <= b < N; causal masks need b <= row); "-" is an empty row. Overlapping or
//     unsorted entries are accepted and merged.
//   - errors throw std::runtime_error "<file>:<line>: <reason>".
// A pattern read from a file holds only explicit runs: it has no window, globals or random
// blocks, so no row of it is a global row.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace pilot::host {

// [begin, end) run of keys.
using KeyRange = std::pair<uint32_t, uint32_t>;
// Sorts and merges overlapping or adjacent runs; drops empty ones.
void mergeKeyRanges(std::vector<KeyRange>& runs);

// Block-compressed sparse rows of a mask: block (br, bc) is stored when any cell of rows
// [br*B, br*B+B) x keys [bc*B, bc*B+B) (clipped to N) is attended.
struct BlockCsr {
    uint32_t blockSize = 0;
    uint32_t blockRows = 0, blockCols = 0; // ceil(N / blockSize) each
    std::vector<uint64_t> rowPtr;          // blockRows + 1 entries; row br is [rowPtr[br], rowPtr[br+1])
    std::vector<uint32_t> colIdx;          // key block of each stored block, ascending within a row
    std::vector<uint64_t> blockNnz;        // attended cells inside each stored block (>= 1)
    uint64_t nnzBlocks = 0;                // colIdx.size()
};

struct PatternStats {
    uint32_t n = 0;
    uint64_t nnz = 0;           // attended cells
    double densityFull = 0.0;   // nnz / N^2
    double densityCausal = 0.0; // nnz / (N (N + 1) / 2); can exceed 1 for non-causal masks
    uint32_t globalRows = 0;    // rows that attend every allowed key by being global
    uint32_t emptyRows = 0;     // rows with no key (e.g. causal, window 0, no global <= i)
    uint32_t minKeysPerRow = 0, maxKeysPerRow = 0;
    double meanKeysPerRow = 0.0;
    // Each attended cell is counted once, in the first part that covers it, in this order:
    // global row, window, global column, random block, explicit run. Shares are of nnz
    // (0 when nnz = 0) and sum to 1.
    uint64_t globalNnz = 0, windowNnz = 0, randomNnz = 0, explicitNnz = 0;
    double globalShare = 0.0, windowShare = 0.0, randomShare = 0.0, explicitShare = 0.0;
};

struct HybridPattern {
    std::string name;
    uint32_t n = 0; // rows = keys
    bool causal = false;
    uint32_t window = 0;                             // keys in the band, own key included
    std::vector<uint32_t> globals;                   // sorted, unique, < n
    uint32_t randomBlockSize = 0;                    // 0 = no random blocks
    std::vector<std::vector<uint32_t>> randomBlocks; // per block-row: sorted key blocks
    std::vector<std::vector<KeyRange>> explicitRows; // empty, or n rows of merged runs

    // Generators. All throw std::invalid_argument naming the generator and parameter on bad input.
    // Longformer: sliding window + the given global tokens (any order; duplicates removed).
    static HybridPattern longformer(uint32_t n, uint32_t window, std::vector<uint32_t> globals,
                                    bool causal = false);
    // BigBird: window + the first globalTokens tokens as globals (ITC) + randomBlocksPerRow random
    // key blocks of blockSize per block-row, drawn from seed as described above.
    static HybridPattern bigbird(uint32_t n, uint32_t window, uint32_t globalTokens,
                                 uint32_t randomBlocksPerRow, uint32_t blockSize, uint64_t seed,
                                 bool causal = false);
    // StreamingLLM / DuoAttention streaming head: causal, sink tokens [0, sink) + recent window.
    static HybridPattern streaming(uint32_t n, uint32_t sink, uint32_t window);
    // Every allowed cell.
    static HybridPattern dense(uint32_t n, bool causal = false);
    // Mask text format above; std::runtime_error "<source>:<line>: <reason>" on bad input.
    static HybridPattern fromMaskFile(const std::string& path);
    static HybridPattern parseMask(std::istream& in, const std::string& source);
    void writeMask(std::ostream& out) const;

    // Throws std::invalid_argument listing every inconsistency, one per line.
    void validate() const;

    // Queries; i must be < n.
    bool isGlobalRow(uint32_t i) const;
    KeyRange windowRange(uint32_t i) const;            // the row's band after clipping; begin == end if empty
    std::vector<KeyRange> rowRanges(uint32_t i) const; // merged, sorted, non-adjacent runs
    std::vector<uint32_t> rowKeys(uint32_t i) const;   // sorted, unique
    uint32_t rowNnz(uint32_t i) const;
    uint64_t nnz() const;
    double densityFull() const;   // nnz / N^2
    double densityCausal() const; // nnz / (N (N + 1) / 2)
    double density() const;       // of the allowed cells: densityCausal if causal, else densityFull
    BlockCsr toBlockCsr(uint32_t blockSize) const;
    PatternStats stats() const;
};

} // namespace pilot::host
