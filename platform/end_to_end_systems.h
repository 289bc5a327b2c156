// SPDX-License-Identifier: MIT
#pragma once
// The systems an end-to-end point compares, as a table of strategies (DESIGN.md: "each system
// is an entry in a table, not a branch"). A system says which PIM sub-simulations time its
// offloaded kernels and how one layer's prefill attention and the L_out decode steps compose
// from them and from the GPU's kernel costs. A new system is one entry of kEndToEndSystems
// (end_to_end_systems.cpp), usually reusing the placements below.
//
// Systems today: gpu (all on the GPU), attacc (decode attention on PIM with AttAcc's own kernel:
// GEMV units reading the open row, buffer-die softmax, no GQA reuse; prefill on the GPU), pilot (I/O-aware
// PIM prefill of the sparse heads, overlapped with the GPU's dense heads, and PIM decode), pilot-naive (the
// same without I/O-aware tiling).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/gpu/gpu_attention.h"
#include "models/gpu/kernel_cost.h"
#include "platform/end_to_end_point.h"
#include "platform/sub_simulations.h"

namespace pilot::platform {

// GPU work: time, FLOPs and DRAM bytes.
struct GpuWork {
    double ns = 0, flops = 0, bytes = 0;
    void add(const gpu::KernelCost& k) {
        ns += k.timeNs;
        flops += k.flops;
        bytes += k.bytes;
    }
};

// What every system's composition reads: the point, the sub-simulations' results, the GPU
// model (with the memory efficiency the HBM model achieved) and the costs every system shares.
struct CompositionInputs {
    CompositionInputs(const EndToEndPoint& point, std::map<std::string, nlohmann::json>& results,
                      const gpu::KernelCostModel& gpuModel)
        : p(point), sub(results), g(gpuModel) {}
    const EndToEndPoint& p;
    std::map<std::string, nlohmann::json>& sub; // results by sub-simulation key
    const gpu::KernelCostModel& g;
    const gpu::GpuAttention* attention = nullptr; // the GPU's attention kernels (/workload/gpu_attention)
    double bwBytesPerNs = 0;                      // the GPU's achieved DRAM bandwidth
    std::vector<uint32_t> contexts;               // sampled decode contexts
    double layers = 0;
    uint64_t sparseHeads = 0, denseHeads = 0;  // of batch x heads
    double sparseShare = 0;                    // the pattern's head fraction (0: dense)
    uint64_t sparseNnz = 0;                    // attended cells of one sparse head
    GpuWork gpuPrefillSparse, gpuPrefillDense; // one layer's prefill attention on the GPU
    bool sparseDecode = false;                 // streaming heads attend sink + window while decoding
    uint32_t sink = 0, window = 0;
};

struct PhaseFigures {
    double ns = 0, internal = 0, external = 0;
};
struct SystemResult {
    PhaseFigures prefillAttn, decodeAttn, total;
    double gemm = 0, attention = 0, transfer = 0, idle = 0;
    double gpuFlops = 0, pimMacs = 0;
    double prefillNs = 0; // the whole prefill (GEMMs, attention, transfers) of every layer
};

// One layer's prefill attention: critical path, GPU busy, GPU idle, transfers, bytes.
struct PrefillAttention {
    double crit = 0, busy = 0, idle = 0, transfer = 0, internal = 0, external = 0;
};
// The L_out decode steps' attention (one layer each): sums over the steps.
struct DecodeAttention {
    double ns = 0, internal = 0, external = 0, idle = 0, busy = 0, transfer = 0;
};

struct EndToEndSystem {
    const char* name;
    bool baseline; // speedups of every system are reported against it ("vs_<name>")
    bool naive;    // PIM kernels without I/O-aware tiling
    // Adds the PIM sub-simulations the system needs (keys unique to the system).
    void (*plan)(const EndToEndSystem& self, SubSimulationPlan& plan);
    // One layer's prefill attention; adds its FLOPs and MACs (x layers) to r.
    PrefillAttention (*prefill)(const EndToEndSystem& self, const CompositionInputs& in, SystemResult& r);
    // Every decode step's attention; adds its FLOPs and MACs (x layers) to r.
    DecodeAttention (*decode)(const EndToEndSystem& self, const CompositionInputs& in, SystemResult& r);
};

// Every system, in the default order of a point.
const std::vector<EndToEndSystem>& endToEndSystems();
// nullptr when no system has that name.
const EndToEndSystem* endToEndSystemNamed(const std::string& name);
// "gpu, attacc, pilot, pilot-naive"
std::string endToEndSystemNames();
// Whether the system runs the sparse heads' prefill attention on the PIM (its layout then
// takes memory: platform/end_to_end_capacity.h).
bool prefillsOnPim(const EndToEndSystem& system);
// Whether it runs decode attention on the PIM, and with AttAcc's kernel.
bool decodesOnPim(const EndToEndSystem& system);
bool usesAttAccKernel(const EndToEndSystem& system);
// A figure at context c from samples (context, figure): linear between them, along the end
// segments beyond them.
double interpolate(const std::vector<std::pair<double, double>>& samples, double c);

} // namespace pilot::platform
