// SPDX-License-Identifier: MIT
// A co-simulated system's whole-point figures from its one simulation (platform/cosim_system.h):
// the prefill layer and the sampled decode steps, multiplied by the layer count and
// interpolated over the L_out steps as the composed mode does, so both modes report the same
// fields (SystemResult).
#include <algorithm>

#include "platform/cosim_system.h"

namespace pilot::platform {

using nlohmann::json;

namespace {

// Where an attention phase's critical path went: the GPU's attention kernels (busy), the PIM
// offload's layout and transfers outside its descriptors (transfer), the rest waiting (idle).
struct AttentionSplit {
    double busy = 0, transfer = 0, idle = 0;
};
// `gpuWorkNs`: the GPU's own attention work when known (the overlapped kernel's isolation run):
// a kernel stalled beside the PIM is busy for that long and waits the rest.
AttentionSplit split(const CosimPhase& ph, double gpuWorkNs = -1) {
    AttentionSplit a;
    a.busy =
        std::min(gpuWorkNs >= 0 ? std::min(gpuWorkNs, ph.gpuAttentionNs) : ph.gpuAttentionNs, ph.attentionNs);
    a.transfer = std::clamp(ph.pimNs - ph.pimKernelNs, 0.0, ph.attentionNs - a.busy);
    a.idle = std::max(0.0, ph.attentionNs - a.busy - a.transfer);
    return a;
}

// Every decode step's value of `f`, interpolated between the sampled contexts.
template <typename F> double overSteps(const EndToEndPoint& p, const CosimMeasurement& m, F f) {
    std::vector<std::pair<double, double>> samples;
    for (size_t i = 0; i < m.decode.size(); ++i)
        samples.push_back({double(m.contexts[i]), f(m.decode[i])});
    double sum = 0;
    for (uint32_t t = 0; t < p.outLen; ++t)
        sum += interpolate(samples, double(p.seqLen) + t);
    return sum;
}

} // namespace

SystemResult composeCosim(const EndToEndPoint& p, const CosimMeasurement& m) {
    const double L = p.model.layers;
    SystemResult r;
    const CosimPhase& pf = m.prefill;
    const AttentionSplit pa = split(pf, m.overlapped && m.isolatedGpuNs > 0 ? m.isolatedGpuNs : -1);
    r.prefillAttn = {L * pf.attentionNs, L * pf.pimInternal, L * (pf.pimExternal + pf.attentionBytes)};
    r.prefillNs = L * (pf.gemmNs + pf.attentionNs);
    r.gemm = L * pf.gemmNs;
    r.attention = L * pa.busy;
    r.transfer = L * pa.transfer;
    r.idle = L * pa.idle;
    r.gpuFlops = L * (pf.gemmFlops + pf.attentionFlops);
    r.pimMacs = L * pf.pimMacs;
    double external = L * (pf.pimExternal + pf.attentionBytes + pf.gemmBytes), internal = L * pf.pimInternal;

    auto steps = [&](auto f) { return L * overSteps(p, m, f); };
    const double decodeAttn = steps([](const CosimPhase& ph) { return ph.attentionNs; });
    const double decodeInt = steps([](const CosimPhase& ph) { return ph.pimInternal; });
    const double decodeExt = steps([](const CosimPhase& ph) { return ph.pimExternal + ph.attentionBytes; });
    r.decodeAttn = {decodeAttn, decodeInt, decodeExt};
    r.gemm += steps([](const CosimPhase& ph) { return ph.gemmNs; });
    r.attention += steps([](const CosimPhase& ph) { return split(ph).busy; });
    r.transfer += steps([](const CosimPhase& ph) { return split(ph).transfer; });
    r.idle += steps([](const CosimPhase& ph) { return split(ph).idle; });
    r.gpuFlops += steps([](const CosimPhase& ph) { return ph.gemmFlops + ph.attentionFlops; });
    r.pimMacs += steps([](const CosimPhase& ph) { return ph.pimMacs; });
    external += decodeExt + steps([](const CosimPhase& ph) { return ph.gemmBytes; });
    internal += decodeInt;
    r.total = {r.gemm + r.attention + r.transfer + r.idle, internal, external};
    return r;
}

namespace {

json phaseJson(const CosimPhase& ph) {
    return {{"gemm_ns", ph.gemmNs},
            {"attention_ns", ph.attentionNs},
            {"gpu_attention_ns", ph.gpuAttentionNs},
            {"pim_ns", ph.pimNs},
            {"pim_kernel_ns", ph.pimKernelNs},
            {"gemm_flops", ph.gemmFlops},
            {"gemm_bytes", ph.gemmBytes},
            {"attention_flops", ph.attentionFlops},
            {"attention_bytes", ph.attentionBytes},
            {"pim_internal_bytes", ph.pimInternal},
            {"pim_external_bytes", ph.pimExternal},
            {"pim_macs", ph.pimMacs},
            {"contention", {{"gpu_stall_ns", ph.gpuStallNs}, {"pim_stall_ns", ph.pimStallNs}}}};
}

CosimPhase phaseFromJson(const json& j) {
    CosimPhase ph;
    ph.gemmNs = j.at("gemm_ns").get<double>();
    ph.attentionNs = j.at("attention_ns").get<double>();
    ph.gpuAttentionNs = j.at("gpu_attention_ns").get<double>();
    ph.pimNs = j.at("pim_ns").get<double>();
    ph.pimKernelNs = j.at("pim_kernel_ns").get<double>();
    ph.gemmFlops = j.at("gemm_flops").get<double>();
    ph.gemmBytes = j.at("gemm_bytes").get<double>();
    ph.attentionFlops = j.at("attention_flops").get<double>();
    ph.attentionBytes = j.at("attention_bytes").get<double>();
    ph.pimInternal = j.at("pim_internal_bytes").get<double>();
    ph.pimExternal = j.at("pim_external_bytes").get<double>();
    ph.pimMacs = j.at("pim_macs").get<double>();
    ph.gpuStallNs = j.at("contention").at("gpu_stall_ns").get<double>();
    ph.pimStallNs = j.at("contention").at("pim_stall_ns").get<double>();
    return ph;
}

} // namespace

json cosimMeasurementJson(const CosimMeasurement& m) {
    json decode = json::array();
    for (size_t i = 0; i < m.decode.size(); ++i) {
        json d = phaseJson(m.decode[i]);
        d["context"] = m.contexts[i];
        decode.push_back(d);
    }
    json prefill = phaseJson(m.prefill);
    if (m.overlapped) {
        prefill["overlap"] = {{"contended_ns", m.prefill.attentionNs}};
        if (m.isolatedPimNs > 0) // the isolation runs ran
            prefill["overlap"].update({{"gpu_alone_ns", m.isolatedGpuNs},
                                       {"pim_alone_ns", m.isolatedPimNs},
                                       {"pim_kernel_alone_ns", m.isolatedPimKernelNs},
                                       {"uncontended_ns", std::max(m.isolatedGpuNs, m.isolatedPimNs)}});
    }
    return {{"prefill", prefill}, {"decode", decode}, {"detail", m.detail}};
}

CosimMeasurement cosimMeasurementFromJson(const json& j) {
    CosimMeasurement m;
    m.prefill = phaseFromJson(j.at("prefill"));
    if (j.at("prefill").contains("overlap")) {
        m.overlapped = true;
    }
    if (j.at("prefill").contains("overlap") && j["prefill"]["overlap"].contains("pim_alone_ns")) {
        m.isolatedGpuNs = j["prefill"]["overlap"].at("gpu_alone_ns").get<double>();
        m.isolatedPimNs = j["prefill"]["overlap"].at("pim_alone_ns").get<double>();
        m.isolatedPimKernelNs = j["prefill"]["overlap"].at("pim_kernel_alone_ns").get<double>();
    }
    for (const json& d : j.at("decode")) {
        m.decode.push_back(phaseFromJson(d));
        m.contexts.push_back(d.at("context").get<uint32_t>());
    }
    m.detail = j.at("detail");
    return m;
}

} // namespace pilot::platform
