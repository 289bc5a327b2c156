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

// Writes one head into its bank group as the GPU does: posted writes of every query row into
// its bank's tile slot, every key and value into each slot of the band and aux copies (an empty
// slot gets zeros), the global rows' queries and the split K and V. h == nullptr (timing only):
// the same writes, of zeros.
void placeHead(PimRuntime& rt, uint32_t c, uint32_t grp, const fw::PrefillKernelPlan& p,
               const PrefillRows& rows, const std::vector<uint32_t>& table, const HeadData* h) {
    const auto& s = p.shape;
    const uint32_t d = s.headDim, N = s.seqLen, B = s.banksPerGroup, rowBytes = s.rowBytes;
    const uint64_t keyBytes = uint64_t(d) * 2;
    auto bytes = [](const std::vector<uint16_t>& v, uint64_t at) {
        return reinterpret_cast<const uint8_t*>(v.data() + at);
    };
    // K and V of `slots` slots from `row` of `bank`, slot -> key (or < 0 / >= N: zeros), keys and
    // values sharing rows.
    auto kv = [&](uint32_t bank, uint32_t row, uint64_t slots, auto keyOf) {
        for (uint64_t sl = 0; sl < slots; ++sl) {
            const int64_t key = keyOf(sl);
            const bool real = h && key >= 0 && key < int64_t(N);
            const uint64_t at = (sl / p.P) * rowBytes + (sl % p.P) * keyBytes;
            rt.bankWrite(c, grp, bank, row, at, real ? bytes(h->k, uint64_t(key) * d) : nullptr, keyBytes,
                         true);
            rt.bankWrite(c, grp, bank, row, at + rowBytes / 2,
                         real ? bytes(h->v, uint64_t(key) * d) : nullptr, keyBytes, true);
        }
    };
    auto auxKey = [&](uint64_t sl) -> int64_t {
        if (sl < s.globalTokens)
            return int64_t(sl);
        const uint64_t t = sl - s.globalTokens, perRow = uint64_t(s.randomBlocks) * s.blockSize;
        const uint32_t block = table[(t / perRow) * s.randomBlocks + (t / s.blockSize) % s.randomBlocks];
        return block == fw::kNoRandomBlock ? -1 : int64_t(block) * s.blockSize + int64_t(t % s.blockSize);
    };
    const std::vector<fw::PrefillRound> rounds = fw::prefillRounds(p);
    for (uint32_t i = 0; i < B; ++i) {
        kv(i, rows.band, p.bandSlots, [&](uint64_t sl) { return int64_t(sl) - p.shift + int64_t(i) * p.a; });
        kv(i, rows.aux, p.auxSlots, auxKey);
        for (const fw::PrefillRound& r : rounds)
            for (uint32_t g = 0; g < p.a; ++g) {
                const uint64_t row = uint64_t(r.rowBegin) + uint64_t(i) * p.a + g;
                if (row < r.rowEnd)
                    rt.bankWrite(c, grp, i, rows.q, (uint64_t(r.index) * p.a + g) * keyBytes,
                                 h ? bytes(h->q, row * d) : nullptr, keyBytes, true);
            }
        if (p.globalRows) {
            rt.bankWrite(c, grp, i, rows.globalQ, 0, h ? bytes(h->q, 0) : nullptr,
                         uint64_t(p.globalRows) * keyBytes, true);
            kv(i, rows.splitKv, (N + B - 1) / B, [&](uint64_t sl) { return int64_t(sl * B + i); });
        }
    }
}

// Posts the reads of every output row of a head, FP16, into out (N x d; nullptr: discarded):
// non-global rows from their bank's tiles, global rows from bank 0.
void fetchHead(PimRuntime& rt, uint32_t c, uint32_t grp, const fw::PrefillKernelPlan& p,
               const PrefillRows& rows, uint16_t* out) {
    const auto& s = p.shape;
    const uint32_t d = s.headDim;
    const uint64_t keyBytes = uint64_t(d) * 2;
    auto at = [&](uint64_t row) { return out ? reinterpret_cast<uint8_t*>(out + row * d) : nullptr; };
    for (uint32_t i = 0; i < s.banksPerGroup; ++i)
        for (const fw::PrefillRound& r : fw::prefillRounds(p))
            for (uint32_t g = 0; g < p.a; ++g) {
                const uint64_t row = uint64_t(r.rowBegin) + uint64_t(i) * p.a + g;
                if (row < r.rowEnd)
                    rt.bankReadPosted(c, grp, i, rows.out, (uint64_t(r.index) * p.a + g) * keyBytes, at(row),
                                      keyBytes);
            }
    if (p.globalRows)
        rt.bankReadPosted(c, grp, 0, rows.globalOut, 0, at(0), uint64_t(p.globalRows) * keyBytes);
}

class PrefillKernel : public OffloadKernel {
  public:
    PrefillKernel(const fw::PrefillKernelPlan& plan, const PrefillRows& rows,
                  const std::vector<uint32_t>& table, PrefillFlags flags,
                  const PrefillOffload::Source& source, const PrefillOffload::Sink& sink)
        : m_plan(plan), m_rows(rows), m_table(table), m_flags(flags), m_source(source), m_sink(sink) {}

    void place(PimRuntime& rt, const UnitSlot& s) override {
        if (!m_source)
            return placeHead(rt, s.channel, s.group, m_plan, m_rows, m_table, nullptr);
        HeadData& h = m_placed[s.unit];
        h = m_source(s.unit);
        placeHead(rt, s.channel, s.group, m_plan, m_rows, m_table, &h);
    }

    // Timing only (no source): every unit of a round writes the same pattern of zeros.
    bool placementRepeats() const override { return !m_source; }
    bool fetchRepeats() const override { return !m_source; }

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

    // Every output row crosses the bus in both modes; only functional runs keep them.
    void fetch(PimRuntime& rt, const UnitSlot& s) override {
        uint16_t* out = nullptr;
        if (m_placed.count(s.unit)) {
            std::vector<uint16_t>& o = m_out[s.unit];
            o.assign(size_t(m_plan.shape.seqLen) * m_plan.shape.headDim, 0);
            out = o.data();
        }
        fetchHead(rt, s.channel, s.group, m_plan, m_rows, out);
    }

    void collect(const UnitSlot& s) override {
        auto it = m_placed.find(s.unit);
        if (it == m_placed.end())
            return;
        auto out = m_out.find(s.unit);
        if (m_sink)
            m_sink(it->second, out->second);
        m_placed.erase(it);
        m_out.erase(out);
    }

  private:
    const fw::PrefillKernelPlan& m_plan;
    const PrefillRows& m_rows;
    const std::vector<uint32_t>& m_table;
    PrefillFlags m_flags;
    const PrefillOffload::Source& m_source;
    const PrefillOffload::Sink& m_sink;
    std::map<uint32_t, HeadData> m_placed;           // the round's operands, by unit
    std::map<uint32_t, std::vector<uint16_t>> m_out; // their outputs, read back
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
    if (m_table.empty())
        return;
    std::vector<uint32_t> all(m_geo.channels);
    for (uint32_t c = 0; c < m_geo.channels; ++c)
        all[c] = c;
    rt.forChannels(all, [&](uint32_t c) {
        rt.bankWrite(c, 0, 0, m_rows.pattern, 0, reinterpret_cast<const uint8_t*>(m_table.data()),
                     m_table.size() * 4, true);
        rt.fence(c);
    });
}

OffloadRun PrefillOffload::run(PimRuntime& rt, uint32_t units, uint32_t rounds, const Source& source,
                               const Sink& sink) const {
    PrefillKernel kernel(m_plan, m_rows, m_table, m_flags, source, sink);
    return offloadRounds(rt, kernel, units, rounds);
}

} // namespace pilot::host
