// SPDX-License-Identifier: MIT
#include "models/common/config_error.h"

namespace pilot::common {

std::string ConfigIssue::line() const {
    return file + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + reason;
}

static std::string joinLines(const std::vector<ConfigIssue>& issues) {
    std::string s;
    for (size_t i = 0; i < issues.size(); ++i) {
        if (i)
            s += '\n';
        s += issues[i].line();
    }
    return s;
}

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(joinLines(issues)), m_issues(std::move(issues)) {}

} // namespace pilot::common
