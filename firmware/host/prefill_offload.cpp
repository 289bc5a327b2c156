// SPDX-License-Identifier: MIT
#include "firmware/host/prefill_offload.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace pilot::host {

PrefillRows prefillRows(const fw::PrefillKernelPlan& p) {
    PrefillRows r;
    uint32_t next = 0;
    auto take = [&](uint32_t& at, uint32_t rows) {
        at = next;
        next += rows;
    };
    take(r.q, p.qRows);
    take(r.out, p.outRows);
    take(r.band, p.bandRows);
    take(r.aux, p.auxRows);
    take(r.scratch, p.scratchRows);
    take(r.pattern, p.patternRows);
    take(r.globalQ, p.globalQRows);
    take(r.splitKv, p.splitKvRows);
    take(r.globalOut, p.globalOutRows);
    r.used = next;
    return r;
}

PrefillRoundPlan prefillRoundPlan(uint32_t headsTotal, double headFraction, uint32_t replicas,
                                  uint32_t groups, bool replicated, bool functional) {
    PrefillRoundPlan r;
    r.units = uint32_t(std::llround(double(headsTotal) * headFraction));
    r.unitsSim = (r.units + replicas - 1) / replicas;
    r.rounds = roundsFor(r.unitsSim, groups);
    r.simRounds = (replicated && !functional) ? std::min(1u, r.rounds) : r.rounds;
    return r;
}

namespace {

// Writes one head into its bank group (untimed: the GPU's K/V/Q writes are accounted as
// external bytes, not simulated column by column).
void placeHead(PimRuntime& rt, uint32_t c, uint32_t grp, const fw::PrefillKernelPlan& p,
               const PrefillRows& rows, const std::vector<uint32_t>& table, const HeadData& h) {
    const auto& s = p.shape;
    const uint32_t d = s.headDim, N = s.seqLen, B = s.banksPerGroup, rowBytes = s.rowBytes;
    const uint64_t keyBytes = uint64_t(d) * 2;
    // K and V of `slots` slots, slot -> key (or < 0 / >= N: left zero), keys and values sharing rows.
    auto kvImage = [&](uint64_t slots, auto keyOf) {
        std::vector<uint8_t> img((slots + p.P - 1) / p.P * rowBytes, 0);
        for (uint64_t sl = 0; sl < slots; ++sl) {
            const int64_t key = keyOf(sl);
            if (key < 0 || key >= int64_t(N))
                continue;
            uint8_t* at = img.data() + (sl / p.P) * rowBytes + (sl % p.P) * keyBytes;
            std::memcpy(at, h.k.data() + size_t(key) * d, keyBytes);
            std::memcpy(at + rowBytes / 2, h.v.data() + size_t(key) * d, keyBytes);
        }
        return img;
    };
    auto put = [&](uint32_t bank, uint32_t row, const std::vector<uint8_t>& img) {
        if (!img.empty())
            rt.bankWrite(c, grp, bank, row, 0, img.data(), img.size(), false);
    };
    const std::vector<uint8_t> aux = kvImage(p.auxSlots, [&](uint64_t sl) -> int64_t {
        if (sl < s.globalTokens)
            return int64_t(sl);
        const uint64_t t = sl - s.globalTokens, perRow = uint64_t(s.randomBlocks) * s.blockSize;
        const uint32_t block = table[(t / perRow) * s.randomBlocks + (t / s.blockSize) % s.randomBlocks];
        return block == fw::kNoRandomBlock ? -1 : int64_t(block) * s.blockSize + int64_t(t % s.blockSize);
    });
    const std::vector<fw::PrefillRound> rounds = fw::prefillRounds(p);
    for (uint32_t i = 0; i < B; ++i) {
        put(i, rows.band,
            kvImage(p.bandSlots, [&](uint64_t sl) { return int64_t(sl) - p.shift + int64_t(i) * p.a; }));
        put(i, rows.aux, aux);
        std::vector<uint8_t> qImg(uint64_t(p.qRows) * rowBytes, 0);
        for (const fw::PrefillRound& r : rounds)
            for (uint32_t g = 0; g < p.a; ++g) {
                const uint64_t row = uint64_t(r.rowBegin) + uint64_t(i) * p.a + g;
                if (row < r.rowEnd)
                    std::memcpy(qImg.data() + (uint64_t(r.index) * p.a + g) * keyBytes, h.q.data() + row * d,
                                keyBytes);
            }
        put(i, rows.q, qImg);
        if (p.globalRows) {
            std::vector<uint8_t> gq(uint64_t(p.globalQRows) * rowBytes, 0);
            std::memcpy(gq.data(), h.q.data(), uint64_t(p.globalRows) * keyBytes);
            put(i, rows.globalQ, gq);
            put(i, rows.splitKv, kvImage((N + B - 1) / B, [&](uint64_t sl) { return int64_t(sl * B + i); }));
        }
    }
}

// Every output row of a head, FP16: non-global rows from their bank's tiles, global rows
// from bank 0 (read with the untimed path: checking is not part of the workload).
std::vector<uint16_t> readHead(PimRuntime& rt, uint32_t c, uint32_t grp, const fw::PrefillKernelPlan& p,
                               const PrefillRows& rows) {
    const auto& s = p.shape;
    const uint32_t d = s.headDim;
    std::vector<uint16_t> out(size_t(s.seqLen) * d, 0);
    std::vector<uint16_t> img(size_t(p.outRows) * s.rowBytes / 2);
    for (uint32_t i = 0; i < s.banksPerGroup; ++i) {
        rt.bankRead(c, grp, i, rows.out, 0, reinterpret_cast<uint8_t*>(img.data()), img.size() * 2, false);
        for (const fw::PrefillRound& r : fw::prefillRounds(p))
            for (uint32_t g = 0; g < p.a; ++g) {
                const uint64_t row = uint64_t(r.rowBegin) + uint64_t(i) * p.a + g;
                if (row < r.rowEnd)
                    std::copy_n(img.begin() + (uint64_t(r.index) * p.a + g) * d, d, out.begin() + row * d);
            }
    }
    if (p.globalRows)
        rt.bankRead(c, grp, 0, rows.globalOut, 0, reinterpret_cast<uint8_t*>(out.data()),
                    uint64_t(p.globalRows) * d * 2, false);
    return out;
}

class PrefillKernel : public OffloadKernel {
  public:
    PrefillKernel(const fw::PrefillKernelPlan& plan, const PrefillRows& rows,
                  const std::vector<uint32_t>& table, PrefillFlags flags,
                  const PrefillOffload::Source& source, const PrefillOffload::Sink& sink)
        : m_plan(plan), m_rows(rows), m_table(table), m_flags(flags), m_source(source), m_sink(sink) {}

    void place(PimRuntime& rt, const UnitSlot& s) override {
        if (!m_source)
            return;
        HeadData& h = m_placed[s.unit];
        h = m_source(s.unit);
        placeHead(rt, s.channel, s.group, m_plan, m_rows, m_table, h);
    }

    contract::Descriptor descriptor(PimRuntime& rt, uint32_t c, uint32_t lowest) override {
        const fw::PrefillKernelShape& ks = m_plan.shape;
        auto at = [&](uint32_t row) { return rt.columnAddress(c, lowest, 0, row, 0); };
        contract::Descriptor desc{};
        desc.opcode = uint16_t(contract::Opcode::PrefillHybridSparse);
        desc.flags =
            (ks.naive ? contract::kFlagNaive : 0) | (m_flags.exactExp ? contract::kFlagExactExp : 0) |
            (m_flags.fp16Accum ? contract::kFlagFp16Accum : 0) | (ks.causal ? contract::kFlagCausal : 0);
        desc.headDim = uint16_t(ks.headDim);
        desc.ctxLen = ks.seqLen;
        desc.windowTokens = ks.window;
        desc.globalTokens = ks.globalTokens;
        desc.randomBlocks = ks.randomBlocks;
        desc.blockSize = ks.blockSize;
        desc.tileRows = m_plan.a;
        desc.qAddr = at(m_rows.q);
        desc.outAddr = at(m_rows.out);
        desc.kvAddr = at(m_rows.band);
        desc.auxKvAddr = at(m_rows.aux);
        desc.scratchAddr = at(m_rows.scratch);
        desc.patternAddr = at(m_rows.pattern);
        desc.globalQAddr = at(m_rows.globalQ);
        desc.splitKvAddr = at(m_rows.splitKv);
        desc.globalOutAddr = at(m_rows.globalOut);
        return desc;
    }

    void collect(PimRuntime& rt, const UnitSlot& s) override {
        auto it = m_placed.find(s.unit);
        if (it == m_placed.end())
            return;
        if (m_sink)
            m_sink(it->second, readHead(rt, s.channel, s.group, m_plan, m_rows));
        m_placed.erase(it);
    }

  private:
    const fw::PrefillKernelPlan& m_plan;
    const PrefillRows& m_rows;
    const std::vector<uint32_t>& m_table;
    PrefillFlags m_flags;
    const PrefillOffload::Source& m_source;
    const PrefillOffload::Sink& m_sink;
    std::map<uint32_t, HeadData> m_placed; // the round's operands, by unit
};

} // namespace

PrefillOffload::PrefillOffload(const fw::PrefillKernelShape& shape, const HybridPattern& mask,
                               const PimGeometry& geo, PrefillFlags flags)
    : m_plan(fw::planPrefillKernel(shape)), m_rows(prefillRows(m_plan)), m_geo(geo), m_flags(flags) {
    const fw::PrefillKernelShape& ks = m_plan.shape;
    m_table.assign(size_t(m_plan.blockRows) * ks.randomBlocks, fw::kNoRandomBlock);
    for (uint32_t br = 0; br < m_plan.blockRows && br < mask.randomBlocks.size(); ++br)
        for (uint32_t k = 0; k < ks.randomBlocks && k < mask.randomBlocks[br].size(); ++k)
            m_table[size_t(br) * ks.randomBlocks + k] = mask.randomBlocks[br][k];
}

std::optional<std::pair<std::string, std::string>> PrefillOffload::problem() const {
    if (m_plan.error != contract::Error::Ok)
        return std::make_pair(std::string("/workload"),
                              std::string("the PIM prefill kernel cannot run this pattern (") +
                                  contract::errorName(m_plan.error) + "): " + m_plan.why);
    if (m_rows.used > m_geo.rows - 2)
        return std::make_pair(std::string("/workload/context"),
                              "one head's PIM layout needs " + std::to_string(m_rows.used) +
                                  " rows per bank (K and V copied into every bank: see docs/io-analysis.md); "
                                  "the memspec's banks have " +
                                  std::to_string(m_geo.rows - 2) + " free");
    return std::nullopt;
}

void PrefillOffload::writePatternTable(PimRuntime& rt) const {
    for (uint32_t c = 0; c < m_geo.channels && !m_table.empty(); ++c)
        rt.bankWrite(c, 0, 0, m_rows.pattern, 0, reinterpret_cast<const uint8_t*>(m_table.data()),
                     m_table.size() * 4, false);
}

OffloadRun PrefillOffload::run(PimRuntime& rt, uint32_t units, uint32_t rounds, const Source& source,
                               const Sink& sink) const {
    PrefillKernel kernel(m_plan, m_rows, m_table, m_flags, source, sink);
    return offloadRounds(rt, kernel, units, rounds);
}

} // namespace pilot::host
