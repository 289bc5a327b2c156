// SPDX-License-Identifier: MIT
// `pilot sweep`: a sweep document parsed and expanded into points (docs/sweeps.md).
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
#include "tools/pilot/sweep_fields.h"

namespace pilot::tools::sweep {

using common::ConfigError;
using common::ConfigIssue;
using common::IssueList;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool isPositiveInteger(const json& v) {
    return v.is_number_unsigned() ? v.get<uint64_t>() > 0 : v.is_number_integer() && v.get<int64_t>() > 0;
}

void checkParam(const std::string& key, const json& v, const std::string& ptr, IssueList& issues) {
    if (key == "model") {
        if (!v.is_string() || v.get<std::string>().empty())
            issues.add(ptr, "must be a model name (got " + v.dump() + ")");
    } else if (key == "gpu_attention") {
        if (!v.is_string() || (v.get<std::string>() != "unfused" && v.get<std::string>() != "flash"))
            issues.add(ptr, "must be \"unfused\" or \"flash\" (got " + v.dump() + ")");
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
void checkConflicts(const ojson& set, const ojson& params, bool systems, const std::string& ptr,
                    IssueList& issues) {
    for (const auto& k : kParams) {
        if (params.contains(k.key) && set.contains(k.pointer))
            issues.add(ptr, std::string("\"set\" overrides ") + k.pointer + ", which the key \"" + k.key +
                                "\" sets too; use one");
    }
    if (systems && set.contains(kSystemsPointer))
        issues.add(ptr, std::string("\"set\" overrides ") + kSystemsPointer +
                            ", which \"systems\" sets too; use one");
}

std::string makeLabel(const ojson& params, const std::string& scenario) {
    std::string label;
    auto add = [&](const std::string& s) { label += (label.empty() ? "" : " ") + s; };
    for (const auto& k : kParams) {
        if (!params.contains(k.key))
            continue;
        const ojson& v = params[k.key];
        const std::string key = k.key;
        if (key == "model")
            add(v.get<std::string>());
        else if (key == "pattern")
            add(patternName(v));
        else if (key == "gpu_attention")
            add("gpu=" + v.get<std::string>());
        else
            add((key == "seq_len"      ? "in"
                 : key == "out_len"    ? "out"
                 : key == "sram_bytes" ? "sram"
                                       : key) +
                "=" + v.dump());
    }
    return label.empty() ? fs::path(scenario).stem().string() : label;
}

std::string resolveScenario(const std::string& sweepFile, const std::string& scenario) {
    fs::path p(scenario);
    if (!p.is_absolute())
        p = fs::path(sweepFile).parent_path() / p;
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

} // namespace

std::vector<std::string> Point::setArgs() const {
    std::vector<std::string> args;
    for (const auto& [pointer, value] : set.items())
        args.push_back(pointer + "=" + value.dump());
    return args;
}

namespace {

// One sweep document, read part by part into `sw`; every problem into `issues`.
class SweepParser {
  public:
    SweepParser(const json& doc, const std::string& file)
        : m_doc(doc), m_file(file), m_issues(file), m_root(doc, "", m_issues) {}
    Sweep parse();

  private:
    void readSystems();
    void readGrid(const std::optional<std::string>& defaultScenario);
    std::vector<std::string> gridScenarios(common::JsonObject& grid,
                                           const std::optional<std::string>& defaultScenario);
    void expandGrid(const std::vector<std::string>& scenarios,
                    const std::vector<std::pair<std::string, std::vector<ojson>>>& axes);
    void readPoints(const std::optional<std::string>& defaultScenario);
    // Each point: scenario as written, its keys, its own "set" (points only), then the common part.
    void addPoint(const std::string& scenario, const std::string& label, ojson params, const ojson& pointSet);
    void checkScenario(const std::string& scenario, const std::string& ptr);

    const json& m_doc;
    const std::string m_file;
    IssueList m_issues;
    common::JsonObject m_root;
    Sweep m_sw;
    ojson m_set = ojson::object(); // the sweep-wide "set"
};

Sweep SweepParser::parse() {
    if (!m_root.valid())
        m_issues.throwIfAny();
    m_sw.name = m_root.string("name");
    m_root.optString("description");
    const std::optional<std::string> defaultScenario = m_root.optString("scenario");
    if (m_root.has("systems"))
        readSystems();
    if (m_root.has("set")) {
        m_root.allow("set");
        m_set = parseSet(m_doc["set"], "/set", m_issues);
    }
    const bool hasGrid = m_root.has("grid"), hasPoints = m_root.has("points");
    if (hasGrid == hasPoints) {
        m_issues.add("",
                     hasGrid ? "has both \"grid\" and \"points\"; use one" : "needs \"grid\" or \"points\"");
        m_root.allow("grid");
        m_root.allow("points");
    } else if (hasGrid) {
        readGrid(defaultScenario);
    } else {
        readPoints(defaultScenario);
    }
    m_root.rejectUnknownKeys();
    m_issues.throwIfAny();

    ojson id = ojson{{"systems", m_sw.systems}, {"points", ojson::array()}};
    for (const Point& p : m_sw.points)
        id["points"].push_back(pointEntry(p));
    m_sw.hash = fingerprint(id.dump());
    return std::move(m_sw);
}

// "systems": names of the platform's end-to-end systems, each once.
void SweepParser::readSystems() {
    m_root.allow("systems");
    const json& s = m_doc["systems"];
    if (!s.is_array() || s.empty())
        m_issues.add("/systems", "must be a non-empty array of system names");
    std::string names;
    for (const char* k : systemNames())
        names += std::string(names.empty() ? "" : ", ") + "\"" + k + "\"";
    for (size_t i = 0; s.is_array() && i < s.size(); ++i) {
        const std::string ptr = "/systems/" + std::to_string(i);
        const std::vector<const char*>& known = systemNames();
        const bool isKnown = s[i].is_string() && std::any_of(known.begin(), known.end(), [&](auto k) {
                                 return s[i].get<std::string>() == k;
                             });
        if (!isKnown) {
            m_issues.add(ptr, "must be one of " + names + " (got " + s[i].dump() + ")");
        } else if (std::find(m_sw.systems.begin(), m_sw.systems.end(), s[i].get<std::string>()) !=
                   m_sw.systems.end()) {
            m_issues.add(ptr, "duplicate system " + s[i].dump());
        } else {
            m_sw.systems.push_back(s[i].get<std::string>());
        }
    }
}

void SweepParser::addPoint(const std::string& scenario, const std::string& label, ojson params,
                           const ojson& pointSet) {
    Point p;
    p.id = m_sw.points.size();
    p.scenario = scenario;
    p.scenarioPath = resolveScenario(m_file, scenario);
    p.params = std::move(params);
    p.label = label.empty() ? makeLabel(p.params, scenario) : label;
    p.set = m_set;
    for (const auto& [k, v] : pointSet.items())
        p.set[k] = v;
    for (const auto& k : kParams)
        if (p.params.contains(k.key))
            p.set[k.pointer] = p.params[k.key];
    if (!m_sw.systems.empty())
        p.set[kSystemsPointer] = m_sw.systems;
    m_sw.points.push_back(std::move(p));
}

void SweepParser::checkScenario(const std::string& scenario, const std::string& ptr) {
    const std::string path = resolveScenario(m_file, scenario);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        m_issues.add(ptr, "no such scenario file: " + path);
}

// Base scenarios of a grid: the sweep's one, or a "scenario" axis (outermost: each workload in turn).
std::vector<std::string> SweepParser::gridScenarios(common::JsonObject& grid,
                                                    const std::optional<std::string>& defaultScenario) {
    std::vector<std::string> scenarios;
    grid.allow("scenario");
    if (grid.has("scenario")) {
        const json& list = m_doc["grid"]["scenario"];
        if (defaultScenario)
            m_issues.add("/scenario", "a grid with a \"scenario\" axis takes no sweep-wide \"scenario\"");
        if (!list.is_array() || list.empty())
            m_issues.add("/grid/scenario", "must be a non-empty array of scenario files");
        for (size_t i = 0; list.is_array() && i < list.size(); ++i) {
            const std::string ptr = "/grid/scenario/" + std::to_string(i);
            if (!list[i].is_string() || list[i].get<std::string>().empty()) {
                m_issues.add(ptr, "must be a scenario file name (got " + list[i].dump() + ")");
                continue;
            }
            checkScenario(list[i].get<std::string>(), ptr);
            scenarios.push_back(list[i].get<std::string>());
        }
    } else if (!defaultScenario) {
        m_issues.add("/scenario", "missing required field (the base scenario of the grid)");
    } else {
        checkScenario(*defaultScenario, "/scenario");
        scenarios.push_back(*defaultScenario);
    }
    return scenarios;
}

void SweepParser::readGrid(const std::optional<std::string>& defaultScenario) {
    common::JsonObject grid = m_root.object("grid");
    const std::vector<std::string> scenarios = gridScenarios(grid, defaultScenario);
    // The grid's axes in kParams order: the first varies slowest.
    std::vector<std::pair<std::string, std::vector<ojson>>> axes;
    ojson present = ojson::object();
    for (const auto& k : kParams) {
        grid.allow(k.key); // known keys, for the "did you mean" of unknown ones
        if (!grid.has(k.key))
            continue;
        const json& values = m_doc["grid"][k.key];
        const std::string ptr = std::string("/grid/") + k.key;
        if (!values.is_array() || values.empty()) {
            m_issues.add(ptr, "must be a non-empty array");
            continue;
        }
        std::vector<ojson> axis;
        for (size_t i = 0; i < values.size(); ++i) {
            checkParam(k.key, values[i], ptr + "/" + std::to_string(i), m_issues);
            axis.push_back(toOrdered(values[i]));
        }
        axes.emplace_back(k.key, std::move(axis));
        present[k.key] = true;
    }
    grid.rejectUnknownKeys();
    checkConflicts(m_set, present, !m_sw.systems.empty(), "/set", m_issues);
    expandGrid(scenarios, axes);
}

void SweepParser::expandGrid(const std::vector<std::string>& scenarios,
                             const std::vector<std::pair<std::string, std::vector<ojson>>>& axes) {
    size_t total = 1;
    for (const auto& a : axes)
        total = std::min<size_t>(total * a.second.size(), 1000001);
    if (total * scenarios.size() > 1000000)
        m_issues.add("/grid", "expands to more than 1000000 points");
    for (size_t sc = 0; m_issues.empty() && sc < scenarios.size(); ++sc) {
        std::vector<size_t> idx(axes.size(), 0);
        for (size_t n = 0; n < total; ++n) {
            ojson params = ojson::object();
            for (size_t a = 0; a < axes.size(); ++a)
                params[axes[a].first] = axes[a].second[idx[a]];
            // With several base scenarios the label says which one (the keys may not).
            std::string label;
            if (scenarios.size() > 1)
                label = fs::path(scenarios[sc]).stem().string() +
                        (params.empty() ? "" : " " + makeLabel(params, scenarios[sc]));
            addPoint(scenarios[sc], label, std::move(params), ojson::object());
            // Odometer: the last axis turns fastest.
            for (size_t a = axes.size(); a-- > 0;) {
                if (++idx[a] < axes[a].second.size())
                    break;
                idx[a] = 0;
            }
        }
    }
}

void SweepParser::readPoints(const std::optional<std::string>& defaultScenario) {
    m_root.allow("points");
    if (defaultScenario)
        checkScenario(*defaultScenario, "/scenario");
    const json& pts = m_doc["points"];
    if (!pts.is_array() || pts.empty())
        m_issues.add("/points", "must be a non-empty array of points");
    for (size_t i = 0; pts.is_array() && i < pts.size(); ++i) {
        const std::string ptr = "/points/" + std::to_string(i);
        common::JsonObject po(pts[i], ptr, m_issues);
        if (!po.valid())
            continue;
        std::optional<std::string> scenario = po.optString("scenario");
        if (!scenario)
            scenario = defaultScenario;
        if (!scenario)
            m_issues.add(ptr + "/scenario", "missing (and the sweep has no \"scenario\" for all points)");
        else if (po.has("scenario"))
            checkScenario(*scenario, ptr + "/scenario");
        const std::string label = po.optString("label").value_or("");
        ojson params = ojson::object();
        for (const auto& k : kParams) {
            po.allow(k.key);
            if (!po.has(k.key))
                continue;
            checkParam(k.key, pts[i][k.key], ptr + "/" + k.key, m_issues);
            params[k.key] = toOrdered(pts[i][k.key]);
        }
        ojson pointSet = ojson::object();
        if (po.has("set")) {
            po.allow("set");
            pointSet = parseSet(pts[i]["set"], ptr + "/set", m_issues);
        }
        po.rejectUnknownKeys();
        ojson merged = m_set;
        for (const auto& [k, v] : pointSet.items())
            merged[k] = v;
        checkConflicts(merged, params, !m_sw.systems.empty(), ptr, m_issues);
        if (scenario)
            addPoint(*scenario, label, std::move(params), pointSet);
    }
}

} // namespace

Sweep parseSweep(const json& doc, const std::string& file) {
    return SweepParser(doc, file).parse();
}

Sweep loadSweep(const std::string& file) {
    return parseSweep(common::readJsonFile(file), file);
}

} // namespace pilot::tools::sweep
