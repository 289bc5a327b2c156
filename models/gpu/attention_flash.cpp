// SPDX-License-Identifier: MIT
#include "models/gpu/attention_flash.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace pilot::gpu {

namespace {

KernelCost point(const GpuConfig& g, double flops, double bytes, double computeNs, double memFraction) {
    KernelCost c;
    c.flops = flops;
    c.bytes = bytes;
    c.computeNs = computeNs;
    c.memoryNs = bytes / (g.peakBytesPerNs() * memFraction);
    c.launchNs = g.kernelLaunchNs();
    c.bound = c.memoryNs > c.computeNs ? Bound::Memory : Bound::Compute;
    c.timeNs = std::max(c.computeNs, c.memoryNs) + c.launchNs;
    return c;
}

double denseFlops(double heads, double n, double d, bool causal) {
    return heads * 4.0 * n * n * d / (causal ? 2.0 : 1.0);
}

} // namespace

KernelCost FlashAttention::prefillDense(uint64_t heads, uint64_t seqLen, uint64_t headDim,
                                        bool causal) const {
    const double h = double(heads), n = double(seqLen), d = double(headDim);
    const double flops = denseFlops(h, n, d, causal);
    const double computeNs = flops / (m_config.peakFlopsPerNs() * m_config.flash.prefillDenseFraction);
    return point(m_config, flops, h * 4.0 * n * d * kFp16Bytes, computeNs,
                 m_config.efficiency.memoryBandwidth);
}

double FlashAttention::sparseRuntimeShare(const SparseMask& mask) const {
    if (mask.blockSize == 0)
        throw std::invalid_argument("prefillSparse: blockSize must be > 0");
    const double nb = std::ceil(double(mask.seqLen) / double(mask.blockSize));
    const double blocks = mask.causal ? nb * (nb + 1) / 2 : nb * nb;
    if (double(mask.nnzBlocks) > nb * nb)
        throw std::invalid_argument("prefillSparse: " + std::to_string(mask.nnzBlocks) +
                                    " nonzero blocks exceed the " + std::to_string(uint64_t(nb * nb)) +
                                    " blocks");
    const double sparsity = std::clamp(1.0 - double(mask.nnzBlocks) / blocks, 0.0, 1.0);
    double share = std::max(0.0, curveAt(m_config.flash.blockSparseRuntime, sparsity));
    if (mask.streaming && !m_config.flash.streamingHalfRuntime.empty()) {
        double k = 0;
        for (const auto& [n, r] : m_config.flash.streamingHalfRuntime)
            k += (2.0 * r - 1.0) * n;
        k /= double(m_config.flash.streamingHalfRuntime.size());
        share = std::max(share, std::min(1.0, k / double(mask.seqLen)));
    }
    return share;
}

KernelCost FlashAttention::prefillSparse(uint64_t heads, uint64_t headDim, const SparseMask& mask) const {
    const double share = sparseRuntimeShare(mask);
    const double h = double(heads), n = double(mask.seqLen), d = double(headDim), b = double(mask.blockSize);
    const double denseNs =
        denseFlops(h, n, d, mask.causal) / (m_config.peakFlopsPerNs() * m_config.flash.prefillDenseFraction);
    const double flops = h * 4.0 * double(mask.nnz) * d; // the attended cells' work
    const double bytes = h * (2.0 * n * d + double(mask.nnzBlocks) * 2.0 * b * d) * kFp16Bytes;
    return point(m_config, flops, bytes, share * denseNs, m_config.efficiency.memoryBandwidth);
}

double FlashAttention::decodeBandwidthFraction(uint64_t batch, uint64_t contextLen) const {
    const FlashAttentionConfig& f = m_config.flash;
    if (batch >= f.decodeBatchedFrom)
        return f.decodeBandwidthBatched;
    const double one = std::clamp(curveAt(f.decodeBandwidthBatch1, double(contextLen)), 0.01, 1.0);
    const double t = std::log2(double(std::max<uint64_t>(1, batch))) / std::log2(double(f.decodeBatchedFrom));
    return one + (f.decodeBandwidthBatched - one) * t;
}

KernelCost FlashAttention::decode(uint64_t batch, uint64_t heads, uint64_t kvHeads, uint64_t contextLen,
                                  uint64_t headDim, uint64_t keysAttended) const {
    checkDecodeShape(heads, kvHeads, contextLen, keysAttended);
    const double bt = double(batch), h = double(heads), hkv = double(kvHeads);
    const double s = double(keysAttended), d = double(headDim);
    const double flops = bt * 4.0 * h * s * d;
    const double bytes = bt * (2.0 * hkv * s * d + 2.0 * h * d) * kFp16Bytes;
    const double computeNs = flops / (m_config.peakFlopsPerNs() * m_config.flash.prefillDenseFraction);
    const double mem =
        std::min(decodeBandwidthFraction(batch, contextLen), m_config.efficiency.memoryBandwidth);
    return point(m_config, flops, bytes, computeNs, mem);
}

} // namespace pilot::gpu
