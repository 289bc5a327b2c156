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
#include "platform/end_to_end_capacity.h"
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

// ---------------------------------------------------------------------------------------------
// GPU attention implementation and capacity

namespace {

const std::string kScenarios = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/";

std::string loadError(const std::string& path, const std::vector<std::string>& sets) {
    try {
        platform::loadEndToEndPoint(path, sets);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE(
    "End to end: the GPU attention implementation is chosen by name, echoed, and changes the GPU's times",
    "[e2e][gpu-attention]") {
    FakeSubSimulator fake;
    const std::string dir = partsDir("attention");
    const platform::EndToEndPoint flash = platform::loadEndToEndPoint(kTiny);
    CHECK(flash.gpuAttention == "flash"); // workloads/defaults/scenario.json
    const platform::EndToEndPoint unfused =
        platform::loadEndToEndPoint(kTiny, {"/workload/gpu_attention=\"unfused\""});
    const json rf = platform::runEndToEnd(flash, dir, std::ref(fake)).results["end_to_end"];
    const json ru = platform::runEndToEnd(unfused, dir, std::ref(fake)).results["end_to_end"];
    CHECK(rf["gpu_attention"] == "flash");
    CHECK(ru["gpu_attention"] == "unfused");
    const auto t = [](const json& r, const char* sys, const char* phase) {
        return r["systems"][sys]["phases"][phase]["time_ns"].get<double>();
    };
    CHECK(t(ru, "gpu", "prefill_attention") != t(rf, "gpu", "prefill_attention"));
    CHECK(t(ru, "attacc", "prefill_attention") == t(ru, "gpu", "prefill_attention"));
    // The PIM's kernels do not depend on the GPU's.
    CHECK(t(ru, "pilot", "decode_attention") == t(rf, "pilot", "decode_attention"));
    std::filesystem::remove_all(dir);
    CHECK_THAT(loadError(kTiny, {"/workload/gpu_attention=\"fused\""}),
               Catch::Contains("/workload/gpu_attention: must be one of"));
}

TEST_CASE("Capacity: the tiny point fits and every system's results carry the check", "[e2e][capacity]") {
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(kTiny);
    FakeSubSimulator fake;
    const std::string dir = partsDir("capacity");
    const json r = platform::runEndToEnd(p, dir, std::ref(fake)).results["end_to_end"];
    std::filesystem::remove_all(dir);
    for (const char* sys : {"gpu", "attacc", "pilot", "pilot-naive"}) {
        INFO(sys);
        const json& c = r["systems"][sys]["capacity"];
        CHECK(c["fits"] == true);
        // One stack of the memspec: 1024 banks x 32768 rows x 1 KB.
        CHECK(c["available_bytes"] == 32ull << 30);
        CHECK(c["required_bytes"].get<uint64_t>() < c["available_bytes"].get<uint64_t>());
    }
    // BigBird-base at batch 1 and 256 + 8 tokens: 12 layers x 2 x 12 x 64 x 2 B per token.
    CHECK(r["systems"]["gpu"]["capacity"]["parts"]["kv_cache"] == 264ull * 12 * 2 * 12 * 64 * 2);
}

TEST_CASE("Capacity: Pythia-12B at Table II's batch 1024 is refused naming both figures", "[e2e][capacity]") {
    const std::string path = kScenarios + "e2e-pythia-12b-duo.json";
    const std::string err = loadError(path, {"/workload/allow_overcommit=false"});
    // KV cache: 1024 x (2048 + 256) tokens x 36 layers x 2 x 40 x 128 x 2 B = 1,739,461,754,880 B.
    CHECK_THAT(err, Catch::Contains("e2e-pythia-12b-duo.json: /workload/batch: system \"gpu\""));
    CHECK_THAT(err, Catch::Contains("KV cache 1739.5"));
    CHECK_THAT(err, Catch::Contains("but the memory holds 137438953472 B (137.4 GB)"));
    CHECK_THAT(err, Catch::Contains("system \"pilot\""));
    // With allow_overcommit (the scenario's own setting) it loads, and the check says no.
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(path);
    const platform::SystemCapacity c = platform::systemCapacity(p, *platform::endToEndSystemNamed("pilot"));
    CHECK_FALSE(c.fits);
    CHECK(c.kvCache == 1024.0 * 2304 * 36 * 2 * 40 * 128 * 2);
}

TEST_CASE("Capacity: the largest fitting batch fits and one more does not", "[e2e][capacity]") {
    for (const char* impl : {"unfused", "flash"}) {
        INFO(impl);
        platform::EndToEndPoint p = platform::loadEndToEndPoint(
            kScenarios + "e2e-llama2-7b-duo.json", {std::string("/workload/gpu_attention=\"") + impl + "\""});
        const uint32_t b = platform::largestFittingBatch(p);
        REQUIRE(b > 0);
        REQUIRE(b < 128);
        for (const platform::EndToEndSystem* s : p.systems) {
            p.batch = b;
            CHECK(platform::systemCapacity(p, *s).fits);
        }
        p.batch = b + 1;
        bool any = false;
        for (const platform::EndToEndSystem* s : p.systems)
            any = any || !platform::systemCapacity(p, *s).fits;
        CHECK(any);
    }
}

TEST_CASE("Capacity: the fits sweep runs every workload at its largest fitting batch", "[e2e][capacity]") {
    const std::string sweep = std::string(PILOT_SOURCE_DIR) + "/workloads/sweeps/headline-fits.json";
    const json doc = common::readJsonFile(sweep);
    CHECK(doc["set"]["/workload/allow_overcommit"] == false);
    REQUIRE(doc["points"].size() == 12);
    for (const json& pt : doc["points"]) {
        INFO(pt["label"].get<std::string>());
        std::vector<std::string> sets = {"/workload/allow_overcommit=false"};
        for (const char* key : {"model", "seq_len", "out_len", "gpu_attention"})
            sets.push_back(std::string("/workload/") + key + "=" + pt[key].dump());
        sets.push_back("/workload/batch=" + pt["batch"].dump());
        const std::string scenario =
            std::string(PILOT_SOURCE_DIR) + "/workloads/sweeps/" + pt["scenario"].get<std::string>();
        const platform::EndToEndPoint p =
            platform::loadEndToEndPoint(scenario, sets); // throws if it does not fit
        CHECK(platform::largestFittingBatch(p) == pt["batch"].get<uint32_t>());
    }
}

TEST_CASE("End to end: the default job compares every system on a point that fits", "[e2e]") {
    const platform::EndToEndPoint p =
        platform::loadEndToEndPoint(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/default.json");
    std::vector<std::string> names;
    for (const platform::EndToEndSystem* s : p.systems)
        names.push_back(s->name);
    CHECK(names == std::vector<std::string>{"gpu", "attacc", "pilot", "pilot-naive"});
    CHECK_FALSE(p.allowOvercommit); // loading it checked every system's working set
    CHECK(p.sparsePrefill());       // DuoAttention's streaming heads: PILOT's prefill runs on the PIM
}
