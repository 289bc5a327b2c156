// SPDX-License-Identifier: MIT
#include "firmware/pim/pim_firmware.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace pilot::fw {

using namespace pilot::contract;

PimFirmware::PimFirmware(Hal& hal) : m_hal(hal) {}

void PimFirmware::run() {
    // Geometry from the capability registers: the firmware adapts to the buffer it is given.
    m_geo.pcs = m_hal.readReg(kRegCapPcs);
    m_geo.groupsPerPc = m_hal.readReg(kRegCapBankGroups) / m_geo.pcs;
    m_geo.banksPerGroup = m_hal.readReg(kRegCapBanksPerGroup);
    m_geo.rows = m_hal.readReg(kRegCapRows);
    m_geo.rowBytes = m_hal.readReg(kRegCapRowBytes);
    m_geo.columnBytes = m_hal.readReg(kRegCapColumnBytes);
    m_geo.sramBytes = m_hal.readReg(kRegCapSramBytes);
    for (;;) {
        m_hal.waitDoorbell();
        serviceQueue();
    }
}

void PimFirmware::serviceQueue() {
    for (;;) {
        const uint32_t size = m_hal.readReg(kRegSqSize);
        const uint32_t head = m_hal.readReg(kRegSqHead);
        const uint32_t tail = m_hal.readReg(kRegSqTail);
        if (size == 0 || head == tail) return;
        const uint64_t sqBase = (uint64_t(m_hal.readReg(kRegSqBaseHi)) << 32) | m_hal.readReg(kRegSqBaseLo);
        Descriptor d;
        const uint64_t fetchPs = m_hal.nowPs();
        ringAccess(sqBase, uint64_t(head % size) * sizeof(Descriptor), &d, sizeof d, false);
        const uint64_t opsBefore = m_stats.microOps;

        m_hal.writeReg(kRegStatus, setField(m_hal.readReg(kRegStatus), kStatusBusy, 1));
        const uint64_t t0 = m_hal.nowPs();
        const Error err = serve(d);
        const uint64_t ps = m_hal.nowPs() - t0;
        ++m_stats.descriptors;
        ++m_stats.errors[uint8_t(err) & 15];

        const uint32_t newHead = (head + 1) % (2 * size);   // indices run over 2 x size: full != empty
        m_hal.writeReg(kRegSqHead, newHead);
        // Completion entry, then the tail, then the interrupt (the host reads in that order).
        const uint32_t cqSize = m_hal.readReg(kRegCqSize);
        const uint32_t cqTail = m_hal.readReg(kRegCqTail);
        const uint64_t cqBase = (uint64_t(m_hal.readReg(kRegCqBaseHi)) << 32) | m_hal.readReg(kRegCqBaseLo);
        Completion c{};
        c.tag = d.tag;
        c.error = uint8_t(err);
        c.phase = uint8_t(m_cqPhase);
        c.sqHead = uint16_t(newHead);
        const double peMHz = m_hal.readReg(kRegCapPeMhz);
        c.cycles = uint32_t(std::min<double>(double(ps) * 1e-6 * peMHz, 4294967295.0));
        if (cqSize) {
            ringAccess(cqBase, uint64_t(cqTail) * sizeof(Completion), &c, sizeof c, true);
            const uint32_t next = (cqTail + 1) % cqSize;
            if (next == 0) m_cqPhase ^= 1u;
            m_hal.writeReg(kRegCqTail, next);
        }
        m_hal.writeReg(kRegStatus, setField(setField(0, kStatusBusy, 0), kStatusErr, uint32_t(err)));
        m_hal.raiseIrq();
        m_stats.log.push_back({d.tag, d.opcode, uint8_t(err), fetchPs, t0, m_hal.nowPs(), m_stats.microOps - opsBefore});
    }
}

void PimFirmware::ringAccess(uint64_t base, uint64_t offset, void* data, uint32_t len, bool write) {
    // Ring entries sit column after column in the base's row of one bank (PIM layout):
    // consecutive columns of a bank are not consecutive physical addresses.
    uint32_t group = 0, bank = 0, row = 0;
    m_hal.locateRow(base, group, bank, row);
    auto* p = static_cast<uint8_t*>(data);
    while (len) {
        const uint32_t col = uint32_t(offset / m_geo.columnBytes), in = uint32_t(offset % m_geo.columnBytes);
        const uint32_t n = std::min(len, m_geo.columnBytes - in);
        const uint32_t perRow = m_geo.rowBytes / m_geo.columnBytes;
        const uint64_t addr = m_hal.rowAddress(group, bank, row + col / perRow, col % perRow) + in;
        if (write) m_hal.writeMem(addr, p, n);
        else m_hal.readMem(addr, p, n);
        offset += n;
        p += n;
        len -= n;
    }
}

Error PimFirmware::serve(const Descriptor& d) {
    if (d.version != kVersion) return Error::Version;
    switch (Opcode(d.opcode)) {
        case Opcode::Nop: return Error::Ok;
        case Opcode::Fence:   // descriptors run one at a time, so all earlier work is done
            m_hal.drain();
            return Error::Ok;
        case Opcode::DecodeAttn:
        case Opcode::DecodeAttnSparse: {
            Decode k;
            const Error e = validateDecode(d, k);
            if (e != Error::Ok) return e;
            runDecode(k);
            return Error::Ok;
        }
        case Opcode::PrefillHybridSparse: {
            Prefill k;
            const Error e = validatePrefill(d, k);
            if (e != Error::Ok) return e;
            runPrefill(k);
            return Error::Ok;
        }
        default: return Error::Opcode;
    }
}

Error PimFirmware::locate(uint64_t addr, uint32_t lowestGroup, uint32_t rowsNeeded, uint32_t& row) {
    uint32_t group = 0, bank = 0;
    switch (m_hal.locateRow(addr, group, bank, row)) {
        case Hal::Locate::Misaligned: return Error::Align;
        case Hal::Locate::OutOfRange: return Error::Range;
        case Hal::Locate::Ok: break;
    }
    if (group != lowestGroup || bank != 0) return Error::Range;   // must name bank 0 of the first group
    if (uint64_t(row) + rowsNeeded > m_geo.rows) return Error::Range;
    return Error::Ok;
}

Error PimFirmware::validateDecode(const Descriptor& d, Decode& k) {
    const uint32_t groups = m_geo.pcs * m_geo.groupsPerPc;
    if (d.bankGroupMask == 0 || (groups < 16 && (d.bankGroupMask >> groups))) return Error::BankGroups;
    if (d.headDim == 0 || d.headDim % 16 || d.headDim > 256 || d.queries == 0) return Error::Shape;
    if (d.ctxLen == 0) return Error::EmptyContext;
    k.d = d;
    const uint32_t bpg = m_geo.banksPerGroup, dd = d.headDim;
    k.slots = (d.ctxLen + bpg - 1) / bpg;
    const bool sparse = Opcode(d.opcode) == Opcode::DecodeAttnSparse;
    if (sparse) {
        if (uint64_t(d.sinkTokens) + d.windowTokens == 0) return Error::Sparse;
        // Slots holding a key of [0, sink) or [L - window, L): keys are interleaved over banks,
        // so every bank visits the same slot ranges and the banks stay in lockstep.
        const uint32_t sink = std::min(d.sinkTokens, d.ctxLen), win = std::min(d.windowTokens, d.ctxLen);
        const uint32_t sinkEnd = (sink + bpg - 1) / bpg;
        const uint32_t winBegin = (d.ctxLen - win) / bpg;
        if (sinkEnd >= winBegin) {
            k.slotRanges.push_back({0, k.slots});
        } else {
            if (sinkEnd) k.slotRanges.push_back({0, sinkEnd});
            if (win) k.slotRanges.push_back({winBegin, k.slots});
        }
    } else {
        k.slotRanges.push_back({0, k.slots});
    }
    k.activeSlots = 0;
    for (auto& r : k.slotRanges) k.activeSlots += r.second - r.first;

    // Query heads per pass: all G if the buffer holds them, else the largest divisor that fits
    // (each further pass streams K and V again: the cost of a small buffer, reported as I/O).
    DecodeShape shape{k.activeSlots, dd, d.queries, m_geo.sramBytes, m_geo.columnBytes, (d.flags & kFlagNaive) != 0,
                      true};
    k.plan = planDecodeInPasses(shape, k.passQueries);
    if (k.plan.error != Error::Ok) return k.plan.error;

    uint32_t lowest = 0;
    while (!((d.bankGroupMask >> lowest) & 1u)) ++lowest;
    auto rowsFor = [&](uint64_t bytes) { return uint32_t((bytes + m_geo.rowBytes - 1) / m_geo.rowBytes); };
    if (uint64_t(dd) * 4 > m_geo.rowBytes) return Error::Shape;   // a key and its value must share a row
    k.slotsPerRow = m_geo.rowBytes / (dd * 4);
    const uint32_t kvRows = (k.slots + k.slotsPerRow - 1) / k.slotsPerRow;
    // The naive schedule spills the FP32 accumulators to the rows after the output's.
    const uint32_t outRows = rowsFor(uint64_t(d.queries) * dd * 2);
    const uint32_t scratchRows = (d.flags & kFlagNaive) ? rowsFor(uint64_t(d.queries) * dd * 4) : 0;
    Error e;
    if ((e = locate(d.qAddr, lowest, rowsFor(uint64_t(d.queries) * dd * 2), k.qRow)) != Error::Ok) return e;
    if ((e = locate(d.kvAddr, lowest, kvRows, k.kvRow)) != Error::Ok) return e;
    if ((e = locate(d.outAddr, lowest, outRows + scratchRows, k.outRow)) != Error::Ok) return e;
    k.scratchRow = k.outRow + outRows;
    float scale = 1.0f / std::sqrt(float(dd));
    if (d.scaleBits) std::memcpy(&scale, &d.scaleBits, 4);
    k.scale = scale;
    return Error::Ok;
}

void PimFirmware::appendMoves(std::vector<MicroOp>& ops, const MicroOp& proto, uint32_t baseRow, uint64_t offset,
                              uint64_t bytes, uint32_t sram) const {
    while (bytes) {
        const uint32_t row = baseRow + uint32_t(offset / m_geo.rowBytes);
        const uint32_t inRow = uint32_t(offset % m_geo.rowBytes);
        const uint32_t n = uint32_t(std::min<uint64_t>(bytes, m_geo.rowBytes - inRow));
        MicroOp op = proto;
        op.row = row;
        op.column = uint16_t(inRow / m_geo.columnBytes);
        op.columns = uint16_t((n + m_geo.columnBytes - 1) / m_geo.columnBytes);
        op.sramOffset = sram;
        ops.push_back(op);
        offset += n;
        bytes -= n;
        sram += n;
    }
}

void PimFirmware::runDecode(const Decode& k) {
    const Descriptor& d = k.d;
    const DecodePlan& p = k.plan;
    const uint32_t dd = d.headDim, G = k.passQueries;   // queries per pass
    const bool naive = d.flags & kFlagNaive;
    const uint64_t keyBytes = uint64_t(dd) * 2;
    const uint32_t P = k.slotsPerRow;
    const uint64_t halfRow = m_geo.rowBytes / 2;
    std::vector<std::vector<MicroOp>> perPc(m_geo.pcs);
    for (uint32_t pc = 0; pc < m_geo.pcs; ++pc) {
        const uint32_t mask = (d.bankGroupMask >> (pc * m_geo.groupsPerPc)) & ((1u << m_geo.groupsPerPc) - 1u);
        if (!mask) continue;
        auto& ops = perPc[pc];
        for (uint32_t pass = 0; pass < d.queries / G; ++pass) {
        const uint64_t qOff = uint64_t(pass) * G * dd * 2;       // this pass's queries and outputs
        const uint64_t accOff = uint64_t(pass) * G * dd * 4;     // its spilled accumulators (naive)
        MicroOp proto;
        proto.pc = uint8_t(pc);
        proto.bankGroupMask = uint16_t(mask);
        proto.headDim = uint16_t(dd);
        proto.queries = uint16_t(G);
        proto.r = {p.q.offset, p.tile.offset, p.scores.offset, p.out.offset, p.state.offset, p.q.offset};

        MicroOp cfg = proto;
        cfg.kind = MicroOpKind::Cfg;
        cfg.flags = d.flags;
        std::memcpy(&cfg.scaleBits, &k.scale, 4);
        cfg.ctxLen = d.ctxLen;
        if (Opcode(d.opcode) == Opcode::DecodeAttnSparse) {   // the PEs mask keys outside the set
            cfg.sinkTokens = d.sinkTokens;
            cfg.windowTokens = d.windowTokens;
        }
        cfg.busyLo = p.out.offset;
        cfg.busyHi = p.state.offset + p.state.bytes;
        ops.push_back(cfg);

        MicroOp mov = proto;
        mov.kind = MicroOpKind::MovIn;

        auto peOp = [&](MicroOpKind kind, uint32_t slotBase, uint32_t n, uint32_t lo, uint32_t hi) {
            MicroOp op = proto;
            op.kind = kind;
            op.slotBase = slotBase;
            op.keys = uint16_t(n);
            op.busyLo = lo;
            op.busyHi = hi;
            if (kind == MicroOpKind::MacPV) op.r.tile = p.tile2.offset;   // V lives in the second buffer
            ops.push_back(op);
        };
        // Operand ranges (the planner orders the buffer q | tile | scores | out | state | tile2).
        const uint32_t stateEnd = p.state.offset + p.state.bytes;
        const uint32_t scoresEnd = p.scores.offset + p.scores.bytes;
        const uint32_t tile2End = p.tile2.offset + p.tile2.bytes;
        const uint32_t pvLo = std::min(p.tile2.offset, p.scores.offset), pvHi = std::max(tile2End, stateEnd);
        if (naive) {
            // No reuse: every key reloads q and k_j, and round-trips the FP32 accumulators.
            bool first = true;
            for (const auto& range : k.slotRanges) {
                for (uint32_t s = range.first; s < range.second; ++s) {
                    appendMoves(ops, mov, k.qRow, qOff, uint64_t(G) * dd * 2, p.q.offset);
                    if (!first) appendMoves(ops, mov, k.scratchRow, accOff, uint64_t(G) * dd * 4, p.out.offset);
                    appendMoves(ops, mov, k.kvRow + s / P, uint64_t(s % P) * keyBytes, keyBytes, p.tile.offset);
                    peOp(MicroOpKind::MacScores, s, 1, p.q.offset, scoresEnd);
                    peOp(MicroOpKind::Exp, s, 1, p.scores.offset, stateEnd);
                    appendMoves(ops, mov, k.kvRow + s / P, halfRow + uint64_t(s % P) * keyBytes, keyBytes, p.tile2.offset);
                    peOp(MicroOpKind::MacPV, s, 1, pvLo, pvHi);
                    MicroOp out = mov;
                    out.kind = MicroOpKind::MovOut;
                    appendMoves(ops, out, k.scratchRow, accOff, uint64_t(G) * dd * 4, p.out.offset);
                    first = false;
                }
            }
        } else {
            // Two tile buffers: K(i) and V(i) stream back to back from one row (tile, tile2);
            // the PEs then score, exponentiate and accumulate while the controller opens the
            // next row, and K(i+1) streams while P.V of tile i finishes. In-order issue and the
            // controller's operand checks cover every hazard.
            appendMoves(ops, mov, k.qRow, qOff, uint64_t(G) * dd * 2, p.q.offset);
            for (const auto& range : k.slotRanges) {
                for (uint32_t s = range.first, n = 0; s < range.second; s += n) {
                    // A tile never crosses a row: its keys and values need one activation.
                    n = std::min({p.tileKeys, range.second - s, P - s % P});
                    appendMoves(ops, mov, k.kvRow + s / P, uint64_t(s % P) * keyBytes, uint64_t(n) * keyBytes, p.tile.offset);
                    appendMoves(ops, mov, k.kvRow + s / P, halfRow + uint64_t(s % P) * keyBytes, uint64_t(n) * keyBytes,
                                p.tile2.offset);
                    peOp(MicroOpKind::MacScores, s, n, p.q.offset, scoresEnd);
                    peOp(MicroOpKind::Exp, s, n, p.scores.offset, stateEnd);
                    peOp(MicroOpKind::MacPV, s, n, pvLo, pvHi);
                }
            }
        }
        peOp(MicroOpKind::Acc, 0, 0, p.out.offset, p.state.offset + p.state.bytes);
        peOp(MicroOpKind::Sfm, 0, 0, p.q.offset, p.state.offset + p.state.bytes);
        // PLT_OUT in single-bank form: the group's merged result lives in its bank 0 only.
        for (uint32_t g = 0; g < m_geo.groupsPerPc; ++g) {
            if (!((mask >> g) & 1u)) continue;
            MicroOp out = mov;
            out.kind = MicroOpKind::MovOut;
            out.singleBank = 1;
            out.bank = uint8_t(g * m_geo.banksPerGroup);
            appendMoves(ops, out, k.outRow, qOff, uint64_t(G) * dd * 2, p.q.offset);
        }
        }   // pass
    }
    issueInterleaved(perPc);
    m_hal.drain();
}

Error PimFirmware::validatePrefill(const Descriptor& d, Prefill& k) {
    const uint32_t groups = m_geo.pcs * m_geo.groupsPerPc;
    if (d.bankGroupMask == 0 || (groups < 16 && (d.bankGroupMask >> groups))) return Error::BankGroups;
    if (d.tileRows == 0) return Error::Shape;   // the layout's tile rows are part of the descriptor
    k.d = d;
    PrefillKernelShape s;
    s.seqLen = d.ctxLen;
    s.headDim = d.headDim;
    s.window = d.windowTokens;
    s.globalTokens = d.globalTokens;
    s.randomBlocks = d.randomBlocks;
    s.blockSize = d.blockSize;
    s.causal = d.flags & kFlagCausal;
    s.naive = d.flags & kFlagNaive;
    s.sramBytes = m_geo.sramBytes;
    s.rowBytes = m_geo.rowBytes;
    s.columnBytes = m_geo.columnBytes;
    s.banksPerGroup = m_geo.banksPerGroup;
    s.tileRows = d.tileRows;
    k.plan = planPrefillKernel(s);
    if (k.plan.error != Error::Ok) return k.plan.error;
    const PrefillKernelPlan& p = k.plan;
    if (p.globalRows > 0xFFFF) return Error::Shape;

    uint32_t lowest = 0;
    while (!((d.bankGroupMask >> lowest) & 1u)) ++lowest;
    uint32_t patternRow = 0;
    Error e;
    if ((e = locate(d.qAddr, lowest, p.qRows, k.qRow)) != Error::Ok) return e;
    if ((e = locate(d.outAddr, lowest, p.outRows, k.outRow)) != Error::Ok) return e;
    if ((e = locate(d.kvAddr, lowest, p.bandRows, k.bandRow)) != Error::Ok) return e;
    if ((e = locate(d.scratchAddr, lowest, p.scratchRows, k.scratchRow)) != Error::Ok) return e;
    if (p.auxRows && (e = locate(d.auxKvAddr, lowest, p.auxRows, k.auxRow)) != Error::Ok) return e;
    if (p.patternRows) {
        if ((e = locate(d.patternAddr, lowest, p.patternRows, patternRow)) != Error::Ok) return e;
        // The random blocks of every block-row: the firmware needs each block's first key to mask.
        k.table.resize(size_t(p.blockRows) * s.randomBlocks);
        ringAccess(d.patternAddr, 0, k.table.data(), uint32_t(k.table.size() * 4), false);
        for (uint32_t block : k.table)
            if (block != kNoRandomBlock && block >= p.blockRows) return Error::Sparse;
    }
    float scale = 1.0f / std::sqrt(float(d.headDim));
    if (d.scaleBits) std::memcpy(&scale, &d.scaleBits, 4);
    k.scale = scale;
    if (p.globalRows) {
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
        if ((e = validateDecode(g, k.global)) != Error::Ok) return e;
        k.hasGlobal = true;
    }
    return Error::Ok;
}

void PimFirmware::runPrefill(const Prefill& k) {
    // One round at a time: the micro-ops of a paper-scale head would not fit a buffer of
    // their own (and the hardware has no such buffer either).
    std::vector<std::vector<MicroOp>> perPc(m_geo.pcs);
    for (const PrefillRound& round : prefillRounds(k.plan)) {
        for (uint32_t pc = 0; pc < m_geo.pcs; ++pc) {
            perPc[pc].clear();
            const uint32_t mask = (k.d.bankGroupMask >> (pc * m_geo.groupsPerPc)) & ((1u << m_geo.groupsPerPc) - 1u);
            if (mask) appendPrefillRound(perPc[pc], k, pc, mask, round);
        }
        issueInterleaved(perPc);
    }
    m_hal.drain();
    if (k.hasGlobal) runDecode(k.global);
}

void PimFirmware::appendPrefillRound(std::vector<MicroOp>& ops, const Prefill& k, uint32_t pc, uint32_t mask,
                                     const PrefillRound& round) const {
    const PrefillKernelPlan& p = k.plan;
    const PrefillKernelShape& s = p.shape;
    const uint32_t d = s.headDim, a = p.a, dd = d / p.p, col = m_geo.columnBytes;
    const uint64_t keyBytes = uint64_t(d) * 2, halfRow = m_geo.rowBytes / 2;
    auto colUp = [&](uint64_t n) { return (n + col - 1) / col * col; };
    const uint64_t tileOff = uint64_t(round.index) * a * d * 2;   // this round's Q / O tile in every bank

    MicroOp proto;
    proto.pc = uint8_t(pc);
    proto.bankGroupMask = uint16_t(mask);
    proto.headDim = uint16_t(d);
    proto.queries = uint16_t(a);
    proto.rowBase = round.rowBegin;
    proto.rowStride = uint16_t(a);
    proto.rowEnd = round.rowEnd;
    proto.r = {p.qOff, p.kvOff, p.scoresOff, p.qOff, p.stateOff, p.qOff};
    MicroOp mov = proto;
    mov.kind = MicroOpKind::MovIn;
    MicroOp movOut = proto;
    movOut.kind = MicroOpKind::MovOut;
    auto peOp = [&](MicroOpKind kind, uint32_t lo, uint32_t hi) -> MicroOp& {
        MicroOp op = proto;
        op.kind = kind;
        op.busyLo = lo;
        op.busyHi = hi;
        ops.push_back(op);
        return ops.back();
    };

    MicroOp& cfg = peOp(MicroOpKind::Cfg, p.stateOff, p.bufferBytes);   // the statistics only (d = 0)
    cfg.headDim = 0;
    cfg.flags = k.d.flags;
    std::memcpy(&cfg.scaleBits, &k.scale, 4);
    cfg.ctxLen = s.seqLen;
    cfg.windowTokens = s.window;
    cfg.globalTokens = s.globalTokens;

    const std::vector<PrefillBatch> batches =
        prefillBatches(p, round, k.table.empty() ? nullptr : k.table.data() + size_t(round.blockRow) * s.randomBlocks);
    auto regionRow = [&](const PrefillBatch& b) { return b.region == PrefillRegion::Band ? k.bandRow : k.auxRow; };
    auto slotOffset = [&](uint32_t slot) { return uint64_t(slot / p.P) * m_geo.rowBytes + uint64_t(slot % p.P) * keyBytes; };
    const uint64_t accAt = colUp(p.scratchBytes);   // naive: the spilled accumulator, after the scores

    // Regions of batch i: with double buffering, odd batches use the second K/V and score blocks.
    auto kvAt = [&](size_t i) { return (i % 2) ? p.kvOff2 : p.kvOff; };
    auto scAt = [&](size_t i) { return (i % 2) ? p.scoresOff2 : p.scoresOff; };
    const uint32_t scBytes = uint32_t(colUp(uint64_t(a) * p.b * 4));
    auto scEnd = [&](size_t i) { return scAt(i) + scBytes; };
    const uint32_t qEnd = p.kvOff;
    // PE ops name the bytes they use: [lo, hi) and [lo2, hi2).
    auto pe2 = [&](MicroOpKind kind, uint32_t lo, uint32_t hi, uint32_t lo2, uint32_t hi2) -> MicroOp& {
        MicroOp& op = peOp(kind, lo, hi);
        op.busyLo2 = lo2;
        op.busyHi2 = hi2;
        return op;
    };
    auto loadK = [&](size_t i) {
        const PrefillBatch& b = batches[i];
        appendMoves(ops, mov, regionRow(b), slotOffset(b.slot), uint64_t(b.keys) * keyBytes, kvAt(i));
    };
    auto loadV = [&](size_t i, uint32_t pass) {
        const PrefillBatch& b = batches[i];
        const uint64_t vAt = slotOffset(b.slot) - uint64_t(b.slot % p.P) * keyBytes + halfRow;
        if (p.p == 1) {
            appendMoves(ops, mov, regionRow(b), vAt + uint64_t(b.slot % p.P) * keyBytes, uint64_t(b.keys) * keyBytes, kvAt(i));
        } else {
            for (uint32_t t = 0; t < b.keys; ++t)
                appendMoves(ops, mov, regionRow(b), vAt + uint64_t((b.slot + t) % p.P) * keyBytes + uint64_t(pass) * dd * 2,
                            uint64_t(dd) * 2, kvAt(i) + t * dd * 2);
        }
    };
    std::vector<uint64_t> scoreAt(batches.size());
    uint64_t scratch = 0;
    for (size_t i = 0; i < batches.size(); ++i) {
        scoreAt[i] = scratch;
        scratch += colUp(uint64_t(a) * batches[i].keys * 2);
    }
    // Score staging: consecutive batches whose FP16 scores fit the staging area form a stage;
    // their scratch bytes are consecutive, so one move writes (SDDMM) or reads (SpMM) them all.
    auto scoreBytes = [&](size_t i) { return uint32_t(colUp(uint64_t(a) * batches[i].keys * 2)); };
    std::vector<uint32_t> stageAt(batches.size(), 0);     // offset of batch i in its stage
    std::vector<size_t> stageFirst(batches.size(), 0), stageLast(batches.size(), 0);
    if (p.stageBytes) {
        uint32_t used = 0;
        for (size_t i = 0, first = 0; i < batches.size(); ++i) {
            if (i > first && used + scoreBytes(i) > p.stageBytes) {
                first = i;
                used = 0;
            }
            stageFirst[i] = first;
            stageAt[i] = used;
            used += scoreBytes(i);
        }
        for (size_t i = batches.size(); i-- > 0;)
            stageLast[i] = i + 1 < batches.size() && stageFirst[i + 1] == stageFirst[i] ? stageLast[i + 1] : i;
    }
    auto stageSpan = [&](size_t i) {   // scratch bytes of batch i's whole stage
        return uint64_t(scoreAt[stageLast[i]]) + scoreBytes(stageLast[i]) - scoreAt[stageFirst[i]];
    };
    auto loadScores = [&](size_t i) {
        if (!p.stageBytes)
            appendMoves(ops, mov, k.scratchRow, scoreAt[i], scoreBytes(i), scAt(i));
        else if (stageFirst[i] == i)
            appendMoves(ops, mov, k.scratchRow, scoreAt[i], stageSpan(i), p.stageOff);
    };

    // SDDMM: scores of every batch, statistics updated, scores out to the scratch rows. The
    // aware kernel issues batch i + 1's K right after batch i's MACs: it streams while the PEs
    // work (into the other K/V block when double-buffered, else once the MACs are done).
    if (!s.naive) {
        appendMoves(ops, mov, k.qRow, tileOff, uint64_t(a) * d * 2, p.qOff);
        if (!batches.empty()) loadK(0);
    }
    for (size_t i = 0; i < batches.size(); ++i) {
        const PrefillBatch& b = batches[i];
        if (s.naive) {
            appendMoves(ops, mov, k.qRow, tileOff, uint64_t(d) * 2, p.qOff);   // no reuse of q
            loadK(i);
        }
        MicroOp& mac = pe2(MicroOpKind::MacScores, p.qOff, qEnd, kvAt(i), scEnd(i));
        mac.r.tile = kvAt(i);
        mac.r.scores = scAt(i);
        mac.keys = uint16_t(b.keys);
        mac.mask = b.mask;
        mac.keyBase = b.keyBase;
        mac.keyStride = b.keyStride;
        mac.keyLimit = b.keyLimit;
        if (!s.naive && i + 1 < batches.size()) loadK(i + 1);
        // Stat packs the FP16 scores in place, or into the staging area (then one MovOut per
        // stage instead of one per batch).
        const uint32_t dst = p.stageBytes ? p.stageOff + stageAt[i] : scAt(i);
        MicroOp& stat = pe2(MicroOpKind::Stat, scAt(i), scEnd(i), p.stageBytes ? dst : p.stateOff, p.bufferBytes);
        stat.r.scores = scAt(i);
        stat.r.outHalf = dst;
        stat.keys = uint16_t(b.keys);
        if (!p.stageBytes)
            appendMoves(ops, movOut, k.scratchRow, scoreAt[i], scoreBytes(i), scAt(i));
        else if (stageLast[i] == i)
            appendMoves(ops, movOut, k.scratchRow, scoreAt[stageFirst[i]], stageSpan(i), p.stageOff);
    }
    // SpMM, output-stationary, d / p output columns per pass; the aware kernel fetches batch
    // i + 1's V and scores while the PEs finish batch i.
    for (uint32_t pass = 0; pass < p.p; ++pass) {
        peOp(MicroOpKind::Clear, p.qOff, qEnd).headDim = uint16_t(dd);
        if (!s.naive && !batches.empty()) {
            loadV(0, pass);
            loadScores(0);
        }
        for (size_t i = 0; i < batches.size(); ++i) {
            const PrefillBatch& b = batches[i];
            if (s.naive) {
                if (i > 0) appendMoves(ops, mov, k.scratchRow, accAt, uint64_t(d) * 4, p.qOff);
                loadV(i, pass);
                loadScores(i);
            }
            const uint32_t src = p.stageBytes ? p.stageOff + stageAt[i] : scAt(i);
            MicroOp& prob = pe2(MicroOpKind::Prob, scAt(i), scEnd(i), p.stageBytes ? src : p.stateOff, p.bufferBytes);
            prob.r.scores = scAt(i);
            prob.r.outHalf = src;
            prob.keys = uint16_t(b.keys);
            MicroOp& pv = pe2(MicroOpKind::MacPV, p.qOff, qEnd, kvAt(i), scEnd(i));
            pv.r.tile = kvAt(i);
            pv.r.scores = scAt(i);
            pv.keys = uint16_t(b.keys);
            pv.headDim = uint16_t(dd);
            if (s.naive) appendMoves(ops, movOut, k.scratchRow, accAt, uint64_t(d) * 4, p.qOff);
            if (!s.naive && i + 1 < batches.size()) {
                loadV(i + 1, pass);
                loadScores(i + 1);
            }
        }
        MicroOp& sfm = pe2(MicroOpKind::Sfm, p.qOff, qEnd, p.stateOff, p.bufferBytes);
        sfm.headDim = uint16_t(dd);
        sfm.allBanks = 1;
        if (p.p == 1) {
            appendMoves(ops, movOut, k.outRow, tileOff, uint64_t(a) * d * 2, p.qOff);
        } else {
            for (uint32_t g = 0; g < a; ++g)
                appendMoves(ops, movOut, k.outRow, tileOff + uint64_t(g) * d * 2 + uint64_t(pass) * dd * 2, uint64_t(dd) * 2,
                            p.qOff + g * dd * 2);
        }
    }
}

void PimFirmware::issueInterleaved(std::vector<std::vector<MicroOp>>& perPc) {
    // Round-robin over the pseudo-channels keeps both command streams fed.
    std::vector<size_t> next(perPc.size(), 0);
    for (bool any = true; any;) {
        any = false;
        for (size_t pc = 0; pc < perPc.size(); ++pc) {
            if (next[pc] >= perPc[pc].size()) continue;
            m_hal.issue(perPc[pc][next[pc]++]);
            ++m_stats.microOps;
            any = true;
        }
    }
}

}  // namespace pilot::fw
