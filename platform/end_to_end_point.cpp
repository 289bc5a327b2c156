// SPDX-License-Identifier: MIT
#include "platform/end_to_end_point.h"

#include <filesystem>

#include "models/common/config_error.h"
#include "models/common/json_reader.h"
#include "models/gpu/gpu_attention.h"
#include "platform/end_to_end.h"
#include "platform/end_to_end_capacity.h"
#include "platform/end_to_end_systems.h"
#include "platform/pattern_config.h"
#include "platform/pim_geometry.h"
#include "platform/scenario.h"
#include "platform/shipped_defaults.h"
#include "platform/system_limits.h"

namespace pilot::platform {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string resolve(const std::string& p, const std::string& dir) {
    if (p.empty() || fs::path(p).is_absolute())
        return p;
    return fs::weakly_canonical(fs::path(dir) / p).string();
}

// A field naming a file, resolved. An empty name would be opened as "", and a missing file by
// every sub-simulation, each reporting it under another file's name (found by the campaign,
// tools/dev/campaign.py): both are reported here, at the field.
std::string fileField(common::JsonObject& o, const std::string& key, const std::string& dir) {
    const std::string name = o.string(key);
    const std::string path = resolve(name, dir);
    if (o.has(key) && o.raw()[key].is_string() && name.empty())
        o.issues().add(o.pointerOf(key), "must name a file");
    else if (!name.empty() && !fs::is_regular_file(path))
        o.issues().add(o.pointerOf(key), "no such file: " + path);
    return path;
}

// The model's own prefill pattern: DuoAttention's streaming heads, BigBird, Longformer; dense
// models have none (their attention stays on the GPU).
json modelPattern(const ModelConfig& m) {
    if (m.duo)
        return {{"kind", "streaming"},
                {"window", m.duo->window},
                {"sink", m.duo->sink},
                {"head_fraction", m.duo->streamingFraction}};
    const auto& a = m.attention;
    if (a.kind == AttentionKind::BigBird)
        return {{"kind", "bigbird"},  {"window", a.window},
                {"global", a.global}, {"random_blocks", a.randomBlocks},
                {"block", a.block},   {"seed", 1}};
    if (a.kind == AttentionKind::Longformer)
        return {{"kind", "longformer"}, {"window", a.window}, {"global", a.global}};
    return nullptr;
}

// /workload/systems: names of kEndToEndSystems entries; every system when absent.
void readSystems(common::JsonObject& wl, EndToEndPoint& p) {
    p.systems.clear();
    wl.allow("systems");
    if (!wl.has("systems")) {
        for (const EndToEndSystem& s : endToEndSystems())
            p.systems.push_back(&s);
        return;
    }
    common::IssueList& issues = wl.issues();
    const json& s = wl.raw()["systems"];
    if (!s.is_array() || s.empty()) {
        issues.add("/workload/systems", "must be a non-empty list of system names");
        return;
    }
    for (size_t i = 0; i < s.size(); ++i) {
        const EndToEndSystem* sys = endToEndSystemNamed(s[i].is_string() ? s[i].get<std::string>() : "");
        if (!sys)
            issues.add("/workload/systems/" + std::to_string(i),
                       "unknown system '" + s[i].dump() + "' (" + endToEndSystemNames() + ")");
        else
            p.systems.push_back(sys);
    }
}

// /workload/pattern: a pattern object, "model" (the model's own) or "dense" (none: the GPU).
void readPattern(const json& pattern, const std::string& path, EndToEndPoint& p) {
    if (pattern.is_string()) {
        p.patternName = pattern.get<std::string>();
        if (p.patternName == "model") {
            p.pattern = modelPattern(p.model);
            p.patternName = p.pattern.is_null() ? "dense" : p.pattern["kind"].get<std::string>();
        } else if (p.patternName == "dense") {
            p.pattern = nullptr;
        } else {
            throw common::ConfigError(
                {{path, "/workload/pattern",
                  "a pattern object, \"model\" or \"dense\" (got \"" + p.patternName + "\")"}});
        }
    } else if (pattern.is_object()) {
        p.pattern = pattern;
        p.patternName = pattern.value("kind", "?");
    } else {
        throw common::ConfigError({{path, "/workload/pattern", "a pattern object, \"model\" or \"dense\""}});
    }
    if (!p.pattern.is_null()) {
        common::IssueList is(path);
        p.spec = readPrefillPattern(common::JsonObject(p.pattern, "/workload/pattern", is));
        is.throwIfAny();
    }
}

// /workload/cosim: each key over its shipped default.
void readCosim(common::JsonObject& wl, const json& defaults, EndToEndPoint& p) {
    json merged = defaults;
    wl.allow("cosim");
    if (wl.has("cosim")) {
        if (!wl.raw()["cosim"].is_object()) {
            wl.issues().add("/workload/cosim", "must be an object");
            return;
        }
        merged.merge_patch(wl.raw()["cosim"]);
    }
    common::JsonObject c(merged, "/workload/cosim", wl.issues());
    p.cosim.replicate = c.boolean("replicate_channels");
    p.cosim.outstandingPerPc = c.u32("outstanding_per_pseudo_channel", 1, 1u << 16);
    p.cosim.tileBytes = c.u32("tile_bytes", 64, 1u << 30);
    p.cosim.fastForward = c.boolean("fast_forward");
    p.cosim.isolationRuns = c.boolean("isolation_runs");
    c.rejectUnknownKeys();
}

// The files a point names (model, GPU, energy), resolved against the scenario's folder.
struct PointFiles {
    std::string model, gpu, energy;
    json pattern; // as written (parsed once the model is known)
};

PointFiles readWorkload(common::JsonObject& root, const std::string& dir, EndToEndPoint& p) {
    common::JsonObject wl = root.object("workload");
    wl.oneOf("type", {"end_to_end"});
    const std::string model = wl.string("model");
    p.seqLen = wl.u32("seq_len", 1, 1u << 20);
    p.outLen = wl.u32("out_len", 1, 1u << 20);
    p.batch = wl.u32("batch", 1, 1u << 20);
    const json& defaults = shippedDefaults()["end_to_end"];
    p.samples = wl.has("decode_samples") ? wl.u32("decode_samples", 1, 1u << 20)
                                         : defaults["decode_samples"].get<uint32_t>();
    p.functional = wl.has("functional") && wl.boolean("functional");
    p.gpuAttention = wl.has("gpu_attention") ? wl.oneOf("gpu_attention", gpu::gpuAttentionNames())
                                             : defaults["gpu_attention"].get<std::string>();
    p.allowOvercommit = wl.has("allow_overcommit") && wl.boolean("allow_overcommit");
    p.mode = wl.has("mode") ? wl.oneOf("mode", {"cosim", "composed"}) : defaults["mode"].get<std::string>();
    readCosim(wl, defaults["cosim"], p);
    if (p.mode == "cosim" && p.functional)
        wl.issues().add("/workload/functional",
                        "the co-simulation runs the PIM timing-only; a functional point "
                        "(every PIM output checked) runs with \"mode\": \"composed\"");
    PointFiles f;
    f.gpu = wl.has("gpu") ? fileField(wl, "gpu", dir) : defaultsPath(defaults["gpu"].get<std::string>());
    f.energy =
        wl.has("energy") ? fileField(wl, "energy", dir) : defaultsPath(defaults["energy"].get<std::string>());
    readSystems(wl, p);
    f.pattern = wl.has("pattern") ? wl.raw()["pattern"] : json("model");
    wl.allow("pattern");
    wl.rejectUnknownKeys();
    f.model = model.find('/') != std::string::npos || model.find(".json") != std::string::npos
                  ? resolve(model, dir)
                  : workloadsDir() + "/models/" + model + ".json";
    return f;
}

} // namespace

bool isEndToEnd(const json& scenario) {
    return scenario.is_object() && scenario.contains("workload") && scenario["workload"].is_object() &&
           scenario["workload"].contains("type") && scenario["workload"]["type"] == "end_to_end";
}

EndToEndPoint loadEndToEndPoint(const std::string& path, const std::vector<std::string>& sets) {
    json doc = common::readJsonFile(path);
    applyOverrides(doc, sets, path);
    const std::string dir = fs::path(path).parent_path().string();
    EndToEndPoint p;
    p.file = path;
    common::IssueList issues(path);
    common::JsonObject root(doc, "", issues);
    p.name = root.string("name");
    root.optString("description"); // free text, but text
    common::JsonObject sys = root.object("system");
    p.memspec = fileField(sys, "memspec", dir);
    p.mapping = fileField(sys, "mapping", dir);
    p.stacks = sys.u32("stacks", 1, 64);
    checkStackCount(p.stacks, "/system/stacks", issues);
    // Every sub-simulation uses all pseudo-channels: any other value would be ignored.
    sys.allow("pseudo_channels");
    if (sys.has("pseudo_channels") && doc["system"]["pseudo_channels"] != json(0))
        issues.add("/system/pseudo_channels", "an end-to-end run uses every pseudo-channel: must be 0 (all) "
                                              "or absent (got " +
                                                  doc["system"]["pseudo_channels"].dump() + ")");
    sys.rejectUnknownKeys();
    if (root.has("pim")) {
        root.allow("pim");
        p.pim = doc["pim"];
    }
    // Checked where the sub-simulations (or the co-simulation) parse it, with their scenarios.
    if (root.has("controller")) {
        root.allow("controller");
        p.controller = doc["controller"];
    }
    const PointFiles files = readWorkload(root, dir, p);
    root.rejectUnknownKeys();
    issues.throwIfAny();

    { // refused here rather than by every sub-simulation
        common::IssueList geo(path);
        checkPimGeometry(hbm::loadMemspec(p.memspec), "/system/memspec", geo);
        geo.throwIfAny();
    }
    p.model = loadModelConfig(files.model);
    p.gpu = gpu::loadGpuConfig(files.gpu);
    p.energy = loadEnergyConfig(files.energy);
    readPattern(files.pattern, path, p);
    p.inputFiles = {path, files.model, files.gpu, files.energy, p.memspec, p.mapping};
    checkSubSimulations(p);
    checkCapacity(p);
    return p;
}

std::string describeEndToEnd(const EndToEndPoint& p) {
    std::string systems;
    for (const EndToEndSystem* s : p.systems)
        systems += (systems.empty() ? "" : ", ") + std::string(s->name);
    return "\"" + p.name + "\" (" + p.model.name + ", L_in " + std::to_string(p.seqLen) + ", L_out " +
           std::to_string(p.outLen) + ", batch " + std::to_string(p.batch) + ", pattern " + p.patternName +
           ", gpu attention " + p.gpuAttention + "; " + systems + ")";
}

} // namespace pilot::platform
