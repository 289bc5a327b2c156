// SPDX-License-Identifier: MIT
#include "platform/model_config.h"

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"

namespace pilot::platform {

using common::IssueList;
using common::JsonObject;

namespace {

constexpr uint32_t kMaxDim = 1u << 24;

std::string format(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

// The source of one value: a required, non-blank string at the value's place under /sources.

AttentionPattern readAttention(JsonObject a) {
    AttentionPattern p;
    const std::string kind = a.oneOf("kind", {"bigbird", "longformer", "dense"});
    p.window = a.u32("window", 0, kMaxDim);
    p.global = a.u32("global", 0, kMaxDim);
    p.randomBlocks = a.u32("random_blocks", 0, 1024);
    p.block = a.u32("block", 1, 1u << 16);
    a.rejectUnknownKeys();
    if (kind.empty())
        return p; // reported by oneOf (or missing)
    IssueList& is = a.issues();
    if (kind == "bigbird") {
        p.kind = AttentionKind::BigBird;
        if (p.block == 0)
            return p;
        if (p.window == 0)
            is.add(a.pointerOf("window"), "must be > 0 for a bigbird pattern");
        if (p.window % p.block != 0)
            is.add(a.pointerOf("window"), "must be a multiple of block (" + std::to_string(p.window) + " % " +
                                              std::to_string(p.block) + " != 0)");
        if (p.global % p.block != 0)
            is.add(a.pointerOf("global"), "must be a multiple of block (" + std::to_string(p.global) + " % " +
                                              std::to_string(p.block) + " != 0)");
        return p;
    }
    p.kind = kind == "longformer" ? AttentionKind::Longformer : AttentionKind::Dense;
    if (p.randomBlocks != 0)
        is.add(a.pointerOf("random_blocks"),
               "must be 0 for a " + kind + " pattern (got " + std::to_string(p.randomBlocks) + ")");
    if (p.block != 1)
        is.add(a.pointerOf("block"),
               "must be 1 for a token-granular " + kind + " pattern (got " + std::to_string(p.block) + ")");
    if (p.kind == AttentionKind::Longformer && p.window == 0)
        is.add(a.pointerOf("window"), "must be > 0 for a longformer pattern");
    if (p.kind == AttentionKind::Dense && p.global != 0)
        is.add(a.pointerOf("global"), "must be 0 for a dense pattern (got " + std::to_string(p.global) + ")");
    return p;
}

DuoAttention readDuo(JsonObject d, uint32_t heads, uint32_t kvHeads) {
    DuoAttention duo;
    IssueList& is = d.issues();
    if (d.has("streaming_fraction") && d.raw().at("streaming_fraction").is_number()) {
        d.allow("streaming_fraction");
        const double f = d.raw().at("streaming_fraction").get<double>();
        if (!(f > 0.0 && f <= 1.0)) {
            is.add(d.pointerOf("streaming_fraction"), "must be in (0, 1] (got " + format(f) + ")");
        } else {
            duo.streamingFraction = f;
            // Whole heads stream; with grouped-query attention whole KV groups do.
            const uint32_t unit = kvHeads != 0 ? kvHeads : heads;
            const double n = f * unit;
            if (unit != 0 && std::fabs(n - std::round(n)) > 1e-9)
                is.add(d.pointerOf("streaming_fraction"), "must give a whole number of streaming KV heads (" +
                                                              format(f) + " x " + std::to_string(unit) +
                                                              " = " + format(n) + ")");
        }
    } else {
        d.number("streaming_fraction", 0.0, 1.0); // reports missing / mistyped
    }
    duo.sink = d.u32("sink", 0, kMaxDim);
    duo.window = d.u32("window", 1, kMaxDim);
    d.rejectUnknownKeys();
    return duo;
}

} // namespace

const char* toString(FfnKind k) {
    return k == FfnKind::SwiGlu ? "swiglu" : "gelu";
}

const char* toString(AttentionKind k) {
    switch (k) {
    case AttentionKind::BigBird:
        return "bigbird";
    case AttentionKind::Longformer:
        return "longformer";
    case AttentionKind::Dense:
        return "dense";
    }
    return "?";
}

uint64_t ModelConfig::attentionParamsPerLayer() const {
    const uint64_t q = uint64_t(heads) * headDim;
    const uint64_t kv = uint64_t(kvHeads) * headDim;
    return uint64_t(hidden) * q        // Q
           + 2 * uint64_t(hidden) * kv // K, V
           + q * hidden;               // O
}

uint64_t ModelConfig::ffnParamsPerLayer() const {
    return uint64_t(ffnKind == FfnKind::SwiGlu ? 3 : 2) * hidden * ffn;
}

uint64_t ModelConfig::embeddingParams() const {
    return uint64_t(tiedEmbeddings ? 1 : 2) * vocab * hidden;
}

ModelConfig parseModelConfig(const nlohmann::json& doc, const std::string& file) {
    IssueList issues(file);
    JsonObject root(doc, "", issues);
    ModelConfig c;
    c.sourceFile = file;
    c.name = root.string("name");
    root.optString("notes");
    const std::optional<std::string> hiddenNote = root.optString("hidden_note");

    c.layers = root.u32("layers", 1, 100000);
    const std::optional<uint64_t> decoderLayers = root.optU64("decoder_layers", 1, 100000);
    c.decoderLayers = static_cast<uint32_t>(decoderLayers.value_or(0));
    c.hidden = root.u32("hidden", 1, kMaxDim);
    c.heads = root.u32("heads", 1, 65536);
    c.kvHeads = root.u32("kv_heads", 1, 65536);
    c.headDim = root.u32("head_dim", 1, 65536);
    c.ffn = root.u32("ffn", 1, kMaxDim);
    const std::string ffnKind = root.oneOf("ffn_kind", {"gelu", "swiglu"});
    c.ffnKind = ffnKind == "swiglu" ? FfnKind::SwiGlu : FfnKind::Gelu;
    c.vocab = root.u32("vocab", 1, kMaxDim);
    c.tiedEmbeddings = root.boolean("tied_embeddings");

    // Cross-field rules, only on values that were read successfully.
    const auto readOk = [&](const char* key) {
        if (!root.has(key))
            return false;
        const nlohmann::json& v = root.raw().at(key);
        return v.is_number_integer() && v.get<int64_t>() >= 1;
    };
    if (readOk("heads") && readOk("kv_heads") && c.heads >= 1 && c.kvHeads >= 1) {
        if (c.kvHeads > c.heads)
            issues.add("/kv_heads", "must be <= heads (got " + std::to_string(c.kvHeads) + " > " +
                                        std::to_string(c.heads) + ")");
        else if (c.heads % c.kvHeads != 0)
            issues.add("/kv_heads", "must divide heads (" + std::to_string(c.heads) + " % " +
                                        std::to_string(c.kvHeads) + " = " +
                                        std::to_string(c.heads % c.kvHeads) + ")");
    }
    if (readOk("hidden") && readOk("heads") && readOk("head_dim") &&
        uint64_t(c.heads) * c.headDim != c.hidden && !hiddenNote) {
        issues.add("/head_dim",
                   "heads * head_dim must equal hidden (" + std::to_string(c.heads) + " * " +
                       std::to_string(c.headDim) + " = " + std::to_string(uint64_t(c.heads) * c.headDim) +
                       " != " + std::to_string(c.hidden) + ") unless \"hidden_note\" explains why");
    }
    if (hiddenNote && hiddenNote->find_first_not_of(" \t\r\n") == std::string::npos &&
        root.raw().at("hidden_note").is_string())
        issues.add("/hidden_note", "must explain why hidden != heads * head_dim (got an empty string)");

    c.attention = readAttention(root.object("attention"));
    if (std::optional<JsonObject> duo = root.optObject("duo"))
        c.duo = readDuo(*duo, c.heads, c.kvHeads);

    // Every value names its public source, in an object of the same shape as the values.
    JsonObject src = root.object("sources");
    for (const char* key :
         {"layers", "hidden", "heads", "kv_heads", "head_dim", "ffn", "ffn_kind", "vocab", "tied_embeddings"})
        src.source(key, c.sources);
    if (decoderLayers)
        src.source("decoder_layers", c.sources);
    JsonObject srcAtt = src.object("attention");
    for (const char* key : {"kind", "window", "global", "random_blocks", "block"})
        srcAtt.source(key, c.sources);
    srcAtt.rejectUnknownKeys();
    if (root.has("duo")) {
        JsonObject srcDuo = src.object("duo");
        for (const char* key : {"streaming_fraction", "sink", "window"})
            srcDuo.source(key, c.sources);
        srcDuo.rejectUnknownKeys();
    }
    src.rejectUnknownKeys();

    root.rejectUnknownKeys();
    issues.throwIfAny();
    return c;
}

ModelConfig loadModelConfig(const std::string& path) {
    return parseModelConfig(common::readJsonFile(path), path);
}

} // namespace pilot::platform
