// SPDX-License-Identifier: MIT
// GPU host model: the shipped GPU configs, their validation, and the roofline kernel costs
// (no kernel). Expected values are worked out here from the formulas and the config numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"
#include "models/gpu/attention_flash.h"
#include "models/gpu/attention_unfused.h"
#include "models/gpu/gpu_attention.h"
#include "models/gpu/gpu_config.h"
#include "models/gpu/kernel_cost.h"
#include "models/gpu/sparse_gather.h"

using namespace pilot;
using nlohmann::json;

namespace {

const std::string kGpus = std::string(PILOT_SOURCE_DIR) + "/workloads/gpus/";
const std::string kA100Hbm3 = kGpus + "a100-hbm3-4stack.json";

gpu::GpuConfig a100Hbm3() {
    return gpu::loadGpuConfig(kA100Hbm3);
}

// The error text of parsing `doc` as a GPU config, or "" when it parses.
std::string gpuConfigError(const json& doc) {
    try {
        gpu::parseGpuConfig(doc, "test.json");
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Configs

TEST_CASE("GPU config: the four shipped GPU configs load and every value names its source", "[gpu][config]") {
    for (const char* f :
         {"a100-hbm3-4stack.json", "a100-hbm3-attacc.json", "a100-80gb.json", "h100-sxm-80gb.json"}) {
        INFO(f);
        gpu::GpuConfig g = gpu::loadGpuConfig(kGpus + f);
        CHECK(g.peakFp16Tflops > 0);
        CHECK(g.memoryBandwidthGBps > 0);
        CHECK(g.efficiency.memoryBandwidth > 0);
        CHECK(g.efficiency.memoryBandwidth <= 1);
        // 1 peak + 3 memory + sm_count + l2_bytes + kernel_launch_us + 2 efficiencies + 5 unfused + 6 flash.
        CHECK(g.sources.size() == 20);
        CHECK(g.sources.count("/memory/bandwidth_GBps") == 1);
        CHECK(g.sources.count("/memory/capacity_bytes") == 1);
        CHECK(g.sources.count("/attention/unfused/compute_fraction") == 1);
        CHECK(g.sources.count("/attention/flash/block_sparse_runtime") == 1);
    }
}

TEST_CASE("GPU config: the PILOT system is A100 compute with four HBM3 stacks of 665.6 GB/s",
          "[gpu][config]") {
    gpu::GpuConfig g = a100Hbm3();
    CHECK(g.peakFp16Tflops == 312);
    CHECK(g.memoryStacks == 4);
    CHECK(g.memoryBandwidthGBps == Approx(4 * 1024 * 5.2 / 8)); // 1024 DQ x 5.2 Gb/s per stack
    CHECK(g.smCount == 108);
    CHECK(g.l2Bytes == 40ull * 1024 * 1024);
    // AttAcc's achievable fractions for GEMM and DRAM bandwidth.
    CHECK(g.efficiency.gemm == 0.8);
    CHECK(g.efficiency.memoryBandwidth == 0.85);
}

TEST_CASE("GPU config: the A100 80GB and H100 SXM configs carry their datasheet peaks", "[gpu][config]") {
    gpu::GpuConfig a = gpu::loadGpuConfig(kGpus + "a100-80gb.json");
    CHECK(a.peakFp16Tflops == 312);
    CHECK(a.memoryBandwidthGBps == 2039);
    gpu::GpuConfig h = gpu::loadGpuConfig(kGpus + "h100-sxm-80gb.json");
    CHECK(h.peakFp16Tflops == Approx(989.4));
    CHECK(h.memoryBandwidthGBps == 3350);
    CHECK(h.smCount == 132);
    CHECK(h.l2Bytes == 50ull * 1024 * 1024);
}

TEST_CASE("GPU config: a missing field is reported with its pointer", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["memory"].erase("bandwidth_GBps");
    CHECK_THAT(gpuConfigError(d),
               Catch::Contains("test.json: /memory/bandwidth_GBps: missing required field"));
}

TEST_CASE("GPU config: an efficiency above 1 is rejected with its pointer", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["efficiency"]["gemm"] = 1.5;
    CHECK_THAT(gpuConfigError(d),
               Catch::Contains("test.json: /efficiency/gemm: must be in (0, 1] (got 1.5)"));
}

TEST_CASE("GPU config: an efficiency of zero is rejected and one of exactly 1 is accepted", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["efficiency"]["memory_bandwidth"] = 1;
    CHECK(gpuConfigError(d).empty());
    d["efficiency"]["memory_bandwidth"] = 0;
    CHECK_THAT(gpuConfigError(d), Catch::Contains("/efficiency/memory_bandwidth: must be in (0, 1] (got 0)"));
}

TEST_CASE("GPU config: zero bandwidth and a mistyped peak are rejected", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["memory"]["bandwidth_GBps"] = 0;
    d["peak_fp16_tflops"] = "312";
    const std::string err = gpuConfigError(d);
    CHECK_THAT(err, Catch::Contains("/memory/bandwidth_GBps: must be in (0, "));
    CHECK_THAT(err, Catch::Contains("/peak_fp16_tflops: must be a number (got string)"));
}

TEST_CASE("GPU config: an unknown key is reported with a suggestion", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["efficiency"]["memory_bandwith"] = 0.5;
    CHECK_THAT(
        gpuConfigError(d),
        Catch::Contains(
            "test.json: /efficiency/memory_bandwith: unknown key (did you mean \"memory_bandwidth\"?)"));
}

TEST_CASE("GPU config: a value without a public source is rejected", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["sources"]["efficiency"].erase("gemm");
    d["sources"]["memory"]["stacks"] = " ";
    const std::string err = gpuConfigError(d);
    CHECK_THAT(err, Catch::Contains("test.json: /sources/efficiency/gemm: missing required field"));
    CHECK_THAT(err,
               Catch::Contains("test.json: /sources/memory/stacks: must name the value's public source"));
}

TEST_CASE("GPU config: every problem is reported together one line each", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d.erase("sm_count");
    d["efficiency"]["gemm"] = 1.5;
    d["memory"]["stacks"] = 0;
    d["l2_byte"] = 1;
    d["sources"].erase("kernel_launch_us");
    try {
        gpu::parseGpuConfig(d, "test.json");
        FAIL("expected a ConfigError");
    } catch (const common::ConfigError& e) {
        REQUIRE(e.issues().size() == 5);
        const std::string text = e.what();
        CHECK_THAT(text, Catch::Contains("/sm_count: missing required field"));
        CHECK_THAT(text, Catch::Contains("/efficiency/gemm: must be in (0, 1]"));
        CHECK_THAT(text, Catch::Contains("/memory/stacks: must be in [1, 64]"));
        CHECK_THAT(text, Catch::Contains("/l2_byte: unknown key (did you mean \"l2_bytes\"?)"));
        CHECK_THAT(text, Catch::Contains("/sources/kernel_launch_us: missing required field"));
    }
}

TEST_CASE("GPU config: a file that does not exist is a ConfigError naming it", "[gpu][config]") {
    CHECK_THROWS_WITH(gpu::loadGpuConfig(kGpus + "no-such-gpu.json"),
                      Catch::Contains("no-such-gpu.json: /: cannot open file"));
}

// ---------------------------------------------------------------------------------------------
// Roofline

TEST_CASE("Kernel cost: a 4096 cube GEMM on the A100 is compute-bound at 2mnk over peak times efficiency",
          "[gpu][cost]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::KernelCostModel model(g);
    const double n = 4096;
    const double flops = 2 * n * n * n;
    const double bytes = 3 * n * n * 2;
    const double computeNs = flops / (g.peakFp16Tflops * 1e12 * g.efficiency.gemm) * 1e9;
    const double memoryNs = bytes / (g.memoryBandwidthGBps * 1e9 * g.efficiency.memoryBandwidth) * 1e9;

    gpu::KernelCost c = model.gemm(4096, 4096, 4096);
    CHECK(c.flops == flops);
    CHECK(c.bytes == bytes);
    CHECK(c.bound == gpu::Bound::Compute);
    CHECK(std::string(gpu::boundName(c.bound)) == "compute");
    CHECK(c.computeNs == Approx(computeNs));
    CHECK(c.memoryNs == Approx(memoryNs));
    CHECK(c.launchNs == Approx(g.kernelLaunchUs * 1e3));
    CHECK(c.timeNs == Approx(computeNs + g.kernelLaunchUs * 1e3));
    // With the shipped numbers: 2 x 4096^3 / (312e12 x 0.8) s = 550.64 us, plus 1 us launch.
    CHECK(c.timeNs == Approx(550636.8 + 1000.0).epsilon(1e-6));
}

TEST_CASE("Kernel cost: a matrix-vector GEMM is memory-bound and the element size scales its bytes",
          "[gpu][cost]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::KernelCostModel model(g);
    gpu::KernelCost c = model.gemm(1, 4096, 4096);
    CHECK(c.bound == gpu::Bound::Memory);
    CHECK(c.bytes == (4096.0 + 4096.0 * 4096 + 4096.0) * 2);
    CHECK(c.timeNs == Approx(c.bytes / (g.memoryBandwidthGBps * g.efficiency.memoryBandwidth) + c.launchNs));
    gpu::KernelCost c4 = model.gemm(1, 4096, 4096, 4);
    CHECK(c4.bytes == 2 * c.bytes);
    CHECK(c4.flops == c.flops);
}

TEST_CASE("GPU config: AttAcc's A100a is A100 compute with 3352 GB/s of HBM3 in five stacks and 80 GiB",
          "[gpu][config]") {
    gpu::GpuConfig g = gpu::loadGpuConfig(kGpus + "a100-hbm3-attacc.json");
    CHECK(g.peakFp16Tflops == 312);
    CHECK(g.memoryStacks == 5);
    CHECK(g.memoryBandwidthGBps == Approx(5 * 670.4));
    CHECK(g.memoryCapacityBytes == 80ull << 30);
    // Its roofline ridge, the bend of PILOT's Fig. 2: 312e12 / 3352e9 = 93.1 FLOP/B.
    CHECK(g.peakFp16Tflops * 1e12 / (g.memoryBandwidthGBps * 1e9) == Approx(93.08).epsilon(1e-3));
}

TEST_CASE("GPU config: a curve whose x does not grow is rejected at the point", "[gpu][config]") {
    json d = common::readJsonFile(kA100Hbm3);
    d["attention"]["flash"]["streaming_half_runtime"] = json::array({{8192, 0.7}, {8192, 0.6}});
    d["attention"]["flash"]["block_sparse_runtime"] = json::array();
    d["attention"]["unfused"]["sparse_tile_rows"] = 0;
    const std::string err = gpuConfigError(d);
    CHECK_THAT(err, Catch::Contains("/attention/flash/streaming_half_runtime/1/0: must be larger than the "
                                    "previous point's x (8192)"));
    CHECK_THAT(err, Catch::Contains("/attention/flash/block_sparse_runtime: must be a non-empty array"));
    CHECK_THAT(err, Catch::Contains("/attention/unfused/sparse_tile_rows: must be in [1, 65536]"));
}

TEST_CASE("GPU attention: the factory knows unfused and flash and nothing else", "[gpu][attention]") {
    const gpu::GpuConfig g = a100Hbm3();
    CHECK(std::string(gpu::makeGpuAttention("unfused", g)->name()) == "unfused");
    CHECK(std::string(gpu::makeGpuAttention("flash", g)->name()) == "flash");
    CHECK(gpu::makeGpuAttention("fused", g) == nullptr);
    CHECK(gpu::gpuAttentionNames().size() == 2);
}

TEST_CASE("GPU attention: a curve is linear between its points and along its end segments beyond them",
          "[gpu][attention]") {
    const gpu::Curve c = {{0.0, 1.175}, {0.9, 0.19}};
    CHECK(gpu::curveAt(c, 0.0) == Approx(1.175));
    CHECK(gpu::curveAt(c, 0.45) == Approx((1.175 + 0.19) / 2));
    CHECK(gpu::curveAt(c, 1.0) == Approx(0.19 - (1.175 - 0.19) / 9)); // 0.0806
    const gpu::Curve three = {{2048, 0.42}, {4096, 0.52}, {16384, 0.78}};
    CHECK(gpu::curveAt(three, 10240) == Approx(0.65));
    CHECK(gpu::curveAt(three, 1024) == Approx(0.37));
    CHECK(gpu::curveAt({{5, 0.3}}, 100) == 0.3);
}

// ---------------------------------------------------------------------------------------------
// unfused (AttAcc's methodology)

TEST_CASE("Unfused: AttAcc's SM quantisation is numOp over whole waves of 108 SMs", "[gpu][attention]") {
    const gpu::UnfusedAttention u(a100Hbm3());
    CHECK(u.smUtilisation(108) == 1.0);
    CHECK(u.smUtilisation(54) == 0.5);
    CHECK(u.smUtilisation(109) == Approx(109.0 / 216));
    CHECK(u.smUtilisation(512 * 12) == Approx(6144.0 / 6156));
}

TEST_CASE("Unfused: dense prefill is three kernels with the N x N scores written and read back",
          "[gpu][attention]") {
    const gpu::UnfusedAttention u(a100Hbm3());
    // 108 heads (no quantisation loss), N = 4096, d = 64. Rates: 312e3 x 0.8 = 249600 FLOP/ns,
    // 2662.4 x 0.85 = 2263.04 B/ns.
    const double n = 4096, d = 64, h = 108;
    const double scoreNs = std::max(h * 2 * n * n * d / 249600, h * (2 * n * d + n * n) * 2 / 2263.04);
    const double softNs = std::max(h * 5 * n * n / 249600, h * 2 * n * n * 2 / 2263.04);
    const double ctxNs = std::max(h * 2 * n * n * d / 249600, h * (n * n + 2 * n * d) * 2 / 2263.04);
    const gpu::KernelCost c = u.prefillDense(108, 4096, 64, true);
    CHECK(c.flops == h * (4 * n * n * d + 5 * n * n)); // causal or not: the GEMMs compute every score
    CHECK(c.bytes == h * (4 * n * d + 4 * n * n) * 2);
    CHECK(c.launchNs == 3000);
    CHECK(c.timeNs == Approx(scoreNs + softNs + ctxNs + 3000));
    // Every kernel is memory-bound here: 3,737,124,864 B / 2263.04 B/ns = 1.651 ms each for the
    // two GEMMs and 1.601 ms for the softmax.
    CHECK(scoreNs == Approx(1651373.76).epsilon(1e-6));
    CHECK(c.bound == gpu::Bound::Memory);
}

TEST_CASE("Unfused: decode GEMVs read K and V once per query head, grouped-query or not",
          "[gpu][attention]") {
    const gpu::UnfusedAttention u(a100Hbm3());
    const gpu::KernelCost mha = u.decode(4, 32, 32, 4096, 128, 4096);
    const gpu::KernelCost gqa = u.decode(4, 32, 8, 4096, 128, 4096);
    const double ops = 4 * 32, s = 4096, d = 128;
    CHECK(mha.bytes == ops * ((d + s * d + s) + 2 * s + (s + s * d + d)) * 2);
    CHECK(gqa.bytes == mha.bytes);
    CHECK(mha.flops == ops * (4 * s * d + 5 * s));
    // 128 ops on 108 SMs: quantisation 128 / 216.
    CHECK(mha.memoryNs == Approx(mha.bytes / (2263.04 * 128.0 / 216)));
    CHECK_THROWS_AS(u.decode(1, 32, 5, 4096, 128, 4096), std::invalid_argument);
    CHECK_THROWS_AS(u.decode(1, 32, 8, 4096, 128, 4097), std::invalid_argument);
}

namespace {

// A band of keys [i - 1, i + 2) clipped to [0, n): three keys per row.
gpu::KeyRuns band(uint32_t n) {
    return [n](uint32_t i) {
        return std::vector<std::pair<uint32_t, uint32_t>>{{i == 0 ? 0 : i - 1, std::min(n, i + 2)}};
    };
}

} // namespace

TEST_CASE("Gathers: a tile reads the union of its rows' keys once", "[gpu][attention][gather]") {
    // 8 rows in tiles of 4: tile 0 attends keys [0, 5), tile 1 keys [3, 8): 5 + 5 rows for 22 scores.
    gpu::GatherTraffic g = gpu::gatherTraffic(8, 4, 1, 128, 1 << 20, band(8));
    CHECK(g.nnz == 22);
    CHECK(g.tiles == 2);
    CHECK(g.tileRows == 10);
    CHECK(g.dramRows == 10); // one tile in flight: no reuse across tiles
}

TEST_CASE("Gathers: tiles in flight share their keys through the L2 only when the union fits",
          "[gpu][attention][gather]") {
    // Both tiles in flight: their union is [0, 8), 8 rows of 128 B = 1 KiB.
    CHECK(gpu::gatherTraffic(8, 4, 2, 128, 1024, band(8)).dramRows == 8);
    const gpu::GatherTraffic spilled = gpu::gatherTraffic(8, 4, 2, 128, 1023, band(8));
    CHECK(spilled.dramRows == 10);
    CHECK(spilled.wavesSpilled == 1);
    // Four tiles in flight over a 2-tile head: two heads' unions must fit together (2 KiB).
    CHECK(gpu::gatherTraffic(8, 4, 4, 128, 2048, band(8)).dramRows == 8);
    CHECK(gpu::gatherTraffic(8, 4, 4, 128, 2047, band(8)).dramRows == 10);
}

TEST_CASE("Gathers: rows of a tile that attend the same 64-token block read it once",
          "[gpu][attention][gather]") {
    // 64 rows, each attending its own key and the block [64, 128) (BigBird's block-sparse part).
    auto runs = [](uint32_t i) { return std::vector<std::pair<uint32_t, uint32_t>>{{i, i + 1}, {64, 128}}; };
    gpu::GatherTraffic g = gpu::gatherTraffic(64, 64, 1, 128, 1, runs);
    CHECK(g.nnz == 64 * 65);
    CHECK(g.tileRows == 128); // 64 diagonal keys + the block once, not 64 x 65
    CHECK(g.dramRows == 128);
}

TEST_CASE("Unfused: sparse prefill gathers the model's key rows and moves every score through DRAM",
          "[gpu][attention]") {
    gpu::GpuConfig cfg = a100Hbm3();
    const gpu::UnfusedAttention u(cfg);
    gpu::SparseMask m;
    m.seqLen = 8;
    m.nnz = 22;
    m.blockSize = 4;
    m.nnzBlocks = 4;
    m.rowRuns = band(8);
    // 8 rows make one tile of 64: the whole head is one wave, its union [0, 8) fits in 40 MiB.
    const double h = 108, n = 8, d = 64, nnz = 22, rows = 8, x = 4, e = 2;
    const gpu::KernelCost c = u.prefillSparse(108, 64, m);
    const double sddmm = h * (n * d * e + rows * d * e + nnz * (x + e) + (n + 1) * x);
    const double softmax = h * 2 * nnz * e;
    const double spmm = h * (nnz * (e + x) + (n + 1) * x + rows * d * e + n * d * e);
    CHECK(c.bytes == sddmm + softmax + spmm);
    CHECK(c.flops == h * (4 * nnz * d + 5 * nnz));
    CHECK(c.timeNs == Approx((sddmm + softmax + spmm) / 2263.04 + 3000));
    CHECK(u.prefillSparseScratchBytes(108, m) == h * nnz * e + (nnz + n + 1) * x);
    CHECK(u.prefillDenseScratchBytes(2, 1024) == 2.0 * 1024 * 1024 * 2);
}

// ---------------------------------------------------------------------------------------------
// flash (today's kernels)

TEST_CASE("Flash: dense prefill at FlashAttention's fraction of peak, causal halving the FLOPs",
          "[gpu][attention]") {
    const gpu::FlashAttention f(a100Hbm3());
    const double h = 32, n = 16384, d = 64;
    const gpu::KernelCost full = f.prefillDense(32, 16384, 64, false);
    CHECK(full.flops == h * 4 * n * n * d);
    CHECK(full.bytes == h * 4 * n * d * 2);
    CHECK(full.bound == gpu::Bound::Compute);
    CHECK(full.timeNs == Approx(h * 4 * n * n * d / (312e3 * 0.7) + 1000));
    const gpu::KernelCost causal = f.prefillDense(32, 16384, 64, true);
    CHECK(causal.computeNs * 2 == Approx(full.computeNs));
    CHECK(f.prefillDenseScratchBytes(32, 16384) == 0);
}

TEST_CASE("Flash: block-sparse runtime follows the published curve of sparsity", "[gpu][attention]") {
    const gpu::FlashAttention f(a100Hbm3());
    gpu::SparseMask m;
    m.seqLen = 4096;
    m.blockSize = 64;
    m.nnzBlocks = 64 * 64; // every block: 1.175 x dense
    m.nnz = 4096ull * 4096;
    CHECK(f.sparseRuntimeShare(m) == Approx(1.175));
    m.nnzBlocks = 4096 / 10 * 1; // 409.6 of 4096 blocks -> 409: sparsity 0.90015
    CHECK(f.sparseRuntimeShare(m) == Approx(0.19 - (1.175 - 0.19) / 0.9 * (1 - 409.0 / 4096 - 0.9)));
    m.nnzBlocks = 64 * 5; // BigBird-like: 5 blocks per block row, sparsity 0.921875
    m.nnz = 4096ull * 320;
    const double share = 0.19 - (1.175 - 0.19) / 0.9 * (0.921875 - 0.9);
    const gpu::KernelCost c = f.prefillSparse(24, 64, m);
    CHECK(c.computeNs == Approx(share * 24 * 4 * 4096.0 * 4096 * 64 / (312e3 * 0.7)));
    CHECK(c.bytes == 24 * (2 * 4096.0 * 64 + 320 * 2 * 64.0 * 64) * 2);
    CHECK(c.flops == 24 * 4 * 4096.0 * 320 * 64);
    // Causal masks count against the causal dense kernel's N_b (N_b + 1) / 2 blocks.
    m.causal = true;
    m.nnzBlocks = 64 * 65 / 2;
    CHECK(f.sparseRuntimeShare(m) == Approx(1.175));
    m.blockSize = 0;
    CHECK_THROWS_AS(f.sparseRuntimeShare(m), std::invalid_argument);
}

TEST_CASE("Flash: streaming heads cost the published share, a fixed cost per query row", "[gpu][attention]") {
    const gpu::FlashAttention f(a100Hbm3());
    // (2 x 0.7 - 1) x 8192 = (2 x 0.6 - 1) x 16384 = (2 x 0.55 - 1) x 32768 = 3276.8 keys' worth.
    gpu::SparseMask m;
    m.streaming = true;
    m.causal = true;
    m.blockSize = 64;
    // One block per block row (sparsity 1 - 2 / (N_b + 1)): the block-sparse curve gives about
    // 0.08-0.10, so the streaming term decides until it falls below that.
    auto at = [&](uint64_t n) {
        m.seqLen = n;
        m.nnzBlocks = n / 64;
        return f.sparseRuntimeShare(m);
    };
    const double slope = (1.175 - 0.19) / 0.9;
    CHECK(at(8192) == Approx(0.4));  // the measured half-streaming 0.7 of dense
    CHECK(at(32768) == Approx(0.1)); // 0.55
    CHECK(at(2048) == Approx(1.0));  // never above a dense head
    // 64K: 3276.8 / 65536 = 0.05 is below the block-sparse curve at sparsity 1 - 2 / 1025.
    CHECK(at(65536) == Approx(0.19 - slope * (1 - 2.0 / 1025 - 0.9)));
    // A wide window is bounded by the block-sparse curve instead: 8192 tokens, 4096-key window.
    m.seqLen = 8192;
    m.nnzBlocks = 128 * 65 - 64 * 65 / 2; // a band of 65 blocks per block row, shorter in the first 64
    const double sparsity = 1 - double(m.nnzBlocks) / (128.0 * 129 / 2);
    CHECK(f.sparseRuntimeShare(m) == Approx(1.175 - slope * sparsity));
}

TEST_CASE("Flash: decode reaches FlashInfer's measured bandwidth fraction for its batch and context",
          "[gpu][attention]") {
    const gpu::FlashAttention f(a100Hbm3());
    CHECK(f.decodeBandwidthFraction(16, 4096) == 0.855);
    CHECK(f.decodeBandwidthFraction(512, 2048) == 0.855);
    CHECK(f.decodeBandwidthFraction(1, 2048) == Approx(0.42));
    CHECK(f.decodeBandwidthFraction(1, 16384) == Approx(0.78));
    CHECK(f.decodeBandwidthFraction(4, 4096) == Approx(0.52 + (0.855 - 0.52) * 0.5)); // log2 4 / log2 16
    // GQA: K and V once per KV head; memory at min(0.855, 0.85) of 2662.4 GB/s.
    const gpu::KernelCost c = f.decode(64, 32, 8, 4096, 128, 4096);
    const double bytes = 64 * (2 * 8 * 4096.0 * 128 + 2 * 32 * 128.0) * 2;
    CHECK(c.bytes == bytes);
    CHECK(c.memoryNs == Approx(bytes / (2662.4 * 0.85)));
    // Batch 1 at 2K: 0.42 of peak.
    const gpu::KernelCost one = f.decode(1, 32, 32, 2048, 128, 2048);
    CHECK(one.memoryNs == Approx(one.bytes / (2662.4 * 0.42)));
    CHECK_THROWS_AS(f.decode(1, 32, 5, 4096, 128, 4096), std::invalid_argument);
    CHECK_THROWS_AS(f.decode(1, 32, 8, 4096, 128, 4097), std::invalid_argument);
}

TEST_CASE("GPU attention: unfused is slower than flash on the paper's dense prefill and equal-ish on decode",
          "[gpu][attention]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::UnfusedAttention u(g);
    const gpu::FlashAttention f(g);
    // Llama-2-7B's dense heads at batch 128, L_in 4096.
    const double uNs = u.prefillDense(128 * 16, 4096, 128, true).timeNs;
    const double fNs = f.prefillDense(128 * 16, 4096, 128, true).timeNs;
    CHECK(uNs > 2 * fNs);
    // Decode of an MHA model at batch 128: both stream K and V at about the same fraction.
    const double ud = u.decode(128, 32, 32, 4096, 128, 4096).timeNs;
    const double fd = f.decode(128, 32, 32, 4096, 128, 4096).timeNs;
    CHECK(ud / fd == Approx(1.0).epsilon(0.05));
}

TEST_CASE("Kernel cost: the H100 config runs the same GEMM about 3.2 times faster than the A100",
          "[gpu][cost]") {
    const gpu::KernelCostModel a100(a100Hbm3());
    const gpu::KernelCostModel h100(gpu::loadGpuConfig(kGpus + "h100-sxm-80gb.json"));
    gpu::KernelCost a = a100.gemm(8192, 8192, 8192);
    gpu::KernelCost h = h100.gemm(8192, 8192, 8192);
    CHECK(a.computeNs / h.computeNs == Approx(989.4 / 312));
}
