// SPDX-License-Identifier: MIT
#pragma once
// Rounds of a PIM prefill kernel that run beside a GPU kernel (docs/cosim.md, "Fast-forward").
// PILOT's prefill runs its rounds one after another, each the same command stream, while the
// GPU runs the dense heads' attention, a kernel of identical tiles, on the same channels. Once
// two rounds in a row took the same time and let the GPU complete the same number of bursts,
// the system is in a joint steady state: the next rounds and the GPU's tiles of the same time
// can be taken together at that pace without simulating them, the contention (stall cycles,
// the GPU's share of the channel) at the rate the last round measured.
#include <cstdint>

namespace pilot::platform {

// One simulated round, as the host program saw it.
struct CosimRound {
    uint64_t elapsedPs = 0; // placement, descriptors and outputs
    uint64_t gpuBursts = 0; // the GPU's bursts completed meanwhile
    uint64_t gpuKernel = 0; // the GPU's kernel (its serial), the same at the round's start and end; 0: none
    bool full = false;      // every unit set of the round had work (the last round may not)
};

struct RoundSkipLimits {
    double tolerance = 0.01; // the two rounds alike within this share (time and GPU bursts)
    uint32_t keepTiles = 4;  // GPU tiles left to simulate after a skip, at least
};

// How many of the next `fullRoundsLeft` rounds may be skipped with the GPU tiles of their time:
// 0 unless `prev` and `last` are full rounds alike beside the same GPU kernel; at most as many
// as the GPU's tiles not started yet cover, `keepTiles` kept.
uint32_t roundsToSkipBesideGpu(const CosimRound& prev, const CosimRound& last, uint32_t fullRoundsLeft,
                               uint64_t gpuTilesNotStarted, double gpuBurstsPerTile,
                               const RoundSkipLimits& lim);

// The GPU's tiles of `rounds` rounds at `pace` (to the nearest tile).
uint64_t gpuTilesOfRounds(const CosimRound& pace, uint32_t rounds, double gpuBurstsPerTile);

// The mean of two rounds alike (the pace a skip takes).
CosimRound meanRound(const CosimRound& a, const CosimRound& b);

} // namespace pilot::platform
