// SPDX-License-Identifier: MIT
// `pilot sweep` / `pilot merge`: results documents of a run or shard, merged shards, CSV.
#include "tools/pilot/sweep.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "models/common/config_error.h"
#include "models/common/json_file.h"
#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "tools/pilot/sweep_fields.h"

namespace pilot::tools::sweep {

using common::ConfigError;
using common::ConfigIssue;
using common::IssueList;
using nlohmann::json;
namespace fs = std::filesystem;

ojson resultsDocument(const Sweep& sweep, Shard shard, const std::vector<PointOutcome>& outcomes) {
    std::vector<const PointOutcome*> byId;
    for (const auto& o : outcomes)
        byId.push_back(&o);
    std::sort(byId.begin(), byId.end(), [](auto a, auto b) { return a->point->id < b->point->id; });
    ojson points = ojson::array(), rows = ojson::array();
    for (const PointOutcome* o : byId) {
        ojson e = pointEntry(*o->point);
        e["status"] = o->ok ? "ok" : o->interrupted ? "interrupted" : "failed";
        if (!o->ok)
            e["error"] = o->error;
        points.push_back(std::move(e));
        for (const ojson& r : o->rows)
            rows.push_back(r);
    }
    return assemble(sweep.name, sweep.hash, sweep.points.size(), shard, sweep.systems, std::move(points),
                    std::move(rows));
}

// Every shard must come from the same expanded sweep, written by this version.
static void checkShardHeaders(const std::vector<std::pair<std::string, ojson>>& shards,
                              std::vector<ConfigIssue>& issues) {
    auto add = [&](const std::string& file, const std::string& ptr, const std::string& reason) {
        issues.push_back({file, ptr, reason});
    };
    const auto& [firstFile, first] = shards.front();
    for (const auto& [file, doc] : shards) {
        bool ok = doc.is_object();
        for (const char* key :
             {"sweep", "sweep_hash", "total_points", "shard", "systems", "columns", "points", "rows"})
            if (ok && !doc.contains(key)) {
                add(file, std::string("/") + key, "missing (not a `pilot sweep` results.json?)");
                ok = false;
            }
        if (!doc.is_object())
            add(file, "", "must be an object (not a `pilot sweep` results.json?)");
        if (!ok)
            continue;
        if (doc["columns"] != ojson(columns()))
            add(file, "/columns",
                "differ from this version's columns (written by another version of pilot?)");
        if (!doc["points"].is_array() || !doc["rows"].is_array())
            add(file, "", "/points and /rows must be arrays");
        // (Numbers a program writes may be stored signed: a non-negative integer is fine.)
        auto count = [](const ojson& v) { return v.is_number_integer() && v.get<int64_t>() >= 0; };
        const ojson& sh = doc["shard"];
        const bool shardOk = sh.is_object() && sh.contains("index") && sh.contains("count") &&
                             count(sh["index"]) && count(sh["count"]) && sh["index"].get<uint64_t>() >= 1 &&
                             sh["index"].get<uint64_t>() <= sh["count"].get<uint64_t>();
        if (!shardOk)
            add(file, "/shard",
                "must be {\"index\": K, \"count\": N} with 1 <= K <= N (got " + sh.dump() + ")");
        if (!count(doc["total_points"]))
            add(file, "/total_points",
                "must be a non-negative integer (got " + doc["total_points"].dump() + ")");
        if (&doc == &first || !first.is_object())
            continue;
        for (const char* key : {"sweep", "sweep_hash", "total_points", "systems"}) {
            if (first.contains(key) && doc[key] != first[key])
                add(file, std::string("/") + key,
                    "differs from " + firstFile + " (" + doc[key].dump() + " vs " + first[key].dump() +
                        "): shards of another sweep, or the sweep file changed between runs");
        }
    }
}

// A row as pointRows writes it: every column, the system and phase from the tables, numbers
// where numbers go. Merge joins rows from files a person may have edited or a job left half
// written; a row that is not one is refused, not copied.
static void checkRow(const ojson& row, const std::string& file, const std::string& ptr,
                     std::vector<ConfigIssue>& issues) {
    auto add = [&](const std::string& p, const std::string& reason) { issues.push_back({file, p, reason}); };
    if (!row.is_object()) {
        add(ptr, "must be an object (a row of results.csv)");
        return;
    }
    for (auto it = row.begin(); it != row.end(); ++it)
        if (std::find(columns().begin(), columns().end(), it.key()) == columns().end())
            add(ptr + "/" + it.key(), "unknown column");
    static const std::set<std::string> kText = {"label",  "model", "pattern",
                                                "system", "phase", "gpu_attention"};
    static const std::set<std::string> kBool = {"fits"};
    static const std::set<std::string> kCount = {"point", "seq_len", "out_len", "batch", "sram_bytes"};
    for (const std::string& c : columns()) {
        const std::string p = ptr + "/" + c;
        if (!row.contains(c)) {
            add(p, "missing");
            continue;
        }
        const ojson& v = row[c];
        // Identity columns are always there; the others may be null (a result without them).
        const bool required = c == "point" || c == "label" || c == "system" || c == "phase";
        if (v.is_null() && !required)
            continue;
        if (kText.count(c)) {
            if (!v.is_string())
                add(p, "must be a string (got " + v.dump() + ")");
        } else if (kBool.count(c)) {
            if (!v.is_boolean())
                add(p, "must be true or false (got " + v.dump() + ")");
        } else if (kCount.count(c)) {
            if (!(v.is_number_integer() && v.get<int64_t>() >= 0))
                add(p, "must be a non-negative integer (got " + v.dump() + ")");
        } else if (!v.is_null() &&
                   !(v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0)) {
            add(p, "must be a finite number >= 0 or null (got " + v.dump() + ")");
        }
    }
    if (row.contains("system") && row["system"].is_string()) {
        const std::string sys = row["system"].get<std::string>();
        const auto& names = systemNames();
        if (std::none_of(names.begin(), names.end(), [&](const char* n) { return sys == n; }))
            add(ptr + "/system", "unknown system \"" + sys + "\"");
    }
    if (row.contains("phase") && row["phase"].is_string()) {
        const std::string ph = row["phase"].get<std::string>();
        if (std::none_of(std::begin(kPhases), std::end(kPhases), [&](const char* n) { return ph == n; }))
            add(ptr + "/phase", "unknown phase \"" + ph + "\"");
    }
}

ojson mergeResults(const std::vector<std::pair<std::string, ojson>>& shards) {
    std::vector<ConfigIssue> issues;
    if (shards.empty())
        throw ConfigError({{"merge", "", "no shard results given"}});
    auto add = [&](const std::string& file, const std::string& ptr, const std::string& reason) {
        issues.push_back({file, ptr, reason});
    };

    checkShardHeaders(shards, issues);
    const auto& [firstFile, first] = shards.front();
    if (!issues.empty())
        throw ConfigError(issues);

    const uint64_t total = first["total_points"].get<uint64_t>();
    std::map<uint64_t, std::pair<std::string, ojson>> points; // id -> (file, entry)
    std::map<uint64_t, std::vector<ojson>> rows;              // id -> rows, in their file's order
    for (const auto& [file, doc] : shards) {
        std::set<uint64_t> listed, mine; // ids this file lists / whose rows are taken from it
        const ojson& pts = doc["points"];
        for (size_t i = 0; i < pts.size(); ++i) {
            const std::string ptr = "/points/" + std::to_string(i);
            if (!pts[i].is_object() || !pts[i].contains("id") || !pts[i]["id"].is_number_unsigned()) {
                add(file, ptr + "/id", "missing or not a point id");
                continue;
            }
            const uint64_t id = pts[i]["id"].get<uint64_t>();
            listed.insert(id);
            if (id >= total) {
                add(file, ptr + "/id",
                    "point " + std::to_string(id) + " is beyond the sweep's " + std::to_string(total) +
                        " points");
            } else if (points.count(id)) {
                add(file, ptr,
                    "point " + std::to_string(id) + " is also in " + points[id].first +
                        " (the same shard given twice, or overlapping shards)");
            } else {
                points[id] = {file, pts[i]};
                mine.insert(id);
            }
        }
        const Shard shard{doc["shard"]["index"].get<uint32_t>(), doc["shard"]["count"].get<uint32_t>()};
        for (uint64_t id : listed)
            if (!inShard(id, shard))
                add(file, "/points",
                    "point " + std::to_string(id) + " does not belong to shard " +
                        std::to_string(shard.index) + "/" + std::to_string(shard.count) +
                        " (edited, or written by another version?)");
        const ojson& rs = doc["rows"];
        for (size_t i = 0; i < rs.size(); ++i)
            checkRow(rs[i], file, "/rows/" + std::to_string(i), issues);
        for (size_t i = 0; i < rs.size(); ++i) {
            const bool hasId =
                rs[i].is_object() && rs[i].contains("point") && rs[i]["point"].is_number_unsigned();
            const uint64_t id = hasId ? rs[i]["point"].get<uint64_t>() : 0;
            if (hasId && mine.count(id))
                rows[id].push_back(rs[i]);
            else if (!hasId || !listed.count(id))
                add(file, "/rows/" + std::to_string(i), "belongs to no point of this file");
            // (rows of a duplicate point: the duplicate is reported already)
        }
    }
    std::string missing;
    size_t nMissing = 0;
    for (uint64_t id = 0; id < total; ++id) {
        if (points.count(id))
            continue;
        if (++nMissing <= 10)
            missing += (missing.empty() ? "" : ", ") + std::to_string(id);
    }
    if (nMissing)
        add(firstFile, "/points",
            std::to_string(nMissing) + " of the sweep's " + std::to_string(total) +
                " points are in no shard given (" + missing + (nMissing > 10 ? ", ..." : "") +
                "): a shard missing from the list, or not run?");
    if (!issues.empty())
        throw ConfigError(issues);

    ojson outPoints = ojson::array(), outRows = ojson::array();
    for (auto& [id, entry] : points) {
        outPoints.push_back(entry.second);
        for (ojson& r : rows[id])
            outRows.push_back(std::move(r));
    }
    return assemble(first["sweep"].get<std::string>(), first["sweep_hash"].get<std::string>(), total,
                    Shard{1, 1}, first["systems"], std::move(outPoints), std::move(outRows));
}

std::string resultsCsv(const ojson& results) {
    auto quote = [](const std::string& s) {
        if (s.find_first_of(",\"\n\r") == std::string::npos)
            return s;
        std::string q = "\"";
        for (char c : s)
            q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    auto cell = [&](const ojson& v) -> std::string {
        if (v.is_null())
            return "";
        if (v.is_string())
            return quote(v.get<std::string>());
        if (v.is_number_float() && !std::isfinite(v.get<double>()))
            return "";
        return quote(v.dump()); // numbers: shortest round-trip text, the same as in results.json
    };
    std::ostringstream out;
    const auto& cols = columns();
    for (size_t c = 0; c < cols.size(); ++c)
        out << (c ? "," : "") << cols[c];
    out << "\n";
    for (const ojson& row : results["rows"]) {
        for (size_t c = 0; c < cols.size(); ++c) {
            auto it = row.find(cols[c]);
            out << (c ? "," : "") << (it == row.end() ? std::string() : cell(*it));
        }
        out << "\n";
    }
    return out.str();
}

size_t failedPoints(const ojson& results) {
    size_t n = 0;
    for (const ojson& p : results["points"])
        if (!p.contains("status") || p["status"] != "ok")
            ++n;
    return n;
}

ojson readOrderedJson(const std::string& path) {
    return common::readOrderedJsonFile(path);
}

void writeResults(const std::string& dir, const ojson& results) {
    fs::create_directories(dir);
    // Atomically: an interrupted run or merge leaves the previous files or the new ones.
    common::writeFileAtomically((fs::path(dir) / "results.json").string(), results.dump(2) + "\n");
    common::writeFileAtomically((fs::path(dir) / "results.csv").string(), resultsCsv(results));
}

} // namespace pilot::tools::sweep
