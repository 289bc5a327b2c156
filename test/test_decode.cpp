// SPDX-License-Identifier: MIT
// Decode attention end to end on the PIM (platform/decode_runner.h): decode-tiny with shape,
// buffer, tiling and numeric overrides. Every run is checked against the runner's FP64
// reference (outputs within the documented tolerance, no protocol violations, no errors) and
// against its internal-bandwidth bound; bank I/O is compared with the bytes written from the
// formulas of docs/io-analysis.md here (q, K, V once and the outputs once per pass for the
// I/O-aware schedule) and with fw::planDecode for the naive one.
// One SystemC elaboration per process: every TEST_CASE calls runDecode exactly once.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "firmware/pim/decode_planner.h"
#include "platform/decode_runner.h"
#include "platform/scenario.h"

using nlohmann::json;
namespace platform = pilot::platform;
namespace fw = pilot::fw;

namespace {

const std::string kTiny = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json";

struct Run {
    platform::Scenario s;
    json r;
    const json& kernel() const { return r["kernels"][0]; }
};

// Loads decode-tiny with `sets`, runs it once (this process's only elaboration).
Run run(const std::vector<std::string>& sets) {
    Run x{platform::loadScenario(kTiny, sets), {}};
    x.r = platform::runDecode(x.s);
    return x;
}

// What every run must satisfy: no errors, outputs within tolerance of the FP64 reference, no
// protocol violations, and no faster than streaming the busiest bank's bytes at one column per
// tCCD_L.
void requireCorrect(const Run& x) {
    const json& k = x.kernel();
    INFO("kernel: " << k.dump());
    INFO("errors: " << x.r["errors"].dump());
    CHECK(x.r["errors"].empty());
    REQUIRE(k.contains("check"));
    CHECK(k["check"]["passed"].get<bool>());
    CHECK(k["check"]["max_abs_error"].get<double>() <= k["check"]["tolerance"].get<double>());
    CHECK(x.r["memory"]["checker_violations"].get<uint64_t>() == 0);
    CHECK(k["time_ns"].get<double>() > 0);
    CHECK(k["time_ns"].get<double>() >= k["bound_internal_ns"].get<double>());
    CHECK(k["bound_ratio"].get<double>() <= 1.0);
}

uint32_t banksPerGroup(const Run& x) {
    return x.s.memspec.org.banksPerGroup;
}
uint32_t groupsPerChannel(const Run& x) {
    return x.s.memspec.org.pseudoChannels * x.s.memspec.org.bankGroupsPerPc();
}

// Keys each bank holds: keys are interleaved over the group's banks.
uint32_t keysPerBank(const Run& x, uint32_t attended) {
    return (attended + banksPerGroup(x) - 1) / banksPerGroup(x);
}

// docs/io-analysis.md, I/O-aware, per bank and round: per pass of Gp queries, q (2*Gp*d),
// K and V (2*kpb*d each), outputs (2*Gp*d); the G / Gp passes each stream K and V.
uint64_t awareBankBytes(uint32_t kpb, uint32_t d, uint32_t G, uint32_t passQueries) {
    const uint64_t passes = G / passQueries;
    return passes * (4ull * d * passQueries + 4ull * kpb * d);
}

// The queries per pass the buffer allows, from the planner (double-buffered, as the firmware runs).
uint32_t passQueries(const Run& x, uint32_t kpb, uint32_t d, uint32_t G, bool naive) {
    fw::DecodeShape shape{kpb, d, G, x.s.pe.sramBytes, x.s.memspec.org.accessBytes, naive, !naive};
    uint32_t q = 0;
    const fw::DecodePlan plan = fw::planDecodeInPasses(shape, q);
    REQUIRE(plan.error == pilot::contract::Error::Ok);
    REQUIRE(q >= 1);
    return q;
}

// The busiest bank moved the bytes the I/O-aware schedule predicts (within 2%), and the
// runner's prediction is that same figure.
void requireAwareBytes(const Run& x, uint32_t attended, uint32_t d, uint32_t G, uint32_t rounds) {
    const json& k = x.kernel();
    const uint32_t kpb = keysPerBank(x, attended);
    const uint32_t gp = passQueries(x, kpb, d, G, false);
    const uint64_t expect = awareBankBytes(kpb, d, G, gp) * rounds;
    INFO("kernel: " << k.dump() << " kpb " << kpb << " queries/pass " << gp << " expected " << expect);
    CHECK(k["tiling"] == "io-aware");
    CHECK(k["query_passes"].get<uint32_t>() == G / gp);
    CHECK(k["predicted_bank_bytes"].get<uint64_t>() == expect);
    const double measured = double(k["busiest_bank_bytes"].get<uint64_t>());
    CHECK(measured == Approx(double(expect)).epsilon(0.02));
}

// Dense run on the default 4 x 4 heads (G = 1): correct, one round per 16 bank groups, bytes.
void denseCase(const std::vector<std::string>& sets, uint32_t L, uint32_t d, uint32_t batch, uint32_t kvHeads,
               uint32_t G) {
    const Run x = run(sets);
    requireCorrect(x);
    const json& k = x.kernel();
    const uint32_t units = batch * kvHeads;
    const uint32_t channels = x.r["pim"]["channels"].get<uint32_t>();
    const uint32_t rounds = (units + channels * groupsPerChannel(x) - 1) / (channels * groupsPerChannel(x));
    CHECK(k["name"] == "decode_attention");
    CHECK(k["keys_attended"].get<uint32_t>() == L);
    CHECK(k["kv_heads_total"].get<uint32_t>() == units);
    CHECK(k["rounds"].get<uint32_t>() == rounds);
    requireAwareBytes(x, L, d, G, rounds);
}

// A buffer size with the default shape (d = 64, L = 256, G = 1): one pass, the tile the
// planner chooses, and the same bank bytes as every other size (bytes do not depend on b).
void bufferCase(uint32_t sramBytes) {
    const Run x = run({"/pim/sram_bytes=" + std::to_string(sramBytes)});
    requireCorrect(x);
    const json& k = x.kernel();
    const uint32_t kpb = keysPerBank(x, 256);
    fw::DecodeShape shape{kpb, 64, 1, sramBytes, x.s.memspec.org.accessBytes, false, true};
    const fw::DecodePlan plan = fw::planDecode(shape);
    REQUIRE(plan.error == pilot::contract::Error::Ok);
    CHECK(x.r["pim"]["sram_bytes"].get<uint32_t>() == sramBytes);
    CHECK(k["query_passes"].get<uint32_t>() == 1);
    CHECK(k["planner_tile_keys"].get<uint32_t>() == plan.tileKeys);
    // The tile that runs never crosses a row: rowBytes / (4d) keys and values share one row.
    CHECK(k["tile_keys"].get<uint32_t>() == std::min<uint32_t>(plan.tileKeys, 1024 / (4 * 64)));
    CHECK(k["tile_keys"].get<uint32_t>() >= 1);
    CHECK(k["tile_keys"].get<uint32_t>() <= kpb);
    requireAwareBytes(x, 256, 64, 1, 1);
    CHECK(k["busiest_bank_bytes"].get<uint64_t>() == Approx(4.0 * 64 * (kpb + 1)).epsilon(0.02));
}

} // namespace

// ------------------------------------------------------------------ dense shapes

TEST_CASE(
    "Decode: d 64 with 256 keys matches the FP64 reference and moves q, K, V and the outputs once per bank",
    "[pim][decode]") {
    denseCase({}, 256, 64, 4, 4, 1);
}

TEST_CASE("Decode: d 128 matches the FP64 reference and moves q, K, V and the outputs once per bank",
          "[pim][decode]") {
    denseCase({"/workload/head_dim=128"}, 256, 128, 4, 4, 1);
}

TEST_CASE("Decode: 333 keys, not a multiple of the 4 banks, match the FP64 reference", "[pim][decode]") {
    denseCase({"/workload/context=333"}, 333, 64, 4, 4, 1);
}

TEST_CASE("Decode: 5 keys, one more than the bank count, match the FP64 reference", "[pim][decode]") {
    denseCase({"/workload/context=5"}, 5, 64, 4, 4, 1);
}

TEST_CASE("Decode: 3 keys, fewer than the banks of a group, match the FP64 reference", "[pim][decode]") {
    denseCase({"/workload/context=3"}, 3, 64, 4, 4, 1);
}

TEST_CASE("Decode: 40 KV heads on 16 bank groups run in 3 rounds, all matching the FP64 reference",
          "[pim][decode]") {
    // batch 10 x 4 KV heads = 40 units; one channel has 16 bank groups: ceil(40 / 16) = 3 (heads
    // kept whole: the head spread's own tests are in test_attacc.cpp).
    const Run x = run({"/workload/batch=10", "/workload/head_spread=1"});
    REQUIRE(groupsPerChannel(x) == 16);
    REQUIRE(x.r["pim"]["channels"].get<uint32_t>() == 1);
    CHECK(x.kernel()["rounds"].get<uint32_t>() == 3);
    requireCorrect(x);
    CHECK(x.kernel()["kv_heads_total"].get<uint32_t>() == 40);
    requireAwareBytes(x, 256, 64, 1, 3);
}

TEST_CASE("Decode: 4 channels serve 64 KV heads in one round and match the FP64 reference", "[pim][decode]") {
    // 8 pseudo-channels = 4 channels x 16 bank groups; batch 16 x 4 KV heads = 64 units.
    const Run x =
        run({"/system/pseudo_channels=8", "/workload/batch=16", "/workload/heads=4", "/workload/kv_heads=4"});
    CHECK(x.r["pim"]["channels"].get<uint32_t>() == 4);
    CHECK(x.kernel()["kv_heads_total"].get<uint32_t>() == 64);
    CHECK(x.kernel()["rounds"].get<uint32_t>() == 1);
    requireCorrect(x);
    requireAwareBytes(x, 256, 64, 1, 1);
}

// ------------------------------------------------------------------ grouped-query attention

TEST_CASE("Decode: GQA with 4 query heads per KV head, d 64, matches the FP64 reference in one pass",
          "[pim][decode]") {
    const Run x = run({"/workload/heads=16", "/workload/kv_heads=4"});
    requireCorrect(x);
    CHECK(x.kernel()["query_passes"].get<uint32_t>() == 1);
    CHECK(x.kernel()["kv_heads_total"].get<uint32_t>() == 16);
    requireAwareBytes(x, 256, 64, 4, 1);
}

TEST_CASE("Decode: GQA 4 with d 128 on a 2 KB buffer runs in query passes and matches the FP64 reference",
          "[pim][decode]") {
    // q (1 KB) and the FP32 accumulators (2 KB) of 4 queries alone exceed 2 KB.
    const Run x =
        run({"/workload/heads=16", "/workload/kv_heads=4", "/workload/head_dim=128", "/pim/sram_bytes=2048"});
    requireCorrect(x);
    CHECK(x.kernel()["query_passes"].get<uint32_t>() > 1);
    requireAwareBytes(x, 256, 128, 4, 1);
}

TEST_CASE("Decode: GQA 4 with d 128 on an 8 KB buffer runs in one pass and matches the FP64 reference",
          "[pim][decode]") {
    const Run x =
        run({"/workload/heads=16", "/workload/kv_heads=4", "/workload/head_dim=128", "/pim/sram_bytes=8192"});
    requireCorrect(x);
    CHECK(x.kernel()["query_passes"].get<uint32_t>() == 1);
    requireAwareBytes(x, 256, 128, 4, 1);
}

// ------------------------------------------------------------------ buffer sizes

TEST_CASE("Decode: a 2 KB buffer matches the FP64 reference and moves 4d(L/banks + G) bytes per bank",
          "[pim][decode]") {
    bufferCase(2048);
}
TEST_CASE("Decode: a 4 KB buffer matches the FP64 reference and moves 4d(L/banks + G) bytes per bank",
          "[pim][decode]") {
    bufferCase(4096);
}
TEST_CASE("Decode: an 8 KB buffer matches the FP64 reference and moves 4d(L/banks + G) bytes per bank",
          "[pim][decode]") {
    bufferCase(8192);
}
TEST_CASE("Decode: a 16 KB buffer matches the FP64 reference and moves 4d(L/banks + G) bytes per bank",
          "[pim][decode]") {
    bufferCase(16384);
}
TEST_CASE("Decode: a 32 KB buffer matches the FP64 reference and moves 4d(L/banks + G) bytes per bank",
          "[pim][decode]") {
    bufferCase(32768);
}

// ------------------------------------------------------------------ sparse and naive

TEST_CASE("Decode: sink 4 plus window 64 over 1000 keys attends 68 keys and moves only their K and V",
          "[pim][decode]") {
    const Run x = run({"/workload/context=1000", "/workload/sparse={\"sink\":4,\"window\":64}"});
    requireCorrect(x);
    const json& k = x.kernel();
    CHECK(k["name"].get<std::string>().find("sparse") != std::string::npos);
    CHECK(k["keys_attended"].get<uint32_t>() == 68); // [0, 4) and [936, 1000) do not overlap
    // Dense lower bound for the same shape: every unit streams all 1000 keys of K and V once.
    const uint64_t units = 16, d = 64;
    const uint64_t denseKv = units * 2 * 1000 * d * 2;
    CHECK(k["internal_bytes"].get<uint64_t>() < denseKv);
    // Per bank: the 1 sink slot and the 16 window slots, i.e. 17 = ceil(68 / 4).
    requireAwareBytes(x, 68, 64, 1, 1);
}

TEST_CASE("Decode: naive tiling matches the FP64 reference and its measured bank bytes are the planner's, "
          "above the I/O-aware ones",
          "[pim][decode]") {
    const Run x = run({"/workload/tiling=\"naive\""});
    requireCorrect(x);
    const json& k = x.kernel();
    CHECK(k["name"] == "decode_attention_naive");
    CHECK(k["tiling"] == "naive");
    const uint32_t kpb = keysPerBank(x, 256), d = 64, G = 1;
    fw::DecodeShape naive{kpb, d, G, x.s.pe.sramBytes, x.s.memspec.org.accessBytes, true, false};
    fw::DecodeShape aware{kpb, d, G, x.s.pe.sramBytes, x.s.memspec.org.accessBytes, false, true};
    const fw::DecodePlan pn = fw::planDecode(naive), pa = fw::planDecode(aware);
    REQUIRE(pn.error == pilot::contract::Error::Ok);
    REQUIRE(pa.error == pilot::contract::Error::Ok);
    const uint64_t predNaive = pn.bankToSramBytes + pn.sramToBankBytes;
    const uint64_t predAware = pa.bankToSramBytes + pa.sramToBankBytes;
    // docs/io-analysis.md: naive = L(10Gd + 4d) + 2Gd, aware = 4d(L + G), per bank.
    CHECK(predNaive ==
          uint64_t(kpb) * (10 * G * d + 4 * d) - 2 * G * d); // no accumulator read for the first key
    CHECK(predAware == 4ull * d * (kpb + G));
    CHECK(predNaive > predAware);
    INFO("kernel: " << k.dump() << " predicted naive " << predNaive);
    CHECK(k["predicted_bank_bytes"].get<uint64_t>() == predNaive);
    CHECK(double(k["busiest_bank_bytes"].get<uint64_t>()) == Approx(double(predNaive)).epsilon(0.02));
    CHECK(k["busiest_bank_bytes"].get<uint64_t>() > predAware);
}

// ------------------------------------------------------------------ numerics

TEST_CASE("Decode: exact exp stays below the approximate-exp tolerance and below 1e-3", "[pim][decode]") {
    const Run x = run({"/workload/exp=\"exact\""});
    requireCorrect(x);
    platform::DecodeWorkload approx = *x.s.decode;
    approx.exactExp = false;
    const double err = x.kernel()["check"]["max_abs_error"].get<double>();
    CHECK(x.s.decode->exactExp);
    CHECK(x.kernel()["check"]["tolerance"].get<double>() < platform::decodeTolerance(approx));
    CHECK(err < platform::decodeTolerance(approx));
    CHECK(err < 1e-3);
}

TEST_CASE("Decode: FP16 accumulation stays within its looser tolerance", "[pim][decode]") {
    const Run x = run({"/workload/accumulation=\"fp16\""});
    requireCorrect(x);
    platform::DecodeWorkload fp32 = *x.s.decode;
    fp32.fp16Accum = false;
    CHECK(x.s.decode->fp16Accum);
    CHECK(x.kernel()["check"]["tolerance"].get<double>() > platform::decodeTolerance(fp32));
}

// ------------------------------------------------------------------ reported figures vs what runs

TEST_CASE("Decode: internal bytes count q, K and V per bank and the outputs once per bank group",
          "[pim][decode]") {
    // docs/io-analysis.md: the BGPM merges the banks' partials without DRAM traffic and bank 0
    // writes the final FP16 outputs, so the outputs move once per group, not once per bank.
    const Run x = run({});
    requireCorrect(x);
    const uint64_t units = 16, banks = banksPerGroup(x), d = 64, G = 1, kpb = keysPerBank(x, 256);
    const uint64_t expect = units * (banks * (2 * G * d + 4 * kpb * d) + 2 * G * d);
    INFO("kernel: " << x.kernel().dump());
    CHECK(x.kernel()["internal_bytes"].get<uint64_t>() == expect);
}

TEST_CASE("Decode: the PEs run one score, exp and P.V step per tile of the reported tile_keys",
          "[pim][decode]") {
    // One pass, one round, G = 1, 64 keys per bank; a 32 KB buffer plans one tile of 64 keys.
    // The firmware issues per pseudo-channel: Cfg, then MacScores, Exp and MacPV per tile, then
    // Acc and Sfm, so PEOP commands per pseudo-channel = 3 + 3 * ceil(keysPerBank / tile_keys).
    // The firmware never lets a tile cross a DRAM row (rowBytes / (4d) keys per row: 4 at
    // d = 64), so tile_keys reports the tile that runs, not the planner's buffer bound.
    const Run x = run({"/pim/sram_bytes=32768"});
    requireCorrect(x);
    const json& k = x.kernel();
    const uint32_t kpb = keysPerBank(x, 256), tile = k["tile_keys"].get<uint32_t>();
    REQUIRE(tile >= 1);
    const uint64_t tiles = (kpb + tile - 1) / tile;
    INFO("kernel: " << k.dump() << " tiles " << tiles);
    for (const auto& pc : x.r["memory"]["per_pseudo_channel"])
        CHECK(pc["commands"]["PEOP"].get<uint64_t>() == 3 + 3 * tiles);
}
