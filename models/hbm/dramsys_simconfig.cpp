// SPDX-License-Identifier: MIT
#include "models/hbm/dramsys_simconfig.h"

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"

namespace pilot::hbm {

DramsysSimconfig parseDramsysSimconfig(const nlohmann::json& doc, const std::string& file) {
    common::IssueList issues(file);
    common::JsonObject root(doc, "", issues);
    common::JsonObject sim = root.object("simconfig");
    root.rejectUnknownKeys();
    DramsysSimconfig out;
    if (sim.has("StoreMode")) {
        const std::string mode = sim.string("StoreMode");
        if (mode == "Store")
            out.storeData = true;
        else if (mode != "NoStorage")
            issues.add(sim.pointerOf("StoreMode"),
                       "\"" + mode + "\" is not a store mode of DRAMSys v5.1 (NoStorage, Store)");
    }
    if (sim.has("AddressOffset") && sim.u64("AddressOffset") != 0)
        issues.add(sim.pointerOf("AddressOffset"), "must be 0: an address offset is not modelled");
    issues.throwIfAny();
    return out;
}

DramsysSimconfig loadDramsysSimconfig(const std::string& path) {
    return parseDramsysSimconfig(common::readJsonFile(path), path);
}

} // namespace pilot::hbm
