// SPDX-License-Identifier: MIT
#pragma once
// Roofline cost of the GPU kernels the platform's GPU side runs: GEMMs, FlashAttention-style
// prefill attention (dense and block-sparse) and FlashDecoding-style decode attention.
// Pure arithmetic on a GpuConfig; no SystemC.
//
// Every kernel is one roofline point (times in ns):
//   computeNs = flops / (peak FP16 FLOP/s x efficiency of the kernel class)
//   memoryNs  = bytes / (peak DRAM bandwidth x efficiency.memoryBandwidth)
//   timeNs    = max(computeNs, memoryNs) + kernel launch
// `bytes` is DRAM traffic: what the kernel must move between HBM and the SMs, assuming tiles
// stay on chip while they are reused (no L2 model). FP16 operands unless stated otherwise.
//
// Formulas (B = batch, H = query heads, Hkv = KV heads, N = sequence length, d = head dim,
// e = bytes per element, b = block size, nnz = nonzero blocks per head, S = keys attended):
//   gemm(m, n, k)                 flops = 2 m n k
//                                 bytes = (m k + k n + m n) e      (A, B read once, C written once)
//   prefillAttentionDense         flops = B H 4 N^2 d              (Q K^T and P V, 2 N^2 d each),
//                                         halved when causal (half of the score matrix)
//                                 bytes = B H 4 N d 2               (Q, K, V read once, O written once)
//   prefillAttentionBlockSparse   flops = B H nnz 4 b^2 d           (only the nonzero b x b blocks)
//                                 bytes = B H (2 N d + nnz 2 b d) 2 (Q read and O written once;
//                                         each nonzero block reads its K and V block once)
//                                 With every block nonzero (nnz = (N / b)^2) the FLOPs equal the
//                                 dense kernel's; the K/V traffic is then N / b times the dense
//                                 kernel's, which assumes K/V are re-read from DRAM per block row.
//   decodeAttention               flops = B 4 H S d                 (q K^T and p V for one query)
//                                 bytes = B (2 Hkv S d + 2 H d) 2   (K and V of each KV head read
//                                         once for its whole GQA group of H / Hkv query heads, as
//                                         FlashDecoding does; q read and o written once per head)
//                                 Intensity is about H / Hkv FLOP/B: memory-bound on any GPU here.
#include <cstdint>
#include <utility>

#include "models/gpu/gpu_config.h"

namespace pilot::gpu {

inline constexpr uint32_t kFp16Bytes = 2;

enum class Bound { Compute, Memory };
const char* boundName(Bound bound); // "compute" | "memory"

struct KernelCost {
    double computeNs = 0; // flops / (peak x kernel efficiency)
    double memoryNs = 0;  // bytes / (bandwidth x memory efficiency)
    double launchNs = 0;
    double timeNs = 0; // max(computeNs, memoryNs) + launchNs
    double flops = 0;
    double bytes = 0;             // DRAM traffic
    Bound bound = Bound::Compute; // the larger term; compute on a tie
};

class KernelCostModel {
  public:
    explicit KernelCostModel(GpuConfig config) : m_config(std::move(config)) {}
    const GpuConfig& config() const { return m_config; }

    // C[m x n] = A[m x k] B[k x n]; uses efficiency.gemm.
    KernelCost gemm(uint64_t m, uint64_t n, uint64_t k, uint32_t bytesPerElement = kFp16Bytes) const;
    // FlashAttention-2-like fused prefill; uses efficiency.prefillAttentionDense.
    KernelCost prefillAttentionDense(uint64_t batch, uint64_t heads, uint64_t seqLen, uint64_t headDim,
                                     bool causal) const;
    // Block-sparse FlashAttention: `nnzBlocks` nonzero blockSize x blockSize blocks in each head's
    // score matrix (the same pattern for every head and batch element); at most
    // ceil(seqLen / blockSize)^2. Uses efficiency.prefillAttentionBlockSparse.
    // Throws std::invalid_argument for blockSize 0 or too many blocks.
    KernelCost prefillAttentionBlockSparse(uint64_t batch, uint64_t heads, uint64_t seqLen, uint64_t headDim,
                                           uint64_t nnzBlocks, uint64_t blockSize) const;
    // FlashDecoding-like attention of one new query per sequence over `keysAttended` of the
    // `contextLen` cached keys (all of them for dense heads, window + sinks for sparse heads).
    // Uses efficiency.decodeAttention. Throws std::invalid_argument unless kvHeads divides heads
    // and keysAttended <= contextLen.
    KernelCost decodeAttention(uint64_t batch, uint64_t heads, uint64_t kvHeads, uint64_t contextLen,
                               uint64_t headDim, uint64_t keysAttended) const;

    // The roofline point of `flops` and `bytes` at the given compute efficiency.
    KernelCost roofline(double flops, double bytes, double computeEfficiency) const;

  private:
    GpuConfig m_config;
};

} // namespace pilot::gpu
