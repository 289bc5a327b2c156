// SPDX-License-Identifier: MIT
#pragma once
// Roofline cost of the GPU's weight GEMMs, and the roofline point every GPU kernel model
// builds on (the attention kernels: models/gpu/gpu_attention.h). Pure arithmetic on a
// GpuConfig; no SystemC.
//
// A kernel is one roofline point (times in ns):
//   computeNs = flops / (peak FP16 FLOP/s x efficiency of the kernel class)
//   memoryNs  = bytes / (peak DRAM bandwidth x efficiency.memoryBandwidth)
//   timeNs    = max(computeNs, memoryNs) + kernel launch
// `bytes` is DRAM traffic. FP16 operands unless stated otherwise.
//   gemm(m, n, k)   flops = 2 m n k
//                   bytes = (m k + k n + m n) e      (A, B read once, C written once)
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
    // The roofline point of `flops` and `bytes` at the given compute efficiency.
    KernelCost roofline(double flops, double bytes, double computeEfficiency) const;

  private:
    GpuConfig m_config;
};

} // namespace pilot::gpu
