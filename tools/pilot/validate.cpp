// SPDX-License-Identifier: MIT
#include "tools/pilot/validate.h"

#include <algorithm>
#include <iostream>
#include <vector>

#include "models/common/json_reader.h"
#include "models/gpu/gpu_config.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/dramsys_mcconfig.h"
#include "models/hbm/dramsys_simconfig.h"
#include "models/hbm/memspec.h"
#include "platform/end_to_end_capacity.h"
#include "platform/end_to_end_point.h"
#include "platform/end_to_end_systems.h"
#include "platform/energy_config.h"
#include "platform/model_config.h"
#include "platform/scenario.h"
#include "platform/shipped_defaults.h"
#include "tools/pilot/sweep.h"

namespace pilot::tools {

using nlohmann::json;

namespace {

// A kind of file and the top-level keys that only it has (shared ones such as "name" and
// "notes" tell nothing). The document's kind is the one whose keys it has most of.
struct FileKind {
    const char* name;
    std::vector<const char*> keys;
};

const std::vector<FileKind>& fileKinds() {
    static const std::vector<FileKind> kinds = {
        {"scenario", {"system", "workload", "traffic", "controller", "pim"}},
        {"sweep", {"scenario", "grid", "points", "set", "systems"}},
        {"memspec", {"organisation", "timing", "command_bus", "standard"}},
        {"DRAMSys memspec", {"memspec"}},
        {"address mapping", {"bits"}},
        {"DRAMSys address mapping", {"addressmapping"}},
        {"DRAMSys mcconfig", {"mcconfig"}},
        {"DRAMSys simconfig", {"simconfig"}},
        {"model",
         {"layers", "hidden", "heads", "kv_heads", "head_dim", "ffn", "ffn_kind", "vocab", "tied_embeddings",
          "attention", "decoder_layers", "duo"}},
        {"GPU", {"peak_fp16_tflops", "memory", "sm_count", "l2_bytes", "kernel_launch_us", "efficiency"}},
        {"energy", {"external_pj_per_bit", "internal_pj_per_bit", "pim_pj_per_mac", "gpu_pj_per_flop"}},
    };
    return kinds;
}

std::string knownKinds() {
    std::string s;
    for (const FileKind& k : fileKinds())
        s += (s.empty() ? "" : ", ") + std::string(k.name);
    return s + " (a scenario whose workload type is \"end_to_end\" is an end-to-end scenario)";
}

const FileKind* kindOf(const json& doc) {
    if (!doc.is_object())
        return nullptr;
    const FileKind* best = nullptr;
    size_t bestCount = 0;
    for (const FileKind& k : fileKinds()) {
        const size_t n = size_t(
            std::count_if(k.keys.begin(), k.keys.end(), [&](const char* key) { return doc.contains(key); }));
        if (n > bestCount) {
            best = &k;
            bestCount = n;
        }
    }
    return best;
}

void validateMemspec(const std::string& path) {
    const hbm::Memspec m = hbm::loadMemspec(path);
    std::cout << path << ": valid memspec \"" << m.name << "\" (" << m.org.pcsPerStack()
              << " pseudo-channels x " << m.org.banksPerPc() << " banks, " << m.peakPcBandwidthGBps()
              << " GB/s per pseudo-channel)\n";
}

void validateMapping(const std::string& path, const std::string& memspecPath) {
    hbm::Memspec m = hbm::loadMemspec(memspecPath); // a DRAMSys mapping may complete it
    const hbm::AddressMapping map = hbm::loadAddressMapping(path, m, 1);
    std::cout << path << ": valid address mapping for " << m.name << " (" << map.capacity()
              << " bytes per stack)\n";
}

void validateMcconfig(const std::string& path) {
    // Checked over the shipped controller defaults, as a scenario's /controller/mcconfig is.
    json defaults = platform::shippedDefaults()["common"]["controller"];
    common::IssueList issues(platform::defaultsDir() + "/scenario.json");
    common::JsonObject ctl(defaults, "/common/controller", issues);
    const hbm::ControllerConfig base = hbm::parseControllerConfig(ctl);
    issues.throwIfAny();
    (void)hbm::loadDramsysMcconfig(path, base);
    std::cout << path << ": valid DRAMSys mcconfig\n";
}

void validateScenario(const std::string& path, const json& doc) {
    if (platform::isEndToEnd(doc)) {
        const platform::EndToEndPoint p = platform::loadEndToEndPoint(path);
        std::cout << path << ": valid end-to-end scenario " << platform::describeEndToEnd(p) << "\n";
        for (const platform::EndToEndSystem* s : p.systems) {
            const platform::SystemCapacity c = platform::systemCapacity(p, *s);
            std::cout << "  capacity " << s->name << ": needs " << uint64_t(c.required)
                      << " B, the memory holds " << uint64_t(c.available) << " B"
                      << (c.fits ? "" : " (overcommitted)") << "\n";
        }
        std::cout << "  largest batch that fits: " << platform::largestFittingBatch(p) << "\n";
        return;
    }
    const platform::Scenario s = platform::loadScenario(path);
    std::cout << path << ": valid scenario \"" << s.name << "\" (" << s.pseudoChannels
              << " pseudo-channel(s) of " << s.memspec.name << ")\n";
}

// Every point as its `pilot run` will load it (base scenario with the point's overrides), so that
// a sweep fails here rather than point by point.
void validateSweepPoints(const sweep::Sweep& sw) {
    std::vector<common::ConfigIssue> issues;
    for (const sweep::Point& p : sw.points) {
        try {
            (void)platform::loadEndToEndPoint(p.scenarioPath, p.setArgs());
        } catch (const common::ConfigError& e) {
            for (common::ConfigIssue i : e.issues()) {
                i.reason += " (point " + std::to_string(p.id) + ": " + p.label + ")";
                issues.push_back(std::move(i));
            }
        }
    }
    if (!issues.empty())
        throw common::ConfigError(std::move(issues));
}

} // namespace

int validateFile(const std::string& path, const std::string& memspecForMappings) {
    const json doc = common::readJsonFile(path);
    const FileKind* kind = kindOf(doc);
    if (!kind)
        throw common::ConfigError(
            {{path, "",
              std::string(doc.is_object() ? "no key tells"
                                          : "a JSON " + std::string(doc.type_name()) + " does not tell") +
                  " what kind of file this is; pilot knows: " + knownKinds()}});
    const std::string k = kind->name;
    if (k == "scenario") {
        validateScenario(path, doc);
    } else if (k == "sweep") {
        const sweep::Sweep sw = sweep::loadSweep(path);
        validateSweepPoints(sw);
        std::cout << path << ": valid sweep \"" << sw.name << "\" (" << sw.points.size() << " points)\n";
    } else if (k == "memspec" || k == "DRAMSys memspec") {
        validateMemspec(path);
    } else if (k == "address mapping" || k == "DRAMSys address mapping") {
        validateMapping(path, memspecForMappings);
    } else if (k == "DRAMSys mcconfig") {
        validateMcconfig(path);
    } else if (k == "DRAMSys simconfig") {
        const hbm::DramsysSimconfig sim = hbm::loadDramsysSimconfig(path);
        std::cout << path << ": valid DRAMSys simconfig (data " << (sim.storeData ? "stored" : "not stored")
                  << ")\n";
    } else if (k == "model") {
        const platform::ModelConfig m = platform::loadModelConfig(path);
        std::cout << path << ": valid model \"" << m.name << "\" (" << m.layers << " layers, " << m.heads
                  << " heads)\n";
    } else if (k == "GPU") {
        const gpu::GpuConfig g = gpu::loadGpuConfig(path);
        std::cout << path << ": valid GPU \"" << g.name << "\" (" << g.peakFp16Tflops << " TFLOP/s FP16)\n";
    } else {
        const platform::EnergyConfig e = platform::loadEnergyConfig(path);
        std::cout << path << ": valid energy file \"" << e.name << "\"\n";
    }
    return 0;
}

} // namespace pilot::tools
