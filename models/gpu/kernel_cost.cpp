// SPDX-License-Identifier: MIT
#include "models/gpu/kernel_cost.h"

#include <algorithm>
#include <stdexcept>
#include <string>

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

KernelCost KernelCostModel::prefillAttentionDense(uint64_t batch, uint64_t heads, uint64_t seqLen,
                                                  uint64_t headDim, bool causal) const {
    const double bh = double(batch) * double(heads);
    const double n = double(seqLen), d = double(headDim);
    double flops = bh * 4.0 * n * n * d;
    if (causal)
        flops /= 2.0;
    const double bytes = bh * 4.0 * n * d * kFp16Bytes;
    return roofline(flops, bytes, m_config.efficiency.prefillAttentionDense);
}

KernelCost KernelCostModel::prefillAttentionBlockSparse(uint64_t batch, uint64_t heads, uint64_t seqLen,
                                                        uint64_t headDim, uint64_t nnzBlocks,
                                                        uint64_t blockSize) const {
    if (blockSize == 0)
        throw std::invalid_argument("prefillAttentionBlockSparse: blockSize must be > 0");
    const uint64_t blockRows = (seqLen + blockSize - 1) / blockSize;
    if (nnzBlocks > blockRows * blockRows)
        throw std::invalid_argument("prefillAttentionBlockSparse: " + std::to_string(nnzBlocks) +
                                    " nonzero blocks exceed the " + std::to_string(blockRows * blockRows) +
                                    " blocks of a " + std::to_string(seqLen) + "-token score matrix");
    const double bh = double(batch) * double(heads);
    const double n = double(seqLen), d = double(headDim), b = double(blockSize), nnz = double(nnzBlocks);
    const double flops = bh * nnz * 4.0 * b * b * d;
    const double bytes = bh * (2.0 * n * d + nnz * 2.0 * b * d) * kFp16Bytes;
    return roofline(flops, bytes, m_config.efficiency.prefillAttentionBlockSparse);
}

KernelCost KernelCostModel::decodeAttention(uint64_t batch, uint64_t heads, uint64_t kvHeads,
                                            uint64_t contextLen, uint64_t headDim,
                                            uint64_t keysAttended) const {
    if (kvHeads == 0 || heads % kvHeads != 0)
        throw std::invalid_argument("decodeAttention: kvHeads (" + std::to_string(kvHeads) +
                                    ") must be > 0 and divide heads (" + std::to_string(heads) + ")");
    if (keysAttended > contextLen)
        throw std::invalid_argument("decodeAttention: keysAttended (" + std::to_string(keysAttended) +
                                    ") exceeds the context length (" + std::to_string(contextLen) + ")");
    const double bt = double(batch), h = double(heads), hkv = double(kvHeads);
    const double s = double(keysAttended), d = double(headDim);
    const double flops = bt * 4.0 * h * s * d;
    const double bytes = bt * (2.0 * hkv * s * d + 2.0 * h * d) * kFp16Bytes;
    return roofline(flops, bytes, m_config.efficiency.decodeAttention);
}

} // namespace pilot::gpu
