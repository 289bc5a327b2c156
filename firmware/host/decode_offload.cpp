// SPDX-License-Identifier: MIT
#include "firmware/host/decode_offload.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "firmware/pim/decode_planner.h"

namespace pilot::host {

namespace {

uint32_t rowsFor(uint64_t bytes, uint32_t rowBytes) {
    return uint32_t((bytes + rowBytes - 1) / rowBytes);
}

float halfBitsToFloat(uint16_t h) {
    // Exact (every FP16 value is a float); the host reads the PIM's FP16 outputs.
    const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    if (e == 0x1F)
        return m ? std::nanf("") : sign * INFINITY;
    return sign * (e ? std::ldexp(float(m | 0x400), e - 25) : std::ldexp(float(m), -24));
}

// K and V are placed with the untimed loader (the resident KV cache, written during prefill);
// the GPU writes q into every bank of the unit's groups (posted writes; zeros in timing-only
// runs: the same bytes cross the bus). Key j of the head goes to group j / B % spread of its
// set, bank j % B, slot j / (spread x B); AttAcc keeps keys and values in rows of their own.
void placeDecodeHead(PimRuntime& rt, const UnitSlot& at, const DecodeLayout& lay, const HeadData& h,
                     uint32_t d, uint32_t L, uint32_t G, bool functional, bool attacc) {
    const PimGeometry& geo = rt.geometry();
    if (lay.rowsUsed > geo.rows - 2)
        throw std::runtime_error("decode head needs " + std::to_string(lay.rowsUsed) + " rows per bank; " +
                                 std::to_string(geo.rows - 2) + " are free");
    const uint32_t B = geo.banksPerGroup, S = at.spread;
    const uint64_t keyBytes = uint64_t(d) * 2;
    for (uint32_t k = 0; k < S; ++k) {
        for (uint32_t b = 0; b < B; ++b) {
            const uint32_t group = at.group + k;
            if (functional) {
                // Gather this bank's keys slot by slot.
                const uint64_t slots = (L + uint64_t(B) * S - 1) / (uint64_t(B) * S), P = lay.slotsPerRow;
                const uint64_t kvRows = attacc ? 2 * uint64_t(lay.kRows) : (slots + P - 1) / P;
                std::vector<uint8_t> kv(kvRows * geo.rowBytes, 0);
                for (uint64_t s = 0; s < slots; ++s) {
                    const uint64_t j = (s * S + k) * B + b;
                    if (j >= L)
                        break;
                    uint8_t* key = kv.data() + (s / P) * geo.rowBytes + (s % P) * keyBytes;
                    uint8_t* value =
                        attacc ? key + uint64_t(lay.kRows) * geo.rowBytes : key + geo.rowBytes / 2;
                    std::copy_n(reinterpret_cast<const uint8_t*>(h.k.data() + j * d), keyBytes, key);
                    std::copy_n(reinterpret_cast<const uint8_t*>(h.v.data() + j * d), keyBytes, value);
                }
                rt.bankWrite(at.channel, group, b, lay.kvRow, 0, kv.data(), kv.size(), false);
            }
            rt.bankWrite(at.channel, group, b, lay.qRow, 0,
                         functional ? reinterpret_cast<const uint8_t*>(h.q.data()) : nullptr,
                         uint64_t(G) * keyBytes, true);
        }
    }
}

// An explicit key set is laid out compacted (the head's PIM rows hold only the listed keys, as
// a KV cache that keeps only them would) and runs as dense attention over it.
HeadData listedKeys(const HeadData& h, const std::vector<uint32_t>& keys, uint32_t d) {
    HeadData listed;
    listed.q = h.q;
    for (uint32_t key : keys) {
        listed.k.insert(listed.k.end(), h.k.begin() + size_t(key) * d, h.k.begin() + size_t(key + 1) * d);
        listed.v.insert(listed.v.end(), h.v.begin() + size_t(key) * d, h.v.begin() + size_t(key + 1) * d);
    }
    return listed;
}

// One part's kernel for the round skeleton.
class DecodePartKernel : public OffloadKernel {
  public:
    DecodePartKernel(const DecodeRequest& req, const DecodePart& part, uint32_t G, uint32_t spread,
                     const DecodeOffload::Source& source, const DecodeOffload::Sink& sink,
                     const PimGeometry& geo)
        : m_req(req), m_part(part), m_G(G), m_spread(spread), m_source(source), m_sink(sink),
          m_lay(req.attacc
                    ? attaccLayout(geo, part.placedKeys(req.context), req.headDim, spread)
                    : decodeLayout(geo, part.placedKeys(req.context), req.headDim, G, spread, req.naive)) {}

    // The layout of a unit at its level of the set's stack.
    DecodeLayout at(const UnitSlot& s) const {
        DecodeLayout l = m_lay;
        const uint32_t shift = s.level * m_lay.rowsUsed;
        l.qRow += shift, l.kvRow += shift, l.outRow += shift, l.statsRow += shift, l.rowsUsed += shift;
        return l;
    }

    void place(PimRuntime& rt, const UnitSlot& s) override {
        HeadData& data = m_data[s.unit];
        if (m_req.functional)
            data = m_source(m_part, s.unit);
        const uint32_t d = m_req.headDim, placed = m_part.placedKeys(m_req.context);
        if (m_part.indexList && m_req.functional)
            placeDecodeHead(rt, s, at(s), listedKeys(data, m_part.keys, d), d, placed, m_G, true,
                            m_req.attacc);
        else
            placeDecodeHead(rt, s, at(s), data, d, placed, m_G, m_req.functional, m_req.attacc);
    }

    contract::Descriptor descriptor(PimRuntime& rt, uint32_t c, uint32_t lowest) override {
        contract::Descriptor desc{};
        const bool ranges = m_part.sparse && !m_part.indexList;
        desc.opcode = uint16_t(m_req.attacc ? contract::Opcode::DecodeAttnAttAcc
                               : ranges     ? contract::Opcode::DecodeAttnSparse
                                            : contract::Opcode::DecodeAttn);
        desc.headSpread = uint16_t(m_spread);
        desc.depthRows = uint16_t(m_lay.rowsUsed);
        desc.flags = (m_req.naive ? contract::kFlagNaive : 0) |
                     (m_req.exactExp ? contract::kFlagExactExp : 0) |
                     (m_req.fp16Accum ? contract::kFlagFp16Accum : 0);
        desc.headDim = uint16_t(m_req.headDim);
        desc.ctxLen = m_part.placedKeys(m_req.context);
        desc.queries = uint16_t(m_G);
        desc.qAddr = rt.columnAddress(c, lowest, 0, m_lay.qRow, 0);
        desc.kvAddr = rt.columnAddress(c, lowest, 0, m_lay.kvRow, 0);
        desc.outAddr = rt.columnAddress(c, lowest, 0, m_lay.outRow, 0);
        if (ranges) {
            desc.sinkTokens = m_req.sink;
            desc.windowTokens = m_req.window;
        }
        return desc;
    }

    // The GPU reads every output (both modes, so timing-only runs see the same traffic). With
    // PILOT's head spread it reads every group's partial output and (max, sum) and merges them.
    void fetch(PimRuntime& rt, const UnitSlot& s) override {
        const size_t n = size_t(m_G) * m_req.headDim;
        const uint32_t parts = m_req.attacc ? 1 : m_spread;
        Outputs& o = m_out[s.unit];
        o.out.assign(parts, std::vector<uint16_t>(n));
        o.stats.assign(parts, std::vector<float>(parts > 1 ? size_t(m_G) * 2 : 0));
        for (uint32_t k = 0; k < parts; ++k) {
            rt.bankReadPosted(s.channel, s.group + k, 0, at(s).outRow, 0,
                              reinterpret_cast<uint8_t*>(o.out[k].data()), n * 2);
            if (parts > 1)
                rt.bankReadPosted(s.channel, s.group + k, 0, at(s).statsRow, 0,
                                  reinterpret_cast<uint8_t*>(o.stats[k].data()), o.stats[k].size() * 4);
        }
    }

    void collect(const UnitSlot& s) override {
        const size_t n = size_t(m_G) * m_req.headDim;
        auto found = m_out.find(s.unit);
        const Outputs o = std::move(found->second);
        m_out.erase(found);
        const uint32_t parts = uint32_t(o.out.size());
        std::vector<float> merged(n, 0.0f), weight(m_G, 0.0f), maxOf(m_G, -INFINITY);
        std::vector<std::vector<float>> outs(parts, std::vector<float>(n));
        const std::vector<std::vector<float>>& stats = o.stats;
        for (uint32_t k = 0; k < parts; ++k) {
            for (size_t i = 0; i < n; ++i)
                outs[k][i] = halfBitsToFloat(o.out[k][i]);
            if (parts > 1)
                for (uint32_t g = 0; g < m_G; ++g)
                    maxOf[g] = std::max(maxOf[g], stats[k][2 * g]);
        }
        if (parts == 1) {
            merged = outs[0];
        } else {
            // out = sum_k o_k s_k e^(m_k - M) / sum_k s_k e^(m_k - M) (o_k: group k's normalised output).
            for (uint32_t k = 0; k < parts; ++k)
                for (uint32_t g = 0; g < m_G; ++g) {
                    const float m = stats[k][2 * g], sum = stats[k][2 * g + 1];
                    if (std::isinf(m) || sum == 0.0f)
                        continue; // a group that held no key
                    const float w = sum * std::exp(m - maxOf[g]);
                    weight[g] += w;
                    for (uint32_t i = 0; i < m_req.headDim; ++i)
                        merged[size_t(g) * m_req.headDim + i] += w * outs[k][size_t(g) * m_req.headDim + i];
                }
            for (uint32_t g = 0; g < m_G; ++g)
                for (uint32_t i = 0; i < m_req.headDim; ++i)
                    merged[size_t(g) * m_req.headDim + i] /= weight[g];
        }
        auto it = m_data.find(s.unit);
        if (m_sink)
            m_sink(m_part, it->second, merged);
        m_data.erase(it);
    }

  private:
    const DecodeRequest& m_req;
    const DecodePart& m_part;
    uint32_t m_G, m_spread;
    const DecodeOffload::Source& m_source;
    const DecodeOffload::Sink& m_sink;
    DecodeLayout m_lay;
    std::map<uint32_t, HeadData> m_data; // the round's operands, by unit
    struct Outputs {
        std::vector<std::vector<uint16_t>> out; // FP16 outputs, per group of the unit's set
        std::vector<std::vector<float>> stats;  // (max, sum) per query, per group (spread heads)
    };
    std::map<uint32_t, Outputs> m_out; // read back, by unit
};

} // namespace

DecodeLayout decodeLayout(const PimGeometry& g, uint32_t ctxLen, uint32_t headDim, uint32_t queries,
                          uint32_t spread, bool naive) {
    // A slot keeps a key and its value side by side in one row (scenario loading refuses shorter
    // rows: platform/pim_geometry.h); copying them into a shorter row overran the row's buffer.
    if (uint64_t(headDim) * 4 > g.rowBytes)
        throw std::invalid_argument("decode layout: a key and its value of head_dim " +
                                    std::to_string(headDim) + " need " +
                                    std::to_string(uint64_t(headDim) * 4) + " bytes of a " +
                                    std::to_string(g.rowBytes) + "-byte row");
    DecodeLayout l;
    const uint64_t perSet = uint64_t(g.banksPerGroup) * spread;
    const uint64_t slots = (ctxLen + perSet - 1) / perSet;
    l.qRow = 0;
    l.slotsPerRow = std::max<uint32_t>(1, g.rowBytes / (headDim * 4));
    l.kvRow = l.qRow + rowsFor(uint64_t(queries) * headDim * 2, g.rowBytes);
    l.outRow = l.kvRow + uint32_t((slots + l.slotsPerRow - 1) / l.slotsPerRow);
    // Output rows, then scratch for the naive schedule's FP32 accumulators (reserved in either
    // case), then each group's softmax statistics when a head is spread.
    const uint32_t outRows = rowsFor(uint64_t(queries) * headDim * 2, g.rowBytes);
    const uint32_t scratchRows = rowsFor(uint64_t(queries) * headDim * 4, g.rowBytes);
    l.statsRow = l.outRow + outRows + (naive ? scratchRows : 0);
    l.rowsUsed = std::max(l.outRow + outRows + scratchRows,
                          l.statsRow + (spread > 1 ? rowsFor(uint64_t(queries) * 8, g.rowBytes) : 0));
    return l;
}

DecodeLayout attaccLayout(const PimGeometry& g, uint32_t ctxLen, uint32_t headDim, uint32_t spread) {
    DecodeLayout l;
    const uint64_t perSet = uint64_t(g.banksPerGroup) * spread;
    const uint64_t slots = (ctxLen + perSet - 1) / perSet;
    l.qRow = 0;
    l.slotsPerRow = std::max<uint32_t>(1, g.rowBytes / (headDim * 2));
    l.kvRow = rowsFor(uint64_t(headDim) * 2, g.rowBytes);
    l.kRows = uint32_t((slots + l.slotsPerRow - 1) / l.slotsPerRow);
    l.outRow = l.kvRow + 2 * l.kRows;
    l.statsRow = l.outRow;
    l.rowsUsed = l.outRow + rowsFor(uint64_t(headDim) * 2, g.rowBytes);
    return l;
}

std::vector<uint32_t> sinkWindowKeys(uint32_t L, uint32_t sink, uint32_t window) {
    const uint32_t sinkEnd = std::min(sink, L);
    const uint32_t windowBegin = L - std::min(window, L);
    std::vector<uint32_t> keys;
    keys.reserve(sinkEnd + (L - windowBegin));
    for (uint32_t j = 0; j < sinkEnd; ++j)
        keys.push_back(j);
    for (uint32_t j = std::max(windowBegin, sinkEnd); j < L; ++j)
        keys.push_back(j);
    return keys;
}

uint32_t chooseGqaSplit(const DecodeRequest& req, const PimGeometry& geo, uint32_t largestPart,
                        uint64_t groupsAll) {
    if (!req.splitGqa || req.naive)
        return 1;
    const uint32_t group = req.heads / req.kvHeads;
    const uint32_t slots = (req.context + geo.banksPerGroup - 1) / geo.banksPerGroup;
    uint32_t passQueries = group;
    const fw::DecodePlan plan = fw::planDecodeInPasses(
        {slots, req.headDim, group, req.sramBytes, geo.columnBytes, false, true}, passQueries);
    const uint32_t passes = plan.error == contract::Error::Ok ? group / passQueries : 1;
    uint32_t split = 1;
    while (split * 2 <= passes && group % (split * 2) == 0 && uint64_t(largestPart) * split * 2 <= groupsAll)
        split *= 2;
    return split;
}

uint32_t chooseHeadSpread(uint64_t units, uint64_t groupsAll, uint32_t groupsPerPc, uint32_t context,
                          uint32_t banksPerGroup) {
    uint32_t best = 1;
    uint64_t bestRounds = (units + groupsAll - 1) / groupsAll;
    for (uint32_t s = 2; s <= groupsPerPc && uint64_t(s) * banksPerGroup <= context; s *= 2) {
        if (groupsPerPc % s)
            break;
        const uint64_t rounds = (units * s + groupsAll - 1) / groupsAll;
        if (rounds * best < bestRounds * s) { // rounds / s < bestRounds / best
            best = s;
            bestRounds = rounds;
        }
    }
    return best;
}

DecodeOffload::DecodeOffload(const DecodeRequest& req, const PimGeometry& geo) : m_req(req), m_geo(geo) {
    const uint32_t L = req.context;
    // AttAcc: every query head is a unit of its own, with its own copy of K and V.
    if (m_req.attacc) {
        m_req.kvHeads = m_req.heads;
        m_req.splitGqa = false;
    }
    const DecodeRequest& r = m_req;
    const uint32_t kvUnits = r.batch * r.kvHeads;
    const uint32_t sparseBase =
        req.sparse ? uint32_t(std::llround(double(kvUnits) * req.sparseHeadFraction)) : 0;
    const uint32_t largestPart = std::max(kvUnits - sparseBase, sparseBase); // parts run one after the other
    const uint64_t groupsAll = uint64_t(geo.channels) * geo.groupsPerChannel() * req.replicas;
    m_split = chooseGqaSplit(r, geo, largestPart, groupsAll);
    m_queries = r.heads / r.kvHeads / m_split;
    const uint32_t unitsFull = kvUnits * m_split, sparseFull = sparseBase * m_split;
    const uint32_t groupsTotal = geo.channels * geo.groupsPerChannel();
    // One spread for both parts, bounded by the fewer keys a part lays out.
    uint32_t fewestKeys = L;
    if (sparseBase)
        fewestKeys =
            std::min<uint32_t>(L, r.keyList.empty() ? uint32_t(sinkWindowKeys(L, r.sink, r.window).size())
                                                    : uint32_t(r.keyList.size()));
    m_spread = r.headSpread ? r.headSpread
                            : chooseHeadSpread(uint64_t(largestPart) * m_split, groupsAll, geo.groupsPerPc,
                                               std::max(1u, fewestKeys), geo.banksPerGroup);
    // Stacked units: every unit of the busiest channel in one descriptor ("auto"), as many as
    // the bank's rows hold.
    const uint32_t sets = groupsTotal / m_spread;
    const uint32_t busiest = uint32_t((uint64_t(largestPart) * m_split + r.replicas - 1) / r.replicas);
    const DecodeLayout one = r.attacc ? attaccLayout(geo, L, r.headDim, m_spread)
                                      : decodeLayout(geo, L, r.headDim, m_queries, m_spread, r.naive);
    const uint32_t fits = std::max<uint32_t>(1, (geo.rows - 2) / std::max<uint32_t>(1, one.rowsUsed));
    m_depth = std::min(fits, r.depth ? r.depth : (busiest + sets - 1) / sets);
    auto addPart = [&](const std::string& name, bool sparse, uint32_t unitsOfPart) {
        if (!unitsOfPart)
            return;
        DecodePart p;
        p.name = name + (r.attacc ? "_attacc" : req.naive ? "_naive" : "");
        p.sparse = sparse;
        p.unitsFull = unitsOfPart;
        p.units = (unitsOfPart + req.replicas - 1) / req.replicas; // the busiest channel's share
        p.keys = !sparse                ? sinkWindowKeys(L, L, 0)
                 : !req.keyList.empty() ? req.keyList
                                        : sinkWindowKeys(L, req.sink, req.window);
        // AttAcc has no sparse kernel: a streaming head's KV cache keeps only its keys.
        p.indexList = sparse && (!req.keyList.empty() || r.attacc);
        p.rounds = roundsFor(p.units, groupsTotal, m_spread, m_depth);
        m_parts.push_back(p);
    };
    addPart("decode_attention", false, unitsFull - sparseFull);
    addPart("decode_attention_sparse", true, sparseFull);
}

OffloadRun DecodeOffload::run(PimRuntime& rt, const DecodePart& part, const Source& source,
                              const Sink& sink) const {
    DecodePartKernel kernel(m_req, part, m_queries, m_spread, source, sink, m_geo);
    return offloadRounds(rt, kernel, part.units, part.rounds, m_spread, m_depth);
}

} // namespace pilot::host
