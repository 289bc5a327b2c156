// SPDX-License-Identifier: MIT
#include "models/gpu/gpu_config.h"

#include <sstream>

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"

namespace pilot::gpu {

using common::IssueList;
using common::JsonObject;

namespace {

struct EfficiencyField {
    const char* key;
    double Efficiency::*member;
};
const EfficiencyField kEfficiencyFields[] = {
    {"gemm", &Efficiency::gemm},
    {"memory_bandwidth", &Efficiency::memoryBandwidth},
};
const char* const kUnfusedKeys[] = {"compute_fraction", "memory_fraction", "softmax_flops_per_element",
                                    "sparse_tile_rows", "index_bytes"};
const char* const kFlashKeys[] = {"prefill_dense_fraction",   "block_sparse_runtime",
                                  "streaming_half_runtime",   "decode_bandwidth_batch1",
                                  "decode_bandwidth_batched", "decode_batched_from"};

std::string format(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

// A required number in (lo, hi]. Missing and mistyped fields are reported by
// JsonObject::number; an out-of-range value here. Returns 0 for a value that was not accepted
// (the IssueList then holds its problem, and the loader throws).
double openClosed(JsonObject& o, const std::string& key, double lo, double hi) {
    if (!o.has(key) || !o.raw().at(key).is_number()) {
        o.number(key, lo, hi);
        return 0.0;
    }
    o.allow(key);
    const double v = o.raw().at(key).get<double>();
    if (!(v > lo && v <= hi)) {
        o.issues().add(o.pointerOf(key),
                       "must be in (" + format(lo) + ", " + format(hi) + "] (got " + format(v) + ")");
        return 0.0;
    }
    return v;
}

// A required curve: a non-empty array of [x, y] pairs, x strictly increasing, each x in
// [xLo, xHi] and y in (0, yHi].
Curve curve(JsonObject& o, const std::string& key, double xLo, double xHi, double yHi) {
    Curve c;
    o.allow(key);
    if (!o.has(key)) {
        o.issues().add(o.pointerOf(key), "missing required field");
        return c;
    }
    const nlohmann::json& a = o.raw().at(key);
    if (!a.is_array() || a.empty()) {
        o.issues().add(o.pointerOf(key), "must be a non-empty array of [x, y] points");
        return c;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        const std::string ptr = o.pointerOf(key) + "/" + std::to_string(i);
        const nlohmann::json& pt = a[i];
        if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number()) {
            o.issues().add(ptr, "must be a point [x, y] of two numbers (got " + pt.dump() + ")");
            continue;
        }
        const double x = pt[0].get<double>(), y = pt[1].get<double>();
        if (!(x >= xLo && x <= xHi))
            o.issues().add(ptr + "/0",
                           "must be in [" + format(xLo) + ", " + format(xHi) + "] (got " + format(x) + ")");
        else if (!(y > 0 && y <= yHi))
            o.issues().add(ptr + "/1", "must be in (0, " + format(yHi) + "] (got " + format(y) + ")");
        else if (!c.empty() && !(x > c.back().first))
            o.issues().add(ptr + "/0",
                           "must be larger than the previous point's x (" + format(c.back().first) + ")");
        else
            c.emplace_back(x, y);
    }
    return c;
}

void readUnfused(JsonObject& o, UnfusedAttentionConfig& u) {
    u.computeFraction = openClosed(o, "compute_fraction", 0.0, 1.0);
    u.memoryFraction = openClosed(o, "memory_fraction", 0.0, 1.0);
    u.softmaxFlopsPerElement = o.number("softmax_flops_per_element", 0.0, 1000.0);
    u.sparseTileRows = o.u32("sparse_tile_rows", 1, 1u << 16);
    u.indexBytes = o.u32("index_bytes", 1, 16);
    o.rejectUnknownKeys();
}

void readFlash(JsonObject& o, FlashAttentionConfig& f) {
    f.prefillDenseFraction = openClosed(o, "prefill_dense_fraction", 0.0, 1.0);
    f.blockSparseRuntime = curve(o, "block_sparse_runtime", 0.0, 1.0, 10.0);
    f.streamingHalfRuntime = curve(o, "streaming_half_runtime", 1.0, 1e9, 10.0);
    f.decodeBandwidthBatch1 = curve(o, "decode_bandwidth_batch1", 1.0, 1e9, 1.0);
    f.decodeBandwidthBatched = openClosed(o, "decode_bandwidth_batched", 0.0, 1.0);
    f.decodeBatchedFrom = o.u32("decode_batched_from", 2, 1u << 20);
    o.rejectUnknownKeys();
}

} // namespace

GpuConfig parseGpuConfig(const nlohmann::json& doc, const std::string& file) {
    IssueList issues(file);
    JsonObject root(doc, "", issues);
    GpuConfig c;
    c.sourceFile = file;
    c.name = root.string("name");
    root.optString("notes");

    c.peakFp16Tflops = openClosed(root, "peak_fp16_tflops", 0.0, 1e6);
    JsonObject mem = root.object("memory");
    c.memoryStacks = mem.u32("stacks", 1, 64);
    c.memoryBandwidthGBps = openClosed(mem, "bandwidth_GBps", 0.0, 1e7);
    c.memoryCapacityBytes = mem.u64("capacity_bytes", 1, uint64_t(1) << 50);
    mem.rejectUnknownKeys();
    c.smCount = root.u32("sm_count", 1, 1000000);
    c.l2Bytes = root.u64("l2_bytes", 1, uint64_t(1) << 40);
    c.kernelLaunchUs = root.number("kernel_launch_us", 0.0, 1e6);

    JsonObject eff = root.object("efficiency");
    for (const auto& f : kEfficiencyFields)
        c.efficiency.*f.member = openClosed(eff, f.key, 0.0, 1.0);
    eff.rejectUnknownKeys();
    JsonObject att = root.object("attention");
    JsonObject unfused = att.object("unfused");
    readUnfused(unfused, c.unfused);
    JsonObject flash = att.object("flash");
    readFlash(flash, c.flash);
    att.rejectUnknownKeys();

    // Every value names its public source, in an object of the same shape as the values.
    JsonObject src = root.object("sources");
    src.source("peak_fp16_tflops", c.sources);
    JsonObject srcMem = src.object("memory");
    srcMem.source("stacks", c.sources);
    srcMem.source("bandwidth_GBps", c.sources);
    srcMem.source("capacity_bytes", c.sources);
    srcMem.rejectUnknownKeys();
    src.source("sm_count", c.sources);
    src.source("l2_bytes", c.sources);
    src.source("kernel_launch_us", c.sources);
    JsonObject srcEff = src.object("efficiency");
    for (const auto& f : kEfficiencyFields)
        srcEff.source(f.key, c.sources);
    srcEff.rejectUnknownKeys();
    JsonObject srcAtt = src.object("attention");
    JsonObject srcUnfused = srcAtt.object("unfused");
    for (const char* k : kUnfusedKeys)
        srcUnfused.source(k, c.sources);
    srcUnfused.rejectUnknownKeys();
    JsonObject srcFlash = srcAtt.object("flash");
    for (const char* k : kFlashKeys)
        srcFlash.source(k, c.sources);
    srcFlash.rejectUnknownKeys();
    srcAtt.rejectUnknownKeys();
    src.rejectUnknownKeys();

    root.rejectUnknownKeys();
    issues.throwIfAny();
    return c;
}

GpuConfig loadGpuConfig(const std::string& path) {
    return parseGpuConfig(common::readJsonFile(path), path);
}

} // namespace pilot::gpu
