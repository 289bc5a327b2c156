// SPDX-License-Identifier: MIT
#include "platform/scenario.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <set>
#include <filesystem>

#include "models/common/json_reader.h"
#include "models/hbm/dramsys_mcconfig.h"
#include "platform/pattern_config.h"
#include "platform/pim_geometry.h"
#include "platform/shipped_defaults.h"

namespace pilot::platform {

namespace fs = std::filesystem;
using common::ConfigError;
using common::IssueList;
using common::JsonObject;
using nlohmann::json;

std::string workloadsDir() {
    if (const char* env = std::getenv("PILOT_WORKLOADS")) return env;
    return std::string(PILOT_SOURCE_DIR) + "/workloads";
}

void applyOverrides(json& doc, const std::vector<std::string>& sets, const std::string& file) {
    IssueList issues(file);
    for (const std::string& s : sets) {
        const size_t eq = s.find('=');
        if (eq == std::string::npos || s.empty() || s[0] != '/') {
            issues.add(s, "--set needs /json/pointer=value");
            continue;
        }
        const std::string ptr = s.substr(0, eq), text = s.substr(eq + 1);
        json value = json::parse(text, nullptr, false);
        if (value.is_discarded()) value = text;
        try {
            json::json_pointer p(ptr);
            if (!doc.contains(p.parent_pointer()) || !doc[p.parent_pointer()].is_object())
                issues.add(ptr, "--set: no such object to set a field in");
            else
                doc[p] = value;
        } catch (const json::exception& e) {
            issues.add(ptr, std::string("--set: ") + e.what());
        }
    }
    issues.throwIfAny();
}

static std::string resolvePath(const std::string& p, const std::string& baseDir) {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (fs::path(baseDir) / p).lexically_normal().string();
}

static bool isPowerOfTwo(uint64_t v) { return v && !(v & (v - 1)); }

Scenario loadScenario(const std::string& path, const std::vector<std::string>& sets) {
    json doc = common::readJsonFile(path);
    std::string dir = fs::path(path).parent_path().string();
    return parseScenario(std::move(doc), path, dir.empty() ? "." : dir, sets);
}

// The run options a PIM workload section shares (defaults in workloads/defaults/scenario.json).
static void readRunOptions(JsonObject& wl, PimRunOptions& o) {
    o.functional = wl.oneOf("mode", {"functional", "timing"}) != "timing";
    o.check = wl.boolean("check");
    o.exactExp = wl.oneOf("exp", {"approx", "exact"}) == "exact";
    o.fp16Accum = wl.oneOf("accumulation", {"fp32", "fp16"}) == "fp16";
    o.seed = wl.u64("seed");
    o.replicateChannels = wl.boolean("replicate_channels");
}

Scenario parseScenario(json doc, const std::string& file, const std::string& baseDir,
                       const std::vector<std::string>& sets) {
    if (!doc.is_object()) throw ConfigError({{file, "", "a scenario must be a JSON object"}});
    // Defaults first, then the file, then the command line.
    const json& defaults = shippedDefaults();
    json merged = defaults["common"];
    merged.merge_patch(doc);
    // Section defaults apply to the sections the scenario has: "traffic" (by type) or "workload".
    auto layer = [&](const char* section, const std::string& typedKey) {
        if (!merged.contains(section) || !merged[section].is_object()) return;
        json t = defaults.contains(section) ? defaults[section] : json::object();
        const json& typ = merged[section].contains("type") ? merged[section]["type"] : json();
        if (typ.is_string() && defaults.contains(typedKey + typ.get<std::string>()))
            t.merge_patch(defaults[typedKey + typ.get<std::string>()]);
        t.merge_patch(merged[section]);
        merged[section] = t;
    };
    layer("traffic", "traffic_");
    layer("workload", "workload_");
    applyOverrides(merged, sets, file);

    Scenario s;
    s.file = file;
    s.resolved = merged;
    IssueList issues(file);
    JsonObject root(s.resolved, "", issues);
    s.name = root.string("name");
    root.allow("description");

    JsonObject sys = root.object("system");
    s.memspecFile = resolvePath(sys.string("memspec"), baseDir);
    s.mappingFile = resolvePath(sys.string("mapping"), baseDir);
    s.stacks = sys.u32("stacks", 1, 64);
    s.pseudoChannels = sys.u32("pseudo_channels", 0, 1u << 16);
    s.protocolCheck = sys.boolean("protocol_check");
    sys.rejectUnknownKeys();
    if (!isPowerOfTwo(s.stacks)) issues.add("/system/stacks", "must be a power of two");

    JsonObject ctl = root.object("controller");
    // A DRAMSys mcconfig replaces the controller settings it covers (like-for-like comparisons).
    std::optional<std::string> mcconfig = ctl.optString("mcconfig");
    s.controller = hbm::parseControllerConfig(ctl);
    uint32_t maxActive = 0;
    if (mcconfig) {
        const std::string path = resolvePath(*mcconfig, baseDir);
        if (!fs::exists(path)) {
            issues.add("/controller/mcconfig", "no such file: " + path);
        } else {
            const hbm::DramsysMcconfig mc = hbm::loadDramsysMcconfig(path, s.controller);
            s.controller = mc.controller;
            maxActive = mc.maxActiveTransactions;
        }
    }

    if (root.has("traffic") == root.has("workload"))
        issues.add("", "a scenario has exactly one of \"traffic\" (memory traffic) or \"workload\" (PIM work)");
    if (auto pimObj = root.optObject("pim")) {
        auto& pe = s.pe;
        pe.clockMHz = pimObj->number("pe_mhz", 1, 10000);
        pe.macLanes = pimObj->u32("mac_lanes", 1, 1024);
        pe.sramBytes = pimObj->u32("sram_bytes", 256, 1u << 20);
        pe.expCycles = pimObj->u32("exp_cycles", 1, 64);
        pimObj->rejectUnknownKeys();
    }
    const bool isPrefill = root.has("workload") && root.raw()["workload"].is_object() &&
                           root.raw()["workload"].value("type", "") == "prefill";
    if (auto wl = isPrefill ? root.optObject("workload") : std::optional<JsonObject>()) {
        PrefillWorkload p;
        wl->oneOf("type", {"prefill"});
        p.batch = wl->u32("batch", 1, 1u << 20);
        p.heads = wl->u32("heads", 1, 1024);
        p.context = wl->u32("context", 1, 1u << 24);
        p.headDim = wl->u32("head_dim", 16, 256);
        if (p.headDim % 16) issues.add("/workload/head_dim", "must be a multiple of 16 (one PE lane row)");
        p.pattern = readPrefillPattern(wl->object("pattern"));
        p.naive = wl->oneOf("tiling", {"io-aware", "naive"}) == "naive";
        readRunOptions(*wl, p);
        wl->rejectUnknownKeys();
        s.pe.functional = p.functional;
        s.prefill = p;
    } else if (auto wl = root.optObject("workload")) {
        DecodeWorkload w;
        wl->oneOf("type", {"decode", "prefill"});
        w.batch = wl->u32("batch", 1, 1u << 20);
        w.heads = wl->u32("heads", 1, 1024);
        w.kvHeads = wl->u32("kv_heads", 1, 1024);
        w.context = wl->u32("context", 1, 1u << 24);
        w.headDim = wl->u32("head_dim", 16, 256);
        if (w.heads % w.kvHeads) issues.add("/workload/heads", "must be a multiple of kv_heads (grouped-query attention)");
        if (w.headDim % 16) issues.add("/workload/head_dim", "must be a multiple of 16 (one PE lane row)");
        if (wl->has("sparse") && !wl->raw()["sparse"].is_null()) {
            JsonObject sp = wl->object("sparse");
            w.sparse = true;
            // Either ranges (sink + window) or an explicit key set: a list, or N keys drawn at random.
            if (sp.has("sink") || sp.has("window")) {
                w.sink = sp.u32("sink", 0, 1u << 24);
                w.window = sp.u32("window", 0, 1u << 24);
            }
            if (sp.has("keys")) w.keyList = sp.u32List("keys", (1u << 24));
            if (sp.has("random_keys")) {
                const uint32_t n = sp.u32("random_keys", 1, 1u << 24);
                const uint64_t seed = sp.has("seed") ? sp.u64("seed") : 1;
                std::mt19937_64 rng(seed);
                std::set<uint32_t> pick;
                while (pick.size() < std::min(n, w.context)) pick.insert(uint32_t(rng() % std::max(1u, w.context)));
                w.keyList.assign(pick.begin(), pick.end());
            }
            sp.allow("seed");
            std::sort(w.keyList.begin(), w.keyList.end());
            w.keyList.erase(std::unique(w.keyList.begin(), w.keyList.end()), w.keyList.end());
            for (uint32_t k : w.keyList)
                if (k >= w.context) {
                    issues.add("/workload/sparse/keys", "key " + std::to_string(k) + " is beyond the context of " +
                                                            std::to_string(w.context));
                    break;
                }
            if (!w.keyList.empty() && (sp.has("sink") || sp.has("window")))
                issues.add("/workload/sparse", "give either sink + window or a key set, not both");
            if (sp.has("head_fraction")) w.sparseHeadFraction = sp.number("head_fraction", 0.0, 1.0);
            if (w.keyList.empty() && w.sink + uint64_t(w.window) == 0)
                issues.add("/workload/sparse", "sink + window (or keys / random_keys) must select a key");
            sp.rejectUnknownKeys();
        } else {
            wl->allow("sparse");
        }
        w.naive = wl->oneOf("tiling", {"io-aware", "naive"}) == "naive";
        readRunOptions(*wl, w);
        w.splitGqa = wl->boolean("split_gqa");
        wl->rejectUnknownKeys();
        s.pe.functional = w.functional;
        s.decode = w;
    }
    if (!root.has("traffic")) {
        root.rejectUnknownKeys();
        issues.throwIfAny();
        s.memspec = hbm::loadMemspec(s.memspecFile);
        s.mapping = std::make_unique<hbm::AddressMapping>(hbm::loadAddressMapping(s.mappingFile, s.memspec, s.stacks));
        const uint32_t total = s.memspec.org.pcsPerStack() * s.stacks;
        if (s.pseudoChannels == 0) s.pseudoChannels = total;
        if (s.pseudoChannels > total || !isPowerOfTwo(s.pseudoChannels) ||
            s.pseudoChannels % s.memspec.org.pseudoChannels)
            issues.add("/system/pseudo_channels", "must be 0 (all) or a power of two <= " + std::to_string(total) +
                                                      " covering whole channels (got " +
                                                      std::to_string(s.pseudoChannels) + ")");
        checkPimGeometry(s.memspec, "/system/memspec", issues);
        issues.throwIfAny();
        return s;
    }
    JsonObject tr = root.object("traffic");
    s.traffic = TrafficConfig{};
    auto& t = *s.traffic;
    const std::string type = tr.oneOf("type", {"synthetic", "trace"});
    t.maxOutstanding = tr.u32("max_outstanding", 1, 1u << 20);
    // DRAMSys's MaxActiveTransactions bounds the requests in flight, as max_outstanding does.
    if (maxActive != 0) t.maxOutstanding = std::min(t.maxOutstanding, maxActive);
    if (type == "trace") {
        t.type = TrafficConfig::Type::Trace;
        t.traceFile = resolvePath(tr.string("file"), baseDir);
        t.clockGHz = tr.number("clock_ghz", 1e-3, 1e3);
        if (!t.traceFile.empty() && !fs::exists(t.traceFile)) issues.add("/traffic/file", "no such file: " + t.traceFile);
    } else if (type == "synthetic") {
        auto& y = t.synthetic;
        const std::string pattern = tr.oneOf("pattern", {"sequential", "random", "strided"});
        y.pattern = pattern == "random" ? traffic::Pattern::Random
                    : pattern == "strided" ? traffic::Pattern::Strided : traffic::Pattern::Sequential;
        y.requests = tr.u64("requests", 1, uint64_t(1) << 40);
        y.requestBytes = tr.u32("request_bytes", 1, 4096);
        y.strideBytes = tr.u64("stride_bytes", 1, uint64_t(1) << 40);
        y.readFraction = tr.number("read_fraction", 0.0, 1.0);
        y.seed = tr.u64("seed");
        y.intervalPs = uint64_t(std::llround(tr.number("interval_ns", 0.0, 1e9) * 1000.0));
        y.pseudoChannels = 0;   // set below, once the system is known
    }
    tr.rejectUnknownKeys();
    root.rejectUnknownKeys();
    issues.throwIfAny();

    // The files the scenario points at report their own problems.
    s.memspec = hbm::loadMemspec(s.memspecFile);
    s.mapping = std::make_unique<hbm::AddressMapping>(hbm::loadAddressMapping(s.mappingFile, s.memspec, s.stacks));

    const uint32_t total = s.memspec.org.pcsPerStack() * s.stacks;
    if (s.pseudoChannels == 0) s.pseudoChannels = total;
    if (s.pseudoChannels > total || !isPowerOfTwo(s.pseudoChannels))
        issues.add("/system/pseudo_channels", "must be 0 (all) or a power of two <= " + std::to_string(total) +
                                                  " (got " + std::to_string(s.pseudoChannels) + ")");
    if (s.traffic->type == TrafficConfig::Type::Synthetic) {
        auto& y = s.traffic->synthetic;
        y.pseudoChannels = s.pseudoChannels;
        const uint32_t burst = s.memspec.org.accessBytes;
        if (y.requestBytes % burst)
            issues.add("/traffic/request_bytes", "must be a multiple of the " + std::to_string(burst) +
                                                     "-byte access granularity (got " + std::to_string(y.requestBytes) + ")");
        if (y.pattern == traffic::Pattern::Strided && y.strideBytes % y.requestBytes)
            issues.add("/traffic/stride_bytes", "must be a multiple of request_bytes");
    }
    issues.throwIfAny();
    return s;
}

}  // namespace pilot::platform
