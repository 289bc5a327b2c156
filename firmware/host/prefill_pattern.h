// SPDX-License-Identifier: MIT
#pragma once
// The sparse pattern of a prefill workload, as a scenario names it: a kind and its few
// parameters. Parsed once (platform/pattern_config.h); everything else asks this type for the
// mask (HybridPattern, for the reference and the analysis) or for what the kernel descriptor
// carries (window, global tokens, random blocks, causality). A new pattern kind is one entry
// in kPatternKinds plus its cases in mask() and kernelParams().
#include <cstdint>
#include <optional>
#include <string>

#include "firmware/host/sparse_pattern.h"

namespace pilot::host {

enum class PatternKind { BigBird, Longformer, Streaming, Dense };

struct PatternKindInfo {
    PatternKind kind;
    const char* name;      // the scenario's "kind"
    const char* globalKey; // the scenario key of its global tokens ("sink" for streaming), or null
    bool randomBlocks;     // takes random_blocks / block / seed
    bool causalByDefault;
};
inline constexpr PatternKindInfo kPatternKinds[] = {
    {PatternKind::BigBird, "bigbird", "global", true, false},
    {PatternKind::Longformer, "longformer", "global", false, false},
    {PatternKind::Streaming, "streaming", "sink", false, true},
    {PatternKind::Dense, "dense", nullptr, false, false},
};
const PatternKindInfo& patternInfo(PatternKind k);
std::optional<PatternKind> patternKindNamed(const std::string& name);

// What the PREFILL_HYBRID_SPARSE descriptor carries for a pattern over n tokens.
struct PatternKernelParams {
    uint32_t window = 0, globalTokens = 0, randomBlocks = 0, blockSize = 0;
    bool causal = false;
};

struct PrefillPattern {
    PatternKind kind = PatternKind::Dense;
    uint32_t window = 0;                      // keys in a row's band (not dense)
    uint32_t globalTokens = 0;                // tokens [0, g) are global (streaming: the sink)
    uint32_t randomBlocks = 0, blockSize = 0; // bigbird
    uint64_t seed = 1;                        // of the random blocks
    bool causal = false;
    double headFraction = 1.0; // DuoAttention: the share of the heads that are sparse

    const char* name() const { return patternInfo(kind).name; }
    // The N x N mask (n = N tokens).
    HybridPattern mask(uint32_t n) const;
    // Dense is a band over every key; only bigbird has random blocks; streaming is causal.
    PatternKernelParams kernelParams(uint32_t n) const;
};

} // namespace pilot::host
