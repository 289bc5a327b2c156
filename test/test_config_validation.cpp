// SPDX-License-Identifier: MIT
// Every configuration error names the file, the JSON pointer and the reason (no kernel).
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/memspec.h"
#include "platform/scenario.h"

using namespace pilot;
using nlohmann::json;

namespace {

const std::string kRoot = PILOT_SOURCE_DIR;
const std::string kMemspec = kRoot + "/workloads/memspecs/hbm3-5200.json";

json readJson(const std::string& path) {
    return common::readJsonFile(path);
}

// The error text of parsing `doc` as a memspec, or "" when it parses.
std::string memspecError(const json& doc) {
    try {
        hbm::parseMemspec(doc, "test.json");
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}

std::string writeTemp(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/pilot-test-" + name;
    std::ofstream(path) << text;
    return path;
}

} // namespace

TEST_CASE("Memspec: the shipped memspecs load and pass validation", "[config][memspec]") {
    for (const char* f : {"hbm3-5200.json", "hbm3-6400.json", "hbm2-2000.json"}) {
        INFO(f);
        hbm::Memspec m = hbm::loadMemspec(kRoot + "/workloads/memspecs/" + f);
        CHECK(m.t.RC >= m.t.RAS + m.t.RP);
        CHECK(m.org.banksPerPc() > 0);
    }
    hbm::Memspec m = hbm::loadMemspec(kMemspec);
    CHECK(m.peakPcBandwidthGBps() == Approx(20.8));
    CHECK(m.org.bytesPerStack() == (uint64_t(32) << 30)); // 8-high, 32K rows: 32 GiB
}

TEST_CASE("Memspec: a missing field is reported with its pointer", "[config][memspec]") {
    json d = readJson(kMemspec);
    d["timing"].erase("RCDRD");
    CHECK_THAT(memspecError(d), Catch::Contains("test.json: /timing/RCDRD: missing required field"));
}

TEST_CASE("Memspec: a negative timing is reported", "[config][memspec]") {
    json d = readJson(kMemspec);
    d["timing"]["RP"] = -3;
    CHECK_THAT(memspecError(d), Catch::Contains("/timing/RP: must not be negative"));
}

TEST_CASE("Memspec: an unknown key is reported with a suggestion", "[config][memspec]") {
    json d = readJson(kMemspec);
    d["organisation"]["bank_grups"] = 4;
    CHECK_THAT(memspecError(d),
               Catch::Contains("/organisation/bank_grups: unknown key (did you mean \"bank_groups\"?)"));
}

TEST_CASE("Memspec: tRC below tRAS + tRP is rejected", "[config][memspec]") {
    json d = readJson(kMemspec);
    d["timing"]["RC"] = d["timing"]["RAS"].get<int>() + d["timing"]["RP"].get<int>() - 1;
    CHECK_THAT(memspecError(d), Catch::Contains("/timing/RC: must be >= RAS + RP"));
}

TEST_CASE("Memspec: a wrong type and a burst that does not fit nBL are both reported", "[config][memspec]") {
    json d = readJson(kMemspec);
    d["organisation"]["data_rate_gbps"] = "fast";
    std::string e = memspecError(d);
    CHECK_THAT(e, Catch::Contains("/organisation/data_rate_gbps: must be a number"));
    d = readJson(kMemspec);
    d["timing"]["nBL"] = 4;
    CHECK_THAT(memspecError(d), Catch::Contains("/timing/nBL"));
}

TEST_CASE("Memspec: all problems are reported together, one line each", "[config][memspec]") {
    json d = readJson(kMemspec);
    d["timing"].erase("RP");
    d["timing"]["FAW"] = -1;
    d["extra"] = 1;
    std::string e = memspecError(d);
    CHECK_THAT(e, Catch::Contains("/timing/RP"));
    CHECK_THAT(e, Catch::Contains("/timing/FAW"));
    CHECK_THAT(e, Catch::Contains("/extra: unknown key"));
    CHECK(std::count(e.begin(), e.end(), '\n') >= 2);
}

TEST_CASE("Config: malformed JSON names the line and column", "[config]") {
    const std::string path =
        writeTemp("bad.json", "{\n  \"name\": \"x\",\n  \"timing\": { \"RP\": 19,, }\n}\n");
    try {
        common::readJsonFile(path);
        FAIL("no error");
    } catch (const common::ConfigError& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains(path + ": /: malformed JSON at line 3"));
    }
}

TEST_CASE("Mapping: decode and encode are inverse for both shipped maps", "[config][mapping]") {
    hbm::Memspec m = hbm::loadMemspec(kMemspec);
    for (const char* f : {"hbm3-channel-interleaved.json", "hbm3-row-bank-column.json"}) {
        INFO(f);
        hbm::AddressMapping map = hbm::loadAddressMapping(kRoot + "/workloads/mappings/" + f, m, 4);
        CHECK(map.capacity() == 4 * m.org.bytesPerStack());
        std::mt19937_64 rng(5);
        for (int i = 0; i < 2000; ++i) {
            const uint64_t a = rng() % map.capacity();
            const hbm::DramAddress d = map.decode(a);
            CHECK(map.encode(d) == a);
            CHECK(d.stack < 4);
            CHECK(d.row < m.org.rows);
            CHECK(map.pcIndex(d) < map.pcCount());
        }
    }
}

TEST_CASE(
    "Mapping: decode gives each field the address bits its bit list names (every shipped map, 2 stacks)",
    "[config][mapping]") {
    const std::pair<const char*, const char*> maps[] = {
        {"hbm3-5200.json", "hbm3-channel-interleaved.json"},
        {"hbm3-5200.json", "hbm3-row-bank-column.json"},
        {"hbm3-5200-64k-rows.json", "hbm3-channel-interleaved-64k-rows.json"},
        {"dramsys/hbm2-dramsys.json", "dramsys/hbm2-dramsys-mapping.json"},
        {"dramsys/v5.1/HBM2.json", "dramsys/v5.1/am_hbm2_8Gb_pc_interleaved.json"},
        {"dramsys/v5.1/HBM2.json", "dramsys/v5.1/am_hbm2_8Gb_pc_brc.json"},
        {"dramsys/v5.1/HBM2.json", "dramsys/v5.1/am_hbm2_8Gb_pc_rbc.json"},
    };
    for (const auto& [memspec, mapping] : maps) {
        INFO(mapping);
        hbm::Memspec m = hbm::loadMemspec(kRoot + "/workloads/memspecs/" + memspec);
        const hbm::AddressMapping map =
            hbm::loadAddressMapping(kRoot + "/workloads/mappings/" + mapping, m, 2);
        // The reference gathers bit by bit from the bit lists, apart from decode's tables.
        const auto gather = [&](hbm::Field f, uint64_t a) {
            uint32_t v = 0;
            for (size_t i = 0; i < map.bits(f).size(); ++i)
                v |= uint32_t((a >> map.bits(f)[i]) & 1) << i;
            return v;
        };
        std::mt19937_64 rng(9);
        for (int i = 0; i < 20000; ++i) {
            const uint64_t a = i < 64 ? (uint64_t(1) << i) % map.capacity() : rng() % map.capacity();
            const hbm::DramAddress d = map.decode(a);
            CHECK(d.stack == a / map.stackBytes());
            CHECK(d.byte == gather(hbm::Field::Byte, a));
            CHECK(d.column == gather(hbm::Field::Column, a));
            CHECK(d.channel == gather(hbm::Field::Channel, a));
            CHECK(d.pseudoChannel == gather(hbm::Field::PseudoChannel, a));
            CHECK(d.sid == gather(hbm::Field::Sid, a));
            CHECK(d.bankGroup == gather(hbm::Field::BankGroup, a));
            CHECK(d.bank == gather(hbm::Field::Bank, a));
            CHECK(d.row == gather(hbm::Field::Row, a));
            CHECK(map.pcIndexOf(a) == map.pcIndex(d));
        }
    }
}

TEST_CASE("Mapping: a region of N pseudo-channels stays inside them and is one-to-one", "[config][mapping]") {
    hbm::Memspec m = hbm::loadMemspec(kMemspec);
    hbm::AddressMapping map =
        hbm::loadAddressMapping(kRoot + "/workloads/mappings/hbm3-channel-interleaved.json", m, 2);
    for (uint32_t pcs : {1u, 2u, 64u}) {
        std::set<uint64_t> seen;
        for (uint64_t off = 0; off < 64 * 1024; off += 32) {
            const uint64_t a = map.regionAddress(off, pcs);
            CHECK(map.pcIndex(map.decode(a)) < pcs);
            seen.insert(a);
        }
        CHECK(seen.size() == 2048);
    }
}

TEST_CASE("Mapping: a reused bit and a wrong bit count are reported", "[config][mapping]") {
    hbm::Memspec m = hbm::loadMemspec(kMemspec);
    json d = readJson(kRoot + "/workloads/mappings/hbm3-row-bank-column.json");
    d["bits"]["bank"] = {10, 9};
    const std::string path = writeTemp("map.json", d.dump());
    try {
        hbm::loadAddressMapping(path, m, 1);
        FAIL("no error");
    } catch (const common::ConfigError& e) {
        CHECK_THAT(std::string(e.what()),
                   Catch::Contains(path + ": /bits/bank: bit 9 is already used by \"column\""));
    }
    d = readJson(kRoot + "/workloads/mappings/hbm3-row-bank-column.json");
    d["bits"]["row"].erase(d["bits"]["row"].size() - 1);
    const std::string path2 = writeTemp("map2.json", d.dump());
    CHECK_THROWS_WITH(hbm::loadAddressMapping(path2, m, 1), Catch::Contains("/bits/row: needs 15 bits"));
}

TEST_CASE("Scenario: every shipped scenario validates", "[config][scenario]") {
    for (const char* f :
         {"hbm3-seq-read.json", "hbm3-random-read.json", "hbm3-mixed.json", "hbm3-stack-seq-read.json"}) {
        INFO(f);
        platform::Scenario s = platform::loadScenario(kRoot + "/workloads/scenarios/" + f);
        CHECK(s.pseudoChannels >= 1);
    }
}

TEST_CASE("Scenario: --set overrides a field and is validated like the file", "[config][scenario]") {
    const std::string f = kRoot + "/workloads/scenarios/hbm3-seq-read.json";
    platform::Scenario s =
        platform::loadScenario(f, {"/traffic/requests=77", "/controller/scheduler=\"fcfs\""});
    CHECK(s.traffic->synthetic.requests == 77);
    CHECK(s.controller.scheduler == "fcfs");
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/traffic/requests=-5"}),
                      Catch::Contains(f + ": /traffic/requests: must not be negative"));
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/controller/scheduler=\"lifo\""}),
                      Catch::Contains("/controller/scheduler: must be one of"));
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/nosuch/field=1"}), Catch::Contains("/nosuch/field"));
    CHECK_THROWS_WITH(platform::loadScenario(f, {"traffic/requests"}),
                      Catch::Contains("--set needs /json/pointer=value"));
}

TEST_CASE("Scenario: unknown keys, bad sizes and missing files are reported", "[config][scenario]") {
    const std::string f = kRoot + "/workloads/scenarios/hbm3-seq-read.json";
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/traffic/reqests=5"}),
                      Catch::Contains("/traffic/reqests: unknown key (did you mean \"requests\"?)"));
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/system/pseudo_channels=3"}),
                      Catch::Contains("/system/pseudo_channels: must be 0 (all) or a power of two"));
    CHECK_THROWS_WITH(
        platform::loadScenario(f, {"/traffic/request_bytes=48"}),
        Catch::Contains("/traffic/request_bytes: must be a multiple of the 32-byte access granularity"));
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/system/memspec=\"nope.json\""}),
                      Catch::Contains("nope.json: /: cannot open file"));
    CHECK_THROWS_WITH(platform::loadScenario(f, {"/controller/write_low_watermark=60"}),
                      Catch::Contains("/controller/write_low_watermark: must be < write_high_watermark"));
}

// Issue 14: the timing ranges are consistent with refresh. A due refresh closes every row, and
// the checker allows 8 postponed refreshes (9 x REFI): a row cycle that does not fit one
// interval either never completes (the write waits tRCDWR, the refresh closes its row first)
// or lets refresh lapse.
TEST_CASE("Memspec: a row cycle that does not fit one refresh interval is rejected", "[config][memspec]") {
    for (const char* key : {"RC", "RTPL", "WL", "WR", "RCDWR", "RCDRD"}) {
        INFO(key);
        json d = readJson(kMemspec);
        d["timing"][key] = 1 << 20; // the top of the range each timing is read with
        if (std::string(key) == "RCDRD")
            d["timing"]["RAS"] = 1 << 20; // keep RAS >= RCDRD, RC >= RAS + RP apart from this rule
        CHECK_THAT(memspecError(d), Catch::Contains("/timing/REFI: must hold a refresh and one row cycle"));
    }
}

TEST_CASE("Memspec: REFI = RFC + the longest row cycle is the boundary", "[config][memspec]") {
    json d = readJson(kMemspec);
    auto t = [&](const char* k) { return d["timing"][k].get<uint64_t>(); };
    // Stretch the write's row cycle so that it is the longest: RCDWR + WL + nBL + WR + RP.
    d["timing"]["RCDWR"] = 3000;
    const uint64_t write = 3000 + t("WL") + t("nBL") + t("WR") + t("RP");
    REQUIRE(write > t("RC"));
    d["timing"]["REFI"] = t("RFC") + write;
    CHECK(memspecError(d) == "");
    d["timing"]["REFI"] = t("RFC") + write - 1;
    CHECK_THAT(memspecError(d), Catch::Contains("/timing/REFI: must hold a refresh and one row cycle"));
}

TEST_CASE("Memspec: a column or activation spacing longer than a refresh interval is rejected",
          "[config][memspec]") {
    for (const char* key : {"CCDL", "RRDL", "FAW", "CCDAB"}) {
        INFO(key);
        json d = readJson(kMemspec);
        d["timing"][key] = 1 << 20;
        CHECK_THAT(memspecError(d), Catch::Contains(std::string("/timing/") + key + ": the spacing it sets"));
    }
}
