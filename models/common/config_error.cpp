// SPDX-License-Identifier: MIT
#include "models/common/config_error.h"

#include <mutex>

namespace pilot::common {

// Control characters (a newline inside a `--set` value, say) are written as escapes, so an
// issue is always one line.
static std::string oneLine(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (static_cast<unsigned char>(c) >= 0x20) {
            out += c;
            continue;
        }
        static const char* const kHex = "0123456789abcdef";
        out += c == '\n'   ? std::string("\\n")
               : c == '\t' ? std::string("\\t")
                           : std::string("\\x") + kHex[(c >> 4) & 0xF] + kHex[c & 0xF];
    }
    return out;
}

std::string ConfigIssue::line() const {
    return oneLine(file + ": " + (pointer.empty() ? std::string("/") : pointer) + ": " + reason);
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

namespace {
std::mutex g_lastMutex;
std::vector<ConfigIssue> g_last;
} // namespace

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(joinLines(issues)), m_issues(std::move(issues)) {
    const std::lock_guard<std::mutex> lock(g_lastMutex);
    g_last = m_issues;
}

std::vector<ConfigIssue> lastConfigIssues() {
    const std::lock_guard<std::mutex> lock(g_lastMutex);
    return g_last;
}

} // namespace pilot::common
