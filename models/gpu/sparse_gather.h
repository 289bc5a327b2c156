// SPDX-License-Identifier: MIT
#pragma once
// DRAM traffic of the key (or value) rows an unfused sparse attention kernel gathers: the
// SDDMM reads a K row for every score it computes, the SpMM a V row for every score it uses
// (docs/gpu-attention.md, "Gathers"). Two levels of reuse, both derived from the mask:
//   - a thread block holds a tile of `tileRows` consecutive query rows; a key row that several
//     rows of the tile attend is read once for the tile (the union of the rows' key runs);
//   - the L2 holds the rows of the tiles in flight (one per SM, launched in row order, so the
//     tiles of a head run together or back to back): when the union of the keys of the tiles in
//     flight fits in the L2, each such key row comes from DRAM once; when it does not, every
//     tile reads its own union from DRAM.
// With at most `tilesInFlight` tiles per head, the tiles in flight span ceil(inFlight / tiles)
// heads, whose unions must fit together; with more, a head is cut into waves of `tilesInFlight`
// consecutive tiles, each wave judged on its own (a key shared by two waves is read twice).
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace pilot::gpu {

using KeyRuns = std::function<std::vector<std::pair<uint32_t, uint32_t>>(uint32_t row)>;

struct GatherTraffic {
    uint64_t nnz = 0;      // attended cells of the head (the rows an uncached gather reads)
    uint64_t tileRows = 0; // sum over tiles of each tile's distinct keys (tile reuse only)
    uint64_t dramRows = 0; // rows read from DRAM after the L2 (the model's answer)
    uint64_t tiles = 0, waves = 0, wavesSpilled = 0; // waves whose union did not fit in the L2
};

// One head of `n` query rows. rowBytes = head dim x bytes per element.
GatherTraffic gatherTraffic(uint32_t n, uint32_t tileRows, uint32_t tilesInFlight, uint64_t rowBytes,
                            uint64_t l2Bytes, const KeyRuns& rowRuns);

} // namespace pilot::gpu
