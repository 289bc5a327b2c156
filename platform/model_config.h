// SPDX-License-Identifier: MIT
#pragma once
// A transformer model's shape as the platform needs it: layer count, widths, head counts
// (grouped-query attention included), FFN kind, vocabulary, the sparse attention pattern of
// the PILOT evaluation (the paper's Table II) and, for DuoAttention models, the streaming-head
// split. Loaded from workloads/models/*.json, where every value names its public source in a
// sibling "sources" object of the same shape; validated on load, all problems reported
// together (file, JSON pointer, reason). Unknown keys are errors.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace pilot::platform {

enum class FfnKind {
    Gelu,   // two matrices: hidden x ffn, ffn x hidden
    SwiGlu, // three matrices: gate and up (hidden x ffn), down (ffn x hidden)
};

enum class AttentionKind {
    BigBird,    // block-sparse: window + global + random blocks, all in units of `block`
    Longformer, // token-granular sliding window + global tokens
    Dense,      // causal; window > 0 is a sliding window (Mistral v0.1), 0 the whole context
};

// The attention pattern. window and global are in tokens; window is the band's total span
// (both sides together for the bidirectional encoders). randomBlocks counts blocks of `block`
// tokens per query block (BigBird only; 0 otherwise). block is 1 for token-granular patterns.
struct AttentionPattern {
    AttentionKind kind = AttentionKind::Dense;
    uint32_t window = 0;
    uint32_t global = 0;
    uint32_t randomBlocks = 0;
    uint32_t block = 1;
};

// DuoAttention: streamingFraction of the heads are streaming heads (sink + window recent
// tokens, on the PIM); the rest are dense retrieval heads.
struct DuoAttention {
    double streamingFraction = 0;
    uint32_t sink = 0;
    uint32_t window = 0;
};

struct ModelConfig {
    std::string name;
    std::string sourceFile;
    uint32_t layers = 0;        // layers that the per-layer helpers apply to (LED: encoder layers)
    uint32_t decoderLayers = 0; // encoder-decoder models only (LED); 0 otherwise
    uint32_t hidden = 0;
    uint32_t heads = 0;   // query heads
    uint32_t kvHeads = 0; // key/value heads (== heads without grouped-query attention)
    uint32_t headDim = 0;
    uint32_t ffn = 0; // FFN intermediate size
    FfnKind ffnKind = FfnKind::Gelu;
    uint32_t vocab = 0;
    bool tiedEmbeddings = false; // LM head shares the input embedding matrix
    AttentionPattern attention;
    std::optional<DuoAttention> duo;
    // The public source of each value, keyed by the value's JSON pointer ("/attention/window").
    std::map<std::string, std::string> sources;

    uint32_t groupSize() const { return heads / kvHeads; } // query heads per KV head

    // Weights of one layer's GEMMs (biases and norms left out): Q and O are hidden x
    // heads*headDim, K and V hidden x kvHeads*headDim; the FFN has 2 (GELU) or 3 (SwiGLU)
    // hidden x ffn matrices.
    uint64_t attentionParamsPerLayer() const;
    uint64_t ffnParamsPerLayer() const;
    uint64_t paramsPerLayer() const { return attentionParamsPerLayer() + ffnParamsPerLayer(); }
    // Input embedding plus, when not tied, the LM head: vocab x hidden each.
    uint64_t embeddingParams() const;
    // All layers (`layers`) plus embeddings; LED's decoder layers are not included.
    uint64_t totalParams() const { return uint64_t(layers) * paramsPerLayer() + embeddingParams(); }
    uint64_t weightBytesPerLayer() const { return 2 * paramsPerLayer(); } // FP16

    // Multiply-adds of one token through one layer's weight GEMMs, counted as 2 FLOPs each
    // (= 2 * paramsPerLayer). Attention score and context (which depend on the context
    // length) are not included.
    uint64_t gemmFlopsPerTokenPerLayer() const { return 2 * paramsPerLayer(); }

    // K and V of one token in one layer, FP16: 2 * kvHeads * headDim * 2 B.
    uint64_t kvBytesPerTokenPerLayer() const { return uint64_t(2) * kvHeads * headDim * 2; }
};

const char* toString(FfnKind k);
const char* toString(AttentionKind k);

// Reads and validates a model config. Throws common::ConfigError listing every problem:
// missing or mistyped fields, heads not divisible by kv_heads, hidden != heads * head_dim
// without a "hidden_note" explaining why, a pattern that does not fit its kind, a DuoAttention
// window or fraction out of range, a value without a (non-blank) source, unknown keys.
ModelConfig loadModelConfig(const std::string& path);
ModelConfig parseModelConfig(const nlohmann::json& doc, const std::string& file);

} // namespace pilot::platform
