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

namespace {

// Stretches in [from, to), in order, not overlapping: at each k, `bestAt(k)` gives the stretch
// from k covering the most entries; it is kept when it has at least minPeriods periods (the scan
// goes on after it), else the scan moves one entry on.
template <typename BestAt>
std::vector<OpRepeat> scanStretches(size_t from, size_t to, size_t minPeriods, BestAt bestAt) {
    std::vector<OpRepeat> out;
    for (size_t k = from; k < to;) {
        const OpRepeat best = bestAt(k);
        if (best.periods >= minPeriods) {
            out.push_back(best);
            k += best.period * best.periods;
        } else {
            ++k;
        }
    }
    return out;
}

} // namespace

std::vector<OpRepeat> findRepeats(const std::vector<uint64_t>& sig, size_t maxPeriod, size_t minPeriods) {
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
    return scanStretches(0, n, minPeriods, [&](size_t k) {
        OpRepeat best;
        for (size_t j = nextSame[k]; j < n && j - k <= maxPeriod; j = nextSame[j]) {
            const size_t p = j - k;
            size_t run = 0; // ops from k on that equal the op a period later
            while (k + p + run < n && sig[k + p + run] == sig[k + run])
                ++run;
            const size_t periods = (run + p) / p;
            if (periods * p > best.periods * best.period)
                best = {k, p, periods};
            if (k + p + run == n)
                break; // reaches the end: no longer period covers more
        }
        return best;
    });
}

std::vector<OpRepeat> findGrowing(const std::vector<uint64_t>& ops, const std::vector<uint64_t>& sum,
                                  size_t from, size_t to, size_t maxPeriod, size_t minPeriods) {
    // Prefix sums (wrapping: differences of wrapped sums are exact): a group's sum in O(1).
    std::vector<uint64_t> opsTo(ops.size() + 1, 0), sumTo(sum.size() + 1, 0);
    for (size_t i = 0; i < ops.size(); ++i) {
        opsTo[i + 1] = opsTo[i] + ops[i];
        sumTo[i + 1] = sumTo[i] + sum[i];
    }
    // Group g of period p from k minus the group before it.
    auto step = [](const std::vector<uint64_t>& to, size_t k, size_t p, size_t g) {
        return (to[k + (g + 1) * p] - to[k + g * p]) - (to[k + g * p] - to[k + (g - 1) * p]);
    };
    return scanStretches(from, to, minPeriods, [&](size_t k) {
        OpRepeat best;
        for (size_t p = 1; p <= maxPeriod && k + 3 * p <= to; ++p) {
            const uint64_t dOps = step(opsTo, k, p, 1), dSum = step(sumTo, k, p, 1);
            if (dOps == 0 || int64_t(dOps) < 0)
                continue; // equal rounds are findRepeats'; shrinking ones are not looked for
            size_t groups = 2;
            while (k + (groups + 1) * p <= to && step(opsTo, k, p, groups) == dOps &&
                   step(sumTo, k, p, groups) == dSum)
                ++groups;
            if (groups * p > best.periods * best.period)
                best = {k, p, groups, int64_t(dOps)};
        }
        return best;
    });
}

} // namespace pilot::fw
