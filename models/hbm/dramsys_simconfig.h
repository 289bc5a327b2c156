// SPDX-License-Identifier: MIT
#pragma once
// DRAMSys's simulation configuration ("simconfig"), read for the one setting that changes what
// the memory does: StoreMode, whether it keeps the bytes written (DRAMSys's default is NoStorage:
// writes dropped, reads return zeros). The rest select DRAMSys's own outputs (database, power,
// progress bar) and do not change the memory; AddressOffset is refused unless 0.
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace pilot::hbm {

struct DramsysSimconfig {
    bool storeData = false; // StoreMode "Store"
};

// Throws common::ConfigError naming the file and JSON pointer of every problem.
DramsysSimconfig parseDramsysSimconfig(const nlohmann::json& doc, const std::string& file);
DramsysSimconfig loadDramsysSimconfig(const std::string& path);

} // namespace pilot::hbm
