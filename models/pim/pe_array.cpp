// SPDX-License-Identifier: MIT
#include "models/pim/pe_array.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "firmware/include/pilot/contract.h"
#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "models/pim/pe_arith.h"
#include "models/pim/prefill_mask.h"

namespace pilot::pim {

using contract::MicroOp;
using contract::MicroOpKind;

static uint64_t ceilDiv(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

PeArray::PeArray(const PeConfig& cfg, const hbm::AddressMapping& map, hbm::BackingStore& store,
                 uint32_t pcIndex)
    : m_cfg(cfg), m_map(map), m_store(store) {
    const auto& org = map.spec().org;
    m_banksPerGroup = org.banksPerGroup;
    m_banks = org.banksPerPc();
    m_columnBytes = org.accessBytes;
    m_pcAddr.pseudoChannel = pcIndex % org.pseudoChannels;
    m_pcAddr.channel = (pcIndex / org.pseudoChannels) % org.channels;
    m_pcAddr.stack = pcIndex / org.pcsPerStack();
    if (cfg.functional)
        m_sram.assign(m_banks, std::vector<uint8_t>(cfg.sramBytes, 0));
    m_bankBytes.assign(m_banks, 0);
}

uint64_t PeArray::bankAddress(uint32_t bank, uint32_t row, uint32_t column) const {
    hbm::DramAddress a = m_pcAddr;
    const auto& org = m_map.spec().org;
    const uint32_t group = bank / m_banksPerGroup;
    a.sid = group / org.bankGroups;
    a.bankGroup = group % org.bankGroups;
    a.bank = bank % m_banksPerGroup;
    a.row = row;
    a.column = column;
    return m_map.encode(a);
}

uint32_t PeArray::participatingBanks(const MicroOp& op) const {
    uint32_t n = 0;
    for (uint32_t b = 0; b < m_banks; ++b)
        n += participates(op, b) ? 1 : 0;
    return n;
}

uint64_t PeArray::maxBankBytes() const {
    return *std::max_element(m_bankBytes.begin(), m_bankBytes.end());
}

float PeArray::getF32(uint32_t bank, uint32_t offset) const {
    float v;
    std::memcpy(&v, m_sram[bank].data() + offset, 4);
    return v;
}
void PeArray::setF32(uint32_t bank, uint32_t offset, float v) {
    std::memcpy(m_sram[bank].data() + offset, &v, 4);
}
std::vector<uint16_t> PeArray::getF16s(uint32_t bank, uint32_t offset, uint32_t count) const {
    std::vector<uint16_t> v(count);
    std::memcpy(v.data(), m_sram[bank].data() + offset, size_t(count) * 2);
    return v;
}
void PeArray::setF16(uint32_t bank, uint32_t offset, uint16_t v) {
    std::memcpy(m_sram[bank].data() + offset, &v, 2);
}

void PeArray::checkRange(const MicroOp& op, uint32_t offset, uint64_t bytes) const {
    // The firmware plans every region inside the buffer; a violation is a firmware bug.
    if (offset + bytes > m_cfg.sramBytes)
        throw std::logic_error("PE op " + std::to_string(int(op.kind)) + " touches SRAM bytes [" +
                               std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                               ") beyond the " + std::to_string(m_cfg.sramBytes) + "-byte buffer");
}

void PeArray::moveIn(const MicroOp& op, uint32_t column) {
    uint32_t dst = op.sramOffset + (column - op.column) * m_columnBytes;
    if (m_fault.kind == FaultForTest::Kind::TileOffset &&
        dst + m_fault.offsetBytes + m_columnBytes <= m_cfg.sramBytes)
        dst += m_fault.offsetBytes;
    checkRange(op, dst, m_columnBytes);
    for (uint32_t b = 0; b < m_banks; ++b) {
        if (op.singleBank ? b != op.bank : !participates(op, b))
            continue;
        m_bankBytes[b] += m_columnBytes;
        m_stats.bankToSramBytes += m_columnBytes;
        if (m_cfg.functional)
            m_store.read(bankAddress(b, op.row, column), m_sram[b].data() + dst, m_columnBytes);
    }
}

void PeArray::moveOut(const MicroOp& op, uint32_t column) {
    const uint32_t src = op.sramOffset + (column - op.column) * m_columnBytes;
    checkRange(op, src, m_columnBytes);
    for (uint32_t b = 0; b < m_banks; ++b) {
        if (op.singleBank ? b != op.bank : !participates(op, b))
            continue;
        m_bankBytes[b] += m_columnBytes;
        m_stats.sramToBankBytes += m_columnBytes;
        if (m_cfg.functional)
            m_store.write(bankAddress(b, op.row, column), m_sram[b].data() + src, m_columnBytes);
    }
}

// ---------------------------------------------------------------- arithmetic (one bank)

int64_t PeArray::keyIndex(const MicroOp& op, uint32_t bank, uint32_t j) const {
    if (op.mask == contract::MaskKind::Decode)
        return int64_t(op.slotBase + j) * m_banksPerGroup + bank % m_banksPerGroup;
    return int64_t(op.keyBase) + int64_t(bank % m_banksPerGroup) * op.keyStride + j;
}

bool PeArray::keyValid(uint32_t bank, uint32_t slot) const {
    // Sets of `spread` groups are aligned within the pseudo-channel: a group's place in its set
    // is its index modulo spread.
    const uint64_t inSet = (bank / m_banksPerGroup) % m_mode.spread;
    const uint64_t key = (uint64_t(slot) * m_mode.spread + inSet) * m_banksPerGroup + bank % m_banksPerGroup;
    if (key >= m_mode.ctxLen)
        return false;
    if (m_mode.sink == 0 && m_mode.window == 0)
        return true;
    return key < m_mode.sink || key + m_mode.window >= m_mode.ctxLen;
}

void PeArray::cfg(const MicroOp& op, uint32_t b) {
    const uint32_t G = op.queries, d = op.headDim;
    for (uint32_t i = 0; i < G * d; ++i)
        setF32(b, op.r.out + 4 * i, 0.0f);
    for (uint32_t g = 0; g < G; ++g) {
        setF32(b, op.r.state + 8 * g, -std::numeric_limits<float>::infinity()); // running max
        setF32(b, op.r.state + 8 * g + 4, 0.0f);                                // running sum
    }
}

void PeArray::macScores(const MicroOp& op, uint32_t b) {
    const uint32_t G = op.queries, d = op.headDim, n = op.keys;
    for (uint32_t g = 0; g < G; ++g) {
        const std::vector<uint16_t> q = getF16s(b, op.r.q + 2 * g * d, d);
        bool extraLetThrough = false; // FaultForTest::MaskExtraKey: once per row and op
        for (uint32_t j = 0; j < n; ++j) {
            float s = -std::numeric_limits<float>::infinity(); // masked slot: weight 0
            bool valid = op.mask == contract::MaskKind::Decode
                             ? keyValid(b, op.slotBase + j)
                             : prefillPairValid(m_mode.prefill, op, b % m_banksPerGroup, g, j);
            if (m_fault.kind == FaultForTest::Kind::MaskDropKey && valid && keyIndex(op, b, j) == m_fault.key)
                valid = false;
            if (m_fault.kind == FaultForTest::Kind::MaskDoubleKey && op.mask == contract::MaskKind::Random &&
                keyIndex(op, b, j) == m_fault.key)
                valid = true;
            if (m_fault.kind == FaultForTest::Kind::MaskExtraKey && !valid && !extraLetThrough)
                valid = extraLetThrough = true;
            if (valid) {
                const std::vector<uint16_t> k = getF16s(b, op.r.tile + 2 * j * d, d);
                s = dot16Lanes(q.data(), k.data(), d, m_mode.fp16Accum) * m_mode.scale;
            }
            setF32(b, op.r.scores + 4 * (g * n + j), s);
        }
    }
}

void PeArray::expStep(const MicroOp& op, uint32_t b) {
    const uint32_t G = op.queries, d = op.headDim, n = op.keys;
    auto ex = [&](float x) { return m_mode.exactExp ? expExact(x) : expApprox(x); };
    for (uint32_t g = 0; g < G; ++g) {
        const float m = getF32(b, op.r.state + 8 * g);
        float mNew = m;
        for (uint32_t j = 0; j < n; ++j)
            mNew = std::max(mNew, getF32(b, op.r.scores + 4 * (g * n + j)));
        // Rescale what was accumulated under the old maximum (nothing yet when m = -inf).
        const float alpha = std::isinf(m) ? 0.0f : ex(m - mNew);
        float sum = getF32(b, op.r.state + 8 * g + 4) * alpha;
        for (uint32_t j = 0; j < n; ++j) {
            const uint32_t at = op.r.scores + 4 * (g * n + j);
            const float sc = getF32(b, at);
            const float p = std::isinf(sc) ? 0.0f : ex(sc - mNew);
            setF32(b, at, p);
            sum += p;
        }
        for (uint32_t k = 0; k < d; ++k) {
            const uint32_t at = op.r.out + 4 * (g * d + k);
            float v = getF32(b, at) * alpha;
            if (m_mode.fp16Accum)
                v = roundToHalf(v);
            setF32(b, at, v);
        }
        setF32(b, op.r.state + 8 * g, mNew);
        setF32(b, op.r.state + 8 * g + 4, sum);
    }
}

void PeArray::macPV(const MicroOp& op, uint32_t b) {
    const uint32_t G = op.queries, d = op.headDim, n = op.keys;
    std::vector<float> acc(d);
    for (uint32_t g = 0; g < G; ++g) {
        for (uint32_t k = 0; k < d; ++k)
            acc[k] = getF32(b, op.r.out + 4 * (g * d + k));
        for (uint32_t j = 0; j < n; ++j) {
            const std::vector<uint16_t> v = getF16s(b, op.r.tile + 2 * j * d, d);
            axpyAccumulate(acc.data(), v.data(), getF32(b, op.r.scores + 4 * (g * n + j)), d,
                           m_mode.fp16Accum);
        }
        for (uint32_t k = 0; k < d; ++k)
            setF32(b, op.r.out + 4 * (g * d + k), acc[k]);
    }
}

void PeArray::accumulate(const MicroOp& op, uint32_t group) {
    // The BGPM merges its banks' partial softmax states into bank 0 of the group:
    // M = max m_i, sum = sum_i s_i e^(m_i - M), out = sum_i out_i e^(m_i - M).
    const uint32_t G = op.queries, d = op.headDim, b0 = group * m_banksPerGroup;
    auto ex = [&](float x) { return m_mode.exactExp ? expExact(x) : expApprox(x); };
    for (uint32_t g = 0; g < G; ++g) {
        float M = -std::numeric_limits<float>::infinity();
        for (uint32_t i = 0; i < m_banksPerGroup; ++i)
            M = std::max(M, getF32(b0 + i, op.r.state + 8 * g));
        float sum = 0;
        std::vector<float> out(d, 0.0f);
        for (uint32_t i = 0; i < m_banksPerGroup; ++i) {
            const float m = getF32(b0 + i, op.r.state + 8 * g);
            if (std::isinf(m))
                continue; // a bank that held no keys
            const float w = ex(m - M);
            sum += getF32(b0 + i, op.r.state + 8 * g + 4) * w;
            for (uint32_t k = 0; k < d; ++k)
                out[k] += getF32(b0 + i, op.r.out + 4 * (g * d + k)) * w;
        }
        setF32(b0, op.r.state + 8 * g, M);
        setF32(b0, op.r.state + 8 * g + 4, sum);
        for (uint32_t k = 0; k < d; ++k)
            setF32(b0, op.r.out + 4 * (g * d + k), out[k]);
    }
}

void PeArray::softmaxOut(const MicroOp& op, uint32_t b) {
    const uint32_t G = op.queries, d = op.headDim;
    for (uint32_t g = 0; g < G; ++g) {
        const float sum = getF32(b, op.r.state + 8 * g + 4);
        for (uint32_t k = 0; k < d; ++k)
            setF16(b, op.r.outHalf + 2 * (g * d + k),
                   floatToHalf(getF32(b, op.r.out + 4 * (g * d + k)) / sum));
    }
}

void PeArray::statStep(const MicroOp& op, uint32_t b) {
    // The scores leave the buffer as FP16, so the statistics are taken from the rounded values:
    // the probabilities the SpMM recomputes from them then sum to exactly the stored sum.
    const uint32_t G = op.queries, n = op.keys;
    auto ex = [&](float x) { return m_mode.exactExp ? expExact(x) : expApprox(x); };
    std::vector<uint16_t> packed(size_t(G) * n);
    for (uint32_t g = 0; g < G; ++g) {
        const float m = getF32(b, op.r.state + 8 * g);
        float mNew = m;
        for (uint32_t j = 0; j < n; ++j) {
            const uint16_t h = floatToHalf(getF32(b, op.r.scores + 4 * (g * n + j)));
            packed[size_t(g) * n + j] = h;
            mNew = std::max(mNew, halfToFloat(h));
        }
        float sum = std::isinf(m) ? 0.0f : getF32(b, op.r.state + 8 * g + 4) * ex(m - mNew);
        for (uint32_t j = 0; j < n; ++j) {
            const float s = halfToFloat(packed[size_t(g) * n + j]);
            if (!std::isinf(s))
                sum += ex(s - mNew);
        }
        setF32(b, op.r.state + 8 * g, mNew);
        setF32(b, op.r.state + 8 * g + 4, sum);
    }
    std::memcpy(m_sram[b].data() + op.r.outHalf, packed.data(), packed.size() * 2); // may be r.scores
}

void PeArray::probStep(const MicroOp& op, uint32_t b) {
    const uint32_t G = op.queries, n = op.keys;
    auto ex = [&](float x) { return m_mode.exactExp ? expExact(x) : expApprox(x); };
    const std::vector<uint16_t> packed = getF16s(b, op.r.outHalf, G * n); // may be r.scores
    for (uint32_t g = 0; g < G; ++g) {
        const float m = getF32(b, op.r.state + 8 * g);
        for (uint32_t j = 0; j < n; ++j) {
            const float s = halfToFloat(packed[size_t(g) * n + j]);
            setF32(b, op.r.scores + 4 * (g * n + j), std::isinf(s) ? 0.0f : ex(s - m));
        }
    }
}

void PeArray::clearOut(const MicroOp& op, uint32_t b) {
    for (uint32_t i = 0; i < uint32_t(op.queries) * op.headDim; ++i)
        setF32(b, op.r.out + 4 * i, 0.0f);
}

void PeArray::bufferSoftmax(const MicroOp& op, uint32_t firstGroup) {
    // Scores leave the banks as FP16 and probabilities come back as FP16 (AttAcc's MVSB and
    // MVGB); the unit's exp() is exact. Every bank of the set keeps the same (max, sum).
    const uint32_t G = op.queries, d = op.headDim, n = op.keys;
    const uint32_t b0 = firstGroup * m_banksPerGroup, b1 = b0 + op.spread * m_banksPerGroup;
    for (uint32_t g = 0; g < G; ++g) {
        const float m = getF32(b0, op.r.state + 8 * g);
        float mNew = m;
        for (uint32_t b = b0; b < b1; ++b)
            for (uint32_t j = 0; j < n; ++j)
                mNew = std::max(mNew, halfToFloat(floatToHalf(getF32(b, op.r.scores + 4 * (g * n + j)))));
        const float alpha = std::isinf(m) ? 0.0f : expExact(m - mNew);
        float sum = getF32(b0, op.r.state + 8 * g + 4) * alpha;
        for (uint32_t b = b0; b < b1; ++b) {
            for (uint32_t j = 0; j < n; ++j) {
                const uint32_t at = op.r.scores + 4 * (g * n + j);
                const float sc = halfToFloat(floatToHalf(getF32(b, at)));
                const float p = std::isinf(sc) ? 0.0f : expExact(sc - mNew);
                sum += p;
                setF32(b, at, halfToFloat(floatToHalf(p)));
            }
            for (uint32_t k = 0; k < d; ++k) {
                const uint32_t at = op.r.out + 4 * (g * d + k);
                setF32(b, at, getF32(b, at) * alpha);
            }
        }
        for (uint32_t b = b0; b < b1; ++b) {
            setF32(b, op.r.state + 8 * g, mNew);
            setF32(b, op.r.state + 8 * g + 4, sum);
        }
    }
}

void PeArray::bufferOut(const MicroOp& op, uint32_t firstGroup) {
    const uint32_t G = op.queries, d = op.headDim;
    const uint32_t b0 = firstGroup * m_banksPerGroup, b1 = b0 + op.spread * m_banksPerGroup;
    for (uint32_t g = 0; g < G; ++g) {
        const float sum = getF32(b0, op.r.state + 8 * g + 4);
        for (uint32_t k = 0; k < d; ++k) {
            float acc = 0;
            for (uint32_t b = b0; b < b1; ++b) // the partial outputs leave the banks as FP16
                acc += roundToHalf(getF32(b, op.r.out + 4 * (g * d + k)));
            setF16(b0, op.r.outHalf + 2 * (g * d + k), floatToHalf(acc / sum));
        }
    }
}

// PE cycles of `op` (at the PE clock), from its shape alone.
uint64_t PeArray::opCycles(const MicroOp& op) const {
    const uint64_t G = op.queries, d = op.headDim, n = op.keys, lanes = m_cfg.macLanes;
    switch (op.kind) {
    case MicroOpKind::Cfg:
        return 1 + ceilDiv(G * d, lanes); // clear the accumulators, a lane-row per cycle
    case MicroOpKind::Clear:
        return 1 + ceilDiv(G * d, lanes);
    case MicroOpKind::Stat:
    case MicroOpKind::Prob:
        // an exp per score (expCycles per lane-row), plus the max search and the FP16 packing
        return ceilDiv(G * n, lanes) * (1 + m_cfg.expCycles) + G;
    case MicroOpKind::MacScores:
    case MicroOpKind::MacPV:
        return ceilDiv(G * n * d, lanes);
    case MicroOpKind::Exp:
        // max search, exp of every score (expCycles per lane-row), rescale of the accumulators
        return ceilDiv(G * n, lanes) * (1 + m_cfg.expCycles) + ceilDiv(G * d, lanes);
    case MicroOpKind::Acc:
        // the accumulator's 16 adders fold banksPerGroup partial rows into one
        return ceilDiv(G * d, lanes) * (m_banksPerGroup - 1) + G * m_cfg.expCycles;
    case MicroOpKind::Sfm:
        return ceilDiv(G * d, lanes) + G; // a reciprocal per query, then a multiply per lane-row
    case MicroOpKind::BufSfm: {
        // The buffer die's unit: every participating bank's G x n FP16 scores out and its
        // probabilities back, a column per PE cycle each way; an exp per score, a lane-row per
        // cycle (pipelined); then every PE rescales its accumulators (in parallel).
        const uint64_t scores = uint64_t(participatingBanks(op)) * G * n;
        return ceilDiv(2 * scores * 2, m_columnBytes) + ceilDiv(scores, lanes) + ceilDiv(G * d, lanes);
    }
    case MicroOpKind::BufOut:
        // Every participating bank's partial outputs out as FP16, a column per PE cycle; the
        // sums of each set and one divide per lane-row.
        return ceilDiv(uint64_t(participatingBanks(op)) * G * d * 2, m_columnBytes) + ceilDiv(G * d, lanes) +
               G;
    default:
        throw std::logic_error("PeArray::execute: not a PE op");
    }
}

void PeArray::setMode(const MicroOp& op) {
    m_mode.fp16Accum = op.flags & contract::kFlagFp16Accum;
    m_mode.exactExp = op.flags & contract::kFlagExactExp;
    std::memcpy(&m_mode.scale, &op.scaleBits, 4);
    m_mode.ctxLen = op.ctxLen;
    m_mode.sink = op.sinkTokens;
    m_mode.window = op.windowTokens;
    m_mode.spread = std::max<uint32_t>(1, op.spread);
    m_mode.prefill = {op.ctxLen, op.windowTokens, op.globalTokens, (op.flags & contract::kFlagCausal) != 0};
}

// The arithmetic of `op` on every participating bank group's data (functional mode).
void PeArray::compute(const MicroOp& op) {
    const uint32_t groups = m_banks / m_banksPerGroup;
    for (uint32_t grp = 0; grp < groups; ++grp) {
        if (!((op.bankGroupMask >> grp) & 1u))
            continue;
        if (op.kind == MicroOpKind::Acc) {
            accumulate(op, grp);
            continue;
        }
        if (op.kind == MicroOpKind::BufSfm || op.kind == MicroOpKind::BufOut) {
            if (grp % std::max<uint32_t>(1, op.spread) == 0) // once per set, from its first group
                op.kind == MicroOpKind::BufSfm ? bufferSoftmax(op, grp) : bufferOut(op, grp);
            continue;
        }
        for (uint32_t b = grp * m_banksPerGroup; b < (grp + 1) * m_banksPerGroup; ++b) {
            switch (op.kind) {
            case MicroOpKind::MacScores:
                macScores(op, b);
                break;
            case MicroOpKind::Exp:
                expStep(op, b);
                break;
            case MicroOpKind::MacPV:
                macPV(op, b);
                break;
            case MicroOpKind::Sfm:
                if (op.allBanks || b == grp * m_banksPerGroup)
                    softmaxOut(op, b);
                break;
            case MicroOpKind::Stat:
                statStep(op, b);
                break;
            case MicroOpKind::Prob:
                probStep(op, b);
                break;
            case MicroOpKind::Clear:
                clearOut(op, b);
                break;
            default:
                break;
            }
        }
    }
}

uint64_t PeArray::execute(const MicroOp& op) {
    if (op.kind == MicroOpKind::Cfg)
        setMode(op);
    const uint64_t cycles = opCycles(op);
    const bool mac = op.kind == MicroOpKind::MacScores || op.kind == MicroOpKind::MacPV;
    const uint64_t macsPerBank = mac ? uint64_t(op.queries) * op.keys * op.headDim : 0;
    ++m_stats.ops;
    m_stats.busyCycles += cycles;
    for (uint32_t b = 0; b < m_banks; ++b)
        if (participates(op, b))
            m_stats.macs += macsPerBank;
    if (!m_cfg.functional)
        return cycles;
    if (op.kind == MicroOpKind::Cfg) {
        for (uint32_t b = 0; b < m_banks; ++b)
            if (participates(op, b))
                cfg(op, b);
        return cycles;
    }
    compute(op);
    return cycles;
}

} // namespace pilot::pim
