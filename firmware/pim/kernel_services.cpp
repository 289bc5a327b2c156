// SPDX-License-Identifier: MIT
#include "firmware/pim/kernel_services.h"

#include <algorithm>

#include "firmware/pim/op_repeats.h"

namespace pilot::fw {

using namespace pilot::contract;

ChannelGeometry ChannelGeometry::fromCapabilities(Hal& hal) {
    // The firmware adapts to the buffer and banks it is given.
    ChannelGeometry g;
    g.pcs = hal.readReg(kRegCapPcs);
    g.groupsPerPc = hal.readReg(kRegCapBankGroups) / g.pcs;
    g.banksPerGroup = hal.readReg(kRegCapBanksPerGroup);
    g.rows = hal.readReg(kRegCapRows);
    g.rowBytes = hal.readReg(kRegCapRowBytes);
    g.columnBytes = hal.readReg(kRegCapColumnBytes);
    g.sramBytes = hal.readReg(kRegCapSramBytes);
    return g;
}

bool KernelServices::bankGroupsValid(uint16_t mask) const {
    const uint32_t groups = m_geo.pcs * m_geo.groupsPerPc;
    if (mask == 0 || groups > kMaxBankGroupsPerChannel)
        return false;
    return groups == kMaxBankGroupsPerChannel || (mask >> groups) == 0;
}

bool KernelServices::headSpreadValid(uint16_t mask, uint32_t spread) const {
    const uint32_t s = spread ? spread : 1;
    if ((s & (s - 1)) || m_geo.groupsPerPc % s)
        return false;
    const uint32_t set = (1u << s) - 1u;
    for (uint32_t g = 0; g < m_geo.pcs * m_geo.groupsPerPc; g += s) {
        const uint32_t bits = (uint32_t(mask) >> g) & set;
        if (bits && bits != set)
            return false;
    }
    return true;
}

uint32_t KernelServices::lowestGroup(uint16_t mask) {
    uint32_t lowest = 0;
    while (!((mask >> lowest) & 1u))
        ++lowest;
    return lowest;
}

uint32_t KernelServices::pcGroups(uint16_t mask, uint32_t pc) const {
    return (mask >> (pc * m_geo.groupsPerPc)) & ((1u << m_geo.groupsPerPc) - 1u);
}

Error KernelServices::locate(uint64_t addr, uint32_t lowestGroup, uint32_t rowsNeeded, uint32_t& row) {
    uint32_t group = 0, bank = 0;
    switch (m_hal.locateRow(addr, group, bank, row)) {
    case Hal::Locate::Misaligned:
        return Error::Align;
    case Hal::Locate::OutOfRange:
        return Error::Range;
    case Hal::Locate::Ok:
        break;
    }
    if (group != lowestGroup || bank != 0)
        return Error::Range; // must name bank 0 of the first group
    if (uint64_t(row) + rowsNeeded > m_geo.rows)
        return Error::Range;
    return Error::Ok;
}

void KernelServices::bankBytes(uint64_t base, uint64_t offset, void* data, uint32_t len, bool write) {
    uint32_t group = 0, bank = 0, row = 0;
    m_hal.locateRow(base, group, bank, row);
    auto* p = static_cast<uint8_t*>(data);
    while (len) {
        const uint32_t col = uint32_t(offset / m_geo.columnBytes), in = uint32_t(offset % m_geo.columnBytes);
        const uint32_t n = std::min(len, m_geo.columnBytes - in);
        const uint32_t perRow = m_geo.rowBytes / m_geo.columnBytes;
        const uint64_t addr = m_hal.rowAddress(group, bank, row + col / perRow, col % perRow) + in;
        if (write)
            m_hal.writeMem(addr, p, n);
        else
            m_hal.readMem(addr, p, n);
        offset += n;
        p += n;
        len -= n;
    }
}

void KernelServices::appendMoves(std::vector<MicroOp>& ops, const MicroOp& proto, uint32_t baseRow,
                                 uint64_t offset, uint64_t bytes, uint32_t sram) const {
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

namespace {

// The order issueInterleaved issues the pseudo-channels' ops in: round-robin over them.
std::vector<const MicroOp*> interleave(const std::vector<std::vector<MicroOp>>& perPc) {
    std::vector<const MicroOp*> order;
    std::vector<size_t> next(perPc.size(), 0);
    for (bool any = true; any;) {
        any = false;
        for (size_t pc = 0; pc < perPc.size(); ++pc) {
            if (next[pc] >= perPc[pc].size())
                continue;
            order.push_back(&perPc[pc][next[pc]++]);
            any = true;
        }
    }
    return order;
}

} // namespace

void KernelServices::issueRounds(uint32_t rounds, const RoundOps& build) {
    const uint32_t pcs = m_geo.pcs;
    std::vector<std::vector<MicroOp>> perPc(pcs);
    auto make = [&](uint32_t r) {
        for (auto& ops : perPc)
            ops.clear();
        build(r, perPc);
    };
    uint32_t r = 0;
    auto plainTo = [&](uint32_t to) {
        for (; r < to; ++r) {
            make(r);
            issueInterleaved(perPc);
        }
    };
    if (!m_hal.fastForward())
        return plainTo(rounds);
    // Each round's ops hashed (signatures as the stream would see them), then dropped: equal
    // hashes in a row are a stretch of equal rounds, one period each. The ops' count and the sum
    // of their signatures find the stretches that grow alike (findGrowing).
    std::vector<uint64_t> hash(rounds), count(rounds), sum(rounds);
    OpSignatures sigs;
    for (uint32_t i = 0; i < rounds; ++i) {
        make(i);
        const std::vector<const MicroOp*> order = interleave(perPc);
        uint64_t h = order.size(), a = 0;
        for (const MicroOp* op : order) {
            const uint64_t sig = sigs.next(*op);
            h = (h ^ sig) * 0xff51afd7ed558ccdull;
            a += sig * 0x9e3779b97f4a7c15ull;
        }
        hash[i] = h;
        count[i] = order.size();
        sum[i] = a;
    }
    auto issueRound = [&](uint32_t k) {
        make(k);
        issueInterleaved(perPc);
        uint64_t n = 0;
        for (const auto& ops : perPc)
            n += ops.size();
        return n;
    };
    for (const OpRepeat& rep : stretches(hash, count, sum)) {
        plainTo(uint32_t(rep.begin));
        m_hal.repeatBegin(rep.growth != 0);
        for (size_t k = 0; k < rep.periods; ++k) {
            uint64_t ops = 0;
            for (size_t i = 0; i < rep.period; ++i)
                ops += issueRound(r++);
            const uint64_t skipped = m_hal.repeatMark(rep.periods - k - 1, ops, rep.growth);
            r += uint32_t(skipped * rep.period);
            // Period j after this one has ops + j x growth ops.
            m_microOps += skipped * ops + uint64_t(rep.growth) * skipped * (skipped + 1) / 2;
            k += skipped;
        }
    }
    plainTo(rounds);
}

std::vector<OpRepeat> KernelServices::stretches(const std::vector<uint64_t>& hash,
                                                const std::vector<uint64_t>& count,
                                                const std::vector<uint64_t>& sum) {
    // Equal stretches first; growing ones in the rounds between them, all in round order.
    std::vector<OpRepeat> out;
    size_t at = 0;
    auto growingTo = [&](size_t to) {
        for (const OpRepeat& g : findGrowing(count, sum, at, to, kMaxGrowingPeriod, kMinGrowingPeriods))
            out.push_back(g);
    };
    for (const OpRepeat& rep : findRepeats(hash, kMaxRoundPeriod, kMinRepeatRounds)) {
        growingTo(rep.begin);
        out.push_back(rep);
        at = rep.begin + rep.period * rep.periods;
    }
    growingTo(hash.size());
    return out;
}

void KernelServices::issueInterleaved(const std::vector<std::vector<MicroOp>>& perPc) {
    const std::vector<const MicroOp*> order = interleave(perPc);
    issueRange(order, 0, order.size());
}

void KernelServices::issueRange(const std::vector<const MicroOp*>& order, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
        m_hal.issue(*order[i]);
    m_microOps += to - from;
}

} // namespace pilot::fw
