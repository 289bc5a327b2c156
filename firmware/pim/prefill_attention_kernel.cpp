// SPDX-License-Identifier: MIT
#include "firmware/pim/prefill_attention_kernel.h"

#include <cmath>
#include <cstring>

#include "firmware/pim/prefill_round_ops.h"

namespace pilot::fw {

using namespace pilot::contract;

Error PrefillAttentionKernel::validate(const Descriptor& d) {
    if (!m_svc.bankGroupsValid(d.bankGroupMask))
        return Error::BankGroups;
    if (d.tileRows == 0)
        return Error::Shape; // the layout's tile rows are part of the descriptor
    m_k.d = d;
    return Error::Ok;
}

Error PrefillAttentionKernel::plan() {
    const Descriptor& d = m_k.d;
    const ChannelGeometry& geo = m_svc.geo();
    PrefillKernelShape s;
    s.seqLen = d.ctxLen;
    s.headDim = d.headDim;
    s.window = d.windowTokens;
    s.globalTokens = d.globalTokens;
    s.randomBlocks = d.randomBlocks;
    s.blockSize = d.blockSize;
    s.causal = d.flags & kFlagCausal;
    s.naive = d.flags & kFlagNaive;
    s.sramBytes = geo.sramBytes;
    s.rowBytes = geo.rowBytes;
    s.columnBytes = geo.columnBytes;
    s.banksPerGroup = geo.banksPerGroup;
    s.tileRows = d.tileRows;
    m_k.plan = planPrefillKernel(s);
    const PrefillKernelPlan& p = m_k.plan;
    if (p.error != Error::Ok)
        return p.error;
    if (p.globalRows > 0xFFFF)
        return Error::Shape;

    const uint32_t lowest = KernelServices::lowestGroup(d.bankGroupMask);
    uint32_t patternRow = 0;
    Error e;
    if ((e = m_svc.locate(d.qAddr, lowest, p.qRows, m_k.qRow)) != Error::Ok)
        return e;
    if ((e = m_svc.locate(d.outAddr, lowest, p.outRows, m_k.outRow)) != Error::Ok)
        return e;
    if ((e = m_svc.locate(d.kvAddr, lowest, p.bandRows, m_k.bandRow)) != Error::Ok)
        return e;
    if ((e = m_svc.locate(d.scratchAddr, lowest, p.scratchRows, m_k.scratchRow)) != Error::Ok)
        return e;
    if (p.auxRows && (e = m_svc.locate(d.auxKvAddr, lowest, p.auxRows, m_k.auxRow)) != Error::Ok)
        return e;
    if (p.patternRows) {
        if ((e = m_svc.locate(d.patternAddr, lowest, p.patternRows, patternRow)) != Error::Ok)
            return e;
        // The random blocks of every block-row: the firmware needs each block's first key to mask.
        m_k.table.resize(size_t(p.blockRows) * s.randomBlocks);
        m_svc.bankBytes(d.patternAddr, 0, m_k.table.data(), uint32_t(m_k.table.size() * 4), false);
        for (uint32_t block : m_k.table)
            if (block != kNoRandomBlock && block >= p.blockRows)
                return Error::Sparse;
    }
    m_k.scale = 1.0f / std::sqrt(float(d.headDim));
    if (d.scaleBits)
        std::memcpy(&m_k.scale, &d.scaleBits, 4);
    return planGlobalRows();
}

Error PrefillAttentionKernel::planGlobalRows() {
    const Descriptor& d = m_k.d;
    const PrefillKernelPlan& p = m_k.plan;
    if (!p.globalRows)
        return Error::Ok;
    // Global rows attend every key: a decode kernel of R queries over the split copy.
    Descriptor g{};
    g.opcode = uint16_t(Opcode::DecodeAttn);
    g.version = kVersion;
    g.flags = d.flags & (kFlagNaive | kFlagExactExp | kFlagFp16Accum);
    g.tag = d.tag;
    g.bankGroupMask = d.bankGroupMask;
    g.headDim = d.headDim;
    g.ctxLen = d.ctxLen;
    g.queries = uint16_t(p.globalRows);
    g.qAddr = d.globalQAddr;
    g.kvAddr = d.splitKvAddr;
    g.outAddr = d.globalOutAddr;
    g.scaleBits = d.scaleBits;
    Error e;
    if ((e = m_global.validate(g)) != Error::Ok)
        return e;
    if ((e = m_global.plan()) != Error::Ok)
        return e;
    m_hasGlobal = true;
    return Error::Ok;
}

void PrefillAttentionKernel::emit() {
    // One round at a time: the micro-ops of a paper-scale head would not fit a buffer of
    // their own (and the hardware has no such buffer either).
    const std::vector<PrefillRound> rounds = prefillRounds(m_k.plan);
    m_svc.issueRounds(uint32_t(rounds.size()), [&](uint32_t r, std::vector<std::vector<MicroOp>>& perPc) {
        for (uint32_t pc = 0; pc < perPc.size(); ++pc)
            if (const uint32_t mask = m_svc.pcGroups(m_k.d.bankGroupMask, pc))
                PrefillRoundOps(m_svc, m_k, rounds[r], perPc[pc]).append(pc, mask);
    });
    m_svc.hal().drain();
    if (m_hasGlobal)
        m_global.emit();
}

} // namespace pilot::fw
