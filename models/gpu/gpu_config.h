// SPDX-License-Identifier: MIT
#pragma once
// The GPU host's performance description: peak FP16 tensor throughput, DRAM bandwidth and the
// fraction of each that a kernel class achieves. Loaded from workloads/gpus/*.json, where every
// value names its public source in a sibling "sources" object (same shape as the values);
// validated on load, all problems reported together (file, JSON pointer, reason).
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace pilot::gpu {

// Achievable fractions, each in (0, 1]. The compute fractions scale the peak FLOP/s of one
// kernel class; memoryBandwidth scales the peak DRAM bandwidth for every kernel.
struct Efficiency {
    double gemm = 0;
    double prefillAttentionDense = 0;
    double prefillAttentionBlockSparse = 0;
    double decodeAttention = 0;
    double memoryBandwidth = 0;
};

struct GpuConfig {
    std::string name;
    std::string sourceFile;
    double peakFp16Tflops = 0;      // dense FP16 tensor-core peak, 1e12 FLOP/s
    uint32_t memoryStacks = 0;      // HBM stacks attached to the GPU
    double memoryBandwidthGBps = 0; // peak DRAM bandwidth of all stacks, 1e9 B/s
    uint32_t smCount = 0;
    uint64_t l2Bytes = 0;
    double kernelLaunchUs = 0; // added once per kernel
    Efficiency efficiency;
    // The public source of each value, keyed by the value's JSON pointer ("/memory/stacks").
    std::map<std::string, std::string> sources;

    double peakFlopsPerNs() const { return peakFp16Tflops * 1e3; }
    double peakBytesPerNs() const { return memoryBandwidthGBps; } // 1e9 B/s = 1 B/ns
    double kernelLaunchNs() const { return kernelLaunchUs * 1e3; }
};

// Reads and validates a GPU config. Throws common::ConfigError listing every problem: missing
// or mistyped fields, fractions outside (0, 1], non-positive peaks, a value without a source,
// unknown keys (with a "did you mean" hint).
GpuConfig loadGpuConfig(const std::string& path);
GpuConfig parseGpuConfig(const nlohmann::json& doc, const std::string& file);

} // namespace pilot::gpu
