// SPDX-License-Identifier: MIT
// DRAMSys controller configurations: the settings PILOT-VP models replace the controller's; the
// others are refused with their JSON pointer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/json_reader.h"
#include "models/hbm/dramsys_mcconfig.h"

using namespace pilot;
using nlohmann::json;

namespace {
const std::string kDir = std::string(PILOT_SOURCE_DIR) + "/workloads/mcconfigs/dramsys/";

hbm::ControllerConfig base() {
    hbm::ControllerConfig c;
    c.readQueue = c.writeQueue = 64;
    c.writeHighWatermark = 48;
    c.writeLowWatermark = 16;
    c.pimQueue = 64;
    c.rowHitCap = 32;
    return c;
}

std::string errorsOf(const json& doc) {
    try {
        hbm::parseDramsysMcconfig(doc, "mc.json", base());
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST_CASE("DRAMSys mcconfig: the shipped fr_fcfs is FR-FCFS, open page, bankwise buffers of 8, uncapped hits",
          "[hbm][dramsys][mcconfig]") {
    const auto mc = hbm::loadDramsysMcconfig(kDir + "fr_fcfs.json", base());
    CHECK(mc.controller.scheduler == "fr-fcfs");
    CHECK(mc.controller.page == hbm::PagePolicy::Open);
    CHECK(mc.controller.buffer == hbm::BufferPolicy::Bankwise);
    CHECK(mc.controller.requestBuffer == 8);
    CHECK(mc.controller.rowHitCap == 0);
    CHECK(mc.controller.refresh == "all-bank");
    CHECK(mc.maxActiveTransactions == 128);
    CHECK(hbm::requestSlots(mc.controller, 32) == 32 * 9);
    const auto shared = hbm::loadDramsysMcconfig(kDir + "fr_fcfs_shared256.json", base());
    CHECK(shared.controller.buffer == hbm::BufferPolicy::Shared);
    CHECK(hbm::requestSlots(shared.controller, 32) == 256);
}

TEST_CASE("DRAMSys mcconfig: settings PILOT-VP does not model are refused with their pointer",
          "[hbm][dramsys][mcconfig]") {
    json doc = common::readJsonFile(kDir + "fr_fcfs.json");
    doc["mcconfig"]["PagePolicy"] = "OpenAdaptive";
    doc["mcconfig"]["Scheduler"] = "GrpFrFcfs";
    doc["mcconfig"]["RefreshMaxPostponed"] = 8;
    doc["mcconfig"]["RespQueue"] = "Reorder";
    doc["mcconfig"]["PowerDownTimeout"] = 3;
    const std::string e = errorsOf(doc);
    INFO(e);
    CHECK(e.find("mc.json: /mcconfig/PagePolicy: \"OpenAdaptive\" is not modelled") != std::string::npos);
    CHECK(e.find("/mcconfig/Scheduler: \"GrpFrFcfs\" is not modelled by PILOT-VP (supported: \"FrFcfs\", "
                 "\"Fcfs\")") != std::string::npos);
    CHECK(e.find("/mcconfig/RefreshMaxPostponed: must be 0") != std::string::npos);
    CHECK(e.find("/mcconfig/RespQueue") != std::string::npos);
    CHECK(e.find("/mcconfig/PowerDownTimeout: unknown key") != std::string::npos);
}

TEST_CASE("DRAMSys mcconfig: a buffer without a size is refused", "[hbm][dramsys][mcconfig]") {
    json doc = common::readJsonFile(kDir + "fr_fcfs.json");
    doc["mcconfig"].erase("RequestBufferSize");
    CHECK(errorsOf(doc).find("/mcconfig/RequestBufferSize: missing") != std::string::npos);
}
