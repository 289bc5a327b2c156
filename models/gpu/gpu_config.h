// SPDX-License-Identifier: MIT
#pragma once
// The GPU host's performance description: peak FP16 tensor throughput, DRAM bandwidth and the
// fraction of each that a kernel class achieves. Loaded from workloads/gpus/*.json, where every
// value names its public source in a sibling "sources" object (same shape as the values);
// validated on load, all problems reported together (file, JSON pointer, reason).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace pilot::gpu {

// Achievable fractions, each in (0, 1]: gemm scales the peak FLOP/s of the weight GEMMs;
// memoryBandwidth scales the peak DRAM bandwidth (the end-to-end run replaces it with the
// fraction the HBM model sustains on a stream).
struct Efficiency {
    double gemm = 0;
    double memoryBandwidth = 0;
};

// A published curve: (x, y) points with x strictly increasing; read by linear interpolation,
// extended beyond the ends along the end segments (models/gpu/attention_flash.h says where).
using Curve = std::vector<std::pair<double, double>>;

// `unfused` attention (models/gpu/attention_unfused.h): AttAcc's GPU methodology.
struct UnfusedAttentionConfig {
    double computeFraction = 0;        // of peak FLOP/s (AttAcc MAX_COMPUTE_UTIL)
    double memoryFraction = 0;         // of peak bandwidth (AttAcc MAX_OFF_MEM_BW_UTIL)
    double softmaxFlopsPerElement = 0; // AttAcc's softmax FLOPs per score
    uint32_t sparseTileRows = 0;       // query rows one SDDMM/SpMM thread block holds
    uint32_t indexBytes = 0;           // bytes of one CSR column index
};

// `flash` attention (models/gpu/attention_flash.h): today's fused kernels as measured.
struct FlashAttentionConfig {
    double prefillDenseFraction = 0;   // FlashAttention-2/3 forward, of peak FLOP/s
    Curve blockSparseRuntime;          // (block sparsity, runtime / dense runtime)
    Curve streamingHalfRuntime;        // (seq_len, runtime / dense runtime) with half the heads streaming
    Curve decodeBandwidthBatch1;       // (context, fraction of peak bandwidth) at batch 1
    double decodeBandwidthBatched = 0; // fraction of peak bandwidth from decodeBatchedFrom on
    uint32_t decodeBatchedFrom = 0;    // batch of the batched plateau
};

struct GpuConfig {
    std::string name;
    std::string sourceFile;
    double peakFp16Tflops = 0;        // dense FP16 tensor-core peak, 1e12 FLOP/s
    uint32_t memoryStacks = 0;        // HBM stacks attached to the GPU
    double memoryBandwidthGBps = 0;   // peak DRAM bandwidth of all stacks, 1e9 B/s
    uint64_t memoryCapacityBytes = 0; // the GPU's DRAM, all stacks
    uint32_t smCount = 0;
    uint64_t l2Bytes = 0;
    double kernelLaunchUs = 0; // added once per kernel
    Efficiency efficiency;
    UnfusedAttentionConfig unfused;
    FlashAttentionConfig flash;
    // The public source of each value, keyed by the value's JSON pointer ("/memory/stacks").
    std::map<std::string, std::string> sources;

    double peakFlopsPerNs() const { return peakFp16Tflops * 1e3; }
    double peakBytesPerNs() const { return memoryBandwidthGBps; } // 1e9 B/s = 1 B/ns
    double kernelLaunchNs() const { return kernelLaunchUs * 1e3; }
};

// Reads and validates a GPU config. Throws common::ConfigError listing every problem: missing
// or mistyped fields, fractions outside (0, 1], non-positive peaks, curves that are empty or not
// increasing in x, a value without a source, unknown keys (with a "did you mean" hint).
GpuConfig loadGpuConfig(const std::string& path);
GpuConfig parseGpuConfig(const nlohmann::json& doc, const std::string& file);

} // namespace pilot::gpu
