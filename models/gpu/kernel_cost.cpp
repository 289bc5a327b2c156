// SPDX-License-Identifier: MIT
#include "models/gpu/kernel_cost.h"

#include <algorithm>

namespace pilot::gpu {

const char* boundName(Bound bound) {
    return bound == Bound::Memory ? "memory" : "compute";
}

KernelCost KernelCostModel::roofline(double flops, double bytes, double computeEfficiency) const {
    KernelCost c;
    c.flops = flops;
    c.bytes = bytes;
    c.computeNs = flops / (m_config.peakFlopsPerNs() * computeEfficiency);
    c.memoryNs = bytes / (m_config.peakBytesPerNs() * m_config.efficiency.memoryBandwidth);
    c.launchNs = m_config.kernelLaunchNs();
    c.bound = c.memoryNs > c.computeNs ? Bound::Memory : Bound::Compute;
    c.timeNs = std::max(c.computeNs, c.memoryNs) + c.launchNs;
    return c;
}

KernelCost KernelCostModel::gemm(uint64_t m, uint64_t n, uint64_t k, uint32_t bytesPerElement) const {
    const double dm = double(m), dn = double(n), dk = double(k);
    const double flops = 2.0 * dm * dn * dk;
    const double bytes = (dm * dk + dk * dn + dm * dn) * bytesPerElement;
    return roofline(flops, bytes, m_config.efficiency.gemm);
}

} // namespace pilot::gpu
