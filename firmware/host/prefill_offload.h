// SPDX-License-Identifier: MIT
#pragma once
// Prefill hybrid sparse attention offloaded to the PIM (issue 5), the host runtime's side: the
// kernel's plan for the pattern (firmware/pim/prefill_kernel.h), the rows of each region in
// every bank of a head's group, the pattern table, the layout of a head (Q tiles, band and
// aux copies of K and V, the global rows' operands), the PREFILL_HYBRID_SPARSE descriptors,
// reading a head's outputs back, and the rounds (the shared skeleton of offload_rounds.h).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "firmware/host/offload_rounds.h"
#include "firmware/host/pim_runtime.h"
#include "firmware/host/sparse_pattern.h"
#include "firmware/pim/prefill_kernel.h"

namespace pilot::host {

// Rows of one head's regions in every bank of its group, in allocation order.
struct PrefillRows {
    uint32_t q = 0, out = 0, band = 0, aux = 0, scratch = 0, pattern = 0, globalQ = 0, splitKv = 0,
             globalOut = 0;
    uint32_t used = 0;
};
PrefillRows prefillRows(const fw::PrefillKernelPlan& plan);

// Heads of the whole system, the simulated channels' share and the rounds run.
struct PrefillRoundPlan {
    uint32_t units = 0;     // sparse heads of batch x heads (the pattern's head fraction)
    uint32_t unitsSim = 0;  // the busiest simulated channel's share
    uint32_t rounds = 0;    // to run unitsSim heads on the simulated bank groups
    uint32_t simRounds = 0; // simulated: one when every round runs the same command stream
};
// Timing only with replicated channels: every round runs the same command stream; one is
// simulated and the time scaled by rounds / simRounds.
PrefillRoundPlan prefillRoundPlan(uint32_t headsTotal, double headFraction, uint32_t replicas,
                                  uint32_t groups, bool replicated, bool functional);

struct PrefillFlags {
    bool exactExp = false, fp16Accum = false;
};

class PrefillOffload {
  public:
    using Source = std::function<HeadData(uint32_t unit)>; // N x d each
    // The unit's operands and its N x d FP16 outputs.
    using Sink = std::function<void(const HeadData& data, const std::vector<uint16_t>& out)>;

    // `mask`: the pattern over the head's N tokens (its random blocks fill the pattern table).
    PrefillOffload(const fw::PrefillKernelShape& shape, const HybridPattern& mask, const PimGeometry& geo,
                   PrefillFlags flags);

    const fw::PrefillKernelPlan& plan() const { return m_plan; }
    const PrefillRows& rows() const { return m_rows; }
    // Why this pattern cannot run on this memory ({JSON pointer of the scenario, reason}).
    std::optional<std::pair<std::string, std::string>> problem() const;

    // Writes the pattern table into every channel (once, before the rounds; timed).
    void writePatternTable(PimRuntime& rt) const;
    // Runs `rounds` rounds of `units` heads. Every head's operands (Q, K and V with the layout's
    // copies) are written and its outputs read over the bus, timed; `source` empty: timing only
    // (zeros written, outputs discarded); `sink` (may be empty) receives each head's outputs.
    OffloadRun run(PimRuntime& rt, uint32_t units, uint32_t rounds, const Source& source,
                   const Sink& sink) const;

  private:
    fw::PrefillKernelPlan m_plan;
    PrefillRows m_rows;
    PimGeometry m_geo;
    PrefillFlags m_flags;
    // r block indices per block-row, fw::kNoRandomBlock where a row has fewer.
    std::vector<uint32_t> m_table;
};

} // namespace pilot::host
