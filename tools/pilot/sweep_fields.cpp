// SPDX-License-Identifier: MIT
#include "tools/pilot/sweep_fields.h"

#include <cmath>

namespace pilot::tools::sweep {

using common::IssueList;
using nlohmann::json;

ojson toOrdered(const json& j) {
    return ojson::parse(j.dump());
}

std::string escapeToken(const std::string& key) {
    std::string out;
    for (char c : key)
        out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

ojson pointEntry(const Point& p) {
    return ojson{
        {"id", p.id}, {"label", p.label}, {"scenario", p.scenario}, {"params", p.params}, {"set", p.set}};
}

ojson assemble(const std::string& name, const std::string& hash, uint64_t total, Shard shard,
               const ojson& systems, ojson points, ojson rows) {
    ojson doc = ojson::object();
    doc["sweep"] = name;
    doc["sweep_hash"] = hash;
    doc["total_points"] = total;
    doc["shard"] = ojson{{"index", shard.index}, {"count", shard.count}};
    doc["systems"] = systems;
    doc["columns"] = columns();
    doc["points"] = std::move(points);
    doc["rows"] = std::move(rows);
    return doc;
}

const ojson* numberField(const ojson& obj, const std::string& key, const std::string& ptr, bool required,
                         IssueList& issues) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (required)
            issues.add(ptr + "/" + key, "missing");
        return nullptr;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
        issues.add(ptr + "/" + key, "must be a non-negative number (got " + it->dump() + ")");
        return nullptr;
    }
    return &*it;
}

const ojson* objectField(const ojson& obj, const std::string& key, const std::string& ptr,
                         IssueList& issues) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_object()) {
        issues.add(ptr + "/" + key, it == obj.end() ? "missing" : "must be an object");
        return nullptr;
    }
    return &*it;
}

} // namespace pilot::tools::sweep
