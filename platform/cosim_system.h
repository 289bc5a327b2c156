// SPDX-License-Identifier: MIT
#pragma once
// One system of an end-to-end point as ONE simulation (issue 13, `"mode": "cosim"`): the GPU's
// kernel engine (models/gpu/gpu_engine.h) and the host runtime's PIM offloads share the HBM
// model, its controllers and its command buses. One layer's prefill, then the sampled decode
// steps, each in the order the dependencies allow:
//   prefill: QKV GEMM -> attention -> O and FFN GEMMs, where attention is the GPU's kernels
//            (gpu, attacc) or the GPU's dense heads running WHILE the PIM runs the sparse heads
//            (pilot, pilot-naive), both on the same channels;
//   decode:  per sampled context, QKV GEMM -> attention (GPU kernels, or the PIM's decode
//            offload) -> O and FFN GEMMs.
// Timing only: the PIM kernels run without data (their outputs are checked in the composed
// mode's functional runs). Channels are replicated as in the PIM's timing-only runs: the first
// channel is simulated, its share of every GPU kernel's traffic with it.
// Where PIM and GPU overlap, each also runs alone once more (isolation runs), so the results
// say what the overlap costs: contended vs max(alone, alone).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/end_to_end_point.h"
#include "platform/end_to_end_systems.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

// What one attention phase (the prefill layer, or one decode step) measured, whole-system.
struct CosimPhase {
    double gemmNs = 0;                   // the layer's GEMMs (QKV before, O and FFN after the attention)
    double attentionNs = 0;              // attention's critical path: from its start to its last part's end
    double gpuAttentionNs = 0;           // GPU attention kernels (the GPU busy)
    double pimNs = 0;                    // the PIM offload: layout, descriptors, kernels, outputs
    double pimKernelNs = 0;              // of which descriptors in flight
    double gemmFlops = 0, gemmBytes = 0; // the GEMMs' FLOPs and DRAM traffic (their cost models)
    double attentionFlops = 0, attentionBytes = 0; // the GPU attention kernels' (their cost models)
    double pimInternal = 0, pimExternal = 0;       // bank <-> buffer; host <-> PIM (transactions)
    double pimMacs = 0;
    // Contention of the phase, summed over the simulated controllers (scaled to the system).
    double gpuStallNs = 0, pimStallNs = 0;
};

struct CosimMeasurement {
    CosimPhase prefill;
    // Isolation runs of the prefill overlap (pilot with sparse heads): each side alone.
    bool overlapped = false;
    double isolatedGpuNs = 0, isolatedPimNs = 0, isolatedPimKernelNs = 0;
    std::vector<uint32_t> contexts;
    std::vector<CosimPhase> decode; // per sampled context
    nlohmann::json detail;          // kernels, channels, simulator figures, errors
};

// Runs the system's simulation. Throws std::runtime_error on a failed offload or a simulation
// error (a checker violation is reported in detail/errors).
CosimMeasurement simulateCosimSystem(const EndToEndPoint& p, const EndToEndSystem& sys,
                                     const RunOptions& opt);

// The system's whole-point figures (every layer, every decode step) from the measurement, as the
// composed mode's SystemResult.
SystemResult composeCosim(const EndToEndPoint& p, const CosimMeasurement& m);

// The measurement as JSON and back (a system's child process hands it to the parent).
nlohmann::json cosimMeasurementJson(const CosimMeasurement& m);
CosimMeasurement cosimMeasurementFromJson(const nlohmann::json& j);

} // namespace pilot::platform
