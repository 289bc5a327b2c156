// SPDX-License-Identifier: MIT
// Model configs (workloads/models/*.json): loading, validation, and the per-layer size helpers
// (no kernel). Parameter counts are checked against the counts the model authors publish,
// which are independent of the formulas here.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "models/common/config_error.h"
#include "models/common/json_reader.h"
#include "platform/model_config.h"

using namespace pilot;
using nlohmann::json;

namespace {

const std::string kModels = std::string(PILOT_SOURCE_DIR) + "/workloads/models/";

platform::ModelConfig load(const std::string& name) {
    return platform::loadModelConfig(kModels + name + ".json");
}

json doc(const std::string& name) {
    return common::readJsonFile(kModels + name + ".json");
}

// The error text of parsing `d` as a model config, or "" when it parses.
std::string modelConfigError(const json& d) {
    try {
        platform::parseModelConfig(d, "test.json");
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}

double relErr(double got, double want) {
    return std::fabs(got - want) / want;
}

} // namespace

TEST_CASE("Model config: all nine shipped models load and every value has a source", "[models]") {
    const char* names[] = {"bigbird-base", "longformer-base", "led-large",  "llama2-7b", "pythia-12b",
                           "mistral-7b",   "llama3-8b",       "llama3-70b", "gpt3-175b"};
    for (const char* n : names) {
        INFO(n);
        platform::ModelConfig c;
        REQUIRE_NOTHROW(c = load(n));
        CHECK(c.heads % c.kvHeads == 0);
        CHECK(uint64_t(c.heads) * c.headDim == c.hidden);
        for (const char* p : {"/layers", "/hidden", "/heads", "/kv_heads", "/head_dim", "/ffn", "/ffn_kind",
                              "/vocab", "/tied_embeddings", "/attention/kind", "/attention/window",
                              "/attention/global", "/attention/random_blocks", "/attention/block"}) {
            INFO(p);
            CHECK(c.sources.count(p) == 1);
        }
        if (c.duo) {
            CHECK(c.sources.count("/duo/streaming_fraction") == 1);
            CHECK(c.sources.count("/duo/window") == 1);
        }
    }
}

TEST_CASE("Model config: shapes and patterns match the paper's Table II", "[models]") {
    struct Row {
        const char* name;
        uint32_t heads, headDim, window, global;
    };
    // Table II: heads x d and window + global (DuoAttention rows: the streaming heads' pattern).
    const Row rows[] = {{"bigbird-base", 12, 64, 192, 64}, {"longformer-base", 12, 64, 512, 1},
                        {"led-large", 16, 64, 1024, 1},    {"llama2-7b", 32, 128, 2044, 4},
                        {"pythia-12b", 40, 128, 1022, 2},  {"mistral-7b", 32, 128, 4088, 8}};
    for (const Row& r : rows) {
        INFO(r.name);
        const platform::ModelConfig c = load(r.name);
        CHECK(c.heads == r.heads);
        CHECK(c.headDim == r.headDim);
        if (c.duo) {
            CHECK(c.duo->window == r.window);
            CHECK(c.duo->sink == r.global);
            CHECK(c.duo->streamingFraction == 0.5);
            CHECK(c.attention.kind == platform::AttentionKind::Dense);
        } else {
            CHECK(c.attention.window == r.window);
            CHECK(c.attention.global == r.global);
        }
    }
    const platform::ModelConfig bb = load("bigbird-base");
    CHECK(bb.attention.kind == platform::AttentionKind::BigBird);
    CHECK(bb.attention.block == 64);
    CHECK(bb.attention.randomBlocks * bb.attention.block == 64);
    CHECK(load("led-large").decoderLayers == 12);
    CHECK(load("mistral-7b").attention.window == 4096);
    CHECK(load("mistral-7b").groupSize() == 4);
}

TEST_CASE("Model config: Llama-2-7B weights over 32 layers plus embeddings are within 2 percent of 6.74e9",
          "[models]") {
    const platform::ModelConfig c = load("llama2-7b");
    REQUIRE(c.layers == 32);
    // Touvron et al. 2023 (Llama 2): 7B model, 6,738,415,616 parameters in the released checkpoint.
    CHECK(relErr(double(c.totalParams()), 6.74e9) < 0.02);
    CHECK(c.gemmFlopsPerTokenPerLayer() == 2 * c.paramsPerLayer());
}

TEST_CASE("Model config: parameter counts agree with the published model sizes", "[models]") {
    struct Row {
        const char* name;
        double published;
    };
    const Row rows[] = {
        {"llama3-8b", 8.03e9},   // Meta-Llama-3-8B model card
        {"llama3-70b", 70.6e9},  // Meta-Llama-3-70B model card
        {"mistral-7b", 7.24e9},  // Mistral 7B v0.1 checkpoint
        {"pythia-12b", 11.85e9}, // Biderman et al. 2023 (Pythia), total parameters 11,846,072,320
        {"gpt3-175b", 175e9},    // Brown et al. 2020
    };
    for (const Row& r : rows) {
        INFO(r.name);
        CHECK(relErr(double(load(r.name).totalParams()), r.published) < 0.02);
    }
}

TEST_CASE("Model config: Llama-3-8B keeps 2 x 8 x 128 x 2 bytes of KV per token per layer", "[models]") {
    const platform::ModelConfig c = load("llama3-8b");
    CHECK(c.kvBytesPerTokenPerLayer() == 2 * 8 * 128 * 2);
    // Grouped-query attention: K and V projections are a quarter of Q's width.
    CHECK(c.attentionParamsPerLayer() == 2ull * 4096 * 4096 + 2ull * 4096 * 1024);
    // Without GQA (Llama-2-7B) KV is four times as large for the same head_dim.
    CHECK(load("llama2-7b").kvBytesPerTokenPerLayer() == 4 * c.kvBytesPerTokenPerLayer());
}

TEST_CASE("Model config: GELU FFN has two matrices and SwiGLU three", "[models]") {
    CHECK(load("pythia-12b").ffnParamsPerLayer() == 2ull * 5120 * 20480);
    CHECK(load("llama2-7b").ffnParamsPerLayer() == 3ull * 4096 * 11008);
}

TEST_CASE("Model config: a missing field is reported at its pointer", "[models]") {
    json d = doc("llama2-7b");
    d.erase("ffn");
    d["attention"].erase("window");
    const std::string err = modelConfigError(d);
    CHECK_THAT(err, Catch::Contains("test.json: /ffn: missing required field"));
    CHECK_THAT(err, Catch::Contains("test.json: /attention/window: missing required field"));
}

TEST_CASE("Model config: heads not divisible by kv_heads is reported at /kv_heads", "[models]") {
    json d = doc("mistral-7b");
    d["kv_heads"] = 5;
    CHECK_THAT(modelConfigError(d), Catch::Contains("test.json: /kv_heads: must divide heads (32 % 5 = 2)"));
}

TEST_CASE("Model config: hidden other than heads x head_dim needs a hidden_note", "[models]") {
    json d = doc("llama2-7b");
    d["head_dim"] = 64;
    CHECK_THAT(modelConfigError(d),
               Catch::Contains("test.json: /head_dim: heads * head_dim must equal hidden"));
    d["hidden_note"] = "documented exception";
    CHECK(modelConfigError(d).empty());
}

TEST_CASE("Model config: an unknown key is reported with a hint", "[models]") {
    json d = doc("llama3-8b");
    d["num_heads"] = 32;
    d["attention"]["windw"] = 1;
    const std::string err = modelConfigError(d);
    CHECK_THAT(err, Catch::Contains("test.json: /num_heads: unknown key"));
    CHECK_THAT(err, Catch::Contains("test.json: /attention/windw: unknown key (did you mean \"window\"?)"));
}

TEST_CASE("Model config: a blank or missing source is reported at its pointer under sources", "[models]") {
    json d = doc("pythia-12b");
    d["sources"]["vocab"] = "  ";
    d["sources"]["duo"].erase("sink");
    const std::string err = modelConfigError(d);
    CHECK_THAT(err, Catch::Contains("test.json: /sources/vocab: must name the value's public source"));
    CHECK_THAT(err, Catch::Contains("test.json: /sources/duo/sink: missing required field"));
}

TEST_CASE("Model config: all problems are reported together", "[models]") {
    json d = doc("bigbird-base");
    d["kv_heads"] = 5;
    d["attention"]["window"] = 100; // not a multiple of the 64-token block
    d["duo"] = {{"streaming_fraction", 1.5}, {"sink", 4}, {"window", 8}};
    const std::string err = modelConfigError(d);
    CHECK_THAT(err, Catch::Contains("/kv_heads: must divide heads"));
    CHECK_THAT(err, Catch::Contains("/attention/window: must be a multiple of block"));
    CHECK_THAT(err, Catch::Contains("/duo/streaming_fraction: must be in (0, 1] (got 1.5)"));
    CHECK_THAT(err, Catch::Contains("/sources/duo: missing required field"));
}

TEST_CASE("Model config: a dense pattern with random blocks is rejected", "[models]") {
    json d = doc("llama3-70b");
    d["attention"]["random_blocks"] = 2;
    CHECK_THAT(modelConfigError(d),
               Catch::Contains("test.json: /attention/random_blocks: must be 0 for a dense pattern"));
}
