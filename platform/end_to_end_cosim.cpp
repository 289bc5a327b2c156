// SPDX-License-Identifier: MIT
#include "platform/end_to_end_cosim.h"

#include <stdexcept>

#include "platform/end_to_end_systems.h"

namespace pilot::platform {

using nlohmann::json;

json cosimChildDocument(const EndToEndPoint& p, const EndToEndSystem& system) {
    const json cosim = {{"replicate_channels", p.cosim.replicate},
                        {"outstanding_per_pseudo_channel", p.cosim.outstandingPerPc},
                        {"tile_bytes", p.cosim.tileBytes},
                        {"fast_forward", p.cosim.fastForward},
                        {"isolation_runs", p.cosim.isolationRuns}};
    // inputFiles: scenario, model, GPU, energy, memspec, mapping (end_to_end_point.cpp).
    json w = {{"type", "end_to_end"},
              {"model", p.inputFiles.at(1)},
              {"seq_len", p.seqLen},
              {"out_len", p.outLen},
              {"batch", p.batch},
              {"decode_samples", p.samples},
              {"pattern", p.sparsePrefill() ? p.pattern : json("dense")},
              {"systems", json::array({system.name})},
              {"gpu", p.inputFiles.at(2)},
              {"energy", p.inputFiles.at(3)},
              {"gpu_attention", p.gpuAttention},
              {"allow_overcommit", p.allowOvercommit},
              {"mode", "cosim"},
              {"cosim", cosim}};
    json doc = {{"name", p.name + " (" + system.name + ")"},
                {"system", {{"memspec", p.memspec}, {"mapping", p.mapping}, {"stacks", p.stacks}}},
                {"pim", p.pim},
                {"workload", w}};
    if (!p.controller.is_null())
        doc["controller"] = p.controller;
    return doc;
}

std::map<std::string, CosimMeasurement> measureCosim(const EndToEndPoint& p, const std::string& partsDir,
                                                     const SubSimulator& run, const RunOptions& opt,
                                                     size_t& count) {
    std::map<std::string, CosimMeasurement> out;
    count = p.systems.size();
    if (p.systems.size() == 1) {
        out[p.systems[0]->name] = simulateCosimSystem(p, *p.systems[0], opt);
        return out;
    }
    std::vector<SubSimulation> subs;
    for (const EndToEndSystem* s : p.systems)
        subs.push_back({std::string("cosim-") + s->name, cosimChildDocument(p, *s)});
    const std::vector<json> results = run(subs, partsDir);
    for (size_t i = 0; i < subs.size(); ++i) {
        const char* name = p.systems[i]->name;
        const json& sys = results.at(i).at("end_to_end").at("systems").at(name);
        if (!sys.contains("cosim"))
            throw std::runtime_error("sub-simulation " + subs[i].key + " returned no co-simulation results");
        out[name] = cosimMeasurementFromJson(sys["cosim"]);
    }
    return out;
}

} // namespace pilot::platform
