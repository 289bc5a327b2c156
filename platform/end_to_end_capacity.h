// SPDX-License-Identifier: MIT
#pragma once
// Does a point fit in memory? Each system's working set (docs/gpu-attention.md, "Capacity"):
//   weights      2 B x ((layers + decoder layers) x params per layer + embeddings)
//   kv_cache     batch x (L_in + L_out) x layers x 2 x kv_heads x head_dim x 2 B (one copy: the
//                PIM systems keep it in their PIM layout, split across a group's banks)
//   activations  one layer's prefill activations on the GPU: batch x L_in x (2 hidden + the
//                QKV width + the FFN's up-projection width) x 2 B
//   gpu_scratch  what the GPU's attention kernels of one layer keep in DRAM beyond Q, K, V, O
//                (the unfused score matrices of the heads the GPU runs; nothing for flash)
//   pim_layout   PILOT's prefill layout of the sparse heads in flight (one per bank group of the
//                system): Q and O once, K and V copied into each bank of the group
// against the memory: the stacks' capacity (memspec geometry x stacks); for `gpu` also the GPU
// config's memory, whichever is smaller.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "models/gpu/gpu_attention.h"
#include "platform/end_to_end_point.h"

namespace pilot::platform {

struct EndToEndSystem;

// batch x heads split into the pattern's sparse share and the dense rest.
struct HeadSplit {
    uint64_t sparse = 0, dense = 0;
};
HeadSplit headSplit(const EndToEndPoint& p);
// The sparse heads' mask as the GPU kernels see it (blocks of end_to_end.gpu_sparse_block).
// Only for a point with a sparse pattern.
gpu::SparseMask gpuSparseMask(const EndToEndPoint& p);

struct SystemCapacity {
    double weights = 0, kvCache = 0, activations = 0, gpuScratch = 0, pimLayout = 0;
    double required = 0, available = 0;
    bool fits = true;
};
SystemCapacity systemCapacity(const EndToEndPoint& p, const EndToEndSystem& system);
// {required_bytes, available_bytes, fits, parts {...}}
nlohmann::json capacityJson(const SystemCapacity& c);

// The largest batch (at most 2^20) at which every system of the point fits; 0 when none does.
uint32_t largestFittingBatch(EndToEndPoint p);

// Throws common::ConfigError, one line per system that does not fit, naming both figures,
// unless p.allowOvercommit.
void checkCapacity(const EndToEndPoint& p);

} // namespace pilot::platform
