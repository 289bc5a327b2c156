// SPDX-License-Identifier: MIT
#include "platform/end_to_end_systems.h"

#include <algorithm>
#include <cmath>

namespace pilot::platform {

using nlohmann::json;

namespace {

// ---------------------------------------------------------------- sub-simulations

// PIM decode at every sampled context.
void planPimDecode(SubSimulationPlan& plan, const std::string& system, const PimSubOptions& o) {
    for (uint32_t c : plan.contexts())
        plan.add("decode-" + system + "-" + std::to_string(c), decodeSubScenario(plan.point(), c, o));
}

void planNothing(const EndToEndSystem&, SubSimulationPlan&) {}

// PILOT: the sparse heads' prefill attention and the decode attention on the PIM.
void planPilot(const EndToEndSystem& self, SubSimulationPlan& plan) {
    if (plan.point().sparsePrefill())
        plan.add(std::string("prefill-") + self.name, prefillSubScenario(plan.point(), self.naive));
    planPimDecode(plan, self.name, {plan.point().memspec, self.naive, false});
}

// AttAcc's own kernel (DECODE_ATTN_ATTACC): GEMV units reading the open row, softmax in the
// buffer die, every query head reading its own K and V (no GQA reuse). Power rules are the
// memspec's, the same for every PIM system (pim.all_bank_power_limit applies to all or none).
void planAttAcc(const EndToEndSystem& self, SubSimulationPlan& plan) {
    planPimDecode(plan, self.name, {plan.point().memspec, self.naive, true});
}

double kernelsSum(const json& r, const char* key) {
    double s = 0;
    for (const auto& k : r["kernels"])
        s += k.value(key, 0.0);
    return s;
}

// ---------------------------------------------------------------- prefill placements

// Block-sparse attention for the sparse heads and FlashAttention for the rest, all on the GPU.
PrefillAttention prefillOnGpu(const EndToEndSystem&, const CompositionInputs& in, SystemResult& r) {
    PrefillAttention a;
    a.crit = a.busy = in.gpuPrefillSparse.ns + in.gpuPrefillDense.ns;
    a.external = in.gpuPrefillSparse.bytes + in.gpuPrefillDense.bytes;
    r.gpuFlops += in.layers * (in.gpuPrefillSparse.flops + in.gpuPrefillDense.flops);
    return a;
}

// The sparse heads on the PIM (their sub-simulation), overlapped with the GPU's dense heads;
// with no sparse heads, all on the GPU.
PrefillAttention prefillSparseOnPim(const EndToEndSystem& self, const CompositionInputs& in,
                                    SystemResult& r) {
    if (!in.p.sparsePrefill())
        return prefillOnGpu(self, in, r);
    const json& pr = in.sub.at(std::string("prefill-") + self.name);
    const double pimNs = pr["prefill_attention_ns"].get<double>();
    PrefillAttention a;
    a.busy = in.gpuPrefillDense.ns; // the GPU's dense heads, overlapped
    a.crit = std::max(pimNs, in.gpuPrefillDense.ns);
    a.idle = a.crit - a.busy;
    a.external = kernelsSum(pr, "external_bytes");
    a.transfer = a.external / in.bwBytesPerNs; // Q, K, V (with the layout's copies) in, O out
    a.internal = kernelsSum(pr, "internal_bytes");
    a.external += in.gpuPrefillDense.bytes;
    r.gpuFlops += in.layers * in.gpuPrefillDense.flops;
    r.pimMacs += in.layers * double(in.sparseHeads) * double(in.sparseNnz) * in.p.model.headDim * 2;
    return a;
}

// ---------------------------------------------------------------- decode placements

// Every step on the PIM, its time and bytes interpolated between the sampled contexts; the GPU
// waits for it (the next GEMM needs the attention output).
DecodeAttention decodeOnPim(const EndToEndSystem& self, const CompositionInputs& in, SystemResult& r) {
    const EndToEndPoint& p = in.p;
    const auto& m = p.model;
    std::vector<std::pair<double, double>> pimNs, pimInt, pimExt;
    for (uint32_t c : in.contexts) {
        const json& dr = in.sub.at("decode-" + std::string(self.name) + "-" + std::to_string(c));
        pimNs.push_back({double(c), dr["decode_attention_ns"].get<double>()});
        pimInt.push_back({double(c), kernelsSum(dr, "internal_bytes")});
        pimExt.push_back({double(c), kernelsSum(dr, "external_bytes")});
    }
    DecodeAttention d;
    for (uint32_t t = 0; t < p.outLen; ++t) {
        const double c = double(p.seqLen) + t;
        const double ns = interpolate(pimNs, c);
        d.ns += ns;
        d.idle += ns;
        d.internal += interpolate(pimInt, c);
        const double ext =
            interpolate(pimExt, c) + double(p.batch) * m.kvBytesPerTokenPerLayer(); // q, o; new K, V
        d.external += ext;
        d.transfer += ext / in.bwBytesPerNs;
        const double keys = in.sparseDecode ? (1.0 - in.sparseShare) * c +
                                                  in.sparseShare * std::min<double>(c, in.sink + in.window)
                                            : c;
        r.pimMacs += in.layers * double(p.batch) * m.heads * keys * m.headDim * 2;
    }
    return d;
}

// Every step on the GPU, with the scenario's attention kernels; streaming heads attend only
// sink + window.
DecodeAttention decodeOnGpu(const EndToEndSystem&, const CompositionInputs& in, SystemResult& r) {
    const EndToEndPoint& p = in.p;
    const auto& m = p.model;
    DecodeAttention d;
    for (uint32_t t = 0; t < p.outLen; ++t) {
        const uint64_t ci = uint64_t(double(p.seqLen) + t);
        GpuWork a;
        const double dShare = 1.0 - (in.sparseDecode ? in.sparseShare : 0.0);
        const gpu::KernelCost dense = in.attention->decode(p.batch, m.heads, m.kvHeads, ci, m.headDim, ci);
        a.ns += dShare * dense.timeNs;
        a.bytes += dShare * dense.bytes;
        a.flops += dShare * dense.flops;
        if (in.sparseDecode) {
            const gpu::KernelCost sp = in.attention->decode(p.batch, m.heads, m.kvHeads, ci, m.headDim,
                                                            std::min<uint64_t>(ci, in.sink + in.window));
            a.ns += in.sparseShare * sp.timeNs;
            a.bytes += in.sparseShare * sp.bytes;
            a.flops += in.sparseShare * sp.flops;
        }
        d.ns += a.ns;
        d.busy += a.ns;
        d.external += a.bytes;
        r.gpuFlops += in.layers * a.flops;
    }
    return d;
}

} // namespace

const std::vector<EndToEndSystem>& endToEndSystems() {
    //                                          name    baseline naive  sub-simulations prefill  decode
    static const std::vector<EndToEndSystem> kEndToEndSystems = {
        {"gpu", true, false, planNothing, prefillOnGpu, decodeOnGpu},
        {"attacc", true, false, planAttAcc, prefillOnGpu, decodeOnPim},
        {"pilot", false, false, planPilot, prefillSparseOnPim, decodeOnPim},
        {"pilot-naive", false, true, planPilot, prefillSparseOnPim, decodeOnPim},
    };
    return kEndToEndSystems;
}

const EndToEndSystem* endToEndSystemNamed(const std::string& name) {
    for (const EndToEndSystem& s : endToEndSystems())
        if (name == s.name)
            return &s;
    return nullptr;
}

double interpolate(const std::vector<std::pair<double, double>>& samples, double c) {
    if (samples.size() == 1)
        return samples[0].second;
    for (size_t i = 1; i < samples.size(); ++i)
        if (c <= samples[i].first || i + 1 == samples.size()) {
            const auto& [x0, y0] = samples[i - 1];
            const auto& [x1, y1] = samples[i];
            return x1 == x0 ? y0 : y0 + (y1 - y0) * (c - x0) / (x1 - x0);
        }
    return samples.back().second;
}

bool decodesOnPim(const EndToEndSystem& system) {
    return system.decode == decodeOnPim;
}

bool usesAttAccKernel(const EndToEndSystem& system) {
    return system.plan == planAttAcc;
}

bool prefillsOnPim(const EndToEndSystem& system) {
    return system.prefill == prefillSparseOnPim;
}

std::string endToEndSystemNames() {
    std::string names;
    for (const EndToEndSystem& s : endToEndSystems())
        names += (names.empty() ? "" : ", ") + std::string(s.name);
    return names;
}

} // namespace pilot::platform
