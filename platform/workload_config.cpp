// SPDX-License-Identifier: MIT
#include "platform/workload_config.h"

#include <algorithm>
#include <random>
#include <set>

#include "platform/pattern_config.h"
#include "platform/pim_geometry.h"

namespace pilot::platform {

using common::JsonObject;

namespace {

// The run options a PIM workload section shares (defaults in workloads/defaults/scenario.json).
void readRunOptions(JsonObject& wl, PimRunOptions& o) {
    o.functional = wl.oneOf("mode", {"functional", "timing"}) != "timing";
    o.check = wl.boolean("check");
    o.exactExp = wl.oneOf("exp", {"approx", "exact"}) == "exact";
    o.fp16Accum = wl.oneOf("accumulation", {"fp32", "fp16"}) == "fp16";
    o.seed = wl.u64("seed");
    o.replicateChannels = wl.boolean("replicate_channels");
    o.fastForward = wl.boolean("fast_forward");
    if (o.fastForward && o.functional)
        wl.issues().add("/workload/fast_forward",
                        "needs \"mode\": \"timing\" (skipped micro-ops compute nothing; a functional run "
                        "checks every output)");
}

// /workload/sparse: either ranges (sink + window) or an explicit key set: a list, or N keys
// drawn at random; and the share of the KV heads that are sparse.
void readSparse(JsonObject& sp, DecodeWorkload& w) {
    common::IssueList& issues = sp.issues();
    w.sparse = true;
    if (sp.has("sink") || sp.has("window")) {
        w.sink = sp.u32("sink", 0, 1u << 24);
        w.window = sp.u32("window", 0, 1u << 24);
    }
    if (sp.has("keys"))
        w.keyList = sp.u32List("keys", (1u << 24));
    if (sp.has("random_keys")) {
        const uint32_t n = sp.u32("random_keys", 1, 1u << 24);
        const uint64_t seed = sp.has("seed") ? sp.u64("seed") : 1;
        std::mt19937_64 rng(seed);
        std::set<uint32_t> pick;
        while (pick.size() < std::min(n, w.context))
            pick.insert(uint32_t(rng() % std::max(1u, w.context)));
        w.keyList.assign(pick.begin(), pick.end());
    }
    sp.allow("seed");
    std::sort(w.keyList.begin(), w.keyList.end());
    w.keyList.erase(std::unique(w.keyList.begin(), w.keyList.end()), w.keyList.end());
    for (uint32_t k : w.keyList)
        if (k >= w.context) {
            issues.add("/workload/sparse/keys",
                       "key " + std::to_string(k) + " is beyond the context of " + std::to_string(w.context));
            break;
        }
    if (!w.keyList.empty() && (sp.has("sink") || sp.has("window")))
        issues.add("/workload/sparse", "give either sink + window or a key set, not both");
    if (sp.has("head_fraction"))
        w.sparseHeadFraction = sp.number("head_fraction", 0.0, 1.0);
    if (w.keyList.empty() && w.sink + uint64_t(w.window) == 0)
        issues.add("/workload/sparse", "sink + window (or keys / random_keys) must select a key");
    sp.rejectUnknownKeys();
}

} // namespace

PrefillWorkload readPrefillWorkload(JsonObject& wl) {
    PrefillWorkload p;
    wl.oneOf("type", {"prefill"});
    p.batch = wl.u32("batch", 1, 1u << 20);
    p.heads = wl.u32("heads", 1, 1024);
    p.context = wl.u32("context", 1, 1u << 24);
    p.headDim = wl.u32("head_dim", 16, kMaxHeadDim);
    if (p.headDim % 16)
        wl.issues().add("/workload/head_dim", "must be a multiple of 16 (one PE lane row)");
    p.pattern = readPrefillPattern(wl.object("pattern"));
    // The layout keeps random_blocks x block key slots per block-row: a block longer than the
    // context, or more blocks than a row can draw from, lays out (and places, column by column)
    // slots no key fills, for minutes.
    if (p.pattern.kind == host::PatternKind::BigBird && p.pattern.randomBlocks > 0) {
        const uint32_t blocks = (p.context + p.pattern.blockSize - 1) / p.pattern.blockSize;
        if (p.pattern.blockSize > p.context)
            wl.issues().add("/workload/pattern/block",
                            "a random block of " + std::to_string(p.pattern.blockSize) +
                                " tokens is longer than the context of " + std::to_string(p.context));
        else if (p.pattern.randomBlocks > blocks)
            wl.issues().add("/workload/pattern/random_blocks",
                            std::to_string(p.pattern.randomBlocks) +
                                " random blocks per row, but the context of " + std::to_string(p.context) +
                                " has " + std::to_string(blocks) + " blocks of " +
                                std::to_string(p.pattern.blockSize));
    }
    p.naive = wl.oneOf("tiling", {"io-aware", "naive"}) == "naive";
    readRunOptions(wl, p);
    wl.rejectUnknownKeys();
    return p;
}

DecodeWorkload readDecodeWorkload(JsonObject& wl) {
    common::IssueList& issues = wl.issues();
    DecodeWorkload w;
    wl.oneOf("type", {"decode", "prefill"});
    w.batch = wl.u32("batch", 1, 1u << 20);
    w.heads = wl.u32("heads", 1, 1024);
    w.kvHeads = wl.u32("kv_heads", 1, 1024);
    w.context = wl.u32("context", 1, 1u << 24);
    w.headDim = wl.u32("head_dim", 16, kMaxHeadDim);
    if (w.heads % w.kvHeads)
        issues.add("/workload/heads", "must be a multiple of kv_heads (grouped-query attention)");
    if (w.headDim % 16)
        issues.add("/workload/head_dim", "must be a multiple of 16 (one PE lane row)");
    if (wl.has("sparse") && !wl.raw()["sparse"].is_null()) {
        JsonObject sp = wl.object("sparse");
        readSparse(sp, w);
    } else {
        wl.allow("sparse");
    }
    w.naive = wl.oneOf("tiling", {"io-aware", "naive"}) == "naive";
    readRunOptions(wl, w);
    w.splitGqa = wl.boolean("split_gqa");
    w.attacc = wl.oneOf("kernel", {"pilot", "attacc"}) == "attacc";
    if (wl.has("head_spread") && wl.raw()["head_spread"].is_string()) {
        wl.oneOf("head_spread", {"auto"});
    } else {
        w.headSpread = wl.u32("head_spread", 1, 8);
        if (w.headSpread & (w.headSpread - 1))
            issues.add("/workload/head_spread", "must be \"auto\" or a power of two (1, 2, 4, 8)");
    }
    if (wl.has("descriptor_depth") && wl.raw()["descriptor_depth"].is_string()) {
        wl.oneOf("descriptor_depth", {"auto"});
        w.depth = 0;
    } else {
        w.depth = wl.u32("descriptor_depth", 1, 4096);
    }
    wl.rejectUnknownKeys();
    return w;
}

} // namespace pilot::platform
