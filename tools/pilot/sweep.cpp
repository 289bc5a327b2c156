// SPDX-License-Identifier: MIT
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
#include "models/common/json_reader.h"

namespace pilot::tools::sweep {

using nlohmann::json;
using common::ConfigError;
using common::ConfigIssue;
using common::IssueList;
namespace fs = std::filesystem;

const std::vector<std::string>& columns() {
    static const std::vector<std::string> kColumns = {
        "point",          "label",          "model",          "seq_len",           "out_len",
        "batch",          "pattern",        "sram_bytes",     "system",            "phase",
        "time_ns",        "internal_bytes", "external_bytes", "speedup_vs_gpu",    "speedup_vs_attacc",
        "gemm_ns",        "attention_ns",   "transfer_sync_ns", "idle_ns",         "energy_j",
        "per_token_latency_ns", "throughput_tokens_per_s"};
    return kColumns;
}

namespace {

// The sweep document is read with the project's reader (sorted keys); values that go into the
// output documents are copied over as ordered JSON.
ojson toOrdered(const json& j) { return ojson::parse(j.dump()); }

std::string escapeToken(const std::string& key) {   // RFC 6901: "~" -> "~0", "/" -> "~1"
    std::string out;
    for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
    return out;
}

bool isPositiveInteger(const json& v) {
    return v.is_number_unsigned() ? v.get<uint64_t>() > 0 : v.is_number_integer() && v.get<int64_t>() > 0;
}

template <class J>
std::string patternName(const J& v) {
    if (v.is_string()) return v.template get<std::string>();
    if (v.is_object() && v.contains("kind") && v["kind"].is_string()) return v["kind"].template get<std::string>();
    return v.dump();
}

void checkParam(const std::string& key, const json& v, const std::string& ptr, IssueList& issues) {
    if (key == "model") {
        if (!v.is_string() || v.get<std::string>().empty()) issues.add(ptr, "must be a model name (got " + v.dump() + ")");
    } else if (key == "pattern") {
        if (!(v.is_string() && !v.get<std::string>().empty()) && !v.is_object())
            issues.add(ptr, "must be a pattern preset name or a pattern object (got " + v.dump() + ")");
    } else if (!isPositiveInteger(v)) {
        issues.add(ptr, "must be a positive integer (got " + v.dump() + ")");
    }
}

// A "set" object: JSON pointer -> value, applied to the base scenario as `--set`.
ojson parseSet(const json& j, const std::string& ptr, IssueList& issues) {
    ojson set = ojson::object();
    if (!j.is_object()) {
        issues.add(ptr, "must be an object of \"/json/pointer\": value");
        return set;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& p = it.key();
        const std::string where = ptr + "/" + escapeToken(p);
        bool valid = !p.empty() && p[0] == '/' && p.find('=') == std::string::npos;
        if (valid) {
            try {
                json::json_pointer check(p);
            } catch (const json::exception&) {
                valid = false;
            }
        }
        if (!valid) {
            issues.add(where, "must be a JSON pointer such as \"/workload/batch\" (without '=')");
            continue;
        }
        set[p] = toOrdered(it.value());
    }
    return set;
}

// The point's keys must not also be set through "set": one source for each value.
void checkConflicts(const ojson& set, const ojson& params, bool systems, const std::string& ptr, IssueList& issues) {
    for (const auto& k : kParams) {
        if (params.contains(k.key) && set.contains(k.pointer))
            issues.add(ptr, std::string("\"set\" overrides ") + k.pointer + ", which the key \"" + k.key +
                                "\" sets too; use one");
    }
    if (systems && set.contains(kSystemsPointer))
        issues.add(ptr, std::string("\"set\" overrides ") + kSystemsPointer + ", which \"systems\" sets too; use one");
}

std::string makeLabel(const ojson& params, const std::string& scenario) {
    std::string label;
    auto add = [&](const std::string& s) { label += (label.empty() ? "" : " ") + s; };
    for (const auto& k : kParams) {
        if (!params.contains(k.key)) continue;
        const ojson& v = params[k.key];
        const std::string key = k.key;
        if (key == "model") add(v.get<std::string>());
        else if (key == "pattern") add(patternName(v));
        else add((key == "seq_len" ? "in" : key == "out_len" ? "out" : key == "sram_bytes" ? "sram" : key) + "=" +
                 v.dump());
    }
    return label.empty() ? fs::path(scenario).stem().string() : label;
}

std::string resolveScenario(const std::string& sweepFile, const std::string& scenario) {
    fs::path p(scenario);
    if (!p.is_absolute()) p = fs::path(sweepFile).parent_path() / p;
    return p.lexically_normal().string();
}

// FNV-1a, 64 bits: a stable fingerprint of the expanded sweep (std::hash is not stable).
std::string fingerprint(const std::string& text) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

ojson pointEntry(const Point& p) {
    return ojson{{"id", p.id}, {"label", p.label}, {"scenario", p.scenario}, {"params", p.params}, {"set", p.set}};
}

// The one place the results document's layout is written: runs and merges both go through it.
ojson assemble(const std::string& name, const std::string& hash, uint64_t total, Shard shard, const ojson& systems,
               ojson points, ojson rows) {
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

// A number field of a result: required or optional, finite and >= 0.
const ojson* numberField(const ojson& obj, const std::string& key, const std::string& ptr, bool required,
                         IssueList& issues) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) issues.add(ptr + "/" + key, "missing");
        return nullptr;
    }
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
        issues.add(ptr + "/" + key, "must be a non-negative number (got " + it->dump() + ")");
        return nullptr;
    }
    return &*it;
}

const ojson* objectField(const ojson& obj, const std::string& key, const std::string& ptr, IssueList& issues) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_object()) {
        issues.add(ptr + "/" + key, it == obj.end() ? "missing" : "must be an object");
        return nullptr;
    }
    return &*it;
}

}  // namespace

std::vector<std::string> Point::setArgs() const {
    std::vector<std::string> args;
    for (const auto& [pointer, value] : set.items()) args.push_back(pointer + "=" + value.dump());
    return args;
}

Sweep parseSweep(const json& doc, const std::string& file) {
    IssueList issues(file);
    common::JsonObject root(doc, "", issues);
    Sweep sw;
    if (!root.valid()) issues.throwIfAny();
    sw.name = root.string("name");
    root.allow("description");
    const std::optional<std::string> defaultScenario = root.optString("scenario");

    if (root.has("systems")) {
        root.allow("systems");
        const json& s = doc["systems"];
        if (!s.is_array() || s.empty()) issues.add("/systems", "must be a non-empty array of system names");
        for (size_t i = 0; s.is_array() && i < s.size(); ++i) {
            const std::string ptr = "/systems/" + std::to_string(i);
            const bool known = s[i].is_string() && std::any_of(std::begin(kSystems), std::end(kSystems), [&](auto k) {
                                   return s[i].get<std::string>() == k;
                               });
            if (!known) {
                issues.add(ptr, "must be one of \"gpu\", \"attacc\", \"pilot\", \"pilot-naive\" (got " + s[i].dump() + ")");
            } else if (std::find(sw.systems.begin(), sw.systems.end(), s[i].get<std::string>()) != sw.systems.end()) {
                issues.add(ptr, "duplicate system " + s[i].dump());
            } else {
                sw.systems.push_back(s[i].get<std::string>());
            }
        }
    }
    ojson sweepSet = ojson::object();
    if (root.has("set")) {
        root.allow("set");
        sweepSet = parseSet(doc["set"], "/set", issues);
    }

    // Each point: scenario as written, its keys, its own "set" (points only), then the common part.
    auto addPoint = [&](const std::string& scenario, const std::string& label, ojson params, const ojson& pointSet) {
        Point p;
        p.id = sw.points.size();
        p.scenario = scenario;
        p.scenarioPath = resolveScenario(file, scenario);
        p.params = std::move(params);
        p.label = label.empty() ? makeLabel(p.params, scenario) : label;
        p.set = sweepSet;
        for (const auto& [k, v] : pointSet.items()) p.set[k] = v;
        for (const auto& k : kParams)
            if (p.params.contains(k.key)) p.set[k.pointer] = p.params[k.key];
        if (!sw.systems.empty()) p.set[kSystemsPointer] = sw.systems;
        sw.points.push_back(std::move(p));
    };
    auto checkScenario = [&](const std::string& scenario, const std::string& ptr) {
        const std::string path = resolveScenario(file, scenario);
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) issues.add(ptr, "no such scenario file: " + path);
    };

    const bool hasGrid = root.has("grid"), hasPoints = root.has("points");
    if (hasGrid == hasPoints) {
        issues.add("", hasGrid ? "has both \"grid\" and \"points\"; use one" : "needs \"grid\" or \"points\"");
        root.allow("grid");
        root.allow("points");
    } else if (hasGrid) {
        common::JsonObject grid = root.object("grid");
        // Base scenarios: the sweep's one, or a "scenario" axis (outermost: each workload in turn).
        std::vector<std::string> scenarios;
        grid.allow("scenario");
        if (grid.has("scenario")) {
            const json& list = doc["grid"]["scenario"];
            if (defaultScenario) issues.add("/scenario", "a grid with a \"scenario\" axis takes no sweep-wide \"scenario\"");
            if (!list.is_array() || list.empty()) issues.add("/grid/scenario", "must be a non-empty array of scenario files");
            for (size_t i = 0; list.is_array() && i < list.size(); ++i) {
                const std::string ptr = "/grid/scenario/" + std::to_string(i);
                if (!list[i].is_string() || list[i].get<std::string>().empty()) {
                    issues.add(ptr, "must be a scenario file name (got " + list[i].dump() + ")");
                    continue;
                }
                checkScenario(list[i].get<std::string>(), ptr);
                scenarios.push_back(list[i].get<std::string>());
            }
        } else if (!defaultScenario) {
            issues.add("/scenario", "missing required field (the base scenario of the grid)");
        } else {
            checkScenario(*defaultScenario, "/scenario");
            scenarios.push_back(*defaultScenario);
        }
        // The grid's axes in kParams order: the first varies slowest.
        std::vector<std::pair<std::string, std::vector<ojson>>> axes;
        ojson present = ojson::object();
        for (const auto& k : kParams) {
            grid.allow(k.key);   // known keys, for the "did you mean" of unknown ones
            if (!grid.has(k.key)) continue;
            const json& values = doc["grid"][k.key];
            const std::string ptr = std::string("/grid/") + k.key;
            if (!values.is_array() || values.empty()) {
                issues.add(ptr, "must be a non-empty array");
                continue;
            }
            std::vector<ojson> axis;
            for (size_t i = 0; i < values.size(); ++i) {
                checkParam(k.key, values[i], ptr + "/" + std::to_string(i), issues);
                axis.push_back(toOrdered(values[i]));
            }
            axes.emplace_back(k.key, std::move(axis));
            present[k.key] = true;
        }
        grid.rejectUnknownKeys();
        checkConflicts(sweepSet, present, !sw.systems.empty(), "/set", issues);
        size_t total = 1;
        for (const auto& a : axes) total = std::min<size_t>(total * a.second.size(), 1000001);
        if (total * scenarios.size() > 1000000) issues.add("/grid", "expands to more than 1000000 points");
        for (size_t sc = 0; issues.empty() && sc < scenarios.size(); ++sc) {
            std::vector<size_t> idx(axes.size(), 0);
            for (size_t n = 0; n < total; ++n) {
                ojson params = ojson::object();
                for (size_t a = 0; a < axes.size(); ++a) params[axes[a].first] = axes[a].second[idx[a]];
                // With several base scenarios the label says which one (the keys may not).
                std::string label;
                if (scenarios.size() > 1)
                    label = fs::path(scenarios[sc]).stem().string() +
                            (params.empty() ? "" : " " + makeLabel(params, scenarios[sc]));
                addPoint(scenarios[sc], label, std::move(params), ojson::object());
                // Odometer: the last axis turns fastest.
                for (size_t a = axes.size(); a-- > 0;) {
                    if (++idx[a] < axes[a].second.size()) break;
                    idx[a] = 0;
                }
            }
        }
    } else {
        root.allow("points");
        if (defaultScenario) checkScenario(*defaultScenario, "/scenario");
        const json& pts = doc["points"];
        if (!pts.is_array() || pts.empty()) issues.add("/points", "must be a non-empty array of points");
        for (size_t i = 0; pts.is_array() && i < pts.size(); ++i) {
            const std::string ptr = "/points/" + std::to_string(i);
            common::JsonObject po(pts[i], ptr, issues);
            if (!po.valid()) continue;
            std::optional<std::string> scenario = po.optString("scenario");
            if (!scenario) scenario = defaultScenario;
            if (!scenario) issues.add(ptr + "/scenario", "missing (and the sweep has no \"scenario\" for all points)");
            else if (po.has("scenario")) checkScenario(*scenario, ptr + "/scenario");
            const std::string label = po.optString("label").value_or("");
            ojson params = ojson::object();
            for (const auto& k : kParams) {
                po.allow(k.key);
                if (!po.has(k.key)) continue;
                checkParam(k.key, pts[i][k.key], ptr + "/" + k.key, issues);
                params[k.key] = toOrdered(pts[i][k.key]);
            }
            ojson pointSet = ojson::object();
            if (po.has("set")) {
                po.allow("set");
                pointSet = parseSet(pts[i]["set"], ptr + "/set", issues);
            }
            po.rejectUnknownKeys();
            ojson merged = sweepSet;
            for (const auto& [k, v] : pointSet.items()) merged[k] = v;
            checkConflicts(merged, params, !sw.systems.empty(), ptr, issues);
            if (scenario) addPoint(*scenario, label, std::move(params), pointSet);
        }
    }
    root.rejectUnknownKeys();
    issues.throwIfAny();

    ojson id = ojson{{"systems", sw.systems}, {"points", ojson::array()}};
    for (const Point& p : sw.points) id["points"].push_back(pointEntry(p));
    sw.hash = fingerprint(id.dump());
    return sw;
}

Sweep loadSweep(const std::string& file) { return parseSweep(common::readJsonFile(file), file); }

Shard parseShard(const std::string& text) {
    const size_t slash = text.find('/');
    auto number = [](const std::string& s) -> long {
        if (s.empty() || s.size() > 9 || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return -1;
        return std::stol(s);
    };
    const long k = slash == std::string::npos ? -1 : number(text.substr(0, slash));
    const long n = slash == std::string::npos ? -1 : number(text.substr(slash + 1));
    if (k < 1 || n < 1 || k > n)
        throw std::invalid_argument("--shard: must be K/N with 1 <= K <= N, e.g. 2/8 (got \"" + text + "\")");
    return Shard{uint32_t(k), uint32_t(n)};
}

std::vector<ojson> pointRows(const Point& p, const std::vector<std::string>& systems, const ojson& result,
                             const std::string& resultFile) {
    IssueList issues(resultFile);
    const ojson* e2e = result.is_object() ? objectField(result, "end_to_end", "", issues) : nullptr;
    if (!result.is_object()) issues.add("", "must be an object");
    if (!e2e) issues.throwIfAny();

    // The runner echoes what it ran: a value that differs from the point's means an override was
    // lost. Not the pattern: the runner echoes a resolved name (preset "model" -> "bigbird").
    // A model given as a file is echoed by its name (the file's stem).
    for (const auto& k : kParams) {
        const std::string key = k.key;
        if (key == "pattern" || !p.params.contains(key) || !e2e->contains(key)) continue;
        ojson asked = p.params[key];
        const ojson& got = (*e2e)[key];
        if (key == "model" && asked.is_string()) {
            const std::string m = asked.get<std::string>();
            if (m.find('/') != std::string::npos || fs::path(m).extension() == ".json") asked = fs::path(m).stem().string();
        }
        if (asked != got)
            issues.add(std::string("/end_to_end/") + k.key,
                       "is " + got.dump() + " but the point sets " + asked.dump() + " (the override did not apply)");
    }
    const ojson* sys = objectField(*e2e, "systems", "/end_to_end", issues);
    if (!sys) issues.throwIfAny();

    std::vector<std::string> order = systems;
    if (order.empty()) {
        for (const char* s : kSystems)
            if (sys->contains(s)) order.push_back(s);
        std::vector<std::string> others;
        for (const auto& [name, v] : sys->items())
            if (std::find(order.begin(), order.end(), name) == order.end()) others.push_back(name);
        std::sort(others.begin(), others.end());
        order.insert(order.end(), others.begin(), others.end());
    }

    // Parameters come from the result when it echoes them (the base scenario's values for keys
    // the sweep does not vary), else from the point.
    auto param = [&](const char* key) -> ojson {
        if (e2e->contains(key)) return (*e2e)[key];
        return p.params.contains(key) ? p.params[key] : ojson();
    };

    std::vector<ojson> rows;
    for (const std::string& name : order) {
        const std::string sp = "/end_to_end/systems/" + escapeToken(name);
        auto it = sys->find(name);
        if (it == sys->end()) {
            issues.add(sp, "missing (the sweep asks for this system)");
            continue;
        }
        if (!it->is_object()) {
            issues.add(sp, "must be an object");
            continue;
        }
        const ojson& s = *it;
        const ojson* phases = objectField(s, "phases", sp, issues);
        if (!phases) continue;
        for (const char* phase : kPhases) {
            const std::string pp = sp + "/phases/" + phase;
            const ojson* ph = objectField(*phases, phase, sp + "/phases", issues);
            if (!ph) continue;
            ojson row = ojson::object();
            for (const std::string& c : columns()) row[c] = nullptr;
            row["point"] = p.id;
            row["label"] = p.label;
            for (const auto& k : kParams) row[k.key] = param(k.key);
            if (!row["pattern"].is_null()) row["pattern"] = patternName(row["pattern"]);
            row["system"] = name;
            row["phase"] = phase;
            for (const char* key : {"time_ns", "internal_bytes", "external_bytes"})
                if (const ojson* v = numberField(*ph, key, pp, true, issues)) row[key] = *v;
            // The time breakdown and energy belong to the whole run: on end_to_end rows only.
            if (std::string(phase) == "end_to_end") {
                if (s.contains("breakdown_ns")) {
                    if (const ojson* b = objectField(s, "breakdown_ns", sp, issues)) {
                        for (const char* part : {"gemm", "attention", "transfer_sync", "idle"})
                            if (const ojson* v = numberField(*b, part, sp + "/breakdown_ns", false, issues))
                                row[std::string(part) + "_ns"] = *v;
                    }
                }
                for (const char* key : {"energy_j", "per_token_latency_ns", "throughput_tokens_per_s"})
                    if (const ojson* v = numberField(s, key, sp, false, issues)) row[key] = *v;
            }
            rows.push_back(std::move(row));
        }
    }
    issues.throwIfAny();
    addSpeedups(rows);
    return rows;
}

void addSpeedups(std::vector<ojson>& rows) {
    auto timeOf = [&](const ojson& row, const char* system) -> const ojson* {
        for (const ojson& r : rows)
            if (r["point"] == row["point"] && r["phase"] == row["phase"] && r["system"] == system) return &r["time_ns"];
        return nullptr;
    };
    for (ojson& row : rows) {
        for (const char* ref : {"gpu", "attacc"}) {
            const ojson* t = timeOf(row, ref);
            const double mine = row["time_ns"].is_number() ? row["time_ns"].get<double>() : 0.0;
            const std::string col = std::string("speedup_vs_") + ref;
            if (t && t->is_number() && mine > 0) row[col] = t->get<double>() / mine;
            else row[col] = nullptr;
        }
    }
}

ojson resultsDocument(const Sweep& sweep, Shard shard, const std::vector<PointOutcome>& outcomes) {
    std::vector<const PointOutcome*> byId;
    for (const auto& o : outcomes) byId.push_back(&o);
    std::sort(byId.begin(), byId.end(), [](auto a, auto b) { return a->point->id < b->point->id; });
    ojson points = ojson::array(), rows = ojson::array();
    for (const PointOutcome* o : byId) {
        ojson e = pointEntry(*o->point);
        e["status"] = o->ok ? "ok" : "failed";
        if (!o->ok) e["error"] = o->error;
        points.push_back(std::move(e));
        for (const ojson& r : o->rows) rows.push_back(r);
    }
    return assemble(sweep.name, sweep.hash, sweep.points.size(), shard, sweep.systems, std::move(points),
                    std::move(rows));
}

ojson mergeResults(const std::vector<std::pair<std::string, ojson>>& shards) {
    std::vector<ConfigIssue> issues;
    if (shards.empty()) throw ConfigError({{"merge", "", "no shard results given"}});
    auto add = [&](const std::string& file, const std::string& ptr, const std::string& reason) {
        issues.push_back({file, ptr, reason});
    };

    // Header: every shard must come from the same expanded sweep, written by this version.
    const auto& [firstFile, first] = shards.front();
    for (const auto& [file, doc] : shards) {
        bool ok = doc.is_object();
        for (const char* key : {"sweep", "sweep_hash", "total_points", "shard", "systems", "columns", "points", "rows"})
            if (ok && !doc.contains(key)) {
                add(file, std::string("/") + key, "missing (not a `pilot sweep` results.json?)");
                ok = false;
            }
        if (!doc.is_object()) add(file, "", "must be an object (not a `pilot sweep` results.json?)");
        if (!ok) continue;
        if (doc["columns"] != ojson(columns()))
            add(file, "/columns", "differ from this version's columns (written by another version of pilot?)");
        if (!doc["points"].is_array() || !doc["rows"].is_array()) add(file, "", "/points and /rows must be arrays");
        if (&doc == &first || !first.is_object()) continue;
        for (const char* key : {"sweep", "sweep_hash", "total_points", "systems"}) {
            if (first.contains(key) && doc[key] != first[key])
                add(file, std::string("/") + key,
                    "differs from " + firstFile + " (" + doc[key].dump() + " vs " + first[key].dump() +
                        "): shards of another sweep, or the sweep file changed between runs");
        }
    }
    if (!issues.empty()) throw ConfigError(issues);

    const uint64_t total = first["total_points"].get<uint64_t>();
    std::map<uint64_t, std::pair<std::string, ojson>> points;   // id -> (file, entry)
    std::map<uint64_t, std::vector<ojson>> rows;                // id -> rows, in their file's order
    for (const auto& [file, doc] : shards) {
        std::set<uint64_t> listed, mine;   // ids this file lists / whose rows are taken from it
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
                add(file, ptr + "/id", "point " + std::to_string(id) + " is beyond the sweep's " +
                                           std::to_string(total) + " points");
            } else if (points.count(id)) {
                add(file, ptr, "point " + std::to_string(id) + " is also in " + points[id].first +
                                   " (the same shard given twice, or overlapping shards)");
            } else {
                points[id] = {file, pts[i]};
                mine.insert(id);
            }
        }
        const ojson& rs = doc["rows"];
        for (size_t i = 0; i < rs.size(); ++i) {
            const bool hasId = rs[i].is_object() && rs[i].contains("point") && rs[i]["point"].is_number_unsigned();
            const uint64_t id = hasId ? rs[i]["point"].get<uint64_t>() : 0;
            if (hasId && mine.count(id)) rows[id].push_back(rs[i]);
            else if (!hasId || !listed.count(id)) add(file, "/rows/" + std::to_string(i), "belongs to no point of this file");
            // (rows of a duplicate point: the duplicate is reported already)
        }
    }
    std::string missing;
    size_t nMissing = 0;
    for (uint64_t id = 0; id < total; ++id) {
        if (points.count(id)) continue;
        if (++nMissing <= 10) missing += (missing.empty() ? "" : ", ") + std::to_string(id);
    }
    if (nMissing)
        add(firstFile, "/points",
            std::to_string(nMissing) + " of the sweep's " + std::to_string(total) + " points are in no shard given (" +
                missing + (nMissing > 10 ? ", ..." : "") + "): a shard missing from the list, or not run?");
    if (!issues.empty()) throw ConfigError(issues);

    ojson outPoints = ojson::array(), outRows = ojson::array();
    for (auto& [id, entry] : points) {
        outPoints.push_back(entry.second);
        for (ojson& r : rows[id]) outRows.push_back(std::move(r));
    }
    return assemble(first["sweep"].get<std::string>(), first["sweep_hash"].get<std::string>(), total, Shard{1, 1},
                    first["systems"], std::move(outPoints), std::move(outRows));
}

std::string resultsCsv(const ojson& results) {
    auto quote = [](const std::string& s) {
        if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
        return q + "\"";
    };
    auto cell = [&](const ojson& v) -> std::string {
        if (v.is_null()) return "";
        if (v.is_string()) return quote(v.get<std::string>());
        if (v.is_number_float() && !std::isfinite(v.get<double>())) return "";
        return quote(v.dump());   // numbers: shortest round-trip text, the same as in results.json
    };
    std::ostringstream out;
    const auto& cols = columns();
    for (size_t c = 0; c < cols.size(); ++c) out << (c ? "," : "") << cols[c];
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
        if (!p.contains("status") || p["status"] != "ok") ++n;
    return n;
}

ojson readOrderedJson(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError({{path, "", "cannot open file"}});
    std::stringstream buf;
    buf << in.rdbuf();
    try {
        return ojson::parse(buf.str());
    } catch (const ojson::parse_error& e) {
        throw ConfigError({{path, "", std::string("malformed JSON: ") + e.what()}});
    }
}

void writeResults(const std::string& dir, const ojson& results) {
    fs::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& text) {
        const std::string path = (fs::path(dir) / name).string();
        std::ofstream f(path, std::ios::binary);
        f << text;
        if (!f.flush()) throw std::runtime_error(path + ": cannot write");
    };
    write("results.json", results.dump(2) + "\n");
    write("results.csv", resultsCsv(results));
}

}  // namespace pilot::tools::sweep
