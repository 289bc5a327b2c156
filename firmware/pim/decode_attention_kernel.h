// SPDX-License-Identifier: MIT
#pragma once
// DECODE_ATTN and DECODE_ATTN_SPARSE: each selected bank group holds one KV head, its keys
// interleaved over the group's banks; every bank scores its keys against the G queries, keeps
// an online softmax, and the group's accumulator merges the banks into bank 0. The query heads
// go in passes when the buffer cannot hold all G (decode_planner.h).
#include <utility>
#include <vector>

#include "firmware/pim/decode_planner.h"
#include "firmware/pim/kernel.h"

namespace pilot::fw {

class DecodeAttentionKernel : public Kernel {
  public:
    explicit DecodeAttentionKernel(KernelServices& svc) : m_svc(svc) {}
    contract::Error validate(const contract::Descriptor& d) override;
    contract::Error plan() override;
    void emit() override;

  private:
    struct PassWriter; // the micro-ops of one pass, with the moves and PE ops they are made of

    // One pass over K and V for `passQueries` of the queries, in pseudo-channel pc's groups `mask`.
    void appendPass(std::vector<contract::MicroOp>& ops, uint32_t pc, uint32_t mask, uint32_t pass) const;
    contract::MicroOp configOp(const contract::MicroOp& proto) const;
    // No reuse: every key reloads q and k_j and round-trips the FP32 accumulators.
    void appendNaiveKeys(PassWriter& w, uint64_t qOff, uint64_t accOff) const;
    // Double-buffered tiles of K and V, one activation each.
    void appendTiledKeys(PassWriter& w, uint64_t qOff) const;
    // PLT_OUT of each group's merged result (bank 0 of the group).
    void appendOutputs(PassWriter& w, uint32_t mask, uint64_t qOff) const;

    KernelServices& m_svc;
    contract::Descriptor m_d{};
    uint32_t m_qRow = 0, m_kvRow = 0, m_outRow = 0, m_scratchRow = 0, m_statsRow = 0;
    uint32_t m_spread = 1;                                   // bank groups sharing one KV head
    uint32_t m_depth = 1;                                    // units stacked in each set (Descriptor::depth)
    uint32_t m_slotsPerRow = 0;                              // P: slots whose key and value share one row
    uint32_t m_slots = 0;                                    // key slots per bank: ceil(L / banksPerGroup)
    std::vector<std::pair<uint32_t, uint32_t>> m_slotRanges; // [begin, end) slots to visit
    DecodePlan m_plan;
    uint32_t m_passQueries = 0; // query heads per pass over K and V
    float m_scale = 0;
};

} // namespace pilot::fw
