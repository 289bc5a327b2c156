// SPDX-License-Identifier: MIT
#pragma once
// `pilot sweep` / `pilot merge`, the pure part: a sweep file expands into points (one
// `pilot run` of an end-to-end scenario each); each point's results become rows, one per
// (point, system, phase), written as results.json and results.csv. No processes and no SystemC
// here, so expansion, sharding, rows, speedups, CSV and merging are unit-tested;
// sweep_run.cpp starts the processes. Format and columns: docs/sweeps.md.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pilot::tools::sweep {

// Output documents keep their key order: a merge must reproduce an unsharded run byte for byte.
using ojson = nlohmann::ordered_json;

// Grid and point keys, in expansion order (the first varies slowest), each with the scenario
// field it overrides.
struct ParamKey {
    const char* key;
    const char* pointer;
};
inline constexpr ParamKey kParams[] = {{"model", "/workload/model"},     {"seq_len", "/workload/seq_len"},
                                       {"out_len", "/workload/out_len"}, {"batch", "/workload/batch"},
                                       {"pattern", "/workload/pattern"}, {"sram_bytes", "/pim/sram_bytes"}};
inline constexpr const char* kSystemsPointer = "/workload/systems";
// The end-to-end systems a sweep may name, in the platform's table order
// (platform/end_to_end_systems.h): a new system needs no change here.
const std::vector<const char*>& systemNames();
inline constexpr const char* kPhases[] = {"prefill_attention", "decode_attention", "end_to_end"};

// The columns of results.csv, in order (and the keys of every row in results.json).
const std::vector<std::string>& columns();

struct Point {
    size_t id = 0;                  // index in the whole expanded list: the same in every shard
    std::string label;              // short and readable, e.g. "bigbird-base in=4096 out=128 batch=512"
    std::string scenario;           // base scenario as the sweep file writes it (relative to that file)
    std::string scenarioPath;       // the same, resolved against the sweep file's folder
    ojson params = ojson::object(); // the grid/point keys this point sets, in kParams order
    ojson set = ojson::object();    // every scenario override, pointer -> value, in the order applied

    // The `--set` arguments of its `pilot run`: "/json/pointer=<compact JSON>".
    std::vector<std::string> setArgs() const;
};

struct Sweep {
    std::string name;
    std::vector<std::string> systems; // requested systems; empty = whatever the scenarios say
    std::vector<Point> points;        // the whole expanded list, by id
    std::string hash;                 // of the expanded list: merge checks that shards share it
};

// Parses and expands a sweep document; every problem is collected into one ConfigError
// ("file: /json/pointer: reason"). Base scenarios are resolved against `file`'s folder and
// must exist.
Sweep parseSweep(const nlohmann::json& doc, const std::string& file);
Sweep loadSweep(const std::string& file);

// "K/N": slice K (1-based) of N takes the points whose id % N == K - 1.
struct Shard {
    uint32_t index = 1;
    uint32_t count = 1;
};
Shard parseShard(const std::string& text); // ConfigError naming --shard when malformed
inline bool inShard(size_t pointId, Shard s) {
    return pointId % s.count == s.index - 1;
}

// The rows of one point from its `pilot run` results JSON (the "end_to_end" block), speedups
// included. `resultFile` names the file in errors (ConfigError). Systems come in the order
// `systems` lists them, or in systemNames() order (then by name) when it is empty.
std::vector<ojson> pointRows(const Point& p, const std::vector<std::string>& systems, const ojson& result,
                             const std::string& resultFile);

// speedup_vs_gpu / speedup_vs_attacc of each row: time_ns of that system, same point and phase,
// over this row's time_ns; null when that system was not run (or this time is not positive).
void addSpeedups(std::vector<ojson>& rows);

// What became of one point of this run.
struct PointOutcome {
    const Point* point = nullptr;
    bool ok = false;
    std::string error;        // when !ok: why (exit status, the result's problem, an interruption)
    std::vector<ojson> rows;  // when ok
    bool interrupted = false; // not finished: the sweep was stopped (status "interrupted")
};

// results.json of a run (or of one shard): sweep name and hash, shard, the points run with
// their parameters and status, and the rows.
ojson resultsDocument(const Sweep& sweep, Shard shard, const std::vector<PointOutcome>& outcomes);

// Joins shard documents (file name, document): same sweep, every point exactly once;
// ConfigError otherwise. The result equals the unsharded run's document.
ojson mergeResults(const std::vector<std::pair<std::string, ojson>>& shards);

// results.csv from a results document: header, then one line per row, fixed column order;
// numbers as JSON writes them (shortest text that reads back to the same double), so the CSV
// is a pure function of the document.
std::string resultsCsv(const ojson& results);

// Number of points of a results document whose status is not "ok".
size_t failedPoints(const ojson& results);

// Reads a JSON file keeping key order (ConfigError naming the file when it cannot).
ojson readOrderedJson(const std::string& path);

// Writes dir/results.json and dir/results.csv (the folder is created).
void writeResults(const std::string& dir, const ojson& results);

} // namespace pilot::tools::sweep
