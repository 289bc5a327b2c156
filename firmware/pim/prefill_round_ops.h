// SPDX-License-Identifier: MIT
#pragma once
// The micro-ops of one round of the prefill kernel's non-global rows in one pseudo-channel:
// PLT_CFG, then the SDDMM (scores of every key batch, softmax statistics, FP16 scores out to
// the scratch rows, staged when the plan has a staging area), then per output pass the SpMM
// (scores and V back in, probabilities, P.V, normalise, outputs out). The I/O-aware schedule
// prefetches batch i + 1 while the PEs work on batch i; the naive one reloads everything.
#include <cstdint>
#include <vector>

#include "firmware/pim/kernel_services.h"
#include "firmware/pim/prefill_attention_kernel.h"

namespace pilot::fw {

class PrefillRoundOps {
  public:
    PrefillRoundOps(KernelServices& svc, const PrefillRegions& k, const PrefillRound& round,
                    std::vector<contract::MicroOp>& ops);
    // Appends the round for the groups `mask` of pseudo-channel pc.
    void append(uint32_t pc, uint32_t mask);

  private:
    contract::MicroOp& peOp(contract::MicroOpKind kind, uint32_t lo, uint32_t hi);
    // PE ops name the bytes they use: [lo, hi) and [lo2, hi2).
    contract::MicroOp& pe2(contract::MicroOpKind kind, uint32_t lo, uint32_t hi, uint32_t lo2, uint32_t hi2);
    void moves(const contract::MicroOp& proto, uint32_t row, uint64_t offset, uint64_t bytes, uint32_t sram);
    void planStages();
    void appendCfg();
    void appendSddmm();
    void appendSpmmPass(uint32_t pass);
    void loadK(size_t i);
    void loadV(size_t i, uint32_t pass);
    void loadScores(size_t i);

    uint64_t colUp(uint64_t n) const { return (n + m_col - 1) / m_col * m_col; }
    uint32_t regionRow(size_t i) const;
    uint64_t slotOffset(uint32_t slot) const;
    // Regions of batch i: with double buffering, odd batches use the second K/V and score blocks.
    uint32_t kvAt(size_t i) const { return (i % 2) ? m_p.kvOff2 : m_p.kvOff; }
    uint32_t scAt(size_t i) const { return (i % 2) ? m_p.scoresOff2 : m_p.scoresOff; }
    uint32_t scEnd(size_t i) const { return scAt(i) + m_scBytes; }
    uint32_t scoreBytes(size_t i) const;
    uint64_t stageSpan(size_t i) const; // scratch bytes of batch i's whole stage

    KernelServices& m_svc;
    const PrefillRegions& m_k;
    const PrefillKernelPlan& m_p;
    const PrefillRound& m_round;
    std::vector<contract::MicroOp>& m_ops;
    uint32_t m_col, m_d, m_a, m_dd; // column bytes, head dim, rows per bank, columns per pass
    uint64_t m_keyBytes, m_halfRow, m_tileOff, m_accAt;
    uint32_t m_scBytes, m_qEnd;
    contract::MicroOp m_proto, m_mov, m_movOut;
    std::vector<PrefillBatch> m_batches;
    std::vector<uint64_t> m_scoreAt; // scratch offset of batch i's FP16 scores
    std::vector<uint32_t> m_stageAt; // offset of batch i in its stage
    std::vector<size_t> m_stageFirst, m_stageLast;
};

} // namespace pilot::fw
