// SPDX-License-Identifier: MIT
// End-to-end composition (platform/end_to_end.h) without child processes: the systems table
// plans its sub-simulations, and the composition turns their results into per-system figures.
// A fake sub-simulator returns chosen figures, so the expected totals follow by hand.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unistd.h>

#include "models/common/json_reader.h"
#include "platform/end_to_end.h"
#include "platform/end_to_end_systems.h"

using namespace pilot;
using nlohmann::json;

namespace {

const std::string kTiny = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/e2e-tiny.json";

std::string partsDir(const char* tag) {
    return (std::filesystem::temp_directory_path() /
            ("pilot-e2e-test-" + std::to_string(::getpid()) + "-" + tag))
        .string();
}

// Stream at half the peak bandwidth; prefill 1000 ns (pilot) or 4000 ns (naive); decode 10 ns
// per key of context (linear, so interpolating between samples is exact).
struct FakeSubSimulator {
    std::vector<platform::SubSimulation> seen;
    std::vector<json> operator()(const std::vector<platform::SubSimulation>& subs, const std::string&) {
        std::vector<json> out;
        for (const auto& s : subs) {
            seen.push_back(s);
            const json kernel = {{"internal_bytes", 1000.0}, {"external_bytes", 100.0}};
            if (s.key == "stream")
                out.push_back({{"memory", {{"bandwidth_GBps", 50.0}, {"peak_bandwidth_GBps", 100.0}}}});
            else if (s.key.rfind("prefill-", 0) == 0)
                out.push_back({{"prefill_attention_ns", s.key == "prefill-pilot" ? 1000.0 : 4000.0},
                               {"kernels", json::array({kernel})}});
            else
                out.push_back({{"decode_attention_ns", 10.0 * s.doc["workload"]["context"].get<double>()},
                               {"kernels", json::array({kernel})}});
        }
        return out;
    }
};

} // namespace

TEST_CASE("End to end: each system plans its own sub-simulations, attacc with its own kernel on the point's "
          "memspec",
          "[e2e]") {
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(kTiny);
    FakeSubSimulator fake;
    const std::string dir = partsDir("plan");
    platform::runEndToEnd(p, dir, std::ref(fake));
    std::set<std::string> keys;
    for (const auto& s : fake.seen)
        keys.insert(s.key);
    // L_in 256, L_out 8, 3 samples: contexts 256, 256 + round(3.5), 256 + 7.
    const std::set<std::string> expected = {"stream",
                                            "prefill-pilot",
                                            "prefill-pilot-naive",
                                            "decode-attacc-256",
                                            "decode-attacc-260",
                                            "decode-attacc-263",
                                            "decode-pilot-256",
                                            "decode-pilot-260",
                                            "decode-pilot-263",
                                            "decode-pilot-naive-256",
                                            "decode-pilot-naive-260",
                                            "decode-pilot-naive-263"};
    CHECK(keys == expected);
    for (const auto& s : fake.seen) {
        // Power rules are the memspec's for every PIM system: all run on the point's memspec.
        if (s.key.rfind("decode-", 0) == 0)
            CHECK(s.doc["system"]["memspec"] == p.memspec);
        if (s.key.rfind("decode-attacc", 0) == 0)
            CHECK(s.doc["workload"]["kernel"] == "attacc");
        if (s.key.rfind("decode-pilot", 0) == 0)
            CHECK(s.doc["workload"]["kernel"] == "pilot");
        if (s.key.rfind("decode-pilot-naive", 0) == 0)
            CHECK(s.doc["workload"]["tiling"] == "naive");
        if (s.key.rfind("decode-pilot-2", 0) == 0)
            CHECK(s.doc["workload"]["tiling"] == "io-aware");
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("End to end: PIM phases compose from the sub-simulations, GPU phases from the cost model",
          "[e2e]") {
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(kTiny);
    FakeSubSimulator fake;
    const std::string dir = partsDir("compose");
    const json r = platform::runEndToEnd(p, dir, std::ref(fake)).results["end_to_end"];
    const double layers = p.model.layers;
    const json& pilot = r["systems"]["pilot"];
    // BigBird: every head sparse, so the PIM's 1000 ns is the whole prefill attention of a layer.
    CHECK(r["dense_heads"] == 0);
    CHECK(pilot["phases"]["prefill_attention"]["time_ns"].get<double>() == Approx(layers * 1000.0));
    CHECK(r["systems"]["pilot-naive"]["phases"]["prefill_attention"]["time_ns"].get<double>() ==
          Approx(layers * 4000.0));
    // Decode: sum over t < 8 of 10 ns x (256 + t) keys, every layer.
    CHECK(pilot["phases"]["decode_attention"]["time_ns"].get<double>() ==
          Approx(layers * 10.0 * (8 * 256 + 28)));
    CHECK(r["hbm_stream_efficiency"].get<double>() == Approx(0.5));
    const json& gpu = r["systems"]["gpu"];
    CHECK(gpu["phases"]["decode_attention"]["internal_bytes"] == 0);
    CHECK(gpu["speedup"]["vs_gpu"]["end_to_end"].get<double>() == Approx(1.0));
    CHECK(pilot["speedup"]["vs_attacc"]["decode_attention"].get<double>() == Approx(1.0)); // same fake decode
    std::filesystem::remove_all(dir);
}

TEST_CASE("End to end: a point that names one system runs only that system's sub-simulations", "[e2e]") {
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(kTiny, {"/workload/systems=[\"gpu\"]"});
    FakeSubSimulator fake;
    const std::string dir = partsDir("gpu");
    const json r = platform::runEndToEnd(p, dir, std::ref(fake)).results["end_to_end"];
    REQUIRE(fake.seen.size() == 1);
    CHECK(fake.seen[0].key == "stream");
    CHECK(r["systems"].size() == 1);
    CHECK(!std::filesystem::exists(dir + "/memspec-attacc.json"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("End to end: every system of the table has a unique name and a full set of strategies", "[e2e]") {
    std::set<std::string> names;
    for (const platform::EndToEndSystem& s : platform::endToEndSystems()) {
        CHECK(names.insert(s.name).second);
        CHECK(s.plan);
        CHECK(s.prefill);
        CHECK(s.decode);
        CHECK(platform::endToEndSystemNamed(s.name) == &s);
    }
    CHECK(platform::endToEndSystemNamed("tpu") == nullptr);
}
