// SPDX-License-Identifier: MIT
#include "platform/scenario.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "models/common/json_file.h"
#include "models/common/json_reader.h"
#include "models/hbm/dramsys_mcconfig.h"
#include "models/hbm/dramsys_simconfig.h"
#include "platform/pim_capacity.h"
#include "platform/pim_geometry.h"
#include "platform/shipped_defaults.h"
#include "platform/system_limits.h"
#include "platform/workload_config.h"

namespace pilot::platform {

namespace fs = std::filesystem;
using common::ConfigError;
using common::IssueList;
using common::JsonObject;
using nlohmann::json;

std::string workloadsDir() {
    if (const char* env = std::getenv("PILOT_WORKLOADS"))
        return env;
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
        // Not JSON at all: the text itself (a string without quotes); too deep: refused.
        const json value = common::parseJsonValue(text, file, ptr).value_or(json(text));
        try {
            json::json_pointer p(ptr);
            if (!doc.contains(p.parent_pointer()) || !doc[p.parent_pointer()].is_object())
                issues.add(ptr, "--set: no such object to set a field in");
            else
                doc[p] = value;
        } catch (const json::exception& e) {
            issues.add(ptr, "--set: " + common::plainReason(e.what()));
        }
    }
    issues.throwIfAny();
}

static std::string resolvePath(const std::string& p, const std::string& baseDir) {
    if (p.empty() || fs::path(p).is_absolute())
        return p;
    return (fs::path(baseDir) / p).lexically_normal().string();
}

static bool isPowerOfTwo(uint64_t v) {
    return v && !(v & (v - 1));
}

Scenario loadScenario(const std::string& path, const std::vector<std::string>& sets) {
    json doc = common::readJsonFile(path);
    std::string dir = fs::path(path).parent_path().string();
    return parseScenario(std::move(doc), path, dir.empty() ? "." : dir, sets);
}

// A null member would be merged as "delete the key" (JSON merge patch) and the shipped default
// used in its place without a word (found by the campaign, tools/dev/campaign.py): refused,
// except /workload/sparse, where null means dense. Arrays are read whole by their readers.
static void rejectNulls(const json& j, const std::string& pointer, IssueList& issues) {
    if (!j.is_object())
        return;
    for (auto it = j.begin(); it != j.end(); ++it) {
        std::string key = it.key();
        for (size_t at = 0; (at = key.find_first_of("~/", at)) != std::string::npos; at += 2)
            key.replace(at, 1, key[at] == '~' ? "~0" : "~1");
        const std::string p = pointer + "/" + key;
        if (it->is_null() && p != "/workload/sparse")
            issues.add(p, "must not be null (leave the key out for its default)");
        else
            rejectNulls(*it, p, issues);
    }
}

// /workload/type decides which defaults and fields apply: a bad one is its only problem reported
// (the campaign found up to 24 lines of missing fields and unknown keys behind it).
static void checkWorkloadType(const json& doc, IssueList& issues) {
    if (!doc.contains("workload") || !doc["workload"].is_object())
        return;
    const json& w = doc["workload"];
    const char* known = "must be one of \"decode\", \"prefill\" (a scenario) or \"end_to_end\"";
    if (!w.contains("type"))
        issues.add("/workload/type", "missing required field");
    else if (!w["type"].is_string())
        issues.add("/workload/type", std::string("must be a string (got ") + w["type"].type_name() + ")");
    else if (w["type"] != "decode" && w["type"] != "prefill")
        issues.add("/workload/type", std::string(known) + " (got \"" + w["type"].get<std::string>() + "\")");
    issues.throwIfAny();
}

// The document the scenario reads: the shipped defaults ("common", then the section defaults of
// the sections it has: "traffic" by type, "workload" by type), the file, the `--set` overrides.
static json mergedWithDefaults(const json& doc, const std::string& file,
                               const std::vector<std::string>& sets) {
    IssueList nulls(file);
    rejectNulls(doc, "", nulls);
    nulls.throwIfAny();
    const json& defaults = shippedDefaults();
    json merged = defaults["common"];
    merged.merge_patch(doc);
    auto layer = [&](const char* section, const std::string& typedKey) {
        if (!merged.contains(section) || !merged[section].is_object())
            return;
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
    return merged;
}

static void readSystem(JsonObject& root, const std::string& baseDir, Scenario& s) {
    JsonObject sys = root.object("system");
    s.memspecFile = resolvePath(sys.string("memspec"), baseDir);
    s.mappingFile = resolvePath(sys.string("mapping"), baseDir);
    // An empty name would resolve to no file and be reported without one (found by fuzzing);
    // a missing key is reported by string() already.
    if (sys.has("memspec") && s.memspecFile.empty())
        root.issues().add("/system/memspec", "must name a file");
    if (sys.has("mapping") && s.mappingFile.empty())
        root.issues().add("/system/mapping", "must name a file");
    s.stacks = sys.u32("stacks", 1, 64);
    s.pseudoChannels = sys.u32("pseudo_channels", 0, 1u << 16);
    s.protocolCheck = sys.boolean("protocol_check");
    s.storeData = sys.boolean("store_data");
    // A DRAMSys simconfig replaces store_data with its StoreMode (like-for-like comparisons).
    if (std::optional<std::string> simconfig = sys.optString("simconfig")) {
        const std::string path = resolvePath(*simconfig, baseDir);
        if (path.empty() || !fs::exists(path))
            root.issues().add("/system/simconfig", "no such file: " + (path.empty() ? *simconfig : path));
        else
            s.storeData = hbm::loadDramsysSimconfig(s.simconfigFile = path).storeData;
    }
    sys.rejectUnknownKeys();
    checkStackCount(s.stacks, "/system/stacks", root.issues());
}

static void readPim(JsonObject& pimObj, pim::PeConfig& pe, pim::RegisterTiming& regs) {
    pe.clockMHz = pimObj.number("pe_mhz", 1, 10000);
    pe.macLanes = pimObj.u32("mac_lanes", 1, 1024);
    pe.sramBytes = pimObj.u32("sram_bytes", 256, 1u << 20);
    pe.expCycles = pimObj.u32("exp_cycles", 1, 64);
    regs.mmioNs = pimObj.number("mmio_register_ns", 0, 1e6);
    regs.firmwareNs = pimObj.number("firmware_register_ns", 0, 1e6);
    pimObj.rejectUnknownKeys();
}

// /controller: its settings, or a DRAMSys mcconfig replacing the ones it covers (like-for-like
// comparisons). Returns DRAMSys's MaxActiveTransactions (0: none).
static uint32_t readController(JsonObject& root, const std::string& baseDir, Scenario& s) {
    JsonObject ctl = root.object("controller");
    std::optional<std::string> mcconfig = ctl.optString("mcconfig");
    s.controller = hbm::parseControllerConfig(ctl);
    if (!mcconfig)
        return 0;
    const std::string path = resolvePath(*mcconfig, baseDir);
    if (!fs::exists(path)) {
        root.issues().add("/controller/mcconfig", "no such file: " + path);
        return 0;
    }
    const hbm::DramsysMcconfig mc = hbm::loadDramsysMcconfig(path, s.controller);
    s.controller = mc.controller;
    return mc.maxActiveTransactions;
}

// Once the scenario's own fields are read: the memspec and mapping it points at (they report
// their own problems), and "all pseudo-channels" resolved. Returns the pseudo-channels there are.
static uint32_t loadMemory(Scenario& s, IssueList& issues) {
    issues.throwIfAny();
    s.memspec = hbm::loadMemspec(s.memspecFile);
    s.mapping =
        std::make_unique<hbm::AddressMapping>(hbm::loadAddressMapping(s.mappingFile, s.memspec, s.stacks));
    const uint32_t total = s.memspec.org.pcsPerStack() * s.stacks;
    if (s.pseudoChannels == 0)
        s.pseudoChannels = total;
    return total;
}

// A PIM workload scenario, once its fields are read: the memory it runs on, whole channels, a
// geometry the contract can address.
static Scenario finishPimScenario(Scenario s, JsonObject& root, IssueList& issues) {
    const uint32_t total = loadMemory(s, issues);
    if (s.pseudoChannels > total || !isPowerOfTwo(s.pseudoChannels) ||
        s.pseudoChannels % s.memspec.org.pseudoChannels)
        issues.add("/system/pseudo_channels",
                   "must be 0 (all) or a power of two <= " + std::to_string(total) +
                       " covering whole channels (got " + std::to_string(s.pseudoChannels) + ")");
    checkPimGeometry(s.memspec, "/system/memspec", issues);
    checkPimMapping(*s.mapping, "/system/mapping", issues);
    if (!s.storeData)
        issues.add(s.simconfigFile.empty() ? "/system/store_data" : "/system/simconfig",
                   "the memory must keep its data with a PIM workload: the PEs compute on it "
                   "(store_data true; a DRAMSys simconfig's StoreMode \"Store\")");
    issues.throwIfAny();
    checkPimCapacity(s, issues);
    issues.throwIfAny();
    return s;
}

static TrafficConfig readTraffic(JsonObject& tr, const std::string& baseDir, uint32_t maxActive) {
    TrafficConfig t;
    const std::string type = tr.oneOf("type", {"synthetic", "trace"});
    if (type.empty()) { // reported: its fields belong to no known type (one line, not one per key)
        for (auto it = tr.raw().begin(); tr.valid() && it != tr.raw().end(); ++it)
            tr.allow(it.key());
        return t;
    }
    t.maxOutstanding = tr.u32("max_outstanding", 1, 1u << 20);
    if (tr.has("channels")) {
        t.channels = tr.u32List("channels", 1u << 16);
        if (tr.raw()["channels"].is_array() && tr.raw()["channels"].empty())
            tr.issues().add("/traffic/channels", "must list at least one channel");
    }
    // DRAMSys's MaxActiveTransactions bounds the requests in flight, as max_outstanding does.
    if (maxActive != 0)
        t.maxOutstanding = std::min(t.maxOutstanding, maxActive);
    if (type == "trace") {
        t.type = TrafficConfig::Type::Trace;
        t.traceFile = resolvePath(tr.string("file"), baseDir);
        t.clockGHz = tr.number("clock_ghz", 1e-3, 1e3);
        if (!t.traceFile.empty() && !fs::exists(t.traceFile))
            tr.issues().add("/traffic/file", "no such file: " + t.traceFile);
    } else if (type == "synthetic") {
        auto& y = t.synthetic;
        const std::string pattern = tr.oneOf("pattern", {"sequential", "random", "strided"});
        y.pattern = pattern == "random"    ? traffic::Pattern::Random
                    : pattern == "strided" ? traffic::Pattern::Strided
                                           : traffic::Pattern::Sequential;
        y.requests = tr.u64("requests", 1, uint64_t(1) << 40);
        y.requestBytes = tr.u32("request_bytes", 1, 4096);
        y.strideBytes = tr.u64("stride_bytes", 1, uint64_t(1) << 40);
        y.readFraction = tr.number("read_fraction", 0.0, 1.0);
        y.seed = tr.u64("seed");
        y.intervalPs = uint64_t(std::llround(tr.number("interval_ns", 0.0, 1e9) * 1000.0));
        y.pseudoChannels = 0; // set below, once the system is known
    }
    tr.rejectUnknownKeys();
    return t;
}

// /traffic/channels: channels the system has, each once; synthetic traffic only (a trace's
// addresses are its own).
static void checkTrafficChannels(Scenario& s, IssueList& issues) {
    const std::vector<uint32_t>& chs = s.traffic->channels;
    if (chs.empty())
        return;
    if (s.traffic->type != TrafficConfig::Type::Synthetic) {
        issues.add("/traffic/channels",
                   "applies to synthetic traffic only (a trace's addresses are its own)");
        return;
    }
    const uint32_t pcsPerChannel = s.memspec.org.pseudoChannels;
    const uint32_t channels = s.pseudoChannels / pcsPerChannel;
    for (size_t i = 0; i < chs.size(); ++i) {
        const std::string ptr = "/traffic/channels/" + std::to_string(i);
        if (chs[i] >= channels)
            issues.add(ptr, "must name a channel of the system, below " + std::to_string(channels) +
                                " (got " + std::to_string(chs[i]) + ")");
        else if (std::find(chs.begin(), chs.begin() + long(i), chs[i]) != chs.begin() + long(i))
            issues.add(ptr, "channel " + std::to_string(chs[i]) + " is listed twice");
    }
    if (s.pseudoChannels % pcsPerChannel)
        issues.add("/traffic/channels", "needs whole channels in /system/pseudo_channels");
    s.traffic->synthetic.channels = chs;
}

// Synthetic traffic against the memory it runs on (after loadMemory).
static void checkTraffic(Scenario& s, IssueList& issues) {
    checkTrafficChannels(s, issues);
    if (s.traffic->type == TrafficConfig::Type::Synthetic) {
        auto& y = s.traffic->synthetic;
        y.pseudoChannels = s.pseudoChannels;
        const uint32_t burst = s.memspec.org.accessBytes;
        if (y.requestBytes % burst)
            issues.add("/traffic/request_bytes", "must be a multiple of the " + std::to_string(burst) +
                                                     "-byte access granularity (got " +
                                                     std::to_string(y.requestBytes) + ")");
        if (y.pattern == traffic::Pattern::Strided && y.strideBytes % y.requestBytes)
            issues.add("/traffic/stride_bytes", "must be a multiple of request_bytes");
        // The same bound as a trace's time stamps: idle time is simulated refresh by refresh.
        const double spanPs = double(y.requests - 1) * double(y.intervalPs);
        if (spanPs > double(traffic::kMaxTraceTimePs))
            issues.add("/traffic/interval_ns",
                       "requests x interval_ns spans " + std::to_string(spanPs * 1e-12) +
                           " s of simulated time; a run may span at most " +
                           std::to_string(traffic::kMaxTraceTimePs / 1000000000000ull) +
                           " s (idle time is simulated refresh by refresh)");
    }
}

// A memory-traffic scenario, once its fields are read: the memory, and the traffic checked
// against it.
static Scenario finishTrafficScenario(Scenario s, JsonObject& root, IssueList& issues) {
    const uint32_t total = loadMemory(s, issues);
    if (s.pseudoChannels > total || !isPowerOfTwo(s.pseudoChannels))
        issues.add("/system/pseudo_channels",
                   "must be 0 (all) or a power of two <= " + std::to_string(total) + " (got " +
                       std::to_string(s.pseudoChannels) + ")");
    checkTraffic(s, issues);
    issues.throwIfAny();
    return s;
}

// A PIM workload with memory traffic beside it: both checked; every simulated channel is a
// real one (a replicated run stands one channel for all, the traffic's included).
static Scenario finishMixedScenario(Scenario s, JsonObject& root, IssueList& issues) {
    const bool replicated = s.decode ? s.decode->replicateChannels : s.prefill->replicateChannels;
    if (replicated)
        issues.add("/workload/replicate_channels",
                   "must be false when the scenario also has traffic (a replicated run simulates one "
                   "channel for all)");
    s = finishPimScenario(std::move(s), root, issues);
    checkTraffic(s, issues);
    issues.throwIfAny();
    return s;
}

Scenario parseScenario(json doc, const std::string& file, const std::string& baseDir,
                       const std::vector<std::string>& sets) {
    if (!doc.is_object())
        throw ConfigError({{file, "", "a scenario must be a JSON object"}});
    Scenario s;
    s.file = file;
    s.resolved = mergedWithDefaults(doc, file, sets);
    IssueList issues(file);
    JsonObject root(s.resolved, "", issues);
    s.name = root.string("name");
    root.optString("description"); // free text, but text
    readSystem(root, baseDir, s);
    const uint32_t maxActive = readController(root, baseDir, s);

    if (!root.has("traffic") && !root.has("workload"))
        issues.add("", "a scenario has \"traffic\" (memory traffic), \"workload\" (PIM work), or both "
                       "(the traffic beside the PIM work)");
    if (auto pimObj = root.optObject("pim"))
        readPim(*pimObj, s.pe, s.registers);
    checkWorkloadType(root.raw(), issues);
    const bool isPrefill = root.has("workload") && root.raw()["workload"].is_object() &&
                           root.raw()["workload"].contains("type") &&
                           root.raw()["workload"]["type"] == "prefill";
    if (auto wl = isPrefill ? root.optObject("workload") : std::optional<JsonObject>()) {
        s.prefill = readPrefillWorkload(*wl);
        s.pe.functional = s.prefill->functional;
    } else if (auto wl = root.optObject("workload")) {
        s.decode = readDecodeWorkload(*wl);
        s.pe.functional = s.decode->functional;
    }
    if (root.has("traffic")) {
        JsonObject tr = root.object("traffic");
        s.traffic = readTraffic(tr, baseDir, maxActive);
    }
    // Before `s` moves on: `root` reads s.resolved (the campaign found a traffic scenario's unknown
    // top-level keys accepted because they were looked for in the moved-from document).
    root.rejectUnknownKeys();
    if (!s.traffic)
        return finishPimScenario(std::move(s), root, issues);
    if (s.decode || s.prefill)
        return finishMixedScenario(std::move(s), root, issues);
    return finishTrafficScenario(std::move(s), root, issues);
}

} // namespace pilot::platform
