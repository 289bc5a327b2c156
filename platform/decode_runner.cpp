// SPDX-License-Identifier: MIT
// Runs a decode-attention workload on the PIM: the host runtime lays the KV heads out,
// submits one descriptor per channel per round, waits for the interrupts, reads the outputs
// and checks them against the FP64 reference.
#include "platform/decode_runner.h"

#include <chrono>
#include <cmath>

#include "firmware/host/pim_runtime.h"
#include "firmware/pim/decode_planner.h"
#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "platform/attention_reference.h"
#include "platform/pim_run.h"
#include "platform/pim_system.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

using nlohmann::json;

namespace {

struct Unit {   // one KV head of one batch element, with its GQA group of query heads
    uint32_t channel, group;
    host::HeadData data;
};

host::HeadData makeHead(uint64_t seed, uint32_t unit, uint32_t L, uint32_t d, uint32_t G) {
    host::HeadData h;
    h.q = randomHalfs(seed, unit * 3ull, size_t(G) * d);
    h.k = randomHalfs(seed, unit * 3ull + 1, size_t(L) * d);
    h.v = randomHalfs(seed, unit * 3ull + 2, size_t(L) * d);
    return h;
}

}  // namespace

double decodeTolerance(const DecodeWorkload& w) {
    // Outputs are convex combinations of values in [-1, 1]. Error budget:
    //  - the FP16 output rounding: half an ulp of 1, 2^-11;
    //  - the exp() approximation: each weight is off by at most a relative e, and normalising
    //    by a sum that is off by e as well moves the output by at most 2e (|v| <= 1);
    //  - FP32 accumulation and FP16 weights in P.V (weights rounded to half: 2^-11 relative).
    // FP16 accumulation adds a rounding of 2^-11 relative per accumulated lane group.
    const double e = w.exactExp ? 1e-7 : pim::expApproxMaxRelError();
    double tol = 0x1.0p-11 + 2.0 * e + 0x1.0p-11 + 1e-5;
    if (w.fp16Accum) tol += 8.0 * 0x1.0p-11 * std::log2(double(w.context) + 1.0);
    return tol;
}

namespace {

// One kernel of the decode step: the dense heads, or the sparse (streaming) heads.
struct Part {
    std::string name;
    bool sparse = false;
    uint32_t units = 0;              // KV heads (x batch) this part runs, on the simulated system
    std::vector<uint32_t> keys;      // keys each query attends to
    bool indexList = false;          // explicit key set: the runtime lays out only those keys
    uint32_t rounds = 0;
    uint64_t kernelPs = 0;
    double maxAbsErr = 0;
    uint64_t internalBytes = 0, busiestBank = 0;
};

}  // namespace

json runDecode(const Scenario& s, const RunOptions& opt) {
    const auto wall0 = std::chrono::steady_clock::now();
    const DecodeWorkload& w = *s.decode;
    const auto& org = s.memspec.org;
    const ChannelReplication rep = channelReplication(s, w.replicateChannels);
    const uint32_t simPcs = rep.simPcs, scaleBy = rep.scaleBy;
    PimSystem sys("system", s, simPcs);
    const uint32_t channels = sys.channels();
    const host::PimGeometry geo = pimGeometry(s.memspec, channels);

    const uint32_t d = w.headDim, L = w.context;
    // Runtime policy: when the buffer makes a GQA group run its query heads in passes over K
    // and V and bank groups would sit idle, the group's query heads are split over several bank
    // groups, each with its own copy of K and V: the passes then run side by side.
    const uint32_t kvUnits = w.batch * w.kvHeads;
    const uint32_t sparseBase = w.sparse ? uint32_t(std::llround(double(kvUnits) * w.sparseHeadFraction)) : 0;
    const uint32_t largestPart = std::max(kvUnits - sparseBase, sparseBase);   // parts run one after the other
    uint32_t split = 1;
    if (w.splitGqa && !w.naive) {
        const uint32_t slots = (L + org.banksPerGroup - 1) / org.banksPerGroup;
        uint32_t passQueries = w.heads / w.kvHeads;
        const fw::DecodePlan plan = fw::planDecodeInPasses(
            {slots, d, w.heads / w.kvHeads, s.pe.sramBytes, org.accessBytes, false, true}, passQueries);
        const uint32_t passes = plan.error == contract::Error::Ok ? (w.heads / w.kvHeads) / passQueries : 1;
        const uint64_t groupsAll = uint64_t(channels) * geo.groupsPerChannel() * scaleBy;
        while (split * 2 <= passes && (w.heads / w.kvHeads) % (split * 2) == 0 && uint64_t(largestPart) * split * 2 <= groupsAll)
            split *= 2;
    }
    const uint32_t G = w.heads / w.kvHeads / split;
    const uint32_t unitsFull = kvUnits * split;
    const uint32_t sparseFull = sparseBase * split;
    std::vector<Part> parts;
    auto addPart = [&](const std::string& name, bool sparse, uint32_t unitsOfPart) {
        if (!unitsOfPart) return;
        Part p;
        p.name = name;
        p.sparse = sparse;
        p.units = (unitsOfPart + scaleBy - 1) / scaleBy;   // the busiest channel's share
        p.keys = !sparse ? sinkWindowKeys(L, L, 0) : !w.keyList.empty() ? w.keyList : sinkWindowKeys(L, w.sink, w.window);
        p.indexList = sparse && !w.keyList.empty();
        parts.push_back(p);
    };
    addPart(std::string("decode_attention") + (w.naive ? "_naive" : ""), false, unitsFull - sparseFull);
    addPart(std::string("decode_attention_sparse") + (w.naive ? "_naive" : ""), true, sparseFull);

    const uint32_t groupsTotal = channels * geo.groupsPerChannel();
    const double scale = 1.0 / std::sqrt(double(d));
    std::vector<std::string> errors;
    host::PimRuntime runtime(sys.hostBus(), geo);

    auto snapshot = [&] {
        std::vector<std::vector<uint64_t>> v;
        for (const auto& pe : sys.peArrays()) v.push_back(pe->bankBytes());
        return v;
    };
    auto runPart = [&](Part& part) {
        const auto before = snapshot();
        // An explicit key set is laid out compacted (the head's PIM rows hold only the listed
        // keys, as a KV cache that keeps only them would) and runs as dense attention over it.
        const uint32_t placedKeys = part.indexList ? uint32_t(part.keys.size()) : L;
        const host::DecodeLayout lay = host::decodeLayout(geo, placedKeys, d, G);
        part.rounds = (part.units + groupsTotal - 1) / groupsTotal;
        uint32_t unitBase = 0;
        for (uint32_t r = 0; r < part.rounds; ++r) {
            std::vector<Unit> round;
            std::vector<uint16_t> masks(channels, 0);
            for (uint32_t i = 0; i < groupsTotal && unitBase + i < part.units; ++i) {
                Unit u{i % channels, i / channels, {}};
                if (w.functional) u.data = makeHead(w.seed, unitBase + i + (part.sparse ? 1u << 30 : 0u), L, d, G);
                if (part.indexList && w.functional) {
                    host::HeadData listed;
                    listed.q = u.data.q;
                    for (uint32_t key : part.keys) {
                        listed.k.insert(listed.k.end(), u.data.k.begin() + size_t(key) * d, u.data.k.begin() + size_t(key + 1) * d);
                        listed.v.insert(listed.v.end(), u.data.v.begin() + size_t(key) * d, u.data.v.begin() + size_t(key + 1) * d);
                    }
                    runtime.placeHead(u.channel, u.group, lay, listed, d, placedKeys, G, true);
                } else {
                    runtime.placeHead(u.channel, u.group, lay, u.data, d, placedKeys, G, w.functional);
                }
                masks[u.channel] |= uint16_t(1u << u.group);
                round.push_back(std::move(u));
            }
            unitBase += uint32_t(round.size());
            const uint64_t t0 = sys.hostBus().nowPs();
            for (uint32_t c = 0; c < channels; ++c) {
                if (!masks[c]) continue;
                uint32_t lowest = 0;
                while (!((masks[c] >> lowest) & 1u)) ++lowest;
                contract::Descriptor desc{};
                const bool ranges = part.sparse && !part.indexList;
                desc.opcode = uint16_t(ranges ? contract::Opcode::DecodeAttnSparse : contract::Opcode::DecodeAttn);
                desc.version = contract::kVersion;
                desc.flags = (w.naive ? contract::kFlagNaive : 0) | (w.exactExp ? contract::kFlagExactExp : 0) |
                             (w.fp16Accum ? contract::kFlagFp16Accum : 0);
                desc.tag = r * channels + c;
                desc.bankGroupMask = masks[c];
                desc.headDim = uint16_t(d);
                desc.ctxLen = placedKeys;
                desc.queries = uint16_t(G);
                desc.qAddr = sys.hostBus().columnAddress(c, lowest, 0, lay.qRow, 0);
                desc.kvAddr = sys.hostBus().columnAddress(c, lowest, 0, lay.kvRow, 0);
                desc.outAddr = sys.hostBus().columnAddress(c, lowest, 0, lay.outRow, 0);
                if (ranges) {
                    desc.sinkTokens = w.sink;
                    desc.windowTokens = w.window;
                }
                runtime.submit(c, desc);
            }
            for (const auto& comp : runtime.waitAll())
                if (comp.error != uint8_t(contract::Error::Ok))
                    errors.push_back(part.name + ": descriptor " + std::to_string(comp.tag) + " completed with " +
                                     contract::errorName(contract::Error(comp.error)));
            part.kernelPs += sys.hostBus().nowPs() - t0;
            // The GPU reads every output (both modes, so timing-only runs see the same traffic).
            for (const Unit& u : round) {
                const std::vector<uint16_t> out = runtime.readOutput(u.channel, u.group, lay, G * d);
                if (!w.functional || !w.check) continue;
                const std::vector<float> K = toFloats(u.data.k, 0, size_t(L) * d);
                const std::vector<float> V = toFloats(u.data.v, 0, size_t(L) * d);
                for (uint32_t g = 0; g < G; ++g) {
                    const std::vector<double> ref =
                        decodeAttentionReference(toFloats(u.data.q, size_t(g) * d, d), K, V, d, part.keys, scale);
                    for (uint32_t k = 0; k < d; ++k)
                        part.maxAbsErr =
                            std::max(part.maxAbsErr, std::fabs(double(pim::halfToFloat(out[g * d + k])) - ref[k]));
                }
            }
        }
        const auto after = snapshot();
        for (size_t a = 0; a < after.size(); ++a)
            for (size_t b = 0; b < after[a].size(); ++b) {
                const uint64_t delta = after[a][b] - before[a][b];
                part.internalBytes += delta;
                part.busiestBank = std::max(part.busiestBank, delta);
            }
    };
    sys.host().setProgram([&] {
        runtime.init();
        for (Part& p : parts) runPart(p);
    });

    simulateHostProgram(sys, opt, "decode", wall0);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    // Figures of merit, for the whole system (replicated channels scaled back up).
    const double tck = s.memspec.tCKns();
    const double columnNs = s.memspec.t.CCDL * tck;   // one column per bank per tCCD_L
    const double externalPeak = s.memspec.peakPcBandwidthGBps() * s.pseudoChannels;
    json kernels = json::array();
    double totalNs = 0;
    for (const Part& part : parts) {
        const uint32_t unitsOfPart = part.sparse ? sparseFull : unitsFull - sparseFull;
        const double timeNs = double(part.kernelPs) * 1e-3;
        totalNs += timeNs;
        const double boundInternalNs = double(part.busiestBank) / org.accessBytes * columnNs;
        const double kvBytes = double(unitsOfPart / split) * 2.0 * double(part.keys.size()) * d * 2.0;   // one copy
        const double qoBytes = double(unitsOfPart) * 2.0 * G * d * 2.0;
        const double boundExternalNs = (kvBytes + qoBytes) / externalPeak;
        const uint32_t slots = uint32_t((part.keys.size() + org.banksPerGroup - 1) / org.banksPerGroup);
        fw::DecodeShape shape{slots, d, G, s.pe.sramBytes, org.accessBytes, w.naive, true};
        uint32_t passQueries = G;
        const fw::DecodePlan plan = fw::planDecodeInPasses(shape, passQueries);
        const uint32_t passes = G / std::max(1u, passQueries);
        json k;
        k["name"] = part.name;
        k["time_ns"] = timeNs;
        k["internal_bytes"] = part.internalBytes * scaleBy;
        k["external_bytes"] = uint64_t(qoBytes);   // q in, outputs out: K and V never cross the bus
        k["bound_internal_ns"] = boundInternalNs;
        k["bound_external_ns"] = boundExternalNs;
        k["bound_ratio"] = timeNs > 0 ? boundInternalNs / timeNs : 0.0;
        k["speedup_vs_external_bound"] = timeNs > 0 ? boundExternalNs / timeNs : 0.0;
        k["rounds"] = part.rounds;
        k["kv_heads_total"] = unitsOfPart;
        k["keys_attended"] = part.keys.size();
        if (part.sparse) k["sparse_form"] = part.indexList ? "key-list" : "sink+window";
        k["tiling"] = w.naive ? "naive" : "io-aware";
        // A tile never crosses a row (its keys and values share one activation).
        k["tile_keys"] = std::min<uint32_t>(plan.tileKeys, std::max<uint32_t>(1, uint32_t(org.rowBytes() / (4 * d))));
        k["planner_tile_keys"] = plan.tileKeys;
        k["query_passes"] = passes;
        k["gqa_split"] = split;   // bank groups sharing one GQA group's query heads
        k["predicted_bank_bytes"] = uint64_t(passes) * (plan.bankToSramBytes + plan.sramToBankBytes) * part.rounds;
        k["busiest_bank_bytes"] = part.busiestBank;
        // Where the time goes beyond streaming the busiest bank's bytes at one column per
        // tCCD_L: row activations and precharges (one per row of K and V), the PE waiting for
        // a tile's last column to land, and the kernel's set-up and reduction steps.
        // Estimates from the memspec: every row the busiest bank reads costs a precharge after
        // its last column and an activation before the next (tRTP + tRP + tRCD); all-bank
        // refresh takes tRFC out of every tREFI.
        const auto& tm = s.memspec.t;
        const double rowSwitchNs = double(part.busiestBank) / double(org.rowBytes()) * (tm.RTPL + tm.RP + tm.RCDRD) * tck;
        const double refreshNs = s.controller.refresh == "all-bank" ? timeNs * tm.RFC / tm.REFI : 0.0;
        k["time_breakdown_ns"] = {
            {"bank_streaming", boundInternalNs},
            {"row_switching", rowSwitchNs},
            {"refresh", refreshNs},
            {"other", std::max(0.0, timeNs - boundInternalNs - rowSwitchNs - refreshNs)}};
        if (w.functional && w.check) {
            const double tol = decodeTolerance(w);
            k["check"] = {{"max_abs_error", part.maxAbsErr}, {"tolerance", tol}, {"passed", part.maxAbsErr <= tol}};
            if (part.maxAbsErr > tol)
                errors.push_back(part.name + ": outputs differ from the FP64 reference by " +
                                 std::to_string(part.maxAbsErr) + " > tolerance " + std::to_string(tol));
        }
        kernels.push_back(k);
    }

    json r;
    r["scenario"] = s.name;
    r["scenario_file"] = s.file;
    r["memspec"] = s.memspec.name;
    r["sim_time_ns"] = sc_core::sc_time_stamp().to_seconds() * 1e9;
    r["wall_time_s"] = wall;
    r["mode"] = w.functional ? "functional" : "timing";
    r["decode_attention_ns"] = totalNs;
    r["replicated_channels"] = scaleBy;
    r["kernels"] = kernels;
    addSystemSections(r, s, sys, runtime.externalBytes(), totalNs, simPcs, wall, errors);
    return r;
}

}  // namespace pilot::platform
