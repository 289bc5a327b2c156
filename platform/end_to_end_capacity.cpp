// SPDX-License-Identifier: MIT
#include "platform/end_to_end_capacity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "models/common/config_error.h"
#include "models/hbm/memspec.h"
#include "platform/end_to_end_systems.h"
#include "platform/shipped_defaults.h"

namespace pilot::platform {

using nlohmann::json;

HeadSplit headSplit(const EndToEndPoint& p) {
    const uint64_t all = uint64_t(p.batch) * p.model.heads;
    const double share = p.sparsePrefill() ? p.spec.headFraction : 0.0;
    HeadSplit h;
    h.sparse = uint64_t(std::llround(double(all) * share));
    h.dense = all - h.sparse;
    return h;
}

gpu::SparseMask gpuSparseMask(const EndToEndPoint& p) {
    auto pat = std::make_shared<host::HybridPattern>(p.spec.mask(p.seqLen));
    gpu::SparseMask m;
    m.seqLen = p.seqLen;
    m.nnz = pat->nnz();
    m.blockSize = shippedDefaults()["end_to_end"]["gpu_sparse_block"].get<uint32_t>();
    m.nnzBlocks = pat->toBlockCsr(uint32_t(m.blockSize)).nnzBlocks;
    m.streaming = p.spec.kind == host::PatternKind::Streaming;
    m.causal = pat->causal;
    m.rowRuns = [pat](uint32_t row) { return pat->rowRanges(row); };
    return m;
}

SystemCapacity systemCapacity(const EndToEndPoint& p, const EndToEndSystem& system) {
    const ModelConfig& m = p.model;
    const double e = 2; // FP16
    SystemCapacity c;
    c.weights =
        e * (double(m.layers + m.decoderLayers) * double(m.paramsPerLayer()) + double(m.embeddingParams()));
    c.kvCache =
        double(p.batch) * double(p.seqLen + p.outLen) * m.layers * double(m.kvBytesPerTokenPerLayer());
    const double qkv = double(m.heads + 2 * m.kvHeads) * m.headDim;
    const double up = double(m.ffn) * (m.ffnKind == FfnKind::SwiGlu ? 2 : 1);
    c.activations = double(p.batch) * p.seqLen * (2.0 * m.hidden + qkv + up) * e;

    const HeadSplit heads = headSplit(p);
    const bool pimPrefill = prefillsOnPim(system) && heads.sparse > 0;
    const std::unique_ptr<gpu::GpuAttention> attn = gpu::makeGpuAttention(p.gpuAttention, p.gpu);
    if (heads.dense)
        c.gpuScratch += attn->prefillDenseScratchBytes(heads.dense, p.seqLen);
    if (heads.sparse && !pimPrefill)
        c.gpuScratch += attn->prefillSparseScratchBytes(heads.sparse, gpuSparseMask(p));

    const hbm::Memspec ms = hbm::loadMemspec(p.memspec);
    const hbm::Organisation& o = ms.org;
    if (pimPrefill) {
        const double groups = double(p.stacks) * o.pcsPerStack() * o.sids * o.bankGroups;
        const double inFlight = std::min(double(heads.sparse), groups);
        c.pimLayout = inFlight * (2.0 + 2.0 * o.banksPerGroup) * p.seqLen * m.headDim * e;
    }
    c.required = c.weights + c.kvCache + c.activations + c.gpuScratch + c.pimLayout;
    c.available = double(p.stacks) * double(o.bytesPerStack());
    if (std::string(system.name) == "gpu")
        c.available = std::min(c.available, double(p.gpu.memoryCapacityBytes));
    c.fits = c.required <= c.available;
    return c;
}

json capacityJson(const SystemCapacity& c) {
    auto b = [](double v) { return uint64_t(std::llround(v)); };
    return json{{"required_bytes", b(c.required)},
                {"available_bytes", b(c.available)},
                {"fits", c.fits},
                {"parts",
                 {{"weights", b(c.weights)},
                  {"kv_cache", b(c.kvCache)},
                  {"activations", b(c.activations)},
                  {"gpu_scratch", b(c.gpuScratch)},
                  {"pim_layout", b(c.pimLayout)}}}};
}

uint32_t largestFittingBatch(EndToEndPoint p) {
    auto fits = [&](uint32_t batch) {
        p.batch = batch;
        for (const EndToEndSystem* s : p.systems)
            if (!systemCapacity(p, *s).fits)
                return false;
        return true;
    };
    uint32_t lo = 0, hi = 1u << 20; // the working set grows with the batch: lo fits, hi + 1 does not
    if (fits(hi))
        return hi;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo + 1) / 2;
        if (fits(mid))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

void checkCapacity(const EndToEndPoint& p) {
    if (p.allowOvercommit)
        return;
    common::IssueList issues(p.file);
    for (const EndToEndSystem* s : p.systems) {
        const SystemCapacity c = systemCapacity(p, *s);
        if (c.fits)
            continue;
        char buf[400];
        std::snprintf(
            buf, sizeof buf,
            "system \"%s\" (gpu_attention \"%s\") needs %.0f B (%.1f GB: weights %.1f, KV cache %.1f, "
            "activations %.1f, GPU scratch %.1f, PIM layout %.1f) but the memory holds %.0f B (%.1f GB); "
            "set /workload/allow_overcommit to true to run it anyway",
            s->name, p.gpuAttention.c_str(), c.required, c.required * 1e-9, c.weights * 1e-9,
            c.kvCache * 1e-9, c.activations * 1e-9, c.gpuScratch * 1e-9, c.pimLayout * 1e-9, c.available,
            c.available * 1e-9);
        issues.add("/workload/batch", buf);
    }
    issues.throwIfAny();
}

} // namespace pilot::platform
