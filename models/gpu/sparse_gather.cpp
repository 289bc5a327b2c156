// SPDX-License-Identifier: MIT
#include "models/gpu/sparse_gather.h"

#include <algorithm>

namespace pilot::gpu {

namespace {

using Runs = std::vector<std::pair<uint32_t, uint32_t>>;

// Sorts and merges overlapping or adjacent runs; returns the keys they cover.
uint64_t merge(Runs& runs) {
    std::sort(runs.begin(), runs.end());
    Runs out;
    for (const auto& r : runs) {
        if (r.first >= r.second)
            continue;
        if (!out.empty() && r.first <= out.back().second)
            out.back().second = std::max(out.back().second, r.second);
        else
            out.push_back(r);
    }
    runs.swap(out);
    uint64_t keys = 0;
    for (const auto& r : runs)
        keys += r.second - r.first;
    return keys;
}

} // namespace

GatherTraffic gatherTraffic(uint32_t n, uint32_t tileRows, uint32_t tilesInFlight, uint64_t rowBytes,
                            uint64_t l2Bytes, const KeyRuns& rowRuns) {
    GatherTraffic g;
    const uint32_t T = std::max<uint32_t>(1, tileRows);
    const uint32_t C = std::max<uint32_t>(1, tilesInFlight);
    g.tiles = (uint64_t(n) + T - 1) / T;
    std::vector<Runs> tileRuns(g.tiles);
    std::vector<uint64_t> tileKeys(g.tiles);
    for (uint64_t t = 0; t < g.tiles; ++t) {
        Runs& runs = tileRuns[t];
        for (uint32_t i = uint32_t(t * T); i < std::min<uint64_t>(n, (t + 1) * T); ++i) {
            Runs r = rowRuns(i);
            for (const auto& x : r)
                g.nnz += x.second - x.first;
            runs.insert(runs.end(), r.begin(), r.end());
        }
        tileKeys[t] = merge(runs);
        g.tileRows += tileKeys[t];
    }
    // Waves of C consecutive tiles of the head (all of them when the head has at most C).
    const uint64_t perWave = std::min<uint64_t>(C, g.tiles);
    const uint64_t headsInFlight = g.tiles >= C ? 1 : (C + g.tiles - 1) / g.tiles;
    for (uint64_t w0 = 0; w0 < g.tiles; w0 += perWave) {
        Runs runs;
        uint64_t own = 0;
        for (uint64_t t = w0; t < std::min(g.tiles, w0 + perWave); ++t) {
            runs.insert(runs.end(), tileRuns[t].begin(), tileRuns[t].end());
            own += tileKeys[t];
        }
        const uint64_t keys = merge(runs);
        ++g.waves;
        if (double(headsInFlight) * double(keys) * double(rowBytes) <= double(l2Bytes)) {
            g.dramRows += keys;
        } else {
            g.dramRows += own;
            ++g.wavesSpilled;
        }
    }
    return g;
}

} // namespace pilot::gpu
