// SPDX-License-Identifier: MIT
#include "firmware/pim/prefill_round_ops.h"

#include <cstring>

namespace pilot::fw {

using namespace pilot::contract;

PrefillRoundOps::PrefillRoundOps(KernelServices& svc, const PrefillRegions& k, const PrefillRound& round,
                                 std::vector<MicroOp>& ops)
    : m_svc(svc), m_k(k), m_p(k.plan), m_round(round), m_ops(ops) {
    const ChannelGeometry& geo = svc.geo();
    m_col = geo.columnBytes;
    m_d = m_p.shape.headDim;
    m_a = m_p.a;
    m_dd = m_d / m_p.p;
    m_keyBytes = uint64_t(m_d) * 2;
    m_halfRow = geo.rowBytes / 2;
    m_tileOff = uint64_t(round.index) * m_a * m_d * 2; // this round's Q / O tile in every bank
    m_accAt = colUp(m_p.scratchBytes);                 // naive: the spilled accumulator, after the scores
    m_scBytes = uint32_t(colUp(uint64_t(m_a) * m_p.b * 4));
    m_qEnd = m_p.kvOff;
}

MicroOp& PrefillRoundOps::peOp(MicroOpKind kind, uint32_t lo, uint32_t hi) {
    MicroOp op = m_proto;
    op.kind = kind;
    op.busyLo = lo;
    op.busyHi = hi;
    m_ops.push_back(op);
    return m_ops.back();
}

MicroOp& PrefillRoundOps::pe2(MicroOpKind kind, uint32_t lo, uint32_t hi, uint32_t lo2, uint32_t hi2) {
    MicroOp& op = peOp(kind, lo, hi);
    op.busyLo2 = lo2;
    op.busyHi2 = hi2;
    return op;
}

void PrefillRoundOps::moves(const MicroOp& proto, uint32_t row, uint64_t offset, uint64_t bytes,
                            uint32_t sram) {
    m_svc.appendMoves(m_ops, proto, row, offset, bytes, sram);
}

uint32_t PrefillRoundOps::regionRow(size_t i) const {
    return m_batches[i].region == PrefillRegion::Band ? m_k.bandRow : m_k.auxRow;
}

uint64_t PrefillRoundOps::slotOffset(uint32_t slot) const {
    return uint64_t(slot / m_p.P) * m_svc.geo().rowBytes + uint64_t(slot % m_p.P) * m_keyBytes;
}

uint32_t PrefillRoundOps::scoreBytes(size_t i) const {
    return uint32_t(colUp(uint64_t(m_a) * m_batches[i].keys * 2));
}

uint64_t PrefillRoundOps::stageSpan(size_t i) const {
    return uint64_t(m_scoreAt[m_stageLast[i]]) + scoreBytes(m_stageLast[i]) - m_scoreAt[m_stageFirst[i]];
}

void PrefillRoundOps::append(uint32_t pc, uint32_t mask) {
    m_proto = MicroOp{};
    m_proto.pc = uint8_t(pc);
    m_proto.bankGroupMask = uint16_t(mask);
    m_proto.headDim = uint16_t(m_d);
    m_proto.queries = uint16_t(m_a);
    m_proto.rowBase = m_round.rowBegin;
    m_proto.rowStride = uint16_t(m_a);
    m_proto.rowEnd = m_round.rowEnd;
    m_proto.r = {m_p.qOff, m_p.kvOff, m_p.scoresOff, m_p.qOff, m_p.stateOff, m_p.qOff};
    m_mov = m_proto;
    m_mov.kind = MicroOpKind::MovIn;
    m_movOut = m_proto;
    m_movOut.kind = MicroOpKind::MovOut;

    appendCfg();
    const uint32_t r = m_p.shape.randomBlocks;
    m_batches = prefillBatches(m_p, m_round,
                               m_k.table.empty() ? nullptr : m_k.table.data() + size_t(m_round.blockRow) * r);
    planStages();
    appendSddmm();
    for (uint32_t pass = 0; pass < m_p.p; ++pass)
        appendSpmmPass(pass);
}

void PrefillRoundOps::appendCfg() {
    const PrefillKernelShape& s = m_p.shape;
    MicroOp& cfg = peOp(MicroOpKind::Cfg, m_p.stateOff, m_p.bufferBytes); // the statistics only (d = 0)
    cfg.headDim = 0;
    cfg.flags = m_k.d.flags;
    std::memcpy(&cfg.scaleBits, &m_k.scale, 4);
    cfg.ctxLen = s.seqLen;
    cfg.windowTokens = s.window;
    cfg.globalTokens = s.globalTokens;
}

void PrefillRoundOps::planStages() {
    const size_t n = m_batches.size();
    m_scoreAt.assign(n, 0);
    uint64_t scratch = 0;
    for (size_t i = 0; i < n; ++i) {
        m_scoreAt[i] = scratch;
        scratch += colUp(uint64_t(m_a) * m_batches[i].keys * 2);
    }
    // Score staging: consecutive batches whose FP16 scores fit the staging area form a stage;
    // their scratch bytes are consecutive, so one move writes (SDDMM) or reads (SpMM) them all.
    m_stageAt.assign(n, 0);
    m_stageFirst.assign(n, 0);
    m_stageLast.assign(n, 0);
    if (!m_p.stageBytes)
        return;
    uint32_t used = 0;
    for (size_t i = 0, first = 0; i < n; ++i) {
        if (i > first && used + scoreBytes(i) > m_p.stageBytes) {
            first = i;
            used = 0;
        }
        m_stageFirst[i] = first;
        m_stageAt[i] = used;
        used += scoreBytes(i);
    }
    for (size_t i = n; i-- > 0;)
        m_stageLast[i] = i + 1 < n && m_stageFirst[i + 1] == m_stageFirst[i] ? m_stageLast[i + 1] : i;
}

void PrefillRoundOps::loadK(size_t i) {
    const PrefillBatch& b = m_batches[i];
    moves(m_mov, regionRow(i), slotOffset(b.slot), uint64_t(b.keys) * m_keyBytes, kvAt(i));
}

void PrefillRoundOps::loadV(size_t i, uint32_t pass) {
    const PrefillBatch& b = m_batches[i];
    const uint32_t P = m_p.P;
    const uint64_t vAt = slotOffset(b.slot) - uint64_t(b.slot % P) * m_keyBytes + m_halfRow;
    if (m_p.p == 1) {
        moves(m_mov, regionRow(i), vAt + uint64_t(b.slot % P) * m_keyBytes, uint64_t(b.keys) * m_keyBytes,
              kvAt(i));
        return;
    }
    for (uint32_t t = 0; t < b.keys; ++t)
        moves(m_mov, regionRow(i), vAt + uint64_t((b.slot + t) % P) * m_keyBytes + uint64_t(pass) * m_dd * 2,
              uint64_t(m_dd) * 2, kvAt(i) + t * m_dd * 2);
}

void PrefillRoundOps::loadScores(size_t i) {
    if (!m_p.stageBytes)
        moves(m_mov, m_k.scratchRow, m_scoreAt[i], scoreBytes(i), scAt(i));
    else if (m_stageFirst[i] == i)
        moves(m_mov, m_k.scratchRow, m_scoreAt[i], stageSpan(i), m_p.stageOff);
}

void PrefillRoundOps::appendSddmm() {
    // Scores of every batch, statistics updated, scores out to the scratch rows. The aware
    // kernel issues batch i + 1's K right after batch i's MACs: it streams while the PEs work
    // (into the other K/V block when double-buffered, else once the MACs are done).
    const bool naive = m_p.shape.naive;
    const PrefillKernelPlan& p = m_p;
    if (!naive) {
        moves(m_mov, m_k.qRow, m_tileOff, uint64_t(m_a) * m_d * 2, p.qOff);
        if (!m_batches.empty())
            loadK(0);
    }
    for (size_t i = 0; i < m_batches.size(); ++i) {
        const PrefillBatch& b = m_batches[i];
        if (naive) {
            moves(m_mov, m_k.qRow, m_tileOff, uint64_t(m_d) * 2, p.qOff); // no reuse of q
            loadK(i);
        }
        MicroOp& mac = pe2(MicroOpKind::MacScores, p.qOff, m_qEnd, kvAt(i), scEnd(i));
        mac.r.tile = kvAt(i);
        mac.r.scores = scAt(i);
        mac.keys = uint16_t(b.keys);
        mac.mask = b.mask;
        mac.keyBase = b.keyBase;
        mac.keyStride = b.keyStride;
        mac.keyLimit = b.keyLimit;
        if (!naive && i + 1 < m_batches.size())
            loadK(i + 1);
        // Stat packs the FP16 scores in place, or into the staging area (then one MovOut per
        // stage instead of one per batch).
        const uint32_t dst = p.stageBytes ? p.stageOff + m_stageAt[i] : scAt(i);
        MicroOp& stat =
            pe2(MicroOpKind::Stat, scAt(i), scEnd(i), p.stageBytes ? dst : p.stateOff, p.bufferBytes);
        stat.r.scores = scAt(i);
        stat.r.outHalf = dst;
        stat.keys = uint16_t(b.keys);
        if (!p.stageBytes)
            moves(m_movOut, m_k.scratchRow, m_scoreAt[i], scoreBytes(i), scAt(i));
        else if (m_stageLast[i] == i)
            moves(m_movOut, m_k.scratchRow, m_scoreAt[m_stageFirst[i]], stageSpan(i), p.stageOff);
    }
}

void PrefillRoundOps::appendSpmmPass(uint32_t pass) {
    // Output-stationary, d / p output columns per pass; the aware kernel fetches batch i + 1's
    // V and scores while the PEs finish batch i.
    const bool naive = m_p.shape.naive;
    const PrefillKernelPlan& p = m_p;
    peOp(MicroOpKind::Clear, p.qOff, m_qEnd).headDim = uint16_t(m_dd);
    if (!naive && !m_batches.empty()) {
        loadV(0, pass);
        loadScores(0);
    }
    for (size_t i = 0; i < m_batches.size(); ++i) {
        const PrefillBatch& b = m_batches[i];
        if (naive) {
            if (i > 0)
                moves(m_mov, m_k.scratchRow, m_accAt, uint64_t(m_d) * 4, p.qOff);
            loadV(i, pass);
            loadScores(i);
        }
        const uint32_t src = p.stageBytes ? p.stageOff + m_stageAt[i] : scAt(i);
        MicroOp& prob =
            pe2(MicroOpKind::Prob, scAt(i), scEnd(i), p.stageBytes ? src : p.stateOff, p.bufferBytes);
        prob.r.scores = scAt(i);
        prob.r.outHalf = src;
        prob.keys = uint16_t(b.keys);
        MicroOp& pv = pe2(MicroOpKind::MacPV, p.qOff, m_qEnd, kvAt(i), scEnd(i));
        pv.r.tile = kvAt(i);
        pv.r.scores = scAt(i);
        pv.keys = uint16_t(b.keys);
        pv.headDim = uint16_t(m_dd);
        if (naive)
            moves(m_movOut, m_k.scratchRow, m_accAt, uint64_t(m_d) * 4, p.qOff);
        if (!naive && i + 1 < m_batches.size()) {
            loadV(i + 1, pass);
            loadScores(i + 1);
        }
    }
    MicroOp& sfm = pe2(MicroOpKind::Sfm, p.qOff, m_qEnd, p.stateOff, p.bufferBytes);
    sfm.headDim = uint16_t(m_dd);
    sfm.allBanks = 1;
    if (p.p == 1) {
        moves(m_movOut, m_k.outRow, m_tileOff, uint64_t(m_a) * m_d * 2, p.qOff);
        return;
    }
    for (uint32_t g = 0; g < m_a; ++g)
        moves(m_movOut, m_k.outRow, m_tileOff + uint64_t(g) * m_d * 2 + uint64_t(pass) * m_dd * 2,
              uint64_t(m_dd) * 2, p.qOff + g * m_dd * 2);
}

} // namespace pilot::fw
