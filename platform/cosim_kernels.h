// SPDX-License-Identifier: MIT
#pragma once
// The GPU kernels of one layer as the co-simulation launches them (models/gpu/gpu_engine.h):
// each kernel's compute time and memory floor from the GPU cost models (models/gpu/kernel_cost.h,
// gpu_attention.h), its traffic the simulated channels' share of the kernel's DRAM bytes (the
// channels are interleaved, so every channel carries the same share: the same replication the
// PIM's timing-only runs use).
#include <cstdint>
#include <string>
#include <vector>

#include "models/gpu/gpu_engine.h"
#include "models/gpu/kernel_cost.h"
#include "platform/model_config.h"

namespace pilot::platform {

// A kernel as launched, with the cost model's whole-system FLOPs and DRAM bytes.
struct CosimKernel {
    gpu::GpuKernelLaunch launch;
    double flops = 0, bytes = 0;
};

class CosimGpuKernels {
  public:
    // `share`: simulated channels over all channels, in (0, 1].
    explicit CosimGpuKernels(double share) : m_share(share) {}
    double share() const { return m_share; }

    // One kernel: the cost's compute and memory times, its bytes on the simulated channels, of
    // which `writeBytes` (whole-system) are writes.
    CosimKernel launch(const gpu::KernelCost& k, const std::string& name, const std::string& phase,
                       double writeBytes) const;
    // The layer's weight GEMMs for `tokens` tokens: `before` gets the QKV projection, `after` the
    // O projection and the FFN.
    void gemms(const gpu::KernelCostModel& g, const ModelConfig& m, uint64_t tokens, const std::string& phase,
               std::vector<CosimKernel>& before, std::vector<CosimKernel>& after) const;

  private:
    double m_share;
};

} // namespace pilot::platform
