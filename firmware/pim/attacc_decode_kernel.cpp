// SPDX-License-Identifier: MIT
#include "firmware/pim/attacc_decode_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace pilot::fw {

using namespace pilot::contract;

namespace {

uint64_t alignUp(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

} // namespace

AttAccPlan planAttAccDecode(const AttAccShape& s) {
    AttAccPlan p;
    auto fail = [&](std::string why) {
        p.error = Error::Shape;
        p.why = std::move(why);
        return p;
    };
    if (s.headDim == 0 || s.headDim % 16 || s.columnBytes == 0)
        return fail("head dimension " + std::to_string(s.headDim) + " is not a positive multiple of 16");
    if (uint64_t(s.headDim) * 2 > s.rowBytes)
        return fail("a row (" + std::to_string(s.rowBytes) +
                    " B) holds no key of d = " + std::to_string(s.headDim));
    const uint64_t col = s.columnBytes, d = s.headDim;
    p.latchKeys = uint32_t(std::max<uint64_t>(1, s.rowBytes / (8 * d)));
    p.rowKeys = uint32_t(s.rowBytes / (2 * d));
    const uint64_t latch = alignUp(uint64_t(p.latchKeys) * d * 2, col);
    const uint64_t fixed =
        alignUp(8, col) + alignUp(d * 4, col) + 2 * alignUp(d * 2, col) + kAttAccLatches * latch;
    // Two score regions (a block with the softmax unit while the next one fills), whole latches.
    uint64_t b = s.sramBytes > fixed ? (s.sramBytes - fixed) / 2 / 4 : 0;
    while (b > 0 && 2 * alignUp(b * 4, col) + fixed > s.sramBytes)
        --b;
    b = b / p.latchKeys * p.latchKeys;
    if (b == 0)
        return fail("the buffer (" + std::to_string(s.sramBytes) +
                    " B) holds the query, the accumulators and " + "three latches (" + std::to_string(fixed) +
                    " B) but not two blocks of " + std::to_string(p.latchKeys) + " scores");
    const uint64_t slotsRounded = alignUp(std::max<uint64_t>(s.slots, 1), p.latchKeys);
    p.blockKeys = uint32_t(std::min(b, slotsRounded));
    p.blocks = uint32_t((uint64_t(s.slots) + p.blockKeys - 1) / p.blockKeys);
    p.kRows = uint32_t((uint64_t(s.slots) + p.rowKeys - 1) / p.rowKeys);
    uint64_t at = 0;
    auto place = [&](SramRegion& r, uint64_t bytes) {
        r.offset = uint32_t(at);
        r.bytes = uint32_t(bytes);
        at += alignUp(bytes, col);
    };
    place(p.state, 8);
    place(p.out, d * 4);
    for (SramRegion& q : p.q)
        place(q, d * 2);
    place(p.scoresA, uint64_t(p.blockKeys) * 4);
    place(p.scoresB, uint64_t(p.blockKeys) * 4);
    for (SramRegion& l : p.latch)
        place(l, uint64_t(p.latchKeys) * d * 2);
    p.bankToSramBytes = s.slots ? d * 2 + 2 * uint64_t(s.slots) * d * 2 : 0;
    p.sramToBankBytes = d * 2;
    return p;
}

Error AttAccDecodeKernel::validate(const Descriptor& d) {
    if (!m_svc.bankGroupsValid(d.bankGroupMask))
        return Error::BankGroups;
    if (d.headDim == 0 || d.headDim % 16 || d.headDim > 256 || d.queries != 1)
        return Error::Shape; // AttAcc's GEMV units serve one query per KV head
    if (d.ctxLen == 0)
        return Error::EmptyContext;
    if (!m_svc.headSpreadValid(d.bankGroupMask, d.headSpread))
        return Error::BankGroups;
    m_d = d;
    m_spread = std::max<uint32_t>(1, d.headSpread);
    return Error::Ok;
}

Error AttAccDecodeKernel::plan() {
    const ChannelGeometry& geo = m_svc.geo();
    const uint32_t perSet = geo.banksPerGroup * m_spread;
    m_slots = (m_d.ctxLen + perSet - 1) / perSet;
    m_plan = planAttAccDecode({m_slots, m_d.headDim, geo.sramBytes, geo.rowBytes, geo.columnBytes});
    if (m_plan.error != Error::Ok)
        return m_plan.error;
    const uint32_t lowest = KernelServices::lowestGroup(m_d.bankGroupMask);
    const uint32_t oneRow = uint32_t((uint64_t(m_d.headDim) * 2 + geo.rowBytes - 1) / geo.rowBytes);
    // Stacked units: the last one's regions must lie in the bank too.
    m_depth = std::max<uint32_t>(1, m_d.depth);
    const uint32_t deeper = (m_depth - 1) * m_d.depthRows;
    Error e;
    if ((e = m_svc.locate(m_d.qAddr, lowest, oneRow + deeper, m_qRow)) != Error::Ok)
        return e;
    if ((e = m_svc.locate(m_d.kvAddr, lowest, 2 * m_plan.kRows + deeper, m_kvRow)) != Error::Ok)
        return e;
    if ((e = m_svc.locate(m_d.outAddr, lowest, oneRow + deeper, m_outRow)) != Error::Ok)
        return e;
    m_scale = 1.0f / std::sqrt(float(m_d.headDim));
    if (m_d.scaleBits)
        std::memcpy(&m_scale, &m_d.scaleBits, 4);
    return Error::Ok;
}

void AttAccDecodeKernel::emit() {
    const ChannelGeometry& geo = m_svc.geo();
    std::vector<std::vector<MicroOp>> perPc(geo.pcs);
    for (uint32_t pc = 0; pc < geo.pcs; ++pc)
        if (const uint32_t mask = m_svc.pcGroups(m_d.bankGroupMask, pc))
            appendPc(perPc[pc], pc, mask);
    m_svc.issueInterleaved(perPc);
    m_svc.hal().drain();
}

namespace {

void setBusy(MicroOp& op, const SramRegion& a, const SramRegion& b, const SramRegion* c = nullptr) {
    op.busyLo = a.offset, op.busyHi = a.offset + a.bytes;
    op.busyLo2 = b.offset, op.busyHi2 = b.offset + b.bytes;
    if (c)
        op.busyLo3 = c->offset, op.busyHi3 = c->offset + c->bytes;
}

} // namespace

void AttAccDecodeKernel::blockSteps(std::vector<Step>& steps, const MicroOp& proto, uint32_t block,
                                    bool values, uint32_t& chunk, uint32_t rowOffset) const {
    const AttAccPlan& p = m_plan;
    const uint32_t d = m_d.headDim;
    const uint32_t begin = block * p.blockKeys, end = std::min(m_slots, begin + p.blockKeys);
    const SramRegion& sc = block % 2 ? p.scoresB : p.scoresA;
    MicroOp move = proto;
    move.kind = MicroOpKind::MovIn;
    for (uint32_t s = begin; s < end;) {
        // A latch never crosses a row: its columns need one activation.
        const uint32_t n = std::min({p.latchKeys, end - s, p.rowKeys - s % p.rowKeys});
        const SramRegion& latch = p.latch[chunk++ % kAttAccLatches];
        Step step;
        const uint32_t row = m_kvRow + rowOffset + (values ? p.kRows : 0) + s / p.rowKeys;
        m_svc.appendMoves(step.moves, move, row, uint64_t(s % p.rowKeys) * d * 2, uint64_t(n) * d * 2,
                          latch.offset);
        step.op = proto;
        step.op.kind = values ? MicroOpKind::MacPV : MicroOpKind::MacScores;
        step.op.slotBase = s;
        step.op.keys = uint16_t(n);
        step.op.r.tile = latch.offset;
        step.op.r.scores = sc.offset + 4 * (s - begin);
        setBusy(step.op, latch, sc, values ? &p.out : &p.q[0]);
        if (!values) // the unit's query register
            step.op.busyLo3 = proto.r.q, step.op.busyHi3 = proto.r.q + p.q[0].bytes;
        steps.push_back(std::move(step));
        s += n;
    }
}

AttAccDecodeKernel::Step AttAccDecodeKernel::softmaxStep(const MicroOp& proto, uint32_t block) const {
    // The block's scores to the softmax unit, its probabilities back.
    const AttAccPlan& p = m_plan;
    const uint32_t begin = block * p.blockKeys, end = std::min(m_slots, begin + p.blockKeys);
    const SramRegion& sc = block % 2 ? p.scoresB : p.scoresA;
    Step step;
    step.op = proto;
    step.op.kind = MicroOpKind::BufSfm;
    step.op.keys = uint16_t(end - begin);
    step.op.r.scores = sc.offset;
    setBusy(step.op, SramRegion{p.state.offset, p.out.offset + p.out.bytes - p.state.offset}, sc);
    return step;
}

void AttAccDecodeKernel::appendPc(std::vector<MicroOp>& ops, uint32_t pc, uint32_t mask) const {
    const AttAccPlan& p = m_plan;
    const ChannelGeometry& geo = m_svc.geo();
    const uint32_t d = m_d.headDim;
    MicroOp proto;
    proto.pc = uint8_t(pc);
    proto.bankGroupMask = uint16_t(mask);
    proto.headDim = uint16_t(d);
    proto.queries = 1;
    proto.spread = uint8_t(m_spread);
    proto.r = {p.q[0].offset, p.latch[0].offset, p.scoresA.offset,
               p.out.offset,  p.state.offset,    p.q[0].offset};
    const SramRegion stateOut{p.state.offset, p.out.offset + p.out.bytes - p.state.offset};

    MicroOp cfg = proto;
    cfg.kind = MicroOpKind::Cfg;
    cfg.flags = m_d.flags;
    std::memcpy(&cfg.scaleBits, &m_scale, 4);
    cfg.ctxLen = m_d.ctxLen;
    setBusy(cfg, p.state, p.out);

    // The stacked units in one stream. Within a unit, the softmax unit works on block i while
    // block i + 1's keys stream, and block i's values follow them: K0 S0 K1 V0 S1 ... V(n-1)
    // (S(i) after V(i-1): it rescales the accumulators V(i-1) added to). Across units, unit u's
    // query (in the other of two query registers) and first block of keys stream while the
    // buffer die adds up unit u - 1's partial outputs (BufOut); its output write and unit u's
    // PLT_CFG follow them.
    std::vector<Step> steps;
    auto opStep = [&](const MicroOp& op) {
        Step st;
        st.op = op;
        steps.push_back(st);
    };
    auto moveStep = [&](const MicroOp& m, uint32_t row, const SramRegion& sram) {
        Step st;
        st.hasOp = false;
        st.early = m.kind == MicroOpKind::MovIn;
        m_svc.appendMoves(st.moves, m, row, 0, uint64_t(d) * 2, sram.offset);
        steps.push_back(st);
    };
    MicroOp load = proto;
    load.kind = MicroOpKind::MovIn;
    MicroOp write = proto; // PLT_OUT, single-bank: the set's result sits in bank 0 of its first group
    write.kind = MicroOpKind::MovOut;
    write.singleBank = 1;
    // Unit u's result: bank 0 of each set's first group, from the query register it used.
    auto writeOutputs = [&](uint32_t u) {
        for (uint32_t g = 0; g < geo.groupsPerPc; g += m_spread)
            if ((mask >> g) & 1u) {
                write.bank = uint8_t(g * geo.banksPerGroup);
                moveStep(write, m_outRow + u * m_d.depthRows, p.q[u % 2]);
            }
    };
    uint32_t chunk = 0;
    for (uint32_t u = 0; u < m_depth; ++u) {
        const uint32_t rows = u * m_d.depthRows;
        const SramRegion& q = p.q[u % 2];
        MicroOp unit = proto;
        unit.r = {q.offset, p.latch[0].offset, p.scoresA.offset, p.out.offset, p.state.offset, q.offset};
        if (u == 0)
            opStep(cfg);
        moveStep(load, m_qRow + rows, q); // the query registers
        for (uint32_t b = 0; b < p.blocks; ++b) {
            blockSteps(steps, unit, b, false, chunk, rows);
            if (b == 0 && u > 0) { // the previous unit's output, then this unit's PLT_CFG
                writeOutputs(u - 1);
                opStep(cfg);
            }
            if (b > 0)
                blockSteps(steps, unit, b - 1, true, chunk, rows);
            steps.push_back(softmaxStep(unit, b));
        }
        if (p.blocks)
            blockSteps(steps, unit, p.blocks - 1, true, chunk, rows);
        MicroOp out = unit;
        out.kind = MicroOpKind::BufOut;
        setBusy(out, stateOut, q);
        opStep(out);
    }
    writeOutputs(m_depth - 1);

    issueInOrder(steps, ops);
}

// Issue order: a step's columns go out before the op of the step before it, so the column
// stream does not stop while that op waits for its last column to land (the ring of three
// latches keeps the latch being filled apart from the two the MACs may still read).
// An output write (PLT_OUT) waits for the op before it: it never goes early.
void AttAccDecodeKernel::issueInOrder(const std::vector<Step>& steps, std::vector<MicroOp>& ops) {
    size_t next = 0; // the next step whose moves are not issued yet
    auto issueUpTo = [&](size_t upTo) {
        for (; next <= upTo && next < steps.size(); ++next)
            ops.insert(ops.end(), steps[next].moves.begin(), steps[next].moves.end());
    };
    for (size_t i = 0; i < steps.size(); ++i) {
        issueUpTo(i);
        size_t ahead = i + 1; // the next step with moves
        while (ahead < steps.size() && steps[ahead].moves.empty())
            ++ahead;
        if (ahead < steps.size() && steps[ahead].early)
            issueUpTo(ahead);
        if (steps[i].hasOp)
            ops.push_back(steps[i].op);
    }
}

} // namespace pilot::fw
