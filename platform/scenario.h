// SPDX-License-Identifier: MIT
#pragma once
// A scenario: the memory system to build and what runs on it: memory traffic, a PIM workload, or
// both (the traffic beside the PIM host program on the same router). JSON file ->
// defaults merged from workloads/defaults/scenario.json -> `--set` overrides -> validated
// Scenario, with every problem reported as file: /pointer: reason.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/host/prefill_pattern.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/controller_config.h"
#include "models/hbm/memspec.h"
#include "models/pim/pe_config.h"
#include "models/traffic/request_source.h"

namespace pilot::platform {

struct TrafficConfig {
    enum class Type { Synthetic, Trace } type = Type::Synthetic;
    traffic::SyntheticSpec synthetic;
    std::string traceFile;
    double clockGHz = 1.0;
    uint32_t maxOutstanding = 0;
    std::vector<uint32_t> channels; // synthetic: the channels it walks (empty: the first pseudo_channels)
};

// How a PIM workload runs, common to decode and prefill.
struct PimRunOptions {
    bool functional = true; // false: timing only (no data)
    bool check = true;      // compare outputs with the FP64 reference
    bool exactExp = false, fp16Accum = false;
    uint64_t seed = 1;              // of the operands (Q, K, V)
    bool replicateChannels = false; // simulate one channel, scale to the system (identical streams)
    bool fastForward = false;       // timing only: repeating stretches of micro-ops fast-forwarded
};

// One decode step of attention offloaded to the PIM (issue 4): batch x kv_heads KV heads, each
// with heads / kv_heads query heads, over a context of `context` keys.
struct DecodeWorkload : PimRunOptions {
    uint32_t batch = 0, heads = 0, kvHeads = 0, context = 0, headDim = 0;
    bool sparse = false;
    uint32_t sink = 0, window = 0;   // sparse: sink tokens + recent window
    std::vector<uint32_t> keyList;   // sparse: an explicit key-index list (sorted, unique)
    double sparseHeadFraction = 1.0; // share of the KV heads that are sparse (DuoAttention's
                                     // streaming heads); the rest attend densely
    bool splitGqa = true;            // spread a GQA group's query passes over idle bank groups
    bool naive = false;              // no I/O-aware tiling
    bool attacc = false;             // AttAcc's kernel (kernel: "attacc") instead of PILOT's
    uint32_t headSpread = 0;         // bank groups sharing one head's keys; 0: chosen to fill the PIM
    uint32_t depth = 1;              // units stacked per set in one descriptor; 0: all of a round's
};

// One layer of prefill hybrid sparse attention (issue 5) offloaded to the PIM: the sparse
// heads of batch x heads run PREFILL_HYBRID_SPARSE (the dense heads of a DuoAttention model
// stay on the GPU); `pilot analyze` gives the I/O analysis of the same pattern.
struct PrefillWorkload : PimRunOptions {
    uint32_t batch = 0, heads = 0, context = 0, headDim = 0;
    host::PrefillPattern pattern; // parsed once, by platform/pattern_config.h
    bool naive = false;
};

struct Scenario {
    std::string file;
    std::string name;
    std::string memspecFile, mappingFile;
    hbm::Memspec memspec;
    std::unique_ptr<hbm::AddressMapping> mapping;
    uint32_t stacks = 1;
    uint32_t pseudoChannels = 0; // instantiated: the first N of the system
    bool protocolCheck = true;
    // The memory keeps the bytes written (false: DRAMSys's StoreMode NoStorage, traffic only).
    bool storeData = true;
    std::string simconfigFile; // a DRAMSys simconfig that set storeData, if any
    hbm::ControllerConfig controller;
    std::optional<TrafficConfig> traffic; // memory traffic (alone, or beside a PIM workload)
    std::optional<DecodeWorkload> decode; // PIM workload scenarios
    std::optional<PrefillWorkload> prefill;
    pim::PeConfig pe;
    pim::RegisterTiming registers;
    nlohmann::json resolved; // the document after defaults and overrides
};

// "--set /json/pointer=value": value is JSON if it parses as JSON, else a string.
void applyOverrides(nlohmann::json& doc, const std::vector<std::string>& sets, const std::string& file);

Scenario loadScenario(const std::string& path, const std::vector<std::string>& sets = {});
// Same, for a document built in memory; relative paths resolve against `baseDir`.
Scenario parseScenario(nlohmann::json doc, const std::string& file, const std::string& baseDir,
                       const std::vector<std::string>& sets = {});

// Directory of the shipped workloads (defaults, memspecs, mappings).
std::string workloadsDir();

} // namespace pilot::platform
