// SPDX-License-Identifier: MIT
#include "tools/pilot/e2e.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <unistd.h>

#include "models/common/config_error.h"
#include "models/common/json_reader.h"
#include "models/gpu/gpu_config.h"
#include "models/gpu/kernel_cost.h"
#include "platform/model_config.h"
#include "platform/pattern_config.h"
#include "platform/pim_geometry.h"
#include "platform/shipped_defaults.h"
#include "platform/prefill_runner.h"
#include "platform/scenario.h"
#include "tools/pilot/child_process.h"

namespace pilot::tools {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* const kSystems[] = {"gpu", "attacc", "pilot", "pilot-naive"};

struct Point {
    std::string file, name;
    std::string memspec, mapping;
    uint32_t stacks = 1;
    json pim = json::object();
    platform::ModelConfig model;
    gpu::GpuConfig gpu;
    json energy;
    uint32_t seqLen = 0, outLen = 0, batch = 0, samples = 0;
    bool functional = false;   // sub-simulations with data, every PIM output checked against FP64
    json pattern;   // a prefill pattern object (platform/scenario.h), or null: dense on the GPU
    host::PrefillPattern spec;   // the same, parsed (when not null)
    std::string patternName;
    std::vector<std::string> systems;
    bool has(const std::string& s) const { return std::find(systems.begin(), systems.end(), s) != systems.end(); }
};

std::string resolve(const std::string& p, const std::string& dir) {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return fs::weakly_canonical(fs::path(dir) / p).string();
}

// The model's own prefill pattern: DuoAttention's streaming heads, BigBird, Longformer; dense
// models have none (their attention stays on the GPU).
json modelPattern(const platform::ModelConfig& m) {
    if (m.duo)
        return {{"kind", "streaming"}, {"window", m.duo->window}, {"sink", m.duo->sink},
                {"head_fraction", m.duo->streamingFraction}};
    const auto& a = m.attention;
    if (a.kind == platform::AttentionKind::BigBird)
        return {{"kind", "bigbird"}, {"window", a.window}, {"global", a.global}, {"random_blocks", a.randomBlocks},
                {"block", a.block}, {"seed", 1}};
    if (a.kind == platform::AttentionKind::Longformer)
        return {{"kind", "longformer"}, {"window", a.window}, {"global", a.global}};
    return nullptr;
}

Point parsePoint(const std::string& path, const std::vector<std::string>& sets) {
    json doc = common::readJsonFile(path);
    platform::applyOverrides(doc, sets, path);
    const std::string dir = fs::path(path).parent_path().string();
    Point p;
    p.file = path;
    common::IssueList issues(path);
    common::JsonObject root(doc, "", issues);
    p.name = root.string("name");
    root.allow("description");
    common::JsonObject sys = root.object("system");
    p.memspec = resolve(sys.string("memspec"), dir);
    p.mapping = resolve(sys.string("mapping"), dir);
    p.stacks = sys.u32("stacks", 1, 64);
    sys.allow("pseudo_channels");
    sys.rejectUnknownKeys();
    if (root.has("pim")) {
        root.allow("pim");
        p.pim = doc["pim"];
    }
    common::JsonObject wl = root.object("workload");
    wl.oneOf("type", {"end_to_end"});
    const std::string model = wl.string("model");
    p.seqLen = wl.u32("seq_len", 1, 1u << 20);
    p.outLen = wl.u32("out_len", 1, 1u << 20);
    p.batch = wl.u32("batch", 1, 1u << 20);
    const json& defaults = platform::shippedDefaults()["end_to_end"];
    p.samples = wl.has("decode_samples") ? wl.u32("decode_samples", 1, 1u << 20) : defaults["decode_samples"].get<uint32_t>();
    p.functional = wl.has("functional") && wl.boolean("functional");
    const std::string gpuFile = wl.has("gpu") ? resolve(wl.string("gpu"), dir)
                                              : platform::defaultsPath(defaults["gpu"].get<std::string>());
    const std::string energyFile = wl.has("energy") ? resolve(wl.string("energy"), dir)
                                                    : platform::defaultsPath(defaults["energy"].get<std::string>());
    p.systems = {std::begin(kSystems), std::end(kSystems)};
    if (wl.has("systems")) {
        p.systems.clear();
        const json& s = doc["workload"]["systems"];
        if (!s.is_array() || s.empty()) issues.add("/workload/systems", "must be a non-empty list of system names");
        else
            for (size_t i = 0; i < s.size(); ++i) {
                const std::string name = s[i].is_string() ? s[i].get<std::string>() : "";
                if (std::find(std::begin(kSystems), std::end(kSystems), name) == std::end(kSystems))
                    issues.add("/workload/systems/" + std::to_string(i), "unknown system '" + s[i].dump() +
                                                                          "' (gpu, attacc, pilot, pilot-naive)");
                else p.systems.push_back(name);
            }
    }
    wl.allow("systems");
    json pattern = wl.has("pattern") ? doc["workload"]["pattern"] : json("model");
    wl.allow("pattern");
    wl.rejectUnknownKeys();
    root.rejectUnknownKeys();
    issues.throwIfAny();

    const std::string modelFile = model.find('/') != std::string::npos || model.find(".json") != std::string::npos
                                      ? resolve(model, dir)
                                      : platform::workloadsDir() + "/models/" + model + ".json";
    {   // refused here rather than by every sub-simulation
        common::IssueList geo(path);
        platform::checkPimGeometry(hbm::loadMemspec(p.memspec), "/system/memspec", geo);
        geo.throwIfAny();
    }
    p.model = platform::loadModelConfig(modelFile);
    p.gpu = gpu::loadGpuConfig(gpuFile);
    p.energy = common::readJsonFile(energyFile);
    if (pattern.is_string()) {
        p.patternName = pattern.get<std::string>();
        if (p.patternName == "model") {
            p.pattern = modelPattern(p.model);
            p.patternName = p.pattern.is_null() ? "dense" : p.pattern["kind"].get<std::string>();
        } else if (p.patternName == "dense") {
            p.pattern = nullptr;
        } else {
            throw common::ConfigError({{path, "/workload/pattern", "a pattern object, \"model\" or \"dense\" (got \"" + p.patternName + "\")"}});
        }
    } else if (pattern.is_object()) {
        p.pattern = pattern;
        p.patternName = pattern.value("kind", "?");
    } else {
        throw common::ConfigError({{path, "/workload/pattern", "a pattern object, \"model\" or \"dense\""}});
    }
    if (!p.pattern.is_null()) {
        common::IssueList is(path);
        p.spec = platform::readPrefillPattern(common::JsonObject(p.pattern, "/workload/pattern", is));
        is.throwIfAny();
    }
    return p;
}

// ---------------------------------------------------------------- sub-simulations

struct SubRun {
    std::string key;
    json doc;
    json result;
};

json subSystem(const Point& p, const std::string& memspec) {
    return {{"memspec", memspec}, {"mapping", p.mapping}, {"stacks", p.stacks}, {"pseudo_channels", 0}};
}

json decodeDoc(const Point& p, const std::string& memspec, uint32_t context, bool naive, bool noGqaReuse) {
    const auto& m = p.model;
    json w = {{"type", "decode"}, {"batch", p.batch}, {"heads", m.heads}, {"kv_heads", noGqaReuse ? m.heads : m.kvHeads},
              {"context", context}, {"head_dim", m.headDim}, {"mode", p.functional ? "functional" : "timing"},
              {"replicate_channels", !p.functional},
              {"tiling", naive ? "naive" : "io-aware"}};
    if (!p.pattern.is_null() && p.pattern.value("kind", "") == "streaming")
        w["sparse"] = {{"sink", p.pattern["sink"]}, {"window", p.pattern["window"]},
                       {"head_fraction", p.pattern.value("head_fraction", 1.0)}};
    return {{"name", p.name + " decode"}, {"system", subSystem(p, memspec)}, {"pim", p.pim}, {"workload", w}};
}

json prefillDoc(const Point& p, bool naive) {
    const auto& m = p.model;
    json w = {{"type", "prefill"}, {"batch", p.batch}, {"heads", m.heads}, {"context", p.seqLen}, {"head_dim", m.headDim},
              {"pattern", p.pattern}, {"mode", p.functional ? "functional" : "timing"}, {"replicate_channels", !p.functional},
              {"tiling", naive ? "naive" : "io-aware"}};
    return {{"name", p.name + " prefill"}, {"system", subSystem(p, p.memspec)}, {"pim", p.pim}, {"workload", w}};
}

json bandwidthDoc(const Point& p) {
    // One stack's pseudo-channels stream sequential reads: the bandwidth fraction the HBM model
    // sustains (refresh, row switches, bus turnarounds), applied to the GPU's memory-bound kernels.
    json sys = subSystem(p, p.memspec);
    sys["stacks"] = 1;
    const json& stream = platform::shippedDefaults()["end_to_end"]["stream"];
    return {{"name", p.name + " stream"},
            {"system", sys},
            {"traffic", {{"type", "synthetic"}, {"pattern", "sequential"}, {"requests", stream["requests"]},
                         {"request_bytes", stream["request_bytes"]}, {"read_fraction", 1.0},
                         {"max_outstanding", stream["max_outstanding"]}}}};
}

void runSubs(std::vector<SubRun>& subs, const std::string& dir) {
    fs::create_directories(dir);
    const std::string self = selfExecutable();
    std::vector<std::pair<std::vector<std::string>, std::string>> cmds;
    for (const SubRun& s : subs) {
        const std::string base = dir + "/" + s.key;
        std::ofstream(base + ".scenario.json") << s.doc.dump(2) << "\n";
        cmds.push_back({{self, "run", base + ".scenario.json", "--out", base + ".json"}, base + ".log"});
    }
    // PILOT_SUB_JOBS caps the parallel sub-simulations (`pilot sweep` sets 1: its points are
    // the parallel unit); unset: one per hardware thread.
    const char* jobs = std::getenv("PILOT_SUB_JOBS");
    const std::vector<int> status = runAll(cmds, jobs ? unsigned(std::strtoul(jobs, nullptr, 10)) : 0);
    for (size_t i = 0; i < subs.size(); ++i) {
        const std::string base = dir + "/" + subs[i].key;
        if (status[i] != 0 || !fs::exists(base + ".json"))
            throw std::runtime_error("sub-simulation " + subs[i].key + " failed (exit " + std::to_string(status[i]) +
                                     "); see " + base + ".log");
        subs[i].result = common::readJsonFile(base + ".json");
    }
}

// ---------------------------------------------------------------- composition

struct Cost {   // GPU work: time, FLOPs and DRAM bytes
    double ns = 0, flops = 0, bytes = 0;
    void add(const gpu::KernelCost& k) {
        ns += k.timeNs;
        flops += k.flops;
        bytes += k.bytes;
    }
};

Cost layerGemms(const gpu::KernelCostModel& g, const platform::ModelConfig& m, uint64_t tokens) {
    Cost c;
    const uint64_t qkv = uint64_t(m.heads + 2 * m.kvHeads) * m.headDim;
    c.add(g.gemm(tokens, qkv, m.hidden));
    c.add(g.gemm(tokens, m.hidden, uint64_t(m.heads) * m.headDim));
    c.add(g.gemm(tokens, m.ffn, m.hidden));
    if (m.ffnKind == platform::FfnKind::SwiGlu) c.add(g.gemm(tokens, m.ffn, m.hidden));
    c.add(g.gemm(tokens, m.hidden, m.ffn));
    return c;
}

struct Phase {
    double ns = 0, internal = 0, external = 0;
};
struct SystemResult {
    Phase prefillAttn, decodeAttn, total;
    double gemm = 0, attention = 0, transfer = 0, idle = 0;
    double gpuFlops = 0, pimMacs = 0;
    double prefillNs = 0;   // the whole prefill (GEMMs, attention, transfers) of every layer
};

// Decode attention time at context c from the samples (linear between them).
double interpolate(const std::vector<std::pair<double, double>>& samples, double c) {
    if (samples.size() == 1) return samples[0].second;
    for (size_t i = 1; i < samples.size(); ++i)
        if (c <= samples[i].first || i + 1 == samples.size()) {
            const auto& [x0, y0] = samples[i - 1];
            const auto& [x1, y1] = samples[i];
            return x1 == x0 ? y0 : y0 + (y1 - y0) * (c - x0) / (x1 - x0);
        }
    return samples.back().second;
}

double kernelsSum(const json& r, const char* key) {
    double s = 0;
    for (const auto& k : r["kernels"]) s += k.value(key, 0.0);
    return s;
}

}  // namespace

bool isEndToEnd(const json& scenario) {
    return scenario.is_object() && scenario.contains("workload") && scenario["workload"].is_object() &&
           scenario["workload"].value("type", "") == "end_to_end";
}

std::string describeEndToEnd(const std::string& path) {
    const Point p = parsePoint(path, {});
    std::string systems;
    for (const std::string& s : p.systems) systems += (systems.empty() ? "" : ", ") + s;
    return "\"" + p.name + "\" (" + p.model.name + ", L_in " + std::to_string(p.seqLen) + ", L_out " +
           std::to_string(p.outLen) + ", batch " + std::to_string(p.batch) + ", pattern " + p.patternName + "; " +
           systems + ")";
}

int runEndToEnd(const std::string& path, const std::vector<std::string>& sets, const std::string& out) {
    const auto wall0 = std::chrono::steady_clock::now();
    const Point p = parsePoint(path, sets);
    const auto& m = p.model;
    std::string partsDir = out.empty() ? (fs::temp_directory_path() / ("pilot-e2e-" + std::to_string(::getpid()))).string()
                                       : out + ".parts";

    // Decode contexts sampled over the L_out steps (step t attends L_in + t keys).
    const uint32_t S = std::min(p.samples, p.outLen);
    std::vector<uint32_t> contexts;
    for (uint32_t k = 0; k < S; ++k)
        contexts.push_back(p.seqLen + (S == 1 ? 0 : uint32_t(std::llround(double(k) * (p.outLen - 1) / (S - 1)))));

    // AttAcc's GEMV units: the all-bank power limit of its design (tFAW after an all-bank ACT,
    // all-bank columns max(tCCD_AB, tCCD_L) apart) on the same part.
    std::string attaccMemspec = p.memspec;
    std::vector<SubRun> subs;
    subs.push_back({"stream", bandwidthDoc(p), {}});
    const bool sparsePrefill = !p.pattern.is_null();
    if (sparsePrefill && p.has("pilot")) subs.push_back({"prefill-pilot", prefillDoc(p, false), {}});
    if (sparsePrefill && p.has("pilot-naive")) subs.push_back({"prefill-pilot-naive", prefillDoc(p, true), {}});
    if (p.has("attacc")) {
        fs::create_directories(partsDir);
        json spec = common::readJsonFile(p.memspec);
        spec["pim"]["all_bank_power_limit"] = true;
        attaccMemspec = partsDir + "/memspec-attacc.json";
        std::ofstream(attaccMemspec) << spec.dump(2) << "\n";
    }
    for (uint32_t c : contexts) {
        const std::string at = std::to_string(c);
        if (p.has("pilot")) subs.push_back({"decode-pilot-" + at, decodeDoc(p, p.memspec, c, false, false), {}});
        if (p.has("pilot-naive")) subs.push_back({"decode-pilot-naive-" + at, decodeDoc(p, p.memspec, c, true, false), {}});
        if (p.has("attacc")) subs.push_back({"decode-attacc-" + at, decodeDoc(p, attaccMemspec, c, false, true), {}});
    }
    runSubs(subs, partsDir);
    std::map<std::string, json> sub;
    for (SubRun& s : subs) sub[s.key] = std::move(s.result);

    // The GPU model with the memory efficiency the HBM model achieved.
    gpu::GpuConfig gcfg = p.gpu;
    const json& stream = sub["stream"]["memory"];
    const double bwFraction = stream["bandwidth_GBps"].get<double>() / stream["peak_bandwidth_GBps"].get<double>();
    gcfg.efficiency.memoryBandwidth = bwFraction;
    const gpu::KernelCostModel g(gcfg);
    const double bwBytesPerNs = gcfg.peakBytesPerNs() * bwFraction;

    // Heads: the sparse share (the pattern's head_fraction) and the dense rest.
    const uint64_t headsAll = uint64_t(p.batch) * m.heads;
    const double sparseShare = sparsePrefill ? p.spec.headFraction : 0.0;
    const uint64_t sparseHeads = uint64_t(std::llround(double(headsAll) * sparseShare));
    const uint64_t denseHeads = headsAll - sparseHeads;
    const bool causal = !sparsePrefill || p.spec.causal;

    // GPU prefill attention: block-sparse for the sparse heads, FlashAttention for the rest.
    Cost gpuPrefillSparse, gpuPrefillDense;
    uint64_t sparseNnz = 0;
    if (sparseHeads) {
        const host::HybridPattern pat = p.spec.mask(p.seqLen);
        sparseNnz = pat.nnz();
        const uint32_t blk = platform::shippedDefaults()["end_to_end"]["gpu_sparse_block"].get<uint32_t>();
        gpuPrefillSparse.add(g.prefillAttentionBlockSparse(1, sparseHeads, p.seqLen, m.headDim, pat.toBlockCsr(blk).nnzBlocks, blk));
    }
    if (denseHeads) gpuPrefillDense.add(g.prefillAttentionDense(1, denseHeads, p.seqLen, m.headDim, causal));

    const Cost gemmPrefill = layerGemms(g, m, uint64_t(p.batch) * p.seqLen);
    const Cost gemmDecode = layerGemms(g, m, p.batch);
    const double L = m.layers;
    const bool sparseDecode = sparsePrefill && p.spec.kind == host::PatternKind::Streaming;
    const uint32_t sink = sparseDecode ? p.spec.globalTokens : 0, window = sparsePrefill ? p.spec.window : 0;
    const double pj = 1e-12;

    std::map<std::string, SystemResult> res;
    for (const std::string& sysName : p.systems) {
        SystemResult r;
        const bool pim = sysName != "gpu";
        const bool pimPrefill = (sysName == "pilot" || sysName == "pilot-naive") && sparsePrefill;
        // ---- prefill, one layer
        double attnCrit = 0, attnBusy = 0, idle = 0, transfer = 0, internal = 0, external = 0;
        if (pimPrefill) {
            const json& pr = sub["prefill-" + sysName];
            const double pimNs = pr["prefill_attention_ns"].get<double>();
            attnBusy = gpuPrefillDense.ns;            // the GPU's dense heads, overlapped
            attnCrit = std::max(pimNs, gpuPrefillDense.ns);
            idle = attnCrit - attnBusy;
            external = kernelsSum(pr, "external_bytes");
            transfer = external / bwBytesPerNs;      // Q, K, V (with the layout's copies) in, O out
            internal = kernelsSum(pr, "internal_bytes");
            external += gpuPrefillDense.bytes;
            r.gpuFlops += L * gpuPrefillDense.flops;
            r.pimMacs += L * double(sparseHeads) * double(sparseNnz) * m.headDim * 2;
        } else {
            attnCrit = attnBusy = gpuPrefillSparse.ns + gpuPrefillDense.ns;
            external = gpuPrefillSparse.bytes + gpuPrefillDense.bytes;
            r.gpuFlops += L * (gpuPrefillSparse.flops + gpuPrefillDense.flops);
        }
        r.prefillAttn = {L * attnCrit, L * internal, L * external};
        r.prefillNs = L * (gemmPrefill.ns + attnCrit + transfer);
        r.gemm += L * gemmPrefill.ns;
        r.gpuFlops += L * gemmPrefill.flops;
        r.attention += L * attnBusy;
        r.idle += L * idle;
        r.transfer += L * transfer;
        double extTotal = L * (external + gemmPrefill.bytes), intTotal = L * internal;

        // ---- decode: L_out steps, one layer each x layers; PIM times interpolated over context
        std::vector<std::pair<double, double>> pimNs, pimInt, pimExt;
        if (pim)
            for (uint32_t c : contexts) {
                const json& dr = sub["decode-" + sysName + "-" + std::to_string(c)];
                pimNs.push_back({double(c), dr["decode_attention_ns"].get<double>()});
                pimInt.push_back({double(c), kernelsSum(dr, "internal_bytes")});
                pimExt.push_back({double(c), kernelsSum(dr, "external_bytes")});
            }
        double decAttn = 0, decInt = 0, decExt = 0, decIdle = 0, decBusy = 0, decTransfer = 0;
        for (uint32_t t = 0; t < p.outLen; ++t) {
            const double c = double(p.seqLen) + t;
            if (pim) {
                const double ns = interpolate(pimNs, c);
                decAttn += ns;
                decIdle += ns;   // the GPU waits for the PIM: the next GEMM needs the attention output
                decInt += interpolate(pimInt, c);
                const double ext = interpolate(pimExt, c) + double(p.batch) * m.kvBytesPerTokenPerLayer();   // q, o; new K, V
                decExt += ext;
                decTransfer += ext / bwBytesPerNs;
                const double keys = sparseDecode ? (1.0 - sparseShare) * c + sparseShare * std::min<double>(c, sink + window) : c;
                r.pimMacs += L * double(p.batch) * m.heads * keys * m.headDim * 2;
            } else {
                const uint64_t ci = uint64_t(c);
                Cost a;
                const double dShare = 1.0 - (sparseDecode ? sparseShare : 0.0);
                const gpu::KernelCost dense = g.decodeAttention(p.batch, m.heads, m.kvHeads, ci, m.headDim, ci);
                a.ns += dShare * dense.timeNs;
                a.bytes += dShare * dense.bytes;
                a.flops += dShare * dense.flops;
                if (sparseDecode) {
                    const gpu::KernelCost sp =
                        g.decodeAttention(p.batch, m.heads, m.kvHeads, ci, m.headDim, std::min<uint64_t>(ci, sink + window));
                    a.ns += sparseShare * sp.timeNs;
                    a.bytes += sparseShare * sp.bytes;
                    a.flops += sparseShare * sp.flops;
                }
                decAttn += a.ns;
                decBusy += a.ns;
                decExt += a.bytes;
                r.gpuFlops += L * a.flops;
            }
        }
        r.decodeAttn = {L * decAttn, L * decInt, L * decExt};
        r.gemm += L * p.outLen * gemmDecode.ns;
        r.gpuFlops += L * p.outLen * gemmDecode.flops;
        r.attention += L * decBusy;
        r.idle += L * decIdle;
        r.transfer += L * decTransfer;
        extTotal += L * (decExt + p.outLen * gemmDecode.bytes);
        intTotal += L * decInt;
        r.total = {r.gemm + r.attention + r.transfer + r.idle, intTotal, extTotal};
        res[sysName] = r;
    }

    // ---- results
    const json& e = p.energy;
    json systems = json::object();
    for (const auto& [name, r] : res) {
        auto phase = [](const Phase& ph) {
            return json{{"time_ns", ph.ns}, {"internal_bytes", uint64_t(std::llround(ph.internal))},
                        {"external_bytes", uint64_t(std::llround(ph.external))}};
        };
        const double energy = r.gpuFlops * e["gpu_pj_per_flop"].get<double>() * pj +
                              r.total.external * 8 * e["external_pj_per_bit"].get<double>() * pj +
                              r.total.internal * 8 * e["internal_pj_per_bit"].get<double>() * pj +
                              r.pimMacs * e["pim_pj_per_mac"].get<double>() * pj;
        json s = {{"phases", {{"prefill_attention", phase(r.prefillAttn)},
                              {"decode_attention", phase(r.decodeAttn)},
                              {"end_to_end", phase(r.total)}}},
                  {"breakdown_ns", {{"gemm", r.gemm}, {"attention", r.attention}, {"transfer_sync", r.transfer}, {"idle", r.idle}}},
                  {"energy_j", energy},
                  // one decode step of the whole model (every layer), averaged over the L_out steps
                  {"per_token_latency_ns", (r.total.ns - r.prefillNs) / p.outLen},
                  {"prefill_ns", r.prefillNs},
                  {"throughput_tokens_per_s", r.total.ns > 0 ? double(p.batch) * p.outLen / (r.total.ns * 1e-9) : 0.0}};
        json speed = json::object();
        for (const char* ref : {"gpu", "attacc"}) {
            if (!res.count(ref)) continue;
            const SystemResult& b = res.at(ref);
            speed[std::string("vs_") + ref] = {{"prefill_attention", b.prefillAttn.ns / r.prefillAttn.ns},
                                               {"decode_attention", b.decodeAttn.ns / r.decodeAttn.ns},
                                               {"end_to_end", b.total.ns / r.total.ns}};
        }
        s["speedup"] = speed;
        systems[name] = s;
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    json r;
    r["scenario"] = p.name;
    r["scenario_file"] = p.file;
    r["end_to_end"] = {{"model", fs::path(m.sourceFile).stem().string()},
                       {"seq_len", p.seqLen},
                       {"out_len", p.outLen},
                       {"batch", p.batch},
                       {"pattern", p.patternName},
                       {"sram_bytes", p.pim.value("sram_bytes", 2048u)},
                       {"layers", m.layers},
                       {"layers_simulated", 1},
                       {"decode_steps", p.outLen},
                       {"decode_contexts_simulated", contexts},
                       {"gpu", p.gpu.name},
                       {"hbm_stream_efficiency", bwFraction},
                       {"sparse_heads", sparseHeads},
                       {"dense_heads", denseHeads},
                       {"systems", systems}};
    r["sub_simulations"] = partsDir;
    r["wall_time_s"] = wall;
    r["errors"] = json::array();

    char buf[512];
    std::printf("scenario        %s (%s, L_in %u, L_out %u, batch %u, pattern %s)\n", p.name.c_str(), m.name.c_str(), p.seqLen,
                p.outLen, p.batch, p.patternName.c_str());
    std::printf("simulated       %zu sub-simulations in %.1f s wall; HBM stream efficiency %.3f; %u layers (one simulated), %u decode contexts\n",
                subs.size(), wall, bwFraction, m.layers, S);
    std::printf("%-12s %16s %16s %16s %10s %10s\n", "system", "prefill attn ms", "decode attn ms", "end to end ms", "e2e vs gpu",
                "vs attacc");
    for (const std::string& name : p.systems) {
        const json& s = systems[name];
        const json& sp = s["speedup"];
        std::snprintf(buf, sizeof buf, "%-12s %16.3f %16.3f %16.3f %10s %10s\n", name.c_str(),
                      s["phases"]["prefill_attention"]["time_ns"].get<double>() * 1e-6,
                      s["phases"]["decode_attention"]["time_ns"].get<double>() * 1e-6,
                      s["phases"]["end_to_end"]["time_ns"].get<double>() * 1e-6,
                      sp.contains("vs_gpu") ? (std::to_string(sp["vs_gpu"]["end_to_end"].get<double>()).substr(0, 6) + "x").c_str() : "-",
                      sp.contains("vs_attacc") ? (std::to_string(sp["vs_attacc"]["end_to_end"].get<double>()).substr(0, 6) + "x").c_str() : "-");
        std::fputs(buf, stdout);
    }
    if (!out.empty()) {
        std::ofstream f(out);
        if (!f) {
            std::cerr << out << ": cannot write results\n";
            return 1;
        }
        f << r.dump(2) << "\n";
        std::printf("results         %s\n", out.c_str());
    } else {
        fs::remove_all(partsDir);
    }
    return 0;
}

}  // namespace pilot::tools
