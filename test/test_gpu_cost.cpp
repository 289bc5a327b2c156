// SPDX-License-Identifier: MIT
// GPU host model: the shipped GPU configs, their validation, and the roofline kernel costs
// (no kernel). Expected values are worked out here from the formulas and the config numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"
#include "models/gpu/gpu_config.h"
#include "models/gpu/kernel_cost.h"

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

TEST_CASE("GPU config: the three shipped GPU configs load and every value names its source",
          "[gpu][config]") {
    for (const char* f : {"a100-hbm3-4stack.json", "a100-80gb.json", "h100-sxm-80gb.json"}) {
        INFO(f);
        gpu::GpuConfig g = gpu::loadGpuConfig(kGpus + f);
        CHECK(g.peakFp16Tflops > 0);
        CHECK(g.memoryBandwidthGBps > 0);
        CHECK(g.efficiency.memoryBandwidth > 0);
        CHECK(g.efficiency.memoryBandwidth <= 1);
        // 1 peak + 2 memory + sm_count + l2_bytes + kernel_launch_us + 5 efficiencies.
        CHECK(g.sources.size() == 11);
        CHECK(g.sources.count("/memory/bandwidth_GBps") == 1);
        CHECK(g.sources.count("/efficiency/decode_attention") == 1);
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
    d["efficiency"]["decode_atention"] = 0.5;
    CHECK_THAT(
        gpuConfigError(d),
        Catch::Contains(
            "test.json: /efficiency/decode_atention: unknown key (did you mean \"decode_attention\"?)"));
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

TEST_CASE("Kernel cost: decode attention of 32 heads over 4096 keys is memory-bound at bytes over bandwidth "
          "times efficiency",
          "[gpu][cost]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::KernelCostModel model(g);
    const double heads = 32, keys = 4096, d = 128;
    // K and V of every head (no GQA) once, plus q read and o written once per head; FP16.
    const double bytes = (2 * heads * keys * d + 2 * heads * d) * 2;
    const double flops = 4 * heads * keys * d;
    const double memoryNs = bytes / (g.memoryBandwidthGBps * 1e9 * g.efficiency.memoryBandwidth) * 1e9;

    gpu::KernelCost c = model.decodeAttention(1, 32, 32, 4096, 128, 4096);
    CHECK(c.bytes == bytes);
    CHECK(c.flops == flops);
    CHECK(c.bound == gpu::Bound::Memory);
    CHECK(std::string(gpu::boundName(c.bound)) == "memory");
    CHECK(c.memoryNs == Approx(memoryNs));
    CHECK(c.computeNs == Approx(flops / (g.peakFp16Tflops * 1e3 * g.efficiency.decodeAttention)));
    CHECK(c.timeNs == Approx(memoryNs + g.kernelLaunchUs * 1e3));
    // 67,125,248 B / (2662.4 GB/s x 0.85) = 29.66 us.
    CHECK(c.memoryNs == Approx(67125248.0 / (2662.4 * 0.85)));
}

TEST_CASE("Kernel cost: decode attention over fewer keys reads fewer bytes and batch scales linearly",
          "[gpu][cost]") {
    const gpu::KernelCostModel model(a100Hbm3());
    gpu::KernelCost all = model.decodeAttention(1, 32, 32, 4096, 128, 4096);
    gpu::KernelCost window = model.decodeAttention(1, 32, 32, 4096, 128, 2048);
    CHECK(window.bytes == Approx((2 * 32 * 2048 * 128.0 + 2 * 32 * 128.0) * 2));
    CHECK(window.flops * 2 == all.flops);
    gpu::KernelCost batch8 = model.decodeAttention(8, 32, 32, 4096, 128, 4096);
    CHECK(batch8.bytes == 8 * all.bytes);
    CHECK(batch8.flops == 8 * all.flops);
}

TEST_CASE("Kernel cost: grouped-query attention divides decode K and V bytes by the group size",
          "[gpu][cost]") {
    const gpu::KernelCostModel model(a100Hbm3());
    const double qoBytes = 2 * 32 * 128.0 * 2; // q read and o written for the 32 query heads
    gpu::KernelCost mha = model.decodeAttention(4, 32, 32, 4096, 128, 4096);
    gpu::KernelCost gqa = model.decodeAttention(4, 32, 8, 4096, 128, 4096); // groups of 4
    CHECK((mha.bytes - 4 * qoBytes) == Approx(4 * (gqa.bytes - 4 * qoBytes)));
    CHECK(gqa.flops == mha.flops);
    CHECK(gqa.bound == gpu::Bound::Memory);
    CHECK(gqa.memoryNs < mha.memoryNs / 3.9);
}

TEST_CASE("Kernel cost: a dense prefill attention is compute-bound at 4 N^2 d FLOPs per head",
          "[gpu][cost]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::KernelCostModel model(g);
    // LED-large shape: 16 heads x 64, 16K tokens, batch 2.
    const double b = 2, h = 16, n = 16384, d = 64;
    const double flops = b * h * 4 * n * n * d;
    const double bytes = b * h * 4 * n * d * 2;
    gpu::KernelCost c = model.prefillAttentionDense(2, 16, 16384, 64, false);
    CHECK(c.flops == flops);
    CHECK(c.bytes == bytes);
    CHECK(c.bound == gpu::Bound::Compute);
    CHECK(c.timeNs == Approx(flops / (g.peakFp16Tflops * 1e3 * g.efficiency.prefillAttentionDense) +
                             g.kernelLaunchUs * 1e3));
}

TEST_CASE("Kernel cost: causal masking halves dense prefill FLOPs and keeps its bytes", "[gpu][cost]") {
    const gpu::KernelCostModel model(a100Hbm3());
    gpu::KernelCost full = model.prefillAttentionDense(4, 32, 4096, 128, false);
    gpu::KernelCost causal = model.prefillAttentionDense(4, 32, 4096, 128, true);
    CHECK(causal.flops * 2 == full.flops);
    CHECK(causal.bytes == full.bytes);
    CHECK(causal.computeNs * 2 == Approx(full.computeNs));
}

TEST_CASE("Kernel cost: block-sparse prefill with every block nonzero has the dense FLOPs", "[gpu][cost]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::KernelCostModel model(g);
    const uint64_t n = 4096, block = 64, blocks = (n / block) * (n / block);
    gpu::KernelCost dense = model.prefillAttentionDense(2, 12, n, 64, false);
    gpu::KernelCost sparse = model.prefillAttentionBlockSparse(2, 12, n, 64, blocks, block);
    CHECK(sparse.flops == dense.flops);
    // Compute time differs only by the efficiency of the kernel class.
    CHECK(sparse.computeNs * g.efficiency.prefillAttentionBlockSparse ==
          Approx(dense.computeNs * g.efficiency.prefillAttentionDense));
}

TEST_CASE("Kernel cost: block-sparse prefill counts the nonzero blocks and reads K and V per block",
          "[gpu][cost]") {
    const gpu::GpuConfig g = a100Hbm3();
    const gpu::KernelCostModel model(g);
    // BigBird-like: 4096 tokens, 64-token blocks, 5 nonzero blocks per block row (64 rows).
    const double b = 8, h = 12, n = 4096, d = 64, block = 64, nnz = 64 * 5;
    gpu::KernelCost c = model.prefillAttentionBlockSparse(8, 12, 4096, 64, 64 * 5, 64);
    CHECK(c.flops == b * h * nnz * 4 * block * block * d);
    CHECK(c.bytes == b * h * (2 * n * d + nnz * 2 * block * d) * 2);
    CHECK(c.computeNs ==
          Approx(c.flops / (g.peakFp16Tflops * 1e3 * g.efficiency.prefillAttentionBlockSparse)));
    CHECK(c.memoryNs == Approx(c.bytes / (g.memoryBandwidthGBps * g.efficiency.memoryBandwidth)));
    CHECK(c.timeNs == Approx(std::max(c.computeNs, c.memoryNs) + c.launchNs));
    gpu::KernelCost half = model.prefillAttentionBlockSparse(8, 12, 4096, 64, 64 * 5 / 2, 64);
    CHECK(half.flops * 2 == c.flops);
}

TEST_CASE("Kernel cost: shapes that cannot exist are rejected", "[gpu][cost]") {
    const gpu::KernelCostModel model(a100Hbm3());
    CHECK_THROWS_AS(model.decodeAttention(1, 32, 5, 4096, 128, 4096), std::invalid_argument);
    CHECK_THROWS_AS(model.decodeAttention(1, 32, 0, 4096, 128, 4096), std::invalid_argument);
    CHECK_THROWS_AS(model.decodeAttention(1, 32, 8, 4096, 128, 4097), std::invalid_argument);
    CHECK_THROWS_AS(model.prefillAttentionBlockSparse(1, 1, 4096, 64, 4097, 64), std::invalid_argument);
    CHECK_THROWS_AS(model.prefillAttentionBlockSparse(1, 1, 4096, 64, 1, 0), std::invalid_argument);
    // A partial last block row still counts as a block row: 4100 tokens make 65 x 65 blocks.
    CHECK_NOTHROW(model.prefillAttentionBlockSparse(1, 1, 4100, 64, 65 * 65, 64));
}

TEST_CASE("Kernel cost: the H100 config runs the same GEMM about 3.2 times faster than the A100",
          "[gpu][cost]") {
    const gpu::KernelCostModel a100(a100Hbm3());
    const gpu::KernelCostModel h100(gpu::loadGpuConfig(kGpus + "h100-sxm-80gb.json"));
    gpu::KernelCost a = a100.gemm(8192, 8192, 8192);
    gpu::KernelCost h = h100.gemm(8192, 8192, 8192);
    CHECK(a.computeNs / h.computeNs == Approx(989.4 / 312));
}
