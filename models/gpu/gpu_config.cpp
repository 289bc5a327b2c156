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
    {"prefill_attention_dense", &Efficiency::prefillAttentionDense},
    {"prefill_attention_block_sparse", &Efficiency::prefillAttentionBlockSparse},
    {"decode_attention", &Efficiency::decodeAttention},
    {"memory_bandwidth", &Efficiency::memoryBandwidth},
};

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

// The source of one value: a required, non-blank string at the value's place under /sources.

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
    mem.rejectUnknownKeys();
    c.smCount = root.u32("sm_count", 1, 1000000);
    c.l2Bytes = root.u64("l2_bytes", 1, uint64_t(1) << 40);
    c.kernelLaunchUs = root.number("kernel_launch_us", 0.0, 1e6);

    JsonObject eff = root.object("efficiency");
    for (const auto& f : kEfficiencyFields)
        c.efficiency.*f.member = openClosed(eff, f.key, 0.0, 1.0);
    eff.rejectUnknownKeys();

    // Every value names its public source, in an object of the same shape as the values.
    JsonObject src = root.object("sources");
    src.source("peak_fp16_tflops", c.sources);
    JsonObject srcMem = src.object("memory");
    srcMem.source("stacks", c.sources);
    srcMem.source("bandwidth_GBps", c.sources);
    srcMem.rejectUnknownKeys();
    src.source("sm_count", c.sources);
    src.source("l2_bytes", c.sources);
    src.source("kernel_launch_us", c.sources);
    JsonObject srcEff = src.object("efficiency");
    for (const auto& f : kEfficiencyFields)
        srcEff.source(f.key, c.sources);
    srcEff.rejectUnknownKeys();
    src.rejectUnknownKeys();

    root.rejectUnknownKeys();
    issues.throwIfAny();
    return c;
}

GpuConfig loadGpuConfig(const std::string& path) {
    return parseGpuConfig(common::readJsonFile(path), path);
}

} // namespace pilot::gpu
