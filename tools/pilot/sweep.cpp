// SPDX-License-Identifier: MIT
// `pilot sweep`: a point's results as rows (one per system and phase), with speedups.
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
#include "platform/end_to_end_systems.h"
#include "tools/pilot/sweep_fields.h"

namespace pilot::tools::sweep {

using common::ConfigError;
using common::ConfigIssue;
using common::IssueList;
using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<const char*>& systemNames() {
    static const std::vector<const char*> kNames = [] {
        std::vector<const char*> v;
        for (const platform::EndToEndSystem& s : platform::endToEndSystems())
            v.push_back(s.name);
        return v;
    }();
    return kNames;
}

const std::vector<std::string>& columns() {
    static const std::vector<std::string> kColumns = {"point",
                                                      "label",
                                                      "model",
                                                      "seq_len",
                                                      "out_len",
                                                      "batch",
                                                      "pattern",
                                                      "sram_bytes",
                                                      "system",
                                                      "phase",
                                                      "time_ns",
                                                      "internal_bytes",
                                                      "external_bytes",
                                                      "speedup_vs_gpu",
                                                      "speedup_vs_attacc",
                                                      "gemm_ns",
                                                      "attention_ns",
                                                      "transfer_sync_ns",
                                                      "idle_ns",
                                                      "energy_j",
                                                      "per_token_latency_ns",
                                                      "throughput_tokens_per_s",
                                                      "gpu_attention",
                                                      "fits",
                                                      "required_bytes",
                                                      "available_bytes"};
    return kColumns;
}

Shard parseShard(const std::string& text) {
    const size_t slash = text.find('/');
    auto number = [](const std::string& s) -> long {
        if (s.empty() || s.size() > 9 ||
            !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
            return -1;
        return std::stol(s);
    };
    const long k = slash == std::string::npos ? -1 : number(text.substr(0, slash));
    const long n = slash == std::string::npos ? -1 : number(text.substr(slash + 1));
    if (k < 1 || n < 1 || k > n)
        throw std::invalid_argument("--shard: must be K/N with 1 <= K <= N, e.g. 2/8 (got \"" + text + "\")");
    return Shard{uint32_t(k), uint32_t(n)};
}

namespace {

// The runner echoes what it ran: a value that differs from the point's means an override was
// lost. Not the pattern: the runner echoes a resolved name (preset "model" -> "bigbird"). A model
// given as a file is echoed by its name (the file's stem).
void checkEchoedParams(const Point& p, const ojson& e2e, IssueList& issues) {
    for (const auto& k : kParams) {
        const std::string key = k.key;
        if (key == "pattern" || !p.params.contains(key) || !e2e.contains(key))
            continue;
        ojson asked = p.params[key];
        const ojson& got = e2e[key];
        if (key == "model" && asked.is_string()) {
            const std::string m = asked.get<std::string>();
            if (m.find('/') != std::string::npos || fs::path(m).extension() == ".json")
                asked = fs::path(m).stem().string();
        }
        if (asked != got)
            issues.add(std::string("/end_to_end/") + k.key, "is " + got.dump() + " but the point sets " +
                                                                asked.dump() +
                                                                " (the override did not apply)");
    }
}

// The systems in row order: the sweep's list, else the known systems first, then the others sorted.
std::vector<std::string> systemOrder(const std::vector<std::string>& systems, const ojson& sys) {
    std::vector<std::string> order = systems;
    if (!order.empty())
        return order;
    for (const char* s : systemNames())
        if (sys.contains(s))
            order.push_back(s);
    std::vector<std::string> others;
    for (const auto& [name, v] : sys.items())
        if (std::find(order.begin(), order.end(), name) == order.end())
            others.push_back(name);
    std::sort(others.begin(), others.end());
    order.insert(order.end(), others.begin(), others.end());
    return order;
}

// The whole run's time breakdown and energy, on its end_to_end row only.
void addRunTotals(ojson& row, const ojson& s, const std::string& sp, IssueList& issues) {
    if (s.contains("breakdown_ns")) {
        if (const ojson* b = objectField(s, "breakdown_ns", sp, issues)) {
            for (const char* part : {"gemm", "attention", "transfer_sync", "idle"})
                if (const ojson* v = numberField(*b, part, sp + "/breakdown_ns", false, issues))
                    row[std::string(part) + "_ns"] = *v;
        }
    }
    for (const char* key : {"energy_j", "per_token_latency_ns", "throughput_tokens_per_s"})
        if (const ojson* v = numberField(s, key, sp, false, issues))
            row[key] = *v;
}

// The system's capacity check, on every row of the system (a point run with allow_overcommit
// says fits: false on each); absent in results of older runs (empty cells).
void addCapacity(ojson& row, const ojson& s, const std::string& sp, IssueList& issues) {
    if (!s.contains("capacity"))
        return;
    const ojson* c = objectField(s, "capacity", sp, issues);
    if (!c)
        return;
    for (const char* key : {"required_bytes", "available_bytes"})
        if (const ojson* v = numberField(*c, key, sp + "/capacity", true, issues))
            row[key] = *v;
    auto fits = c->find("fits");
    if (fits == c->end() || !fits->is_boolean())
        issues.add(sp + "/capacity/fits", fits == c->end() ? "missing" : "must be true or false");
    else
        row["fits"] = *fits;
}

} // namespace

std::vector<ojson> pointRows(const Point& p, const std::vector<std::string>& systems, const ojson& result,
                             const std::string& resultFile) {
    IssueList issues(resultFile);
    const ojson* e2e = result.is_object() ? objectField(result, "end_to_end", "", issues) : nullptr;
    if (!result.is_object())
        issues.add("", "must be an object");
    if (!e2e)
        issues.throwIfAny();
    checkEchoedParams(p, *e2e, issues);
    const ojson* sys = objectField(*e2e, "systems", "/end_to_end", issues);
    if (!sys)
        issues.throwIfAny();

    // Parameters come from the result when it echoes them (the base scenario's values for keys
    // the sweep does not vary), else from the point.
    auto param = [&](const char* key) -> ojson {
        if (e2e->contains(key))
            return (*e2e)[key];
        return p.params.contains(key) ? p.params[key] : ojson();
    };

    std::vector<ojson> rows;
    for (const std::string& name : systemOrder(systems, *sys)) {
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
        if (!phases)
            continue;
        for (const char* phase : kPhases) {
            const std::string pp = sp + "/phases/" + phase;
            const ojson* ph = objectField(*phases, phase, sp + "/phases", issues);
            if (!ph)
                continue;
            ojson row = ojson::object();
            for (const std::string& c : columns())
                row[c] = nullptr;
            row["point"] = p.id;
            row["label"] = p.label;
            for (const auto& k : kParams)
                row[k.key] = param(k.key);
            if (!row["pattern"].is_null())
                row["pattern"] = patternName(row["pattern"]);
            row["system"] = name;
            row["phase"] = phase;
            for (const char* key : {"time_ns", "internal_bytes", "external_bytes"})
                if (const ojson* v = numberField(*ph, key, pp, true, issues))
                    row[key] = *v;
            if (std::string(phase) == "end_to_end")
                addRunTotals(row, s, sp, issues);
            addCapacity(row, s, sp, issues);
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
            if (r["point"] == row["point"] && r["phase"] == row["phase"] && r["system"] == system)
                return &r["time_ns"];
        return nullptr;
    };
    for (ojson& row : rows) {
        for (const char* ref : {"gpu", "attacc"}) {
            const ojson* t = timeOf(row, ref);
            const double mine = row["time_ns"].is_number() ? row["time_ns"].get<double>() : 0.0;
            const std::string col = std::string("speedup_vs_") + ref;
            if (t && t->is_number() && mine > 0)
                row[col] = t->get<double>() / mine;
            else
                row[col] = nullptr;
        }
    }
}

} // namespace pilot::tools::sweep
