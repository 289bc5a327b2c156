// SPDX-License-Identifier: MIT
#include "platform/end_to_end.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "platform/end_to_end_systems.h"
#include "platform/shipped_defaults.h"

namespace pilot::platform {

using nlohmann::json;

namespace {

// Every sub-simulation's results by key: the HBM stream first, then each system's.
std::map<std::string, json> runSubSimulations(SubSimulationPlan& plan, const SubSimulator& run,
                                              size_t& count) {
    planSubSimulations(plan);
    std::vector<json> results = run(plan.subs(), plan.dir());
    std::map<std::string, json> sub;
    for (size_t i = 0; i < plan.subs().size(); ++i)
        sub[plan.subs()[i].key] = std::move(results.at(i));
    count = plan.subs().size();
    return sub;
}

GpuWork layerGemms(const gpu::KernelCostModel& g, const ModelConfig& m, uint64_t tokens) {
    GpuWork c;
    const uint64_t qkv = uint64_t(m.heads + 2 * m.kvHeads) * m.headDim;
    c.add(g.gemm(tokens, qkv, m.hidden));
    c.add(g.gemm(tokens, m.hidden, uint64_t(m.heads) * m.headDim));
    c.add(g.gemm(tokens, m.ffn, m.hidden));
    if (m.ffnKind == FfnKind::SwiGlu)
        c.add(g.gemm(tokens, m.ffn, m.hidden));
    c.add(g.gemm(tokens, m.hidden, m.ffn));
    return c;
}

// The GPU with the memory efficiency the HBM model achieved on the stream.
gpu::GpuConfig measuredGpu(const EndToEndPoint& p, const json& streamResults, double& bwFraction) {
    gpu::GpuConfig gcfg = p.gpu;
    const json& stream = streamResults["memory"];
    bwFraction = stream["bandwidth_GBps"].get<double>() / stream["peak_bandwidth_GBps"].get<double>();
    gcfg.efficiency.memoryBandwidth = bwFraction;
    return gcfg;
}

// Heads split into the sparse share (the pattern's head_fraction) and the dense rest, and the
// GPU's prefill attention of each: block-sparse for the sparse heads, FlashAttention for the rest.
void headsAndGpuAttention(CompositionInputs& in) {
    const EndToEndPoint& p = in.p;
    const auto& m = p.model;
    const uint64_t headsAll = uint64_t(p.batch) * m.heads;
    in.sparseShare = p.sparsePrefill() ? p.spec.headFraction : 0.0;
    in.sparseHeads = uint64_t(std::llround(double(headsAll) * in.sparseShare));
    in.denseHeads = headsAll - in.sparseHeads;
    const bool causal = !p.sparsePrefill() || p.spec.causal;
    if (in.sparseHeads) {
        const host::HybridPattern pat = p.spec.mask(p.seqLen);
        in.sparseNnz = pat.nnz();
        const uint32_t blk = shippedDefaults()["end_to_end"]["gpu_sparse_block"].get<uint32_t>();
        in.gpuPrefillSparse.add(in.g.prefillAttentionBlockSparse(1, in.sparseHeads, p.seqLen, m.headDim,
                                                                 pat.toBlockCsr(blk).nnzBlocks, blk));
    }
    if (in.denseHeads)
        in.gpuPrefillDense.add(in.g.prefillAttentionDense(1, in.denseHeads, p.seqLen, m.headDim, causal));
    in.sparseDecode = p.sparsePrefill() && p.spec.kind == host::PatternKind::Streaming;
    in.sink = in.sparseDecode ? p.spec.globalTokens : 0;
    in.window = p.sparsePrefill() ? p.spec.window : 0;
}

// One system over the whole point: prefill of every layer, then the L_out decode steps.
SystemResult composeSystem(const EndToEndSystem& sys, const CompositionInputs& in, const GpuWork& gemmPrefill,
                           const GpuWork& gemmDecode) {
    const EndToEndPoint& p = in.p;
    const double L = in.layers;
    SystemResult r;
    const PrefillAttention pa = sys.prefill(sys, in, r);
    r.prefillAttn = {L * pa.crit, L * pa.internal, L * pa.external};
    r.prefillNs = L * (gemmPrefill.ns + pa.crit + pa.transfer);
    r.gemm += L * gemmPrefill.ns;
    r.gpuFlops += L * gemmPrefill.flops;
    r.attention += L * pa.busy;
    r.idle += L * pa.idle;
    r.transfer += L * pa.transfer;
    double extTotal = L * (pa.external + gemmPrefill.bytes), intTotal = L * pa.internal;

    const DecodeAttention da = sys.decode(sys, in, r);
    r.decodeAttn = {L * da.ns, L * da.internal, L * da.external};
    r.gemm += L * p.outLen * gemmDecode.ns;
    r.gpuFlops += L * p.outLen * gemmDecode.flops;
    r.attention += L * da.busy;
    r.idle += L * da.idle;
    r.transfer += L * da.transfer;
    extTotal += L * (da.external + p.outLen * gemmDecode.bytes);
    intTotal += L * da.internal;
    r.total = {r.gemm + r.attention + r.transfer + r.idle, intTotal, extTotal};
    return r;
}

json phaseJson(const PhaseFigures& ph) {
    return json{{"time_ns", ph.ns},
                {"internal_bytes", uint64_t(std::llround(ph.internal))},
                {"external_bytes", uint64_t(std::llround(ph.external))}};
}

// One system's results: phases, breakdown, energy, latency, throughput, speedups.
json systemJson(const EndToEndPoint& p, const SystemResult& r,
                const std::map<std::string, SystemResult>& res) {
    const EnergyConfig& e = p.energy;
    const double pj = 1e-12;
    const double energy = r.gpuFlops * e.gpuPjPerFlop * pj + r.total.external * 8 * e.externalPjPerBit * pj +
                          r.total.internal * 8 * e.internalPjPerBit * pj + r.pimMacs * e.pimPjPerMac * pj;
    json s = {
        {"phases",
         {{"prefill_attention", phaseJson(r.prefillAttn)},
          {"decode_attention", phaseJson(r.decodeAttn)},
          {"end_to_end", phaseJson(r.total)}}},
        {"breakdown_ns",
         {{"gemm", r.gemm}, {"attention", r.attention}, {"transfer_sync", r.transfer}, {"idle", r.idle}}},
        {"energy_j", energy},
        // one decode step of the whole model (every layer), averaged over the L_out steps
        {"per_token_latency_ns", (r.total.ns - r.prefillNs) / p.outLen},
        {"prefill_ns", r.prefillNs},
        {"throughput_tokens_per_s", r.total.ns > 0 ? double(p.batch) * p.outLen / (r.total.ns * 1e-9) : 0.0}};
    json speed = json::object();
    for (const EndToEndSystem& ref : endToEndSystems()) {
        if (!ref.baseline || !res.count(ref.name))
            continue;
        const SystemResult& b = res.at(ref.name);
        speed[std::string("vs_") + ref.name] = {{"prefill_attention", b.prefillAttn.ns / r.prefillAttn.ns},
                                                {"decode_attention", b.decodeAttn.ns / r.decodeAttn.ns},
                                                {"end_to_end", b.total.ns / r.total.ns}};
    }
    s["speedup"] = speed;
    return s;
}

} // namespace

// Decode contexts sampled over the L_out steps (step t attends L_in + t keys).
std::vector<uint32_t> sampledContexts(const EndToEndPoint& p) {
    const uint32_t S = std::min(p.samples, p.outLen);
    std::vector<uint32_t> contexts;
    for (uint32_t k = 0; k < S; ++k)
        contexts.push_back(p.seqLen +
                           (S == 1 ? 0 : uint32_t(std::llround(double(k) * (p.outLen - 1) / (S - 1)))));
    return contexts;
}

void planSubSimulations(SubSimulationPlan& plan) {
    plan.add("stream", streamSubScenario(plan.point()));
    for (const EndToEndSystem* s : plan.point().systems)
        s->plan(*s, plan);
}

EndToEndRun runEndToEnd(const EndToEndPoint& p, const std::string& partsDir, const SubSimulator& run) {
    const auto wall0 = std::chrono::steady_clock::now();
    const auto& m = p.model;
    SubSimulationPlan plan(p, sampledContexts(p), partsDir);
    EndToEndRun out;
    std::map<std::string, json> sub = runSubSimulations(plan, run, out.subSimulations);

    double bwFraction = 0;
    const gpu::GpuConfig gcfg = measuredGpu(p, sub["stream"], bwFraction);
    const gpu::KernelCostModel g(gcfg);
    CompositionInputs in(p, sub, g);
    in.bwBytesPerNs = gcfg.peakBytesPerNs() * bwFraction;
    in.contexts = plan.contexts();
    in.layers = m.layers;
    headsAndGpuAttention(in);
    const GpuWork gemmPrefill = layerGemms(g, m, uint64_t(p.batch) * p.seqLen);
    const GpuWork gemmDecode = layerGemms(g, m, p.batch);

    std::map<std::string, SystemResult> res;
    for (const EndToEndSystem* s : p.systems)
        res[s->name] = composeSystem(*s, in, gemmPrefill, gemmDecode);
    json systems = json::object();
    for (const auto& [name, r] : res)
        systems[name] = systemJson(p, r, res);

    out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    json& r = out.results;
    r["scenario"] = p.name;
    r["scenario_file"] = p.file;
    r["end_to_end"] = {
        {"model", std::filesystem::path(m.sourceFile).stem().string()},
        {"seq_len", p.seqLen},
        {"out_len", p.outLen},
        {"batch", p.batch},
        {"pattern", p.patternName},
        {"sram_bytes",
         p.pim.value("sram_bytes", shippedDefaults()["common"]["pim"]["sram_bytes"].get<uint32_t>())},
        {"layers", m.layers},
        {"layers_simulated", 1},
        {"decode_steps", p.outLen},
        {"decode_contexts_simulated", in.contexts},
        {"gpu", p.gpu.name},
        {"hbm_stream_efficiency", bwFraction},
        {"sparse_heads", in.sparseHeads},
        {"dense_heads", in.denseHeads},
        {"systems", systems}};
    r["sub_simulations"] = partsDir;
    r["wall_time_s"] = out.wallSeconds;
    r["errors"] = json::array();
    return out;
}

std::string summarizeEndToEnd(const EndToEndPoint& p, const EndToEndRun& run) {
    const json& e = run.results["end_to_end"];
    std::string text;
    char buf[512];
    std::snprintf(buf, sizeof buf, "scenario        %s (%s, L_in %u, L_out %u, batch %u, pattern %s)\n",
                  p.name.c_str(), p.model.name.c_str(), p.seqLen, p.outLen, p.batch, p.patternName.c_str());
    text += buf;
    std::snprintf(buf, sizeof buf,
                  "simulated       %zu sub-simulations in %.1f s wall; HBM stream efficiency %.3f; %u layers "
                  "(one simulated), %zu decode contexts\n",
                  run.subSimulations, run.wallSeconds, e["hbm_stream_efficiency"].get<double>(),
                  p.model.layers, e["decode_contexts_simulated"].size());
    text += buf;
    std::snprintf(buf, sizeof buf, "%-12s %16s %16s %16s %10s %10s\n", "system", "prefill attn ms",
                  "decode attn ms", "end to end ms", "e2e vs gpu", "vs attacc");
    text += buf;
    auto speedup = [](const json& sp, const char* key) {
        return sp.contains(key) ? std::to_string(sp[key]["end_to_end"].get<double>()).substr(0, 6) + "x"
                                : std::string("-");
    };
    for (const EndToEndSystem* sys : p.systems) {
        const json& s = e["systems"][sys->name];
        std::snprintf(buf, sizeof buf, "%-12s %16.3f %16.3f %16.3f %10s %10s\n", sys->name,
                      s["phases"]["prefill_attention"]["time_ns"].get<double>() * 1e-6,
                      s["phases"]["decode_attention"]["time_ns"].get<double>() * 1e-6,
                      s["phases"]["end_to_end"]["time_ns"].get<double>() * 1e-6,
                      speedup(s["speedup"], "vs_gpu").c_str(), speedup(s["speedup"], "vs_attacc").c_str());
        text += buf;
    }
    return text;
}

} // namespace pilot::platform
