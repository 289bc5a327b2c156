// SPDX-License-Identifier: MIT
#include "firmware/pim/decode_attention_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace pilot::fw {

using namespace pilot::contract;

Error DecodeAttentionKernel::validate(const Descriptor& d) {
    if (!m_svc.bankGroupsValid(d.bankGroupMask))
        return Error::BankGroups;
    if (d.headDim == 0 || d.headDim % 16 || d.headDim > 256 || d.queries == 0)
        return Error::Shape;
    if (d.ctxLen == 0)
        return Error::EmptyContext;
    if (Opcode(d.opcode) == Opcode::DecodeAttnSparse && uint64_t(d.sinkTokens) + d.windowTokens == 0)
        return Error::Sparse;
    if (!m_svc.headSpreadValid(d.bankGroupMask, d.headSpread))
        return Error::BankGroups;
    m_d = d;
    m_spread = std::max<uint32_t>(1, d.headSpread);
    return Error::Ok;
}

Error DecodeAttentionKernel::plan() {
    const Descriptor& d = m_d;
    const ChannelGeometry& geo = m_svc.geo();
    // A head's keys are interleaved over the banks of its set of groups (contract.h).
    const uint32_t bpg = geo.banksPerGroup * m_spread, dd = d.headDim;
    m_slots = (d.ctxLen + bpg - 1) / bpg;
    if (Opcode(d.opcode) == Opcode::DecodeAttnSparse) {
        // Slots holding a key of [0, sink) or [L - window, L): keys are interleaved over banks,
        // so every bank visits the same slot ranges and the banks stay in lockstep.
        const uint32_t sink = std::min(d.sinkTokens, d.ctxLen), win = std::min(d.windowTokens, d.ctxLen);
        const uint32_t sinkEnd = (sink + bpg - 1) / bpg;
        const uint32_t winBegin = (d.ctxLen - win) / bpg;
        if (sinkEnd >= winBegin) {
            m_slotRanges.push_back({0, m_slots});
        } else {
            if (sinkEnd)
                m_slotRanges.push_back({0, sinkEnd});
            if (win)
                m_slotRanges.push_back({winBegin, m_slots});
        }
    } else {
        m_slotRanges.push_back({0, m_slots});
    }
    uint32_t activeSlots = 0;
    for (auto& r : m_slotRanges)
        activeSlots += r.second - r.first;

    // Query heads per pass: all G if the buffer holds them, else the largest divisor that fits
    // (each further pass streams K and V again: the cost of a small buffer, reported as I/O).
    DecodeShape shape{activeSlots, dd, d.queries, geo.sramBytes, geo.columnBytes, (d.flags & kFlagNaive) != 0,
                      true};
    m_plan = planDecodeInPasses(shape, m_passQueries);
    if (m_plan.error != Error::Ok)
        return m_plan.error;

    const uint32_t lowest = KernelServices::lowestGroup(d.bankGroupMask);
    Error e;
    auto rowsFor = [&](uint64_t bytes) { return uint32_t((bytes + geo.rowBytes - 1) / geo.rowBytes); };
    if (uint64_t(dd) * 4 > geo.rowBytes)
        return Error::Shape; // a key and its value must share a row
    m_slotsPerRow = geo.rowBytes / (dd * 4);
    const uint32_t kvRows = (m_slots + m_slotsPerRow - 1) / m_slotsPerRow;
    // The naive schedule spills the FP32 accumulators to the rows after the output's.
    const uint32_t outRows = rowsFor(uint64_t(d.queries) * dd * 2);
    const uint32_t scratchRows = (d.flags & kFlagNaive) ? rowsFor(uint64_t(d.queries) * dd * 4) : 0;
    const uint32_t statsRows = m_spread > 1 ? rowsFor(uint64_t(d.queries) * 8) : 0;
    // Stacked units (Descriptor::depth): the last one's regions must lie in the bank too.
    m_depth = std::max<uint32_t>(1, d.depth);
    const uint32_t deeper = (m_depth - 1) * d.depthRows;
    if ((e = m_svc.locate(d.qAddr, lowest, rowsFor(uint64_t(d.queries) * dd * 2) + deeper, m_qRow)) !=
        Error::Ok)
        return e;
    if ((e = m_svc.locate(d.kvAddr, lowest, kvRows + deeper, m_kvRow)) != Error::Ok)
        return e;
    if ((e = m_svc.locate(d.outAddr, lowest, outRows + scratchRows + statsRows + deeper, m_outRow)) !=
        Error::Ok)
        return e;
    m_scratchRow = m_outRow + outRows;
    m_statsRow = m_scratchRow + scratchRows;
    m_scale = 1.0f / std::sqrt(float(dd));
    if (d.scaleBits)
        std::memcpy(&m_scale, &d.scaleBits, 4);
    return Error::Ok;
}

void DecodeAttentionKernel::emit() {
    const ChannelGeometry& geo = m_svc.geo();
    std::vector<std::vector<MicroOp>> perPc(geo.pcs);
    for (uint32_t pc = 0; pc < geo.pcs; ++pc) {
        const uint32_t mask = m_svc.pcGroups(m_d.bankGroupMask, pc);
        if (!mask)
            continue;
        // Stacked units one after another: the same schedule on rows depthRows further down.
        const uint32_t q = m_qRow, kv = m_kvRow, out = m_outRow, scratch = m_scratchRow, stats = m_statsRow;
        for (uint32_t unit = 0; unit < m_depth; ++unit) {
            const uint32_t shift = unit * m_d.depthRows;
            m_qRow = q + shift, m_kvRow = kv + shift, m_outRow = out + shift;
            m_scratchRow = scratch + shift, m_statsRow = stats + shift;
            for (uint32_t pass = 0; pass < m_d.queries / m_passQueries; ++pass)
                appendPass(perPc[pc], pc, mask, pass);
        }
        m_qRow = q, m_kvRow = kv, m_outRow = out, m_scratchRow = scratch, m_statsRow = stats;
    }
    m_svc.issueInterleaved(perPc);
    m_svc.hal().drain();
}

struct DecodeAttentionKernel::PassWriter {
    std::vector<MicroOp>& ops;
    const KernelServices& svc;
    const DecodePlan& p;
    MicroOp proto, movIn, movOut;
    // Operand ranges (the planner orders the buffer q | tile | scores | out | state | tile2).
    uint32_t stateEnd, scoresEnd, pvLo, pvHi;

    PassWriter(std::vector<MicroOp>& o, const KernelServices& s, const DecodePlan& plan, const MicroOp& pr)
        : ops(o), svc(s), p(plan), proto(pr), movIn(pr), movOut(pr) {
        movIn.kind = MicroOpKind::MovIn;
        movOut.kind = MicroOpKind::MovOut;
        stateEnd = p.state.offset + p.state.bytes;
        scoresEnd = p.scores.offset + p.scores.bytes;
        const uint32_t tile2End = p.tile2.offset + p.tile2.bytes;
        pvLo = std::min(p.tile2.offset, p.scores.offset);
        pvHi = std::max(tile2End, stateEnd);
    }
    void moves(const MicroOp& m, uint32_t row, uint64_t off, uint64_t bytes, uint32_t sram) {
        svc.appendMoves(ops, m, row, off, bytes, sram);
    }
    void peOp(MicroOpKind kind, uint32_t slotBase, uint32_t n, uint32_t lo, uint32_t hi) {
        MicroOp op = proto;
        op.kind = kind;
        op.slotBase = slotBase;
        op.keys = uint16_t(n);
        op.busyLo = lo;
        op.busyHi = hi;
        if (kind == MicroOpKind::MacPV)
            op.r.tile = p.tile2.offset; // V lives in the second buffer
        ops.push_back(op);
    }
};

MicroOp DecodeAttentionKernel::configOp(const MicroOp& proto) const {
    const DecodePlan& p = m_plan;
    MicroOp cfg = proto;
    cfg.kind = MicroOpKind::Cfg;
    cfg.flags = m_d.flags;
    std::memcpy(&cfg.scaleBits, &m_scale, 4);
    cfg.ctxLen = m_d.ctxLen;
    cfg.spread = uint8_t(m_spread);
    if (Opcode(m_d.opcode) == Opcode::DecodeAttnSparse) { // the PEs mask keys outside the set
        cfg.sinkTokens = m_d.sinkTokens;
        cfg.windowTokens = m_d.windowTokens;
    }
    cfg.busyLo = p.out.offset;
    cfg.busyHi = p.state.offset + p.state.bytes;
    return cfg;
}

void DecodeAttentionKernel::appendPass(std::vector<MicroOp>& ops, uint32_t pc, uint32_t mask,
                                       uint32_t pass) const {
    const DecodePlan& p = m_plan;
    const uint32_t dd = m_d.headDim, G = m_passQueries;  // queries per pass
    const uint64_t qOff = uint64_t(pass) * G * dd * 2;   // this pass's queries and outputs
    const uint64_t accOff = uint64_t(pass) * G * dd * 4; // its spilled accumulators (naive)
    MicroOp proto;
    proto.pc = uint8_t(pc);
    proto.bankGroupMask = uint16_t(mask);
    proto.headDim = uint16_t(dd);
    proto.queries = uint16_t(G);
    proto.r = {p.q.offset, p.tile.offset, p.scores.offset, p.out.offset, p.state.offset, p.q.offset};
    ops.push_back(configOp(proto));
    PassWriter w(ops, m_svc, p, proto);
    if (m_d.flags & kFlagNaive)
        appendNaiveKeys(w, qOff, accOff);
    else
        appendTiledKeys(w, qOff);
    w.peOp(MicroOpKind::Acc, 0, 0, p.out.offset, w.stateEnd);
    w.peOp(MicroOpKind::Sfm, 0, 0, p.q.offset, w.stateEnd);
    appendOutputs(w, mask, qOff);
}

void DecodeAttentionKernel::appendNaiveKeys(PassWriter& w, uint64_t qOff, uint64_t accOff) const {
    const DecodePlan& p = m_plan;
    const uint32_t dd = m_d.headDim, G = m_passQueries, P = m_slotsPerRow;
    const uint64_t keyBytes = uint64_t(dd) * 2, halfRow = m_svc.geo().rowBytes / 2;
    bool first = true;
    for (const auto& range : m_slotRanges) {
        for (uint32_t s = range.first; s < range.second; ++s) {
            w.moves(w.movIn, m_qRow, qOff, uint64_t(G) * dd * 2, p.q.offset);
            if (!first)
                w.moves(w.movIn, m_scratchRow, accOff, uint64_t(G) * dd * 4, p.out.offset);
            w.moves(w.movIn, m_kvRow + s / P, uint64_t(s % P) * keyBytes, keyBytes, p.tile.offset);
            w.peOp(MicroOpKind::MacScores, s, 1, p.q.offset, w.scoresEnd);
            w.peOp(MicroOpKind::Exp, s, 1, p.scores.offset, w.stateEnd);
            w.moves(w.movIn, m_kvRow + s / P, halfRow + uint64_t(s % P) * keyBytes, keyBytes, p.tile2.offset);
            w.peOp(MicroOpKind::MacPV, s, 1, w.pvLo, w.pvHi);
            w.moves(w.movOut, m_scratchRow, accOff, uint64_t(G) * dd * 4, p.out.offset);
            first = false;
        }
    }
}

void DecodeAttentionKernel::appendTiledKeys(PassWriter& w, uint64_t qOff) const {
    // Two tile buffers: K(i) and V(i) stream back to back from one row (tile, tile2); the PEs
    // then score, exponentiate and accumulate while the controller opens the next row, and
    // K(i+1) streams while P.V of tile i finishes. In-order issue and the controller's operand
    // checks cover every hazard.
    const DecodePlan& p = m_plan;
    const uint32_t dd = m_d.headDim, G = m_passQueries, P = m_slotsPerRow;
    const uint64_t keyBytes = uint64_t(dd) * 2, halfRow = m_svc.geo().rowBytes / 2;
    w.moves(w.movIn, m_qRow, qOff, uint64_t(G) * dd * 2, p.q.offset);
    for (const auto& range : m_slotRanges) {
        for (uint32_t s = range.first, n = 0; s < range.second; s += n) {
            // A tile never crosses a row: its keys and values need one activation.
            n = std::min({p.tileKeys, range.second - s, P - s % P});
            const uint64_t off = uint64_t(s % P) * keyBytes, bytes = uint64_t(n) * keyBytes;
            w.moves(w.movIn, m_kvRow + s / P, off, bytes, p.tile.offset);
            w.moves(w.movIn, m_kvRow + s / P, halfRow + off, bytes, p.tile2.offset);
            w.peOp(MicroOpKind::MacScores, s, n, p.q.offset, w.scoresEnd);
            w.peOp(MicroOpKind::Exp, s, n, p.scores.offset, w.stateEnd);
            w.peOp(MicroOpKind::MacPV, s, n, w.pvLo, w.pvHi);
        }
    }
}

void DecodeAttentionKernel::appendOutputs(PassWriter& w, uint32_t mask, uint64_t qOff) const {
    // PLT_OUT in single-bank form: the group's merged result lives in its bank 0 only.
    const ChannelGeometry& geo = m_svc.geo();
    for (uint32_t g = 0; g < geo.groupsPerPc; ++g) {
        if (!((mask >> g) & 1u))
            continue;
        MicroOp out = w.movOut;
        out.singleBank = 1;
        out.bank = uint8_t(g * geo.banksPerGroup);
        w.moves(out, m_outRow, qOff, uint64_t(m_passQueries) * m_d.headDim * 2, w.p.q.offset);
        // A head spread over several groups: each group's (max, sum) too, for the host's merge.
        if (m_spread > 1)
            w.moves(out, m_statsRow, qOff / (uint64_t(m_d.headDim) * 2) * 8, uint64_t(m_passQueries) * 8,
                    w.p.state.offset);
    }
}

} // namespace pilot::fw
