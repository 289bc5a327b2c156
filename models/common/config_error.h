// SPDX-License-Identifier: MIT
#pragma once
// Configuration problems, collected and reported together: one line each, naming the file,
// the JSON pointer and the reason (STYLE.md "Configuration").
#include <stdexcept>
#include <string>
#include <vector>

namespace pilot::common {

struct ConfigIssue {
    std::string file;
    std::string pointer; // JSON pointer ("" for the whole document)
    std::string reason;
    std::string line() const; // "file: /pointer: reason"
};

class ConfigError : public std::runtime_error {
  public:
    explicit ConfigError(std::vector<ConfigIssue> issues);
    const std::vector<ConfigIssue>& issues() const { return m_issues; }

  private:
    std::vector<ConfigIssue> m_issues;
};

// The issues of the last ConfigError built (by any thread; the simulation runs one process at a
// time): an error thrown inside a SystemC process reaches sc_start as its text alone, and
// platform::simulate() gives it back as the ConfigError it was when the text is this one's.
std::vector<ConfigIssue> lastConfigIssues();

// Collects issues while a loader walks a document; throwIfAny() raises them all at once.
class IssueList {
  public:
    explicit IssueList(std::string file) : m_file(std::move(file)) {}
    void add(const std::string& pointer, const std::string& reason) {
        m_issues.push_back({m_file, pointer, reason});
    }
    bool empty() const { return m_issues.empty(); }
    const std::string& file() const { return m_file; }
    void throwIfAny() const {
        if (!m_issues.empty())
            throw ConfigError(m_issues);
    }

  private:
    std::string m_file;
    std::vector<ConfigIssue> m_issues;
};

} // namespace pilot::common
