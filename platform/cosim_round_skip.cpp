// SPDX-License-Identifier: MIT
#include "platform/cosim_round_skip.h"

#include <cmath>

namespace pilot::platform {

namespace {

bool alike(uint64_t a, uint64_t b, double tolerance) {
    const double hi = double(a > b ? a : b), lo = double(a > b ? b : a);
    return hi > 0 && hi - lo <= tolerance * hi;
}

} // namespace

uint64_t gpuTilesOfRounds(const CosimRound& pace, uint32_t rounds, double gpuBurstsPerTile) {
    return gpuBurstsPerTile > 0 ? uint64_t(std::llround(double(pace.gpuBursts) * rounds / gpuBurstsPerTile))
                                : 0;
}

CosimRound meanRound(const CosimRound& a, const CosimRound& b) {
    return {(a.elapsedPs + b.elapsedPs) / 2, (a.gpuBursts + b.gpuBursts) / 2,
            a.gpuKernel == b.gpuKernel ? b.gpuKernel : 0, a.full && b.full};
}

uint32_t roundsToSkipBesideGpu(const CosimRound& prev, const CosimRound& last, uint32_t fullRoundsLeft,
                               uint64_t gpuTilesNotStarted, double gpuBurstsPerTile,
                               const RoundSkipLimits& lim) {
    if (!prev.full || !last.full || last.gpuKernel == 0 || prev.gpuKernel != last.gpuKernel ||
        !alike(prev.elapsedPs, last.elapsedPs, lim.tolerance) ||
        !alike(prev.gpuBursts, last.gpuBursts, lim.tolerance) || gpuTilesNotStarted <= lim.keepTiles)
        return 0;
    // As many rounds as the GPU's kernel lasts through: the round in which it ends is simulated.
    const double tilesPerRound = double(last.gpuBursts) / gpuBurstsPerTile;
    const double cover = double(gpuTilesNotStarted - lim.keepTiles) / tilesPerRound;
    const uint64_t rounds = cover >= fullRoundsLeft ? fullRoundsLeft : uint64_t(cover);
    return uint32_t(rounds);
}

} // namespace pilot::platform
