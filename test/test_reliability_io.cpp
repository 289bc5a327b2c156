// SPDX-License-Identifier: MIT
// Inputs and outputs that must not crash the program or lose a result: JSON too deep or out of
// range, energy files, writes that fail, outputs that are inputs, exceptions inside SystemC
// processes, shard files edited by hand, and the stamps that let a sweep resume.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <systemc>

#include "models/common/config_error.h"
#include "models/common/json_file.h"
#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "platform/end_to_end_point.h"
#include "platform/energy_config.h"
#include "platform/scenario.h"
#include "platform/simulation.h"
#include "tools/pilot/sweep.h"
#include "tools/pilot/sweep_resume.h"

using nlohmann::json;
using namespace pilot;
namespace fs = std::filesystem;

namespace {

template <class F> std::string errorOf(F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

std::string nested(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

// A fresh folder under the temporary directory, removed afterwards.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("pilot-test-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    std::string file(const std::string& name, const std::string& text) const {
        const std::string p = (path / name).string();
        std::ofstream(p) << text;
        return p;
    }
};

json validEnergy() {
    return json::parse(R"({"name": "e", "external_pj_per_bit": 3.9, "internal_pj_per_bit": 1.0,
        "pim_pj_per_mac": 0.5, "gpu_pj_per_flop": 1.28,
        "sources": {"external_pj_per_bit": "a", "internal_pj_per_bit": "b", "pim_pj_per_mac": "c",
                    "gpu_pj_per_flop": "d"}})");
}

} // namespace

TEST_CASE("JSON: a document nested 100,000 deep is refused while parsing, naming the file", "[json][io]") {
    // Under an unknown key too: the limit applies before any loader looks at the keys.
    const std::string text = "{\"name\": \"x\", \"unknown\": " + nested(100000) + "}";
    const std::string e = errorOf([&] { common::parseJsonText(text, "deep.json"); });
    CHECK_THAT(e, Catch::StartsWith("deep.json: /: JSON nested deeper than 64 levels"));
    // The limit itself: 64 levels parse, 65 do not.
    CHECK_NOTHROW(common::parseJsonText(nested(64), "ok.json"));
    CHECK_THROWS_AS(common::parseJsonText(nested(65), "deep.json"), common::ConfigError);
}

TEST_CASE("JSON: a number out of range names the file and its line, without nlohmann's code", "[json][io]") {
    const std::string e =
        errorOf([] { common::parseJsonText("{\n  \"a\": 1,\n  \"b\": 1e400\n}", "big.json"); });
    CHECK_THAT(e, Catch::StartsWith(
                      "big.json: /: malformed JSON at line 3, column 8: number overflow parsing '1e400'"));
    CHECK_THAT(e, !Catch::Contains("json.exception"));
    const std::string syntax = errorOf([] { common::parseJsonText("{\n\"a\": }", "bad.json"); });
    CHECK_THAT(syntax, Catch::StartsWith("bad.json: /: malformed JSON at line 2, column 7: syntax error"));
    CHECK_THAT(syntax, !Catch::Contains("json.exception"));
}

TEST_CASE("JSON: a --set value nested too deep is refused; one that is not JSON is a string", "[json][io]") {
    json doc = {{"name", "x"}};
    const std::string e =
        errorOf([&] { platform::applyOverrides(doc, {"/name=" + nested(100000)}, "s.json"); });
    CHECK_THAT(e, Catch::StartsWith("s.json: /name: JSON nested deeper than 64 levels"));
    platform::applyOverrides(doc, {"/name=plain words"}, "s.json");
    CHECK(doc["name"] == "plain words");
}

TEST_CASE("Energy: every bad field is reported with its pointer; the shipped file is valid", "[energy][io]") {
    CHECK_NOTHROW(
        platform::loadEnergyConfig(std::string(PILOT_SOURCE_DIR) + "/workloads/energy/hbm3-pim.json"));
    const platform::EnergyConfig ok = platform::parseEnergyConfig(validEnergy(), "e.json");
    CHECK(ok.externalPjPerBit == 3.9);
    CHECK(ok.gpuPjPerFlop == 1.28);
    for (const json& bad : {json::array(), json("hbm"), json()})
        CHECK_THAT(errorOf([&] { platform::parseEnergyConfig(bad, "e.json"); }),
                   Catch::Contains("e.json: /: must be an object"));
    json doc = validEnergy();
    doc["pim_pj_per_mac"] = -0.5;
    doc["gpu_pj_per_flop"] = 0;
    doc["external_pj_per_bits"] = 1; // misspelled
    doc.erase("internal_pj_per_bit");
    doc["internal_pj_per_bit"] = "1.0";
    const std::string e = errorOf([&] { platform::parseEnergyConfig(doc, "e.json"); });
    CHECK_THAT(e, Catch::Contains("e.json: /pim_pj_per_mac: must be in"));
    CHECK_THAT(e, Catch::Contains("(got -0.5)"));
    CHECK_THAT(e, Catch::Contains("e.json: /gpu_pj_per_flop: must be in"));
    CHECK_THAT(e, Catch::Contains("e.json: /internal_pj_per_bit: must be a number (got string)"));
    CHECK_THAT(e, Catch::Contains(
                      "e.json: /external_pj_per_bits: unknown key (did you mean \"external_pj_per_bit\"?)"));
}

TEST_CASE("Output: a write that fails (/dev/full) throws naming the file and the reason", "[output][io]") {
    CHECK_THAT(errorOf([] { common::writeTextFile("/dev/full", "results\n"); }),
               Catch::Equals("/dev/full: cannot write: No space left on device"));
    CHECK_THAT(errorOf([] { common::writeTextFile("/nonexistent-folder/r.json", "x"); }),
               Catch::StartsWith("/nonexistent-folder/r.json: cannot create: No such file or directory"));
    TempDir t;
    const std::string from = t.file("a.vcd", std::string(100000, 'x'));
    CHECK_THAT(errorOf([&] { common::copyFileChecked(from, "/dev/full"); }),
               Catch::Equals("/dev/full: cannot write: No space left on device"));
}

TEST_CASE("Output: an atomic write replaces the file whole and leaves no temporary file", "[output][io]") {
    TempDir t;
    const std::string p = t.file("results.csv", "old\n");
    common::writeFileAtomically(p, "new\n");
    std::ifstream in(p);
    std::string line;
    std::getline(in, line);
    CHECK(line == "new");
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(t.path)) {
        (void)e;
        ++files;
    }
    CHECK(files == 1);
}

TEST_CASE(
    "Output: an output that is an input, a folder, in no folder, or named twice is refused before a run",
    "[output][io]") {
    TempDir t;
    const std::string in = t.file("trace.stl", "0: read 0x0\n");
    // The same file by another name is still the same file.
    const std::string alias = (t.path / "." / "trace.stl").string();
    std::string e = errorOf([&] { common::checkOutputPaths({{"--out", alias}}, {in}); });
    CHECK_THAT(e, Catch::StartsWith(alias + ": --out: is an input of this command (" + in + ")"));
    e = errorOf([&] { common::checkOutputPaths({{"--out", t.path.string()}}, {}); });
    CHECK_THAT(e, Catch::Contains("--out: is a folder, not a file"));
    e = errorOf([&] { common::checkOutputPaths({{"--out", "/nonexistent-folder/r.json"}}, {}); });
    CHECK_THAT(e, Catch::Contains("/nonexistent-folder/r.json: --out: no such folder: /nonexistent-folder"));
    const std::string r = (t.path / "r.json").string();
    e = errorOf([&] { common::checkOutputPaths({{"--out", r}, {"--vcd", r}}, {}); });
    CHECK_THAT(e, Catch::Contains(r + ": --vcd: also named by --out"));
    CHECK_NOTHROW(common::checkOutputPaths(
        {{"--out", r}, {"--vcd", ""}, {"--dir", (t.path / "a/b").string(), true}}, {in}));
    e = errorOf([&] { common::checkOutputPaths({{"--out", (in + "/sub").c_str(), true}}, {}); });
    CHECK_THAT(e, Catch::Contains("is not one"));
}

namespace {

struct Thrower : sc_core::sc_module {
    SC_HAS_PROCESS(Thrower);
    explicit Thrower(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(run); }
    void run() {
        wait(14, sc_core::SC_NS);
        throw std::runtime_error("decode head needs more rows than a bank has");
    }
};

} // namespace

TEST_CASE("Simulation: an exception thrown inside a SystemC process comes back as its plain reason",
          "[simulation][io]") {
    Thrower t("thrower");
    const std::string e = errorOf([] { platform::simulate(sc_core::sc_time(1, sc_core::SC_US)); });
    CHECK(e == "decode head needs more rows than a bank has");
}

namespace {

const std::string kSweepFile = std::string(PILOT_SOURCE_DIR) + "/workloads/sweeps/test.json";

tools::sweep::ojson shardDoc(const tools::sweep::Sweep& sw, tools::sweep::Shard sh) {
    using namespace tools::sweep;
    std::vector<PointOutcome> outcomes;
    for (const Point& p : sw.points) {
        if (!inShard(p.id, sh))
            continue;
        ojson e2e = p.params;
        for (const char* name : {"gpu", "pilot"}) {
            ojson s;
            for (const char* phase : kPhases)
                s["phases"][phase] = {{"time_ns", 10.0}, {"internal_bytes", 1}, {"external_bytes", 2}};
            s["breakdown_ns"] = {{"gemm", 1}, {"attention", 2}, {"transfer_sync", 0}, {"idle", 0}};
            s["energy_j"] = 0.5;
            e2e["systems"][name] = s;
        }
        PointOutcome o{&p, true, "", {}};
        o.rows = pointRows(p, sw.systems, ojson{{"end_to_end", e2e}}, "r.json");
        outcomes.push_back(o);
    }
    return resultsDocument(sw, sh, outcomes);
}

} // namespace

TEST_CASE("Merge: rows and shards edited by hand are refused, each problem with its pointer", "[sweep][io]") {
    using namespace tools::sweep;
    const Sweep sw = parseSweep(json::parse(R"({"name": "t", "scenario": "../scenarios/decode-tiny.json",
        "grid": {"seq_len": [2048, 4096]}, "systems": ["gpu", "pilot"]})"),
                                kSweepFile);
    const ojson a = shardDoc(sw, {1, 2}), b = shardDoc(sw, {2, 2});
    CHECK_NOTHROW(mergeResults({{"a.json", a}, {"b.json", b}}));
    ojson t = b;
    t["rows"][0]["time_ns"] = "abc";
    t["rows"][1]["system"] = "tpu";
    t["rows"][2]["phase"] = "lunch";
    t["rows"][3]["seq_len"] = -5;
    t["rows"][4]["oops"] = 1;
    std::string e = errorOf([&] { mergeResults({{"a.json", a}, {"b.json", t}}); });
    CHECK_THAT(
        e, Catch::Contains("b.json: /rows/0/time_ns: must be a finite number >= 0 or null (got \"abc\")"));
    CHECK_THAT(e, Catch::Contains("b.json: /rows/1/system: unknown system \"tpu\""));
    CHECK_THAT(e, Catch::Contains("b.json: /rows/2/phase: unknown phase \"lunch\""));
    CHECK_THAT(e, Catch::Contains("b.json: /rows/3/seq_len: must be a non-negative integer (got -5)"));
    CHECK_THAT(e, Catch::Contains("b.json: /rows/4/oops: unknown column"));
    ojson s = b;
    s["shard"] = {{"index", 9}, {"count", 2}};
    e = errorOf([&] { mergeResults({{"a.json", a}, {"b.json", s}}); });
    CHECK_THAT(e, Catch::Contains("b.json: /shard: must be {\"index\": K, \"count\": N} with 1 <= K <= N"));
    ojson w = b;
    w["shard"] = {{"index", 1}, {"count", 2}}; // point 1 is in shard 2/2
    e = errorOf([&] { mergeResults({{"a.json", a}, {"b.json", w}}); });
    CHECK_THAT(e, Catch::Contains("b.json: /points: point 1 does not belong to shard 1/2"));
}

TEST_CASE("Sweep resume: a point's stamp matches only the same program, overrides and input contents",
          "[sweep][io]") {
    using namespace tools::sweep;
    TempDir t;
    const std::string scenario = t.file("base.json", "{\"name\": \"a\"}\n");
    const std::string program = t.file("pilot", "#!/bin/sh\n");
    Point p;
    p.id = 3;
    p.scenarioPath = scenario;
    p.set["/pim/sram_bytes"] = 2048;
    const std::string h = pointInputsHash(p, {scenario}, program);
    CHECK(h.size() == 16);
    CHECK(pointInputsHash(p, {scenario}, program) == h);
    Point q = p;
    q.set["/pim/sram_bytes"] = 4096;
    CHECK(pointInputsHash(q, {scenario}, program) != h);
    t.file("base.json", "{\"name\": \"b\"}\n");
    CHECK(pointInputsHash(p, {scenario}, program) != h);
    t.file("base.json", "{\"name\": \"a\"}\n");
    const std::string points = t.path.string();
    CHECK_FALSE(stampMatches(points, 3, h));
    writeStamp(points, 3, h);
    CHECK(stampMatches(points, 3, h));
    CHECK_FALSE(stampMatches(points, 3, pointInputsHash(q, {scenario}, program)));
    CHECK_FALSE(stampMatches(points, 4, h));
    // FNV-1a of "a" (a published test vector).
    CHECK(fingerprint("a") == "af63dc4c8601ec8c");
}

TEST_CASE("End-to-end: validation covers what its sub-simulations will read, before anything runs",
          "[end_to_end][io]") {
    const std::string tiny = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/e2e-tiny.json";
    auto error = [&](std::vector<std::string> sets) {
        return errorOf([&] { platform::loadEndToEndPoint(tiny, sets); });
    };
    CHECK(error({}).empty());
    CHECK_THAT(error({"/pim/sram_bytes=3"}), Catch::Contains(tiny + ": /pim/sram_bytes: must be in [256,"));
    CHECK_THAT(error({"/pim/sram_byte=2048"}), Catch::Contains(tiny + ": /pim/sram_byte: unknown key"));
    CHECK_THAT(error({"/system/stacks=3"}),
               Catch::Contains(tiny + ": /system/stacks: must be a power of two (got 3)"));
    CHECK_THAT(
        error({"/system/pseudo_channels=\"lots\""}),
        Catch::Contains(tiny + ": /system/pseudo_channels: an end-to-end run uses every pseudo-channel"));
    CHECK(error({"/system/pseudo_channels=0"}).empty());
    CHECK_THAT(
        error(
            {R"(/workload/pattern={"kind": "bigbird", "window": 0, "global": -5, "random_blocks": 1, "block": 64})"}),
        Catch::Contains(tiny + ": /workload/pattern/"));
    // The same problem found by several sub-simulations is reported once.
    const std::string e = error({"/pim/sram_bytes=3"});
    CHECK(e.find("/pim/sram_bytes") == e.rfind("/pim/sram_bytes"));
}
