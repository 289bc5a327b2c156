// SPDX-License-Identifier: MIT
// `pilot sweep` / `pilot merge` logic without processes: expansion order, sharding, rows and
// speedups from a point's results, CSV text, and merging shards (tools/pilot/sweep.h).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "tools/pilot/sweep.h"

using namespace pilot::tools::sweep;
using nlohmann::json;

namespace {

// The sweep "file" sits in workloads/sweeps/, so "../scenarios/decode-tiny.json" exists.
const std::string kFile = std::string(PILOT_SOURCE_DIR) + "/workloads/sweeps/test.json";

std::string sweepError(const json& doc) {
    try {
        parseSweep(doc, kFile);
    } catch (const pilot::common::ConfigError& e) {
        return e.what();
    }
    return "";
}

json twoByTwo() {
    return json::parse(R"({"name": "t", "scenario": "../scenarios/decode-tiny.json",
        "grid": {"sram_bytes": [2048], "seq_len": [2048, 4096], "model": ["a", "b"]},
        "systems": ["gpu", "pilot"]})");
}

// A results JSON as the end-to-end runner writes it, with the given time per system (the
// phases scale it by 1, 2 and 3 so that rows can be told apart).
ojson fakeResult(const ojson& params, const std::vector<std::pair<std::string, double>>& times) {
    ojson e2e = params;
    e2e["systems"] = ojson::object();
    for (const auto& [name, t] : times) {
        ojson s;
        double k = 1;
        for (const char* phase : kPhases)
            s["phases"][phase] = {{"time_ns", t * k++}, {"internal_bytes", 10}, {"external_bytes", 20}};
        s["breakdown_ns"] = {{"gemm", 1.5}, {"attention", 2}, {"transfer_sync", 0}, {"idle", 0.25}};
        s["energy_j"] = 0.125;
        e2e["systems"][name] = s;
    }
    return ojson{{"scenario", "x"}, {"end_to_end", e2e}};
}

// Runs every point of `sw` in shard `sh` against fakeResult (time = 100 * (id + 1) / system rank).
ojson runFake(const Sweep& sw, Shard sh) {
    std::vector<PointOutcome> outcomes;
    for (const Point& p : sw.points) {
        if (!inShard(p.id, sh))
            continue;
        const double t = 100.0 * double(p.id + 1);
        PointOutcome o{&p, true, "", {}};
        o.rows = pointRows(p, sw.systems, fakeResult(p.params, {{"gpu", t}, {"pilot", t / 7}}), "r.json");
        outcomes.push_back(o);
    }
    return resultsDocument(sw, sh, outcomes);
}

std::string mergeError(const std::vector<std::pair<std::string, ojson>>& shards) {
    try {
        mergeResults(shards);
    } catch (const pilot::common::ConfigError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("Sweep: a grid expands to its cartesian product in fixed key order, the last key fastest",
          "[sweep]") {
    const Sweep sw = parseSweep(twoByTwo(), kFile);
    REQUIRE(sw.points.size() == 4);
    // Keys go in the documented order (model, seq_len, ..., sram_bytes), whatever the file's order.
    const char* models[] = {"a", "a", "b", "b"};
    const int lens[] = {2048, 4096, 2048, 4096};
    for (size_t i = 0; i < 4; ++i) {
        const Point& p = sw.points[i];
        CHECK(p.id == i);
        CHECK(p.params["model"] == models[i]);
        CHECK(p.params["seq_len"] == lens[i]);
        CHECK(p.params.begin().key() == "model");
        CHECK(p.scenario == "../scenarios/decode-tiny.json");
        CHECK(p.scenarioPath == std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json");
    }
    CHECK(sw.points[1].label == "a in=4096 sram=2048");
    CHECK(sw.points[1].setArgs() == std::vector<std::string>{"/workload/model=\"a\"",
                                                             "/workload/seq_len=4096", "/pim/sram_bytes=2048",
                                                             "/workload/systems=[\"gpu\",\"pilot\"]"});
    CHECK(parseSweep(twoByTwo(), kFile).hash == sw.hash); // deterministic
    json other = twoByTwo();
    other["grid"]["seq_len"][1] = 8192;
    CHECK(parseSweep(other, kFile).hash != sw.hash);
}

TEST_CASE("Sweep: a scenario axis is the outermost grid axis and names the point's base scenario",
          "[sweep]") {
    json doc = json::parse(R"({"name": "g", "grid": {"sram_bytes": [2048, 4096],
        "scenario": ["../scenarios/decode-tiny.json", "../scenarios/decode-bigbird.json"]}})");
    const Sweep sw = parseSweep(doc, kFile);
    REQUIRE(sw.points.size() == 4);
    CHECK(sw.points[1].scenario == "../scenarios/decode-tiny.json");
    CHECK(sw.points[2].scenario == "../scenarios/decode-bigbird.json");
    CHECK(sw.points[2].label == "decode-bigbird sram=2048");
    CHECK(sw.points[3].setArgs() == std::vector<std::string>{"/pim/sram_bytes=4096"});
    doc["scenario"] = "../scenarios/decode-tiny.json";
    CHECK_THAT(sweepError(doc), Catch::Contains(": /scenario: a grid with a \"scenario\" axis takes no"));
}

TEST_CASE("Sweep: points name their own base scenario, label and overrides, after the sweep-wide set",
          "[sweep]") {
    const json doc = json::parse(R"({"name": "h", "set": {"/pim/stacks": 4, "/workload/mode": "timing"},
        "points": [
          {"scenario": "../scenarios/decode-tiny.json", "label": "tiny", "model": "m", "batch": 8,
           "set": {"/workload/mode": "functional"}},
          {"scenario": "../scenarios/decode-bigbird.json", "pattern": {"kind": "bigbird", "window": 192}}]})");
    const Sweep sw = parseSweep(doc, kFile);
    REQUIRE(sw.points.size() == 2);
    CHECK(sw.systems.empty());
    CHECK(sw.points[0].label == "tiny");
    CHECK(sw.points[0].setArgs() == std::vector<std::string>{"/pim/stacks=4", "/workload/mode=\"functional\"",
                                                             "/workload/model=\"m\"", "/workload/batch=8"});
    CHECK(sw.points[1].label == "bigbird");
    CHECK(sw.points[1].scenarioPath ==
          std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-bigbird.json");
    CHECK(sw.points[1].setArgs().back() == "/workload/pattern={\"kind\":\"bigbird\",\"window\":192}");
}

TEST_CASE("Sweep: the shards K/N of a sweep hold every point exactly once", "[sweep]") {
    for (uint32_t n = 1; n <= 7; ++n) {
        for (size_t total = 0; total <= 20; ++total) {
            std::multiset<size_t> seen;
            for (uint32_t k = 1; k <= n; ++k)
                for (size_t id = 0; id < total; ++id)
                    if (inShard(id, Shard{k, n}))
                        seen.insert(id);
            REQUIRE(seen.size() == total);
            for (size_t id = 0; id < total; ++id)
                CHECK(seen.count(id) == 1);
        }
    }
}

TEST_CASE("Sweep: --shard takes K/N with 1 <= K <= N and rejects anything else", "[sweep]") {
    CHECK(parseShard("1/1").index == 1);
    CHECK(parseShard("3/8").index == 3);
    CHECK(parseShard("3/8").count == 8);
    for (const char* bad : {"0/2", "3/2", "1/0", "2", "a/b", "1/2/3", "-1/2", " 1/2", ""}) {
        INFO(bad);
        CHECK_THROWS_WITH(parseShard(bad), Catch::Contains("--shard: must be K/N"));
    }
}

TEST_CASE("Sweep: file errors name the file, the JSON pointer and the reason, all at once", "[sweep]") {
    json d = twoByTwo();
    d["grid"]["seqlen"] = {1};
    d["grid"]["batch"] = {512, -1};
    d["grid"]["out_len"] = json::array();
    d["systems"] = {"gpu", "tpu", "gpu"};
    const std::string e = sweepError(d);
    CHECK_THAT(e, Catch::Contains(kFile + ": /grid/seqlen: unknown key (did you mean \"seq_len\"?)"));
    CHECK_THAT(e, Catch::Contains(kFile + ": /grid/batch/1: must be a positive integer (got -1)"));
    CHECK_THAT(e, Catch::Contains(kFile + ": /grid/out_len: must be a non-empty array"));
    CHECK_THAT(e, Catch::Contains(kFile + ": /systems/1: must be one of"));
    CHECK_THAT(e, Catch::Contains(kFile + ": /systems/2: duplicate system \"gpu\""));

    json both = twoByTwo();
    both["points"] = json::array({json::object()});
    CHECK_THAT(sweepError(both), Catch::Contains(": /: has both \"grid\" and \"points\""));

    json missing = twoByTwo();
    missing["scenario"] = "../scenarios/no-such.json";
    CHECK_THAT(sweepError(missing), Catch::Contains(": /scenario: no such scenario file"));

    json conflict = twoByTwo();
    conflict["set"] = {{"/workload/model", "c"}, {"workload/batch", 1}};
    CHECK_THAT(sweepError(conflict),
               Catch::Contains(": /set: \"set\" overrides /workload/model, which the key \"model\""));
    CHECK_THAT(sweepError(conflict), Catch::Contains(": /set/workload~1batch: must be a JSON pointer"));

    json points = json::parse(
        R"({"name": "p", "points": [{"model": "x"}, {"scenario": "../scenarios/decode-tiny.json", "size": 1}]})");
    CHECK_THAT(sweepError(points), Catch::Contains(": /points/0/scenario: missing"));
    CHECK_THAT(sweepError(points), Catch::Contains(": /points/1/size: unknown key"));
}

TEST_CASE("Sweep: rows are one per system and phase, and speedup is the reference time over this system time",
          "[sweep]") {
    const Sweep sw = parseSweep(json::parse(R"({"name": "s", "scenario": "../scenarios/decode-tiny.json",
        "grid": {"model": ["m"]}, "systems": ["gpu", "attacc", "pilot"]})"),
                                kFile);
    const Point& p = sw.points[0];
    ojson result = fakeResult(p.params, {{"gpu", 120}, {"attacc", 60}, {"pilot", 8}});
    result["end_to_end"]["seq_len"] = 4096; // from the base scenario: the row reports it
    const std::vector<ojson> rows = pointRows(p, sw.systems, result, "r.json");
    REQUIRE(rows.size() == 9);
    for (size_t i = 0; i < rows.size(); ++i) {
        const ojson& r = rows[i];
        CHECK(r["system"] == sw.systems[i / 3]);
        CHECK(r["phase"] == kPhases[i % 3]);
        CHECK(r["model"] == "m");
        CHECK(r["seq_len"] == 4096);
        CHECK(r["out_len"].is_null());
        CHECK(r.begin().key() == "point");
        CHECK(r.size() == columns().size());
        // Every phase scales all systems alike, so the speedup is the same in each phase.
        const double t = r["time_ns"].get<double>() / double(i % 3 + 1);
        CHECK(r["speedup_vs_gpu"].get<double>() == Approx(120.0 / t));
        CHECK(r["speedup_vs_attacc"].get<double>() == Approx(60.0 / t));
        CHECK(r["gemm_ns"].is_null() == (i % 3 != 2)); // breakdown on end_to_end rows only
        CHECK(r["energy_j"].is_null() == (i % 3 != 2));
    }
    CHECK(rows[8]["speedup_vs_gpu"].get<double>() == 15.0);
    CHECK(rows[8]["attention_ns"] == 2);

    // AttAcc not run: its column is null (an empty CSV cell), the GPU's is still there.
    const std::vector<ojson> noAttacc = pointRows(p, {"gpu", "pilot"}, result, "r.json");
    CHECK(noAttacc[5]["speedup_vs_attacc"].is_null());
    CHECK(noAttacc[5]["speedup_vs_gpu"].get<double>() == 15.0);
    const std::string csv = resultsCsv(ojson{{"rows", ojson::array({noAttacc[5]})}});
    CHECK_THAT(csv, Catch::Contains(",pilot,end_to_end,24.0,10,20,15.0,,1.5,2,0,0.25,0.125,,,,,,\n"));
}

TEST_CASE("Sweep: a result that lacks a requested system or phase, or ran other values, is an error naming "
          "the field",
          "[sweep]") {
    const Sweep sw = parseSweep(twoByTwo(), kFile);
    const Point& p = sw.points[1];
    auto err = [&](const ojson& r) -> std::string {
        try {
            pointRows(p, sw.systems, r, "points/1.json");
        } catch (const pilot::common::ConfigError& e) {
            return e.what();
        }
        return "";
    };
    ojson ok = fakeResult(p.params, {{"gpu", 1}, {"pilot", 1}});
    CHECK(err(ok).empty());
    CHECK_THAT(err(fakeResult(p.params, {{"gpu", 1}})),
               Catch::Contains(
                   "points/1.json: /end_to_end/systems/pilot: missing (the sweep asks for this system)"));
    ojson lost = ok;
    lost["end_to_end"]["seq_len"] = 2048;
    CHECK_THAT(err(lost),
               Catch::Contains("points/1.json: /end_to_end/seq_len: is 2048 but the point sets 4096"));
    // A pattern preset comes back as the name it resolved to, a model file as its name: not errors.
    const Sweep named = parseSweep(json::parse(R"({"name": "n", "scenario": "../scenarios/decode-tiny.json",
        "grid": {"model": ["../models/bigbird-base.json"], "pattern": ["model"]}})"),
                                   kFile);
    const std::vector<ojson> rows =
        pointRows(named.points[0], {},
                  fakeResult({{"model", "bigbird-base"}, {"pattern", "bigbird"}}, {{"gpu", 1}}), "r.json");
    CHECK(rows[0]["pattern"] == "bigbird");
    CHECK(rows[0]["model"] == "bigbird-base");
    ojson noPhase = ok;
    noPhase["end_to_end"]["systems"]["gpu"]["phases"].erase("decode_attention");
    CHECK_THAT(err(noPhase), Catch::Contains("/end_to_end/systems/gpu/phases/decode_attention: missing"));
    ojson negative = ok;
    negative["end_to_end"]["systems"]["pilot"]["phases"]["end_to_end"]["time_ns"] = -1;
    CHECK_THAT(err(negative),
               Catch::Contains(
                   "/end_to_end/systems/pilot/phases/end_to_end/time_ns: must be a non-negative number"));
    CHECK_THAT(err(ojson{{"sim_time_ns", 1}}), Catch::Contains("points/1.json: /end_to_end: missing"));
}

TEST_CASE("Sweep: CSV has the header, fixed columns, quoted text and numbers as JSON writes them",
          "[sweep]") {
    ojson row = ojson::object();
    for (const std::string& c : columns())
        row[c] = nullptr;
    row["point"] = 3;
    row["label"] = "a, \"b\"";
    row["time_ns"] = 0.1;
    row["internal_bytes"] = 1e20;
    row["external_bytes"] = uint64_t(123456789012345ull);
    row["speedup_vs_gpu"] = 2.0;
    const std::string csv = resultsCsv(ojson{{"rows", ojson::array({row})}});
    const std::string header = csv.substr(0, csv.find('\n'));
    CHECK(header ==
          "point,label,model,seq_len,out_len,batch,pattern,sram_bytes,system,phase,time_ns,internal_bytes,"
          "external_bytes,speedup_vs_gpu,speedup_vs_attacc,gemm_ns,attention_ns,transfer_sync_ns,idle_ns,"
          "energy_j,"
          "per_token_latency_ns,throughput_tokens_per_s,gpu_attention,fits,required_bytes,available_bytes");
    CHECK(csv.substr(header.size() + 1) ==
          "3,\"a, \"\"b\"\"\",,,,,,,,,0.1,1e+20,123456789012345,2.0,,,,,,,,,,,,\n");
}

TEST_CASE("Merge: shards 1/2 and 2/2 merged equal the unsharded run byte for byte", "[sweep]") {
    const Sweep sw = parseSweep(twoByTwo(), kFile);
    const ojson whole = runFake(sw, Shard{1, 1});
    const ojson a = runFake(sw, Shard{1, 2}), b = runFake(sw, Shard{2, 2});
    CHECK(a["points"].size() == 2);
    // Through text, as `pilot merge` reads the shards' files, and in either order.
    const ojson merged =
        mergeResults({{"b.json", ojson::parse(b.dump(2))}, {"a.json", ojson::parse(a.dump(2))}});
    CHECK(merged.dump(2) == whole.dump(2));
    CHECK(resultsCsv(merged) == resultsCsv(whole));
    CHECK(whole["rows"].size() == 4 * 2 * 3);
    CHECK(failedPoints(whole) == 0);
}

TEST_CASE("Merge: a failed point keeps its status and reason through the merge, without rows", "[sweep]") {
    const Sweep sw = parseSweep(twoByTwo(), kFile);
    ojson a = runFake(sw, Shard{1, 2});
    std::vector<PointOutcome> outcomes = {PointOutcome{&sw.points[1], false, "exited with status 3", {}},
                                          PointOutcome{&sw.points[3], true, "", {}}};
    outcomes[1].rows = pointRows(sw.points[3], sw.systems,
                                 fakeResult(sw.points[3].params, {{"gpu", 2}, {"pilot", 1}}), "r.json");
    const ojson b = resultsDocument(sw, Shard{2, 2}, outcomes);
    CHECK(b["points"][0]["status"] == "failed");
    CHECK(b["points"][0]["error"] == "exited with status 3");
    CHECK(b["rows"].size() == 6);
    CHECK(failedPoints(b) == 1);
    const ojson merged = mergeResults({{"a.json", a}, {"b.json", b}});
    CHECK(failedPoints(merged) == 1);
    CHECK(merged["points"][1]["status"] == "failed");
    CHECK(merged["rows"].size() == 3 * 6);
}

TEST_CASE("Merge: a missing, duplicated or foreign shard is an error naming the file", "[sweep]") {
    const Sweep sw = parseSweep(twoByTwo(), kFile);
    const ojson a = runFake(sw, Shard{1, 2}), b = runFake(sw, Shard{2, 2});
    CHECK_THAT(mergeError({{"a.json", a}}),
               Catch::Contains("a.json: /points: 2 of the sweep's 4 points are in no shard given (1, 3)"));
    CHECK_THAT(mergeError({{"a.json", a}, {"b.json", b}, {"a2.json", a}}),
               Catch::Contains("a2.json: /points/0: point 0 is also in a.json"));
    json otherDoc = twoByTwo();
    otherDoc["grid"]["model"][1] = "c";
    const ojson foreign = runFake(parseSweep(otherDoc, kFile), Shard{2, 2});
    CHECK_THAT(mergeError({{"a.json", a}, {"c.json", foreign}}),
               Catch::Contains("c.json: /sweep_hash: differs from a.json"));
    CHECK_THAT(mergeError({{"a.json", a}, {"x.json", ojson{{"rows", 1}}}}),
               Catch::Contains("x.json: /sweep: missing"));
}
