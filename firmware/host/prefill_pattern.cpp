// SPDX-License-Identifier: MIT
#include "firmware/host/prefill_pattern.h"

#include <algorithm>
#include <numeric>

namespace pilot::host {

const PatternKindInfo& patternInfo(PatternKind k) {
    for (const PatternKindInfo& i : kPatternKinds)
        if (i.kind == k)
            return i;
    return kPatternKinds[0]; // unreachable: every kind has an entry
}

std::optional<PatternKind> patternKindNamed(const std::string& name) {
    for (const PatternKindInfo& i : kPatternKinds)
        if (name == i.name)
            return i.kind;
    return std::nullopt;
}

HybridPattern PrefillPattern::mask(uint32_t n) const {
    switch (kind) {
    case PatternKind::BigBird:
        return HybridPattern::bigbird(n, window, globalTokens, randomBlocks, blockSize, seed, causal);
    case PatternKind::Longformer: {
        std::vector<uint32_t> globals(std::min(globalTokens, n));
        std::iota(globals.begin(), globals.end(), 0u);
        return HybridPattern::longformer(n, window, globals, causal);
    }
    case PatternKind::Streaming:
        return HybridPattern::streaming(n, globalTokens, window);
    case PatternKind::Dense:
        break;
    }
    return HybridPattern::dense(n, causal);
}

PatternKernelParams PrefillPattern::kernelParams(uint32_t n) const {
    PatternKernelParams k;
    const bool dense = kind == PatternKind::Dense;
    k.window = dense ? (causal ? n : 2 * n - 1) : window; // dense: a band over every key
    k.globalTokens = dense ? 0 : std::min(globalTokens, n);
    k.randomBlocks = kind == PatternKind::BigBird ? randomBlocks : 0;
    k.blockSize = k.randomBlocks ? blockSize : 0;
    k.causal = causal || kind == PatternKind::Streaming;
    return k;
}

} // namespace pilot::host
