// SPDX-License-Identifier: MIT
// AttAcc's decode kernel (DECODE_ATTN_ATTACC, firmware/pim/attacc_decode_kernel.h) and the head
// spread (firmware/host/decode_offload.h): the planner's buffer layout and the spread policy
// against hand calculations, and runs of decode-tiny checked against the runner's FP64
// reference, the protocol checker, and bank bytes counted here from the layout.
// One SystemC elaboration per process: every TEST_CASE calls runDecode at most once.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/host/decode_offload.h"
#include "firmware/pim/attacc_decode_kernel.h"
#include "platform/decode_runner.h"
#include "platform/scenario.h"

using nlohmann::json;
namespace platform = pilot::platform;
namespace fw = pilot::fw;
namespace host = pilot::host;

namespace {

const std::string kTiny = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json";

json runTiny(const std::vector<std::string>& sets) {
    const platform::Scenario s = platform::loadScenario(kTiny, sets);
    return platform::runDecode(s);
}

void requireCorrect(const json& r) {
    INFO("results: " << r.dump());
    CHECK(r["errors"].empty());
    CHECK(r["memory"]["checker_violations"].get<uint64_t>() == 0);
    for (const json& k : r["kernels"]) {
        REQUIRE(k.contains("check"));
        CHECK(k["check"]["passed"].get<bool>());
        CHECK(k["time_ns"].get<double>() >= k["bound_internal_ns"].get<double>());
    }
}

// The regions lie in the buffer, in the documented order, column-aligned, without overlap.
void requireLayout(const fw::AttAccPlan& p, uint32_t sram) {
    const fw::SramRegion order[] = {p.state,   p.out,      p.q[0],     p.q[1],    p.scoresA,
                                    p.scoresB, p.latch[0], p.latch[1], p.latch[2]};
    for (size_t i = 0; i < 9; ++i) {
        CHECK(order[i].offset % 32 == 0);
        if (i > 0)
            CHECK(order[i].offset >= order[i - 1].offset + order[i - 1].bytes);
    }
    CHECK(p.latch[2].offset + p.latch[2].bytes <= sram);
}

} // namespace

TEST_CASE("AttAcc planner: d 128, 2 KB buffer, 1 KB rows: latches of 1 key, blocks of 24 scores",
          "[pim][attacc]") {
    // Fixed: state 32 + out 512 + two query registers 2 x 256 + three quarter-row latches 3 x 256
    // = 1824 B; 224 B left for two score regions: 28 scores would need 2 x 128 B (column-aligned),
    // 24 need 2 x 96 B.
    const fw::AttAccPlan p = fw::planAttAccDecode({68, 128, 2048, 1024, 32});
    REQUIRE(p.error == pilot::contract::Error::Ok);
    CHECK(p.latchKeys == 1);
    CHECK(p.rowKeys == 4);
    CHECK(p.blockKeys == 24);
    CHECK(p.blocks == 3);                           // ceil(68 / 24)
    CHECK(p.kRows == 17);                           // ceil(68 / 4)
    CHECK(p.bankToSramBytes == 256 + 2 * 68 * 256); // q, then every key and value once
    CHECK(p.sramToBankBytes == 256);
    requireLayout(p, 2048);
}

TEST_CASE("AttAcc planner: d 64, 2 KB buffer: latches of 2 keys, blocks of 88 scores", "[pim][attacc]") {
    // Fixed: 32 + 256 + 2 x 128 + 3 x 256 = 1312 B; 736 B left: 92 scores would need 2 x 384 B,
    // 88 need 2 x 352 B (a multiple of the latch's 2 keys).
    const fw::AttAccPlan p = fw::planAttAccDecode({1000, 64, 2048, 1024, 32});
    REQUIRE(p.error == pilot::contract::Error::Ok);
    CHECK(p.latchKeys == 2);
    CHECK(p.blockKeys == 88);
    requireLayout(p, 2048);
    // A context shorter than a block: one block of the keys rounded up to whole latches.
    const fw::AttAccPlan s = fw::planAttAccDecode({5, 64, 2048, 1024, 32});
    CHECK(s.blockKeys == 6);
    CHECK(s.blocks == 1);
}

TEST_CASE("AttAcc planner: a buffer without room for three latches and two score blocks is E_SHAPE",
          "[pim][attacc]") {
    CHECK(fw::planAttAccDecode({64, 128, 1024, 1024, 32}).error == pilot::contract::Error::Shape);
    CHECK(fw::planAttAccDecode({64, 1024, 65536, 1024, 32}).error ==
          pilot::contract::Error::Shape); // key > row
}

TEST_CASE("Head spread: the power of two that fills the bank groups with the fewest rounds of keys",
          "[pim][decode][spread]") {
    // 8 heads on 16 groups: spread 2 runs one round over half the keys.
    CHECK(host::chooseHeadSpread(8, 16, 8, 1024, 4) == 2);
    // 4 heads: spread 4.
    CHECK(host::chooseHeadSpread(4, 16, 8, 1024, 4) == 4);
    // As many heads as groups, or more in whole rounds: no spread.
    CHECK(host::chooseHeadSpread(16, 16, 8, 1024, 4) == 1);
    CHECK(host::chooseHeadSpread(32, 16, 8, 1024, 4) == 1);
    // LLaMA-7B, batch 64, no GQA reuse (2048 heads) on 5 stacks (1280 groups): 2 rounds of L
    // unspread (1.25 x the ideal 1.6 L / 1); spread 8: 13 rounds of L / 8 = 1.625 L; 4: 1.75 L.
    CHECK(host::chooseHeadSpread(2048, 1280, 8, 2112, 4) == 8);
    // At most a pseudo-channel's groups, and every bank of the set holds a key.
    CHECK(host::chooseHeadSpread(1, 16, 8, 1 << 20, 4) == 8);
    CHECK(host::chooseHeadSpread(1, 16, 8, 8, 4) == 2);
    CHECK(host::chooseHeadSpread(1, 16, 8, 3, 4) == 1);
}

TEST_CASE("AttAcc kernel: 16 heads of 256 keys match the FP64 reference, q, K and V cross each bank once",
          "[pim][attacc]") {
    const json r = runTiny({"/workload/kernel=\"attacc\""});
    requireCorrect(r);
    const json& k = r["kernels"][0];
    CHECK(k["kernel"] == "attacc");
    CHECK(k["name"] == "decode_attention_attacc");
    CHECK(k["head_spread"] == 1);
    // L = 256, d = 64, 4 banks: 64 slots per bank; q 128 B, K and V 64 x 128 B each, and bank 0
    // of each group writes the 128 B output.
    CHECK(k["busiest_bank_bytes"].get<uint64_t>() == 128 + 2 * 64 * 128 + 128);
    CHECK(k["internal_bytes"].get<uint64_t>() == 16 * (4 * (128 + 2 * 64 * 128) + 128));
}

TEST_CASE("AttAcc kernel: GQA heads run one unit per query head (no reuse) and match the FP64 reference",
          "[pim][attacc]") {
    // 2 x 8 query heads over 2 KV heads: 16 units, each reading its own copy of K and V.
    const json r = runTiny({"/workload/kernel=\"attacc\"", "/workload/batch=2", "/workload/heads=8",
                            "/workload/kv_heads=2", "/workload/head_spread=1"});
    requireCorrect(r);
    CHECK(r["kernels"][0]["kv_heads_total"] == 16);
    CHECK(r["kernels"][0]["rounds"] == 1);
}

TEST_CASE("AttAcc kernel: 4 heads spread over 4 groups each match the FP64 reference; the softmax unit "
          "spans the set",
          "[pim][attacc][spread]") {
    const json r = runTiny({"/workload/kernel=\"attacc\"", "/workload/batch=1", "/workload/context=1000"});
    requireCorrect(r);
    const json& k = r["kernels"][0];
    CHECK(k["head_spread"] == 4);
    // 1000 keys over 16 banks: 63 slots in the busiest bank (keys 0..999, bank 0 of group 0
    // holds keys 0, 16, ..., 992).
    CHECK(k["busiest_bank_bytes"].get<uint64_t>() == 128 + 2 * 63 * 128 + 128);
}

TEST_CASE("Head spread: PILOT with 8 heads on 16 groups splits each head over 2, merges on the host, "
          "and its busiest bank moves half the keys",
          "[pim][decode][spread]") {
    const json r = runTiny({"/workload/batch=2", "/workload/context=1024", "/workload/head_dim=128"});
    requireCorrect(r);
    const json& k = r["kernels"][0];
    CHECK(k["head_spread"] == 2);
    CHECK(k["head_mapping"]["units"] == 8);
    // 1024 keys over 8 banks: 128 slots, K and V 128 x 256 B each; q 256 B; bank 0 writes the
    // 256 B output and one 32 B column of (max, sum) for the merge.
    CHECK(k["busiest_bank_bytes"].get<uint64_t>() == 256 + 2 * 128 * 256 + 256 + 32);
}

TEST_CASE("Head spread: forced to 1, the same 8 heads stream every key of their group",
          "[pim][decode][spread]") {
    const json r = runTiny(
        {"/workload/batch=2", "/workload/context=1024", "/workload/head_dim=128", "/workload/head_spread=1"});
    requireCorrect(r);
    const json& k = r["kernels"][0];
    CHECK(k["head_spread"] == 1);
    CHECK(k["busiest_bank_bytes"].get<uint64_t>() == 256 + 2 * 256 * 256 + 256);
}
