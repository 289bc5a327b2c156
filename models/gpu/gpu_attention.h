// SPDX-License-Identifier: MIT
#pragma once
// The GPU's attention kernels, as named implementations a scenario chooses with
// `/workload/gpu_attention` (docs/gpu-attention.md):
//   unfused  AttAcc's methodology, the one PILOT's paper compares against: score GEMM/GEMV (or
//            SDDMM), softmax through DRAM, context GEMM/GEMV (or SpMM), each a roofline point
//            (models/gpu/attention_unfused.h);
//   flash    today's fused kernels at their published measured efficiency: FlashAttention-2/3
//            prefill, block-sparse and streaming prefill, FlashInfer decode
//            (models/gpu/attention_flash.h).
// Pure arithmetic on a GpuConfig; no SystemC. A new implementation is one class and one entry
// of the factory (gpu_attention.cpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/gpu/kernel_cost.h"

namespace pilot::gpu {

// One head's sparse prefill mask, as the GPU kernels see it (the same for every head).
struct SparseMask {
    uint64_t seqLen = 0;
    uint64_t nnz = 0;       // attended cells
    uint64_t blockSize = 0; // of the block-sparse view
    uint64_t nnzBlocks = 0; // blocks of blockSize x blockSize with an attended cell
    bool streaming = false; // a DuoAttention streaming head (sink + recent window)
    bool causal = false;    // the mask allows only keys <= the query
    // Attended keys of a query row as sorted [begin, end) runs; the unfused kernels gather by it.
    std::function<std::vector<std::pair<uint32_t, uint32_t>>(uint32_t row)> rowRuns;
};

class GpuAttention {
  public:
    virtual ~GpuAttention() = default;
    virtual const char* name() const = 0;
    // Prefill of `heads` (batch x heads) dense heads of seqLen tokens.
    virtual KernelCost prefillDense(uint64_t heads, uint64_t seqLen, uint64_t headDim, bool causal) const = 0;
    // Prefill of `heads` sparse heads, each with `mask`.
    virtual KernelCost prefillSparse(uint64_t heads, uint64_t headDim, const SparseMask& mask) const = 0;
    // One decode step: one query per sequence and head over `keysAttended` of the cached keys
    // (all of them for dense heads, sink + window for streaming ones). kvHeads divides heads.
    virtual KernelCost decode(uint64_t batch, uint64_t heads, uint64_t kvHeads, uint64_t contextLen,
                              uint64_t headDim, uint64_t keysAttended) const = 0;
    // DRAM the prefill kernels need beyond Q, K, V and O (the unfused score matrices).
    virtual double prefillDenseScratchBytes(uint64_t heads, uint64_t seqLen) const = 0;
    virtual double prefillSparseScratchBytes(uint64_t heads, const SparseMask& mask) const = 0;
};

// "unfused" | "flash"; nullptr for another name.
std::unique_ptr<GpuAttention> makeGpuAttention(const std::string& name, const GpuConfig& config);
const std::vector<const char*>& gpuAttentionNames();

// A published curve read at x: linear between its points, along the first (last) segment
// before (after) them; a one-point curve is constant.
double curveAt(const Curve& c, double x);
// Both implementations' decode: throws std::invalid_argument unless kvHeads divides heads and
// keysAttended <= contextLen.
void checkDecodeShape(uint64_t heads, uint64_t kvHeads, uint64_t contextLen, uint64_t keysAttended);

// Sum of kernels run one after another (times, FLOPs, bytes and launches add up); the bound is
// the one of the larger sum.
KernelCost sequence(const std::vector<KernelCost>& kernels);

} // namespace pilot::gpu
