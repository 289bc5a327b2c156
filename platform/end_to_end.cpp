// SPDX-License-Identifier: MIT
#include "platform/end_to_end.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "platform/end_to_end_capacity.h"
#include "platform/end_to_end_cosim.h"
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
// GPU's prefill attention of each with the scenario's kernels (models/gpu/gpu_attention.h).
void headsAndGpuAttention(CompositionInputs& in) {
    const EndToEndPoint& p = in.p;
    const auto& m = p.model;
    const HeadSplit heads = headSplit(p);
    in.sparseShare = p.sparsePrefill() ? p.spec.headFraction : 0.0;
    in.sparseHeads = heads.sparse;
    in.denseHeads = heads.dense;
    const bool causal = !p.sparsePrefill() || p.spec.causal;
    if (in.sparseHeads) {
        const gpu::SparseMask mask = gpuSparseMask(p);
        in.sparseNnz = mask.nnz;
        in.gpuPrefillSparse.add(in.attention->prefillSparse(in.sparseHeads, m.headDim, mask));
    }
    if (in.denseHeads)
        in.gpuPrefillDense.add(in.attention->prefillDense(in.denseHeads, p.seqLen, m.headDim, causal));
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

namespace {

// The composed mode: the sub-simulations, then each system composed from them and the GPU's
// cost models at the bandwidth the HBM stream reached. Returns that bandwidth fraction.
double composedSystems(const EndToEndPoint& p, const std::string& partsDir, const SubSimulator& run,
                       std::map<std::string, SystemResult>& res, size_t& count) {
    const auto& m = p.model;
    SubSimulationPlan plan(p, sampledContexts(p), partsDir);
    std::map<std::string, json> sub = runSubSimulations(plan, run, count);
    double bwFraction = 0;
    const gpu::GpuConfig gcfg = measuredGpu(p, sub["stream"], bwFraction);
    const gpu::KernelCostModel g(gcfg);
    const std::unique_ptr<gpu::GpuAttention> attention = gpu::makeGpuAttention(p.gpuAttention, gcfg);
    CompositionInputs in(p, sub, g);
    in.attention = attention.get();
    in.bwBytesPerNs = gcfg.peakBytesPerNs() * bwFraction;
    in.contexts = plan.contexts();
    in.layers = m.layers;
    headsAndGpuAttention(in);
    const GpuWork gemmPrefill = layerGemms(g, m, uint64_t(p.batch) * p.seqLen);
    const GpuWork gemmDecode = layerGemms(g, m, p.batch);
    for (const EndToEndSystem* s : p.systems)
        res[s->name] = composeSystem(*s, in, gemmPrefill, gemmDecode);
    return bwFraction;
}

} // namespace

EndToEndRun runEndToEnd(const EndToEndPoint& p, const std::string& partsDir, const SubSimulator& run,
                        const RunOptions& opt) {
    const auto wall0 = std::chrono::steady_clock::now();
    const auto& m = p.model;
    EndToEndRun out;
    std::map<std::string, SystemResult> res;
    std::map<std::string, CosimMeasurement> cosim;
    double bwFraction = 0;
    if (p.mode == "cosim") {
        cosim = measureCosim(p, partsDir, run, opt, out.subSimulations);
        for (const auto& [name, meas] : cosim)
            res[name] = composeCosim(p, meas);
    } else {
        bwFraction = composedSystems(p, partsDir, run, res, out.subSimulations);
    }
    json systems = json::object();
    for (const auto& [name, r] : res)
        systems[name] = systemJson(p, r, res);
    for (const EndToEndSystem* s : p.systems) {
        systems[s->name]["capacity"] = capacityJson(systemCapacity(p, *s));
        if (cosim.count(s->name))
            systems[s->name]["cosim"] = cosimMeasurementJson(cosim.at(s->name));
    }
    const HeadSplit heads = headSplit(p);

    out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    json& r = out.results;
    r["scenario"] = p.name;
    r["scenario_file"] = p.file;
    r["end_to_end"] = {
        {"model", std::filesystem::path(m.sourceFile).stem().string()},
        {"mode", p.mode},
        {"seq_len", p.seqLen},
        {"out_len", p.outLen},
        {"batch", p.batch},
        {"pattern", p.patternName},
        {"sram_bytes",
         p.pim.value("sram_bytes", shippedDefaults()["common"]["pim"]["sram_bytes"].get<uint32_t>())},
        {"layers", m.layers},
        {"layers_simulated", 1},
        {"decode_steps", p.outLen},
        {"decode_contexts_simulated", sampledContexts(p)},
        {"gpu", p.gpu.name},
        {"gpu_attention", p.gpuAttention},
        {"allow_overcommit", p.allowOvercommit},
        {"hbm_stream_efficiency", p.mode == "cosim" ? json(nullptr) : json(bwFraction)},
        {"sparse_heads", heads.sparse},
        {"dense_heads", heads.dense},
        {"systems", systems}};
    r["sub_simulations"] = partsDir;
    r["wall_time_s"] = out.wallSeconds;
    r["errors"] = json::array();
    for (const auto& [name, meas] : cosim)
        for (const auto& e : meas.detail.value("errors", json::array()))
            r["errors"].push_back(name + ": " + e.get<std::string>());
    return out;
}

std::string summarizeEndToEnd(const EndToEndPoint& p, const EndToEndRun& run) {
    const json& e = run.results["end_to_end"];
    std::string text;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "scenario        %s (%s, L_in %u, L_out %u, batch %u, pattern %s, gpu attention %s)\n",
                  p.name.c_str(), p.model.name.c_str(), p.seqLen, p.outLen, p.batch, p.patternName.c_str(),
                  p.gpuAttention.c_str());
    text += buf;
    if (p.mode == "cosim")
        std::snprintf(
            buf, sizeof buf,
            "simulated       co-simulation (GPU and PIM on one memory), %zu simulation(s) in %.1f s wall; "
            "%u layers (one simulated), %zu decode contexts\n",
            run.subSimulations, run.wallSeconds, p.model.layers, e["decode_contexts_simulated"].size());
    else
        std::snprintf(
            buf, sizeof buf,
            "simulated       composed: %zu sub-simulations in %.1f s wall; HBM stream efficiency %.3f; %u "
            "layers (one simulated), %zu decode contexts\n",
            run.subSimulations, run.wallSeconds, e["hbm_stream_efficiency"].get<double>(), p.model.layers,
            e["decode_contexts_simulated"].size());
    text += buf;
    std::snprintf(buf, sizeof buf, "%-12s %15s %15s %15s %12s %12s %12s %10s\n", "system", "prefill attn ms",
                  "decode attn ms", "end to end ms", "prefill x gpu", "decode x gpu", "e2e x gpu",
                  "e2e x attacc");
    text += buf;
    // Speedups: the GPU's (AttAcc's) time over the system's, per phase.
    auto speedup = [](const json& sp, const char* vs, const char* phase) {
        if (!sp.contains(vs))
            return std::string("-");
        char b[32];
        std::snprintf(b, sizeof b, "%.3fx", sp[vs][phase].get<double>());
        return std::string(b);
    };
    for (const EndToEndSystem* sys : p.systems) {
        const json& s = e["systems"][sys->name];
        const json& sp = s["speedup"];
        std::snprintf(buf, sizeof buf, "%-12s %15.3f %15.3f %15.3f %12s %12s %12s %10s\n", sys->name,
                      s["phases"]["prefill_attention"]["time_ns"].get<double>() * 1e-6,
                      s["phases"]["decode_attention"]["time_ns"].get<double>() * 1e-6,
                      s["phases"]["end_to_end"]["time_ns"].get<double>() * 1e-6,
                      speedup(sp, "vs_gpu", "prefill_attention").c_str(),
                      speedup(sp, "vs_gpu", "decode_attention").c_str(),
                      speedup(sp, "vs_gpu", "end_to_end").c_str(),
                      speedup(sp, "vs_attacc", "end_to_end").c_str());
        text += buf;
    }
    // Where the time goes: the end-to-end time's parts (breakdown_ns), as shares.
    std::snprintf(buf, sizeof buf, "%-12s %15s %15s %15s %15s   (share of end to end)\n", "where", "GEMM",
                  "attention", "transfer/sync", "GPU idle");
    text += buf;
    for (const EndToEndSystem* sys : p.systems) {
        const json& s = e["systems"][sys->name];
        const double total = s["phases"]["end_to_end"]["time_ns"].get<double>();
        const json& b = s["breakdown_ns"];
        auto share = [&](const char* k) { return total > 0 ? 100.0 * b[k].get<double>() / total : 0.0; };
        std::snprintf(buf, sizeof buf, "%-12s %14.1f%% %14.1f%% %14.1f%% %14.1f%%\n", sys->name,
                      share("gemm"), share("attention"), share("transfer_sync"), share("idle"));
        text += buf;
    }
    for (const EndToEndSystem* sys : p.systems) {
        const json& s = e["systems"][sys->name];
        if (!s.contains("cosim") || !s["cosim"]["prefill"].contains("overlap"))
            continue;
        const json& o = s["cosim"]["prefill"]["overlap"];
        const json& c = s["cosim"]["prefill"]["contention"];
        std::string alone = "";
        if (o.contains("uncontended_ns")) {
            std::snprintf(buf, sizeof buf,
                          ", %.3f ms if neither slowed the other (GPU alone %.3f, PIM alone %.3f)",
                          o["uncontended_ns"].get<double>() * 1e-6, o["gpu_alone_ns"].get<double>() * 1e-6,
                          o["pim_alone_ns"].get<double>() * 1e-6);
            alone = buf;
        }
        std::snprintf(
            buf, sizeof buf,
            "overlap         %s prefill attention (one layer): %.3f ms with GPU and PIM on the same "
            "channels%s; stalls: GPU %.3f ms, PIM %.3f ms\n",
            sys->name, o["contended_ns"].get<double>() * 1e-6, alone.c_str(),
            c["gpu_stall_ns"].get<double>() * 1e-6, c["pim_stall_ns"].get<double>() * 1e-6);
        text += buf;
    }
    for (const EndToEndSystem* sys : p.systems) {
        const json& c = e["systems"][sys->name]["capacity"];
        if (c["fits"].get<bool>())
            continue;
        std::snprintf(buf, sizeof buf,
                      "overcommitted   %s needs %.1f GB, the memory holds %.1f GB (allow_overcommit)\n",
                      sys->name, c["required_bytes"].get<double>() * 1e-9,
                      c["available_bytes"].get<double>() * 1e-9);
        text += buf;
    }
    return text;
}

} // namespace pilot::platform
