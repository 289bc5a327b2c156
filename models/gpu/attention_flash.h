// SPDX-License-Identifier: MIT
#pragma once
// `flash` GPU attention: today's fused kernels at the efficiency published measurements give
// (docs/gpu-attention.md; every number in the GPU config's attention.flash, with its source).
//   dense prefill    FlashAttention-2 (A100) / -3 (H100): FLOPs 4 N^2 d per head (halved when
//                    causal) at prefillDenseFraction of peak; bytes 4 N d e (Q, K, V read, O
//                    written once).
//   sparse prefill   block-sparse kernels (Block-Sparse-Attention): runtime = the dense
//                    kernel's (same causality) x blockSparseRuntime(sparsity), sparsity = the
//                    empty blocks of the mask's block view over the blocks the dense kernel
//                    computes (N_b^2, or N_b (N_b + 1) / 2 when causal), N_b = ceil(N / b).
//                    DuoAttention streaming heads: the larger of that and the measured streaming
//                    share: with half the heads streaming the published runtime is r(N) of
//                    dense, so a streaming head costs (2 r - 1) of a dense one; the published
//                    points all give the same (2 r - 1) N (a fixed cost per query row, as a
//                    fixed window implies), which the model keeps: share = min(1, K / N),
//                    K = mean of (2 r_i - 1) N_i.
//                    Bytes: Q read and O written once, each nonzero block's K and V read once.
//   decode           FlashInfer / FlashDecoding: FLOPs 4 H S d, bytes (2 Hkv S d + 2 H d) e per
//                    sequence (K and V once per KV head: GQA groups share them); memory at the
//                    measured fraction of peak bandwidth: the batch-1 curve over the context,
//                    the plateau from decodeBatchedFrom on, between them linear in log2(batch);
//                    never above efficiency.memoryBandwidth (what the HBM model sustains).
#include "models/gpu/gpu_attention.h"

namespace pilot::gpu {

class FlashAttention : public GpuAttention {
  public:
    explicit FlashAttention(GpuConfig config) : m_config(std::move(config)) {}
    const char* name() const override { return "flash"; }
    KernelCost prefillDense(uint64_t heads, uint64_t seqLen, uint64_t headDim, bool causal) const override;
    KernelCost prefillSparse(uint64_t heads, uint64_t headDim, const SparseMask& mask) const override;
    KernelCost decode(uint64_t batch, uint64_t heads, uint64_t kvHeads, uint64_t contextLen, uint64_t headDim,
                      uint64_t keysAttended) const override;
    double prefillDenseScratchBytes(uint64_t, uint64_t) const override { return 0; }
    double prefillSparseScratchBytes(uint64_t, const SparseMask&) const override { return 0; }

    // Runtime of a sparse head relative to a dense head of the same length and causality.
    double sparseRuntimeShare(const SparseMask& mask) const;
    // Fraction of peak bandwidth a decode step reaches (before the HBM model's ceiling).
    double decodeBandwidthFraction(uint64_t batch, uint64_t contextLen) const;

  private:
    GpuConfig m_config;
};

} // namespace pilot::gpu
