// SPDX-License-Identifier: MIT
#pragma once
// Helpers the sweep's parts share (internal to tools/pilot/sweep*.cpp): ordered-JSON copies,
// JSON-pointer tokens, pattern names, a point's entry, the results document's layout, and
// checked fields of a point's results.
#include <string>

#include "models/common/config_error.h"
#include "tools/pilot/sweep.h"

namespace pilot::tools::sweep {

// The sweep document is read with the project's reader (sorted keys); values that go into the
// output documents are copied over as ordered JSON.
ojson toOrdered(const nlohmann::json& j);
// RFC 6901: "~" -> "~0", "/" -> "~1".
std::string escapeToken(const std::string& key);

template <class J> std::string patternName(const J& v) {
    if (v.is_string())
        return v.template get<std::string>();
    if (v.is_object() && v.contains("kind") && v["kind"].is_string())
        return v["kind"].template get<std::string>();
    return v.dump();
}

// {id, label, scenario, params, set} of a point, as results.json lists it.
ojson pointEntry(const Point& p);
// The one place the results document's layout is written: runs and merges both go through it.
ojson assemble(const std::string& name, const std::string& hash, uint64_t total, Shard shard,
               const ojson& systems, ojson points, ojson rows);
// A number field of a result: required or optional, finite and >= 0.
const ojson* numberField(const ojson& obj, const std::string& key, const std::string& ptr, bool required,
                         common::IssueList& issues);
const ojson* objectField(const ojson& obj, const std::string& key, const std::string& ptr,
                         common::IssueList& issues);

} // namespace pilot::tools::sweep
