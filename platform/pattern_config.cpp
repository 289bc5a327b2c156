// SPDX-License-Identifier: MIT
#include "platform/pattern_config.h"

namespace pilot::platform {

host::PrefillPattern readPrefillPattern(common::JsonObject pat) {
    host::PrefillPattern p;
    std::vector<const char*> names;
    for (const host::PatternKindInfo& i : host::kPatternKinds)
        names.push_back(i.name);
    const std::optional<host::PatternKind> kind = host::patternKindNamed(pat.oneOf("kind", names));
    if (!kind) {
        // An unknown kind (reported above): which keys belong to it cannot be told, so they are
        // not reported one by one as well (one line for one problem; the campaign found four).
        if (pat.valid())
            for (auto it = pat.raw().begin(); it != pat.raw().end(); ++it)
                pat.allow(it.key());
        return p;
    }
    p.kind = *kind;
    const host::PatternKindInfo& info = host::patternInfo(*kind);
    p.causal = pat.has("causal") ? pat.boolean("causal") : info.causalByDefault;
    if (info.globalKey) {
        p.window = pat.u32("window", 0, 1u << 24);
        p.globalTokens = pat.u32(info.globalKey, 0, 1u << 24);
    }
    if (info.randomBlocks) {
        p.randomBlocks = pat.u32("random_blocks", 0, 1u << 16);
        p.blockSize = pat.u32("block", 1, 1u << 16);
        p.seed = pat.has("seed") ? pat.u64("seed") : 1;
    }
    if (pat.has("head_fraction"))
        p.headFraction = pat.number("head_fraction", 0.0, 1.0);
    pat.rejectUnknownKeys();
    return p;
}

} // namespace pilot::platform
