// SPDX-License-Identifier: MIT
#include "platform/sub_simulations.h"

#include <filesystem>

#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "platform/shipped_defaults.h"

namespace pilot::platform {

using nlohmann::json;

std::string SubSimulationPlan::derivedMemspec(const std::string& tag, const json& patch) {
    std::filesystem::create_directories(m_dir);
    json spec = common::readJsonFile(m_point.memspec);
    spec.merge_patch(patch);
    const std::string path = m_dir + "/memspec-" + tag + ".json";
    common::writeTextFile(path, spec.dump(2) + "\n");
    return path;
}

namespace {

// The point's controller settings, when it has any.
json withController(const EndToEndPoint& p, json doc) {
    if (!p.controller.is_null())
        doc["controller"] = p.controller;
    return doc;
}

json subSystem(const EndToEndPoint& p, const std::string& memspec) {
    return {{"memspec", memspec}, {"mapping", p.mapping}, {"stacks", p.stacks}, {"pseudo_channels", 0}};
}

} // namespace

json decodeSubScenario(const EndToEndPoint& p, uint32_t context, const PimSubOptions& o) {
    const auto& m = p.model;
    json w = {{"type", "decode"},
              {"batch", p.batch},
              {"heads", m.heads},
              {"kv_heads", m.kvHeads},
              {"kernel", o.attacc ? "attacc" : "pilot"},
              {"context", context},
              {"head_dim", m.headDim},
              {"mode", p.functional ? "functional" : "timing"},
              {"replicate_channels", !p.functional},
              {"fast_forward", !p.functional && p.cosim.fastForward},
              {"tiling", o.naive ? "naive" : "io-aware"}};
    if (!p.pattern.is_null() && p.pattern.value("kind", "") == "streaming")
        w["sparse"] = {{"sink", p.pattern["sink"]},
                       {"window", p.pattern["window"]},
                       {"head_fraction", p.pattern.value("head_fraction", 1.0)}};
    return withController(
        p,
        {{"name", p.name + " decode"}, {"system", subSystem(p, o.memspec)}, {"pim", p.pim}, {"workload", w}});
}

json prefillSubScenario(const EndToEndPoint& p, bool naive) {
    const auto& m = p.model;
    json w = {{"type", "prefill"},
              {"batch", p.batch},
              {"heads", m.heads},
              {"context", p.seqLen},
              {"head_dim", m.headDim},
              {"pattern", p.pattern},
              {"mode", p.functional ? "functional" : "timing"},
              {"replicate_channels", !p.functional},
              {"fast_forward", !p.functional && p.cosim.fastForward},
              {"tiling", naive ? "naive" : "io-aware"}};
    return withController(p, {{"name", p.name + " prefill"},
                              {"system", subSystem(p, p.memspec)},
                              {"pim", p.pim},
                              {"workload", w}});
}

json streamSubScenario(const EndToEndPoint& p) {
    // One stack's pseudo-channels stream sequential reads: the bandwidth fraction the HBM model
    // sustains (refresh, row switches, bus turnarounds), applied to the GPU's memory-bound kernels.
    json sys = subSystem(p, p.memspec);
    sys["stacks"] = 1;
    const json& stream = shippedDefaults()["end_to_end"]["stream"];
    return withController(p, {{"name", p.name + " stream"},
                              {"system", sys},
                              {"traffic",
                               {{"type", "synthetic"},
                                {"pattern", "sequential"},
                                {"requests", stream["requests"]},
                                {"request_bytes", stream["request_bytes"]},
                                {"read_fraction", 1.0},
                                {"max_outstanding", stream["max_outstanding"]}}}});
}

} // namespace pilot::platform
