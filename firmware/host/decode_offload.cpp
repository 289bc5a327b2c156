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

// K and V are placed with the untimed loader (resident KV cache); q with timed writes.
void placeDecodeHead(PimRuntime& rt, uint32_t c, uint32_t group, const DecodeLayout& lay, const HeadData& h,
                     uint32_t d, uint32_t L, uint32_t G, bool functional) {
    const PimGeometry& geo = rt.geometry();
    if (lay.rowsUsed > geo.rows - 2)
        throw std::runtime_error("decode head needs " + std::to_string(lay.rowsUsed) + " rows per bank; " +
                                 std::to_string(geo.rows - 2) + " are free");
    const uint32_t B = geo.banksPerGroup;
    const uint64_t keyBytes = uint64_t(d) * 2;
    for (uint32_t b = 0; b < B; ++b) {
        if (functional) {
            // Gather this bank's keys (j % B == b) slot by slot, key and value in one row.
            const uint64_t slots = (L + B - 1) / B, P = lay.slotsPerRow;
            std::vector<uint8_t> kv((slots + P - 1) / P * geo.rowBytes, 0);
            for (uint64_t s = 0; s < slots; ++s) {
                const uint64_t j = s * B + b;
                if (j >= L)
                    break;
                uint8_t* row = kv.data() + (s / P) * geo.rowBytes + (s % P) * keyBytes;
                std::copy_n(reinterpret_cast<const uint8_t*>(h.k.data() + j * d), keyBytes, row);
                std::copy_n(reinterpret_cast<const uint8_t*>(h.v.data() + j * d), keyBytes,
                            row + geo.rowBytes / 2);
            }
            rt.bankWrite(c, group, b, lay.kvRow, 0, kv.data(), kv.size(), false);
            rt.bankWrite(c, group, b, lay.qRow, 0, reinterpret_cast<const uint8_t*>(h.q.data()),
                         uint64_t(G) * keyBytes, true);
        } else {
            // Timing only: no data, but the query writes still cross the bus.
            std::vector<uint8_t> zeros(uint64_t(G) * keyBytes, 0);
            rt.bankWrite(c, group, b, lay.qRow, 0, zeros.data(), zeros.size(), true);
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
    DecodePartKernel(const DecodeRequest& req, const DecodePart& part, uint32_t G,
                     const DecodeOffload::Source& source, const DecodeOffload::Sink& sink,
                     const PimGeometry& geo)
        : m_req(req), m_part(part), m_G(G), m_source(source), m_sink(sink),
          m_lay(decodeLayout(geo, part.placedKeys(req.context), req.headDim, G)) {}

    void place(PimRuntime& rt, const UnitSlot& s) override {
        HeadData& data = m_data[s.unit];
        if (m_req.functional)
            data = m_source(m_part, s.unit);
        const uint32_t d = m_req.headDim, placed = m_part.placedKeys(m_req.context);
        if (m_part.indexList && m_req.functional)
            placeDecodeHead(rt, s.channel, s.group, m_lay, listedKeys(data, m_part.keys, d), d, placed, m_G,
                            true);
        else
            placeDecodeHead(rt, s.channel, s.group, m_lay, data, d, placed, m_G, m_req.functional);
    }

    contract::Descriptor descriptor(PimRuntime& rt, uint32_t c, uint32_t lowest) override {
        contract::Descriptor desc{};
        const bool ranges = m_part.sparse && !m_part.indexList;
        desc.opcode = uint16_t(ranges ? contract::Opcode::DecodeAttnSparse : contract::Opcode::DecodeAttn);
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

    // The GPU reads every output (both modes, so timing-only runs see the same traffic).
    void collect(PimRuntime& rt, const UnitSlot& s) override {
        std::vector<uint16_t> out(size_t(m_G) * m_req.headDim);
        rt.bankRead(s.channel, s.group, 0, m_lay.outRow, 0, reinterpret_cast<uint8_t*>(out.data()),
                    out.size() * 2);
        auto it = m_data.find(s.unit);
        if (m_sink)
            m_sink(m_part, it->second, out);
        m_data.erase(it);
    }

  private:
    const DecodeRequest& m_req;
    const DecodePart& m_part;
    uint32_t m_G;
    const DecodeOffload::Source& m_source;
    const DecodeOffload::Sink& m_sink;
    DecodeLayout m_lay;
    std::map<uint32_t, HeadData> m_data; // the round's operands, by unit
};

} // namespace

DecodeLayout decodeLayout(const PimGeometry& g, uint32_t ctxLen, uint32_t headDim, uint32_t queries) {
    // A slot keeps a key and its value side by side in one row (scenario loading refuses shorter
    // rows: platform/pim_geometry.h); copying them into a shorter row overran the row's buffer.
    if (uint64_t(headDim) * 4 > g.rowBytes)
        throw std::invalid_argument("decode layout: a key and its value of head_dim " +
                                    std::to_string(headDim) + " need " +
                                    std::to_string(uint64_t(headDim) * 4) + " bytes of a " +
                                    std::to_string(g.rowBytes) + "-byte row");
    DecodeLayout l;
    const uint64_t slots = (ctxLen + g.banksPerGroup - 1) / g.banksPerGroup;
    l.qRow = 0;
    l.slotsPerRow = std::max<uint32_t>(1, g.rowBytes / (headDim * 4));
    l.kvRow = l.qRow + rowsFor(uint64_t(queries) * headDim * 2, g.rowBytes);
    l.outRow = l.kvRow + uint32_t((slots + l.slotsPerRow - 1) / l.slotsPerRow);
    // Output rows, then scratch for the naive schedule's FP32 accumulators.
    l.rowsUsed = l.outRow + rowsFor(uint64_t(queries) * headDim * 2, g.rowBytes) +
                 rowsFor(uint64_t(queries) * headDim * 4, g.rowBytes);
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

DecodeOffload::DecodeOffload(const DecodeRequest& req, const PimGeometry& geo) : m_req(req), m_geo(geo) {
    const uint32_t L = req.context;
    const uint32_t kvUnits = req.batch * req.kvHeads;
    const uint32_t sparseBase =
        req.sparse ? uint32_t(std::llround(double(kvUnits) * req.sparseHeadFraction)) : 0;
    const uint32_t largestPart = std::max(kvUnits - sparseBase, sparseBase); // parts run one after the other
    const uint64_t groupsAll = uint64_t(geo.channels) * geo.groupsPerChannel() * req.replicas;
    m_split = chooseGqaSplit(req, geo, largestPart, groupsAll);
    m_queries = req.heads / req.kvHeads / m_split;
    const uint32_t unitsFull = kvUnits * m_split, sparseFull = sparseBase * m_split;
    const uint32_t groupsTotal = geo.channels * geo.groupsPerChannel();
    auto addPart = [&](const std::string& name, bool sparse, uint32_t unitsOfPart) {
        if (!unitsOfPart)
            return;
        DecodePart p;
        p.name = name + (req.naive ? "_naive" : "");
        p.sparse = sparse;
        p.unitsFull = unitsOfPart;
        p.units = (unitsOfPart + req.replicas - 1) / req.replicas; // the busiest channel's share
        p.keys = !sparse                ? sinkWindowKeys(L, L, 0)
                 : !req.keyList.empty() ? req.keyList
                                        : sinkWindowKeys(L, req.sink, req.window);
        p.indexList = sparse && !req.keyList.empty();
        p.rounds = roundsFor(p.units, groupsTotal);
        m_parts.push_back(p);
    };
    addPart("decode_attention", false, unitsFull - sparseFull);
    addPart("decode_attention_sparse", true, sparseFull);
}

OffloadRun DecodeOffload::run(PimRuntime& rt, const DecodePart& part, const Source& source,
                              const Sink& sink) const {
    DecodePartKernel kernel(m_req, part, m_queries, source, sink, m_geo);
    return offloadRounds(rt, kernel, part.units, part.rounds);
}

} // namespace pilot::host
