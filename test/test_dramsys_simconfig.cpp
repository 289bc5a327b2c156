// SPDX-License-Identifier: MIT
// DRAMSys simulation configurations: StoreMode decides whether the memory keeps its data
// (absent: DRAMSys's default, NoStorage); an unknown mode or an address offset is refused with its
// JSON pointer; DRAMSys's output settings are accepted and change nothing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/hbm/dramsys_simconfig.h"

using namespace pilot;
using nlohmann::json;

namespace {
std::string errorsOf(const json& doc) {
    try {
        hbm::parseDramsysSimconfig(doc, "sim.json");
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST_CASE("DRAMSys simconfig: StoreMode Store keeps data, NoStorage and its absence do not",
          "[hbm][dramsys][simconfig]") {
    CHECK(hbm::parseDramsysSimconfig(json::parse(R"({"simconfig": {"StoreMode": "Store"}})"), "s").storeData);
    CHECK_FALSE(hbm::parseDramsysSimconfig(json::parse(R"({"simconfig": {"StoreMode": "NoStorage"}})"), "s")
                    .storeData);
    CHECK_FALSE(hbm::parseDramsysSimconfig(
                    json::parse(R"({"simconfig": {"DatabaseRecording": false, "PowerAnalysis": false,
                                    "SimulationName": "x", "AddressOffset": 0}})"),
                    "s")
                    .storeData);
    // The file the replay-speed comparison gives DRAMSys.
    CHECK_FALSE(
        hbm::loadDramsysSimconfig(std::string(PILOT_SOURCE_DIR) + "/tools/bench/dramsys/simconfig.json")
            .storeData);
}

TEST_CASE(
    "DRAMSys simconfig: a store mode v5.1 does not know, an address offset and a missing section are refused",
    "[hbm][dramsys][simconfig]") {
    const std::string mode = errorsOf(json::parse(R"({"simconfig": {"StoreMode": "ErrorModel"}})"));
    CHECK(mode.find("sim.json: /simconfig/StoreMode") != std::string::npos);
    CHECK(mode.find("NoStorage, Store") != std::string::npos);
    const std::string offset = errorsOf(json::parse(R"({"simconfig": {"AddressOffset": 4096}})"));
    CHECK(offset.find("/simconfig/AddressOffset: must be 0") != std::string::npos);
    CHECK(errorsOf(json::parse(R"({"mcconfig": {}})")).find("/simconfig") != std::string::npos);
    CHECK(errorsOf(json::parse(R"({"simconfig": {"StoreMode": 3}})")).find("/simconfig/StoreMode") !=
          std::string::npos);
}
