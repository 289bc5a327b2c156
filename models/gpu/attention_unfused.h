// SPDX-License-Identifier: MIT
#pragma once
// `unfused` GPU attention: AttAcc's GPU methodology (scale-snu/attacc_simulator, src/model.py
// and src/devices.py), the baseline PILOT's paper compares against. Three kernels per
// attention, each a roofline point at max(compute, memory), with every score written to DRAM
// and read back (docs/gpu-attention.md):
//   score    GEMM (prefill) / GEMV (decode) Q K^T, or SDDMM for a sparse mask
//   softmax  softmaxFlopsPerElement FLOPs per score; reads and writes the scores
//   context  GEMM / GEMV P V, or SpMM for a sparse mask
// compute = flops / (peak x computeFraction x q), memory = bytes / (bandwidth x m x q), with
// m = min(memoryFraction, efficiency.memoryBandwidth) (the end-to-end run sets the latter to
// what the HBM model sustains) and AttAcc's SM quantisation q = numOp / (ceil(numOp / SMs) x
// SMs), numOp = the heads of the kernel (batch x heads).
//
// Per head (N = seq len, d = head dim, e = 2 B, S = keys attended, x = index bytes):
//   dense prefill  score   2 N^2 d FLOPs, (2 N d + N^2) e B   (the whole N x N matrix, also
//                  softmax 5 N^2,       2 N^2 e               when causal: a GEMM does not skip
//                  context 2 N^2 d,     (N^2 + 2 N d) e        the masked half)
//   sparse prefill SDDMM   2 nnz d,     N d e + G d e + nnz (x + e) + (N + 1) x
//                  softmax 5 nnz,       2 nnz e
//                  SpMM    2 nnz d,     nnz (e + x) + (N + 1) x + G d e + N d e
//                  G = key rows gathered from DRAM (models/gpu/sparse_gather.h)
//   decode         score   2 S d,       (d + S d + S) e        numOp = batch x query heads: each
//                  softmax 5 S,         2 S e                  query head reads its own K and V
//                  context 2 S d,       (S + S d + d) e        (AttAcc has no GQA; so does HF's
//                                                               eager attention, by repeat_kv)
#include "models/gpu/gpu_attention.h"

namespace pilot::gpu {

class UnfusedAttention : public GpuAttention {
  public:
    explicit UnfusedAttention(GpuConfig config) : m_config(std::move(config)) {}
    const char* name() const override { return "unfused"; }
    KernelCost prefillDense(uint64_t heads, uint64_t seqLen, uint64_t headDim, bool causal) const override;
    KernelCost prefillSparse(uint64_t heads, uint64_t headDim, const SparseMask& mask) const override;
    KernelCost decode(uint64_t batch, uint64_t heads, uint64_t kvHeads, uint64_t contextLen, uint64_t headDim,
                      uint64_t keysAttended) const override;
    double prefillDenseScratchBytes(uint64_t heads, uint64_t seqLen) const override;
    double prefillSparseScratchBytes(uint64_t heads, const SparseMask& mask) const override;

    // AttAcc's SM quantisation of a kernel of numOp independent operations.
    double smUtilisation(uint64_t numOp) const;
    // One kernel: `flops` and `bytes` of all numOp operations.
    KernelCost kernel(double flops, double bytes, uint64_t numOp) const;

  private:
    GpuConfig m_config;
};

} // namespace pilot::gpu
