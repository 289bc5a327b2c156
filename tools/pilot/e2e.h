// SPDX-License-Identifier: MIT
#pragma once
// End-to-end inference of one model on the GPU-PILOT system and the systems it is compared
// with (issue 6): `pilot run` on a scenario whose workload type is "end_to_end".
//
// One point = model, L_in (seq_len), L_out (out_len), batch, sparse pattern, SRAM size. For
// each system the runner composes one layer (layers have identical shapes: simulated once,
// multiplied by the layer count) from:
//   - GPU kernels (models/gpu/kernel_cost.h): GEMMs, dense and block-sparse prefill attention,
//     decode attention; their memory time uses the bandwidth the HBM model achieves on a
//     sequential stream over the same stacks (a sub-simulation), not a guessed efficiency;
//   - PIM kernels, each a sub-simulation in a child process (`pilot run` on a derived prefill
//     or decode scenario, timing-only, channels and rounds replicated): prefill hybrid sparse
//     attention (pilot, pilot-naive) and decode attention at a few context lengths, linearly
//     interpolated over the L_out steps (`decode_samples`; = out_len runs every step).
// Systems: gpu (all on the GPU), attacc (decode attention on PIM GEMV units reading the open
// row: no GQA reuse, all-bank power limit; prefill on the GPU), pilot (I/O-aware PIM prefill
// of the sparse heads, overlapped with the GPU's dense heads, and PIM decode), pilot-naive
// (the same without I/O-aware tiling). Schedule per layer: QKV GEMM -> attention -> output
// and FFN GEMMs; the PIM and the GPU overlap only where the dependencies allow it (the dense
// heads' prefill attention runs on the GPU while the PIM runs the sparse heads).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pilot::tools {

bool isEndToEnd(const nlohmann::json& scenario);
// Reads and checks the point (model, GPU and energy files included) without running it; a
// one-line description. Throws common::ConfigError on bad input.
std::string describeEndToEnd(const std::string& path);
// Runs the point; prints a summary; writes the results JSON to `out` (when given) and the
// sub-simulations under `<out>.parts/` (or a temporary folder). Returns the exit code.
int runEndToEnd(const std::string& path, const std::vector<std::string>& sets, const std::string& out);

}  // namespace pilot::tools
