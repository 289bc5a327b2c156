// SPDX-License-Identifier: MIT
#include "models/gpu/attention_unfused.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/gpu/sparse_gather.h"

namespace pilot::gpu {

double UnfusedAttention::smUtilisation(uint64_t numOp) const {
    const uint64_t sms = m_config.smCount;
    if (numOp == 0 || sms == 0)
        return 1.0;
    return double(numOp) / double((numOp + sms - 1) / sms * sms);
}

KernelCost UnfusedAttention::kernel(double flops, double bytes, uint64_t numOp) const {
    const double q = smUtilisation(numOp);
    const UnfusedAttentionConfig& u = m_config.unfused;
    const double mem = std::min(u.memoryFraction, m_config.efficiency.memoryBandwidth);
    KernelCost c;
    c.flops = flops;
    c.bytes = bytes;
    c.computeNs = flops / (m_config.peakFlopsPerNs() * u.computeFraction * q);
    c.memoryNs = bytes / (m_config.peakBytesPerNs() * mem * q);
    c.launchNs = m_config.kernelLaunchNs();
    c.bound = c.memoryNs > c.computeNs ? Bound::Memory : Bound::Compute;
    c.timeNs = std::max(c.computeNs, c.memoryNs) + c.launchNs;
    return c;
}

KernelCost UnfusedAttention::prefillDense(uint64_t heads, uint64_t seqLen, uint64_t headDim, bool) const {
    const double h = double(heads), n = double(seqLen), d = double(headDim), e = kFp16Bytes;
    const double sm = m_config.unfused.softmaxFlopsPerElement;
    return sequence({kernel(h * 2 * n * n * d, h * (2 * n * d + n * n) * e, heads),
                     kernel(h * sm * n * n, h * 2 * n * n * e, heads),
                     kernel(h * 2 * n * n * d, h * (n * n + 2 * n * d) * e, heads)});
}

KernelCost UnfusedAttention::prefillSparse(uint64_t heads, uint64_t headDim, const SparseMask& mask) const {
    const UnfusedAttentionConfig& u = m_config.unfused;
    const GatherTraffic g = gatherTraffic(uint32_t(mask.seqLen), u.sparseTileRows, m_config.smCount,
                                          headDim * kFp16Bytes, m_config.l2Bytes, mask.rowRuns);
    const double h = double(heads), n = double(mask.seqLen), d = double(headDim), e = kFp16Bytes;
    const double nnz = double(mask.nnz), x = u.indexBytes, rows = double(g.dramRows);
    const double rowPtr = (n + 1) * x;
    return sequence(
        {kernel(h * 2 * nnz * d, h * (n * d * e + rows * d * e + nnz * (x + e) + rowPtr), heads),
         kernel(h * u.softmaxFlopsPerElement * nnz, h * 2 * nnz * e, heads),
         kernel(h * 2 * nnz * d, h * (nnz * (e + x) + rowPtr + rows * d * e + n * d * e), heads)});
}

KernelCost UnfusedAttention::decode(uint64_t batch, uint64_t heads, uint64_t kvHeads, uint64_t contextLen,
                                    uint64_t headDim, uint64_t keysAttended) const {
    checkDecodeShape(heads, kvHeads, contextLen, keysAttended);
    const uint64_t numOp = batch * heads;
    const double ops = double(numOp), s = double(keysAttended), d = double(headDim), e = kFp16Bytes;
    return sequence({kernel(ops * 2 * s * d, ops * (d + s * d + s) * e, numOp),
                     kernel(ops * m_config.unfused.softmaxFlopsPerElement * s, ops * 2 * s * e, numOp),
                     kernel(ops * 2 * s * d, ops * (s + s * d + d) * e, numOp)});
}

double UnfusedAttention::prefillDenseScratchBytes(uint64_t heads, uint64_t seqLen) const {
    return double(heads) * double(seqLen) * double(seqLen) * kFp16Bytes; // softmax in place
}

double UnfusedAttention::prefillSparseScratchBytes(uint64_t heads, const SparseMask& mask) const {
    const double x = m_config.unfused.indexBytes;
    // The scores of every head; one CSR index set, shared by the heads (same mask).
    return double(heads) * double(mask.nnz) * kFp16Bytes + (double(mask.nnz) + double(mask.seqLen) + 1) * x;
}

} // namespace pilot::gpu
