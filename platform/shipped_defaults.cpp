// SPDX-License-Identifier: MIT
#include "platform/shipped_defaults.h"

#include <filesystem>

#include "models/common/json_reader.h"
#include "platform/scenario.h"

namespace pilot::platform {

std::string defaultsDir() {
    return workloadsDir() + "/defaults";
}

const nlohmann::json& shippedDefaults() {
    static const nlohmann::json doc = common::readJsonFile(defaultsDir() + "/scenario.json");
    return doc;
}

std::string defaultsPath(const std::string& relative) {
    return (std::filesystem::path(defaultsDir()) / relative).lexically_normal().string();
}

} // namespace pilot::platform
