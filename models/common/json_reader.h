// SPDX-License-Identifier: MIT
#pragma once
// Typed, validated access to one JSON object. Every problem goes to an IssueList with the
// field's JSON pointer; unknown keys are errors (with a "did you mean" hint).
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/common/config_error.h"

namespace pilot::common {

// Reads a JSON file; malformed JSON becomes a ConfigError naming the line and column.
nlohmann::json readJsonFile(const std::string& path);

class JsonObject {
  public:
    // `pointer` is where `obj` sits in its document ("" for the root).
    JsonObject(const nlohmann::json& obj, std::string pointer, IssueList& issues);

    bool valid() const { return m_valid; }
    bool has(const std::string& key) const;
    const std::string& pointer() const { return m_pointer; }
    std::string pointerOf(const std::string& key) const { return m_pointer + "/" + key; }
    IssueList& issues() { return m_issues; }

    // Required fields: a missing or mistyped field is reported and the fallback returned.
    uint64_t u64(const std::string& key, uint64_t min = 0, uint64_t max = UINT64_MAX);
    uint32_t u32(const std::string& key, uint32_t min = 0, uint32_t max = UINT32_MAX);
    double number(const std::string& key, double min, double max);
    bool boolean(const std::string& key);
    std::string string(const std::string& key);
    // A required non-blank string naming the public source of a value (configs keep them in a
    // "sources" object shaped like the values); stored in `sources` under the value's JSON
    // pointer, i.e. this field's pointer without the leading `sourcesPointer` ("/sources").
    void source(const std::string& key, std::map<std::string, std::string>& sources,
                const std::string& sourcesPointer = "/sources");
    std::string oneOf(const std::string& key, std::initializer_list<const char*> choices);
    std::string oneOf(const std::string& key, const std::vector<const char*>& choices); // from a table
    std::vector<uint32_t> u32List(const std::string& key, uint32_t max);
    JsonObject object(const std::string& key);

    // Optional fields.
    std::optional<uint64_t> optU64(const std::string& key, uint64_t min = 0, uint64_t max = UINT64_MAX);
    std::optional<std::string> optString(const std::string& key);
    std::optional<JsonObject> optObject(const std::string& key);

    // Reports every key not read so far (call after reading all fields).
    void rejectUnknownKeys();
    // Marks a key as known without reading it (documentation fields, sub-readers).
    void allow(const std::string& key) { m_seen.insert(key); }

    const nlohmann::json& raw() const { return m_obj; }

  private:
    const nlohmann::json* field(const std::string& key, bool required);

    const nlohmann::json& m_obj;
    std::string m_pointer;
    IssueList& m_issues;
    std::set<std::string> m_seen;
    bool m_valid = true;
};

// Edit distance based hint for unknown keys.
std::string closestKey(const std::string& key, const std::set<std::string>& known);

} // namespace pilot::common
