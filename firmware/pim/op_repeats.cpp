// SPDX-License-Identifier: MIT
#include "firmware/pim/op_repeats.h"

#include <unordered_map>

namespace pilot::fw {

using contract::MicroOp;
using contract::MicroOpKind;

namespace {

// A field at a time (no struct padding hashed), multiply-xorshift mixed: collisions between
// ops that differ would merge stretches, so the mix is a full 64-bit one.
struct Hash {
    uint64_t h = 0x9e3779b97f4a7c15ull;
    template <typename T> void add(T v) {
        h = (h ^ uint64_t(v)) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
};

} // namespace

uint64_t OpSignatures::next(const MicroOp& op) {
    Hash h;
    h.add(uint8_t(op.kind));
    h.add(op.pc);
    h.add(op.bankGroupMask);
    const bool move = op.kind == MicroOpKind::MovIn || op.kind == MicroOpKind::MovOut;
    if (move) {
        // What a move's row costs is whether it is the row open already (the previous move's
        // of the pseudo-channel, or of the bank in single-bank form: else PREA / ACTAB first),
        // not which row it is.
        uint32_t& last = op.singleBank ? m_lastBankRow[op.pc * 256u + op.bank] : m_lastRow[op.pc];
        h.add(uint8_t(last == op.row + 1u));
        last = op.row + 1u; // 0: none yet
        h.add(op.column);
        h.add(op.columns);
        h.add(op.singleBank);
        h.add(op.bank);
    }
    h.add(op.sramOffset);
    for (uint32_t v : {op.r.q, op.r.tile, op.r.scores, op.r.out, op.r.state, op.r.outHalf})
        h.add(v);
    h.add(op.keys);
    h.add(op.spread);
    h.add(op.ctxLen);
    h.add(op.sinkTokens);
    h.add(op.windowTokens);
    h.add(op.headDim);
    h.add(op.queries);
    h.add(op.flags);
    h.add(op.globalTokens);
    h.add(uint8_t(op.mask));
    h.add(op.allBanks);
    h.add(op.rowStride);
    h.add(op.keyStride);
    h.add(op.scaleBits);
    for (uint32_t v : {op.busyLo, op.busyHi, op.busyLo2, op.busyHi2, op.busyLo3, op.busyHi3})
        h.add(v);
    return h.h;
}

std::vector<OpRepeat> findRepeats(const std::vector<uint64_t>& sig, size_t maxPeriod, size_t minPeriods) {
    std::vector<OpRepeat> out;
    const size_t n = sig.size();
    // The next op of the same signature: the candidate periods at k are the distances to them.
    std::vector<size_t> nextSame(n, n);
    std::unordered_map<uint64_t, size_t> seen;
    for (size_t i = n; i-- > 0;) {
        auto [it, fresh] = seen.try_emplace(sig[i], i);
        if (!fresh) {
            nextSame[i] = it->second;
            it->second = i;
        }
    }
    for (size_t k = 0; k < n;) {
        OpRepeat best;
        size_t bestCover = 0;
        for (size_t j = nextSame[k]; j < n && j - k <= maxPeriod; j = nextSame[j]) {
            const size_t p = j - k;
            size_t run = 0; // ops from k on that equal the op a period later
            while (k + p + run < n && sig[k + run] == sig[k + p + run])
                ++run;
            const size_t periods = (run + p) / p;
            if (periods * p > bestCover) {
                bestCover = periods * p;
                best = {k, p, periods};
            }
            if (k + p + run == n)
                break; // reaches the end: no longer period covers more
        }
        if (best.periods >= minPeriods) {
            out.push_back(best);
            k += bestCover;
        } else {
            ++k;
        }
    }
    return out;
}

std::vector<OpRepeat> findGrowing(const std::vector<uint64_t>& ops, const std::vector<uint64_t>& sum,
                                  size_t from, size_t to, size_t maxPeriod, size_t minPeriods) {
    std::vector<OpRepeat> out;
    // Sums over the `p` rounds from i (wrapping: differences of wrapped sums are exact).
    auto group = [&](const std::vector<uint64_t>& v, size_t i, size_t p) {
        uint64_t s = 0;
        for (size_t j = i; j < i + p; ++j)
            s += v[j];
        return s;
    };
    for (size_t k = from; k < to;) {
        OpRepeat best;
        size_t bestCover = 0;
        for (size_t p = 1; p <= maxPeriod && k + 3 * p <= to; ++p) {
            const uint64_t dOps = group(ops, k + p, p) - group(ops, k, p);
            const uint64_t dSum = group(sum, k + p, p) - group(sum, k, p);
            if (dOps == 0 || int64_t(dOps) < 0)
                continue; // equal rounds are findRepeats'; shrinking ones are not looked for
            size_t groups = 2;
            while (k + (groups + 1) * p <= to &&
                   group(ops, k + groups * p, p) - group(ops, k + (groups - 1) * p, p) == dOps &&
                   group(sum, k + groups * p, p) - group(sum, k + (groups - 1) * p, p) == dSum)
                ++groups;
            if (groups * p > bestCover) {
                bestCover = groups * p;
                best = {k, p, groups, int64_t(dOps)};
            }
        }
        if (best.periods >= minPeriods) {
            out.push_back(best);
            k += bestCover;
        } else {
            ++k;
        }
    }
    return out;
}

} // namespace pilot::fw
