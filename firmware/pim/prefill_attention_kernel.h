// SPDX-License-Identifier: MIT
#pragma once
// PREFILL_HYBRID_SPARSE: one layer of hybrid sparse attention for the heads of the selected
// bank groups. The non-global rows run round by round (prefill_round_ops.h: SDDMM, split
// softmax, output-stationary SpMM over the plan of prefill_kernel.h); the global rows then run
// as a decode kernel of R queries over the split copy of K and V.
#include <vector>

#include "firmware/pim/decode_attention_kernel.h"
#include "firmware/pim/kernel.h"
#include "firmware/pim/prefill_kernel.h"

namespace pilot::fw {

// A validated prefill descriptor: the plan, the rows of its regions and the pattern table.
struct PrefillRegions {
    contract::Descriptor d{};
    PrefillKernelPlan plan;
    uint32_t qRow = 0, outRow = 0, bandRow = 0, auxRow = 0, scratchRow = 0;
    std::vector<uint32_t> table; // r block indices per block-row
    float scale = 0;
};

class PrefillAttentionKernel : public Kernel {
  public:
    explicit PrefillAttentionKernel(KernelServices& svc) : m_svc(svc), m_global(svc) {}
    contract::Error validate(const contract::Descriptor& d) override;
    contract::Error plan() override;
    void emit() override;

  private:
    contract::Error planGlobalRows();

    KernelServices& m_svc;
    PrefillRegions m_k;
    bool m_hasGlobal = false;
    DecodeAttentionKernel m_global; // the global rows
};

} // namespace pilot::fw
