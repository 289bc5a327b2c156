// SPDX-License-Identifier: MIT
// Runs a decode-attention workload on the PIM: build the system, offload every part through
// the host runtime's decode offload (firmware/host/decode_offload.h), check the outputs against
// the FP64 reference, report the figures of merit per part.
#include "platform/decode_runner.h"

#include <cmath>

#include "firmware/host/decode_offload.h"
#include "firmware/pim/attacc_decode_kernel.h"
#include "firmware/pim/decode_planner.h"
#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "platform/attention_reference.h"
#include "platform/pe_decode_reference.h"
#include "platform/pim_run.h"
#include "platform/pim_system.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

using nlohmann::json;

double decodeTolerance(const DecodeWorkload& w) {
    // Outputs are convex combinations of values in [-1, 1]. Error budget:
    //  - the FP16 output rounding: half an ulp of 1, 2^-11;
    //  - the exp() approximation: each weight is off by at most a relative e, and normalising
    //    by a sum that is off by e as well moves the output by at most 2e (|v| <= 1);
    //  - FP32 accumulation and FP16 weights in P.V (weights rounded to half: 2^-11 relative).
    // FP16 accumulation adds a rounding of 2^-11 relative per accumulated lane group.
    const double e = w.exactExp ? 1e-7 : pim::expApproxMaxRelError();
    double tol = 0x1.0p-11 + 2.0 * e + 0x1.0p-11 + 1e-5;
    if (w.fp16Accum)
        tol += 8.0 * 0x1.0p-11 * std::log2(double(w.context) + 1.0);
    return tol;
}

host::DecodeRequest decodeRequest(const Scenario& s, uint32_t replicas) {
    const DecodeWorkload& w = *s.decode;
    host::DecodeRequest q;
    q.batch = w.batch;
    q.heads = w.heads;
    q.kvHeads = w.kvHeads;
    q.context = w.context;
    q.headDim = w.headDim;
    q.sparse = w.sparse;
    q.sink = w.sink;
    q.window = w.window;
    q.keyList = w.keyList;
    q.sparseHeadFraction = w.sparseHeadFraction;
    q.splitGqa = w.splitGqa;
    q.attacc = w.attacc;
    q.headSpread = w.headSpread;
    q.depth = w.depth;
    q.naive = w.naive;
    q.exactExp = w.exactExp;
    q.fp16Accum = w.fp16Accum;
    q.functional = w.functional;
    q.sramBytes = s.pe.sramBytes;
    q.replicas = replicas;
    return q;
}

namespace {

// What the run measured of one part.
struct PartFigures {
    uint32_t rounds = 0;
    uint64_t kernelPs = 0, placePs = 0, readPs = 0;
    uint32_t units = 0;         // units run on the simulated channels
    uint64_t externalBytes = 0; // counted from the transactions: q in, outputs out
    double maxAbsErr = 0;
    uint64_t internalBytes = 0, busiestBank = 0;
    uint64_t peMismatches = 0, peMaxUlp = 0; // outputs that differ from the PE-faithful reference
    bool peChecked = false;                  // the PE-faithful comparison applied (see check)
};

// The kernel's schedule of one part as the firmware plans it (the PE-faithful reference follows it).
PeDecodeSchedule peSchedule(const Scenario& s, const host::DecodePart& p, uint32_t G) {
    const DecodeWorkload& w = *s.decode;
    const auto& org = s.memspec.org;
    PeDecodeSchedule sch;
    sch.banksPerGroup = org.banksPerGroup;
    sch.slotsPerRow = uint32_t(org.rowBytes() / (4ull * w.headDim));
    sch.fp16Accum = w.fp16Accum;
    sch.exactExp = w.exactExp;
    sch.scale = 1.0f / std::sqrt(float(w.headDim));
    if (p.sparse && !p.indexList) {
        sch.sink = w.sink;
        sch.window = w.window;
    }
    const uint32_t slots = peDecodeVisitedSlots(p.placedKeys(w.context), sch);
    uint32_t passQueries = G;
    const fw::DecodePlan plan = fw::planDecodeInPasses(
        fw::DecodeShape{slots, w.headDim, G, s.pe.sramBytes, org.accessBytes, w.naive, true}, passQueries);
    sch.tileKeys = w.naive ? 1 : std::max(1u, plan.tileKeys);
    return sch;
}

// Distance in units in the last place between two FP16 values (ordered bit patterns).
uint64_t ulpDistance(uint16_t a, uint16_t b) {
    auto ordered = [](uint16_t h) { return (h & 0x8000) ? -int32_t(h & 0x7FFF) : int32_t(h); };
    return uint64_t(std::abs(ordered(a) - ordered(b)));
}

// Random operands of one unit: G x d queries, L x d keys and values (a stream per unit and part).
host::HeadData makeHead(uint64_t seed, uint64_t unit, uint32_t L, uint32_t d, uint32_t G) {
    host::HeadData h;
    h.q = randomHalfs(seed, unit * 3ull, size_t(G) * d);
    h.k = randomHalfs(seed, unit * 3ull + 1, size_t(L) * d);
    h.v = randomHalfs(seed, unit * 3ull + 2, size_t(L) * d);
    return h;
}

// Offloads one part; the PE counters before and after give its internal bytes.
PartFigures offloadPart(PimWorkloadRun& run, const host::DecodeOffload& offload, const host::DecodePart& part,
                        const Scenario& s, std::vector<std::string>& errors) {
    const DecodeWorkload& w = *s.decode;
    auto snapshot = [&] {
        std::vector<std::vector<uint64_t>> v;
        for (const auto& pe : run.sys.peArrays())
            v.push_back(pe->bankBytes());
        return v;
    };
    const uint32_t L = w.context, d = w.headDim, G = offload.queriesPerUnit();
    const double scale = 1.0 / std::sqrt(double(d));
    PartFigures f;
    auto source = [&](const host::DecodePart& p, uint32_t unit) {
        return makeHead(w.seed, unit + (p.sparse ? 1u << 30 : 0u), L, d, G);
    };
    auto check = [&](const host::DecodePart& p, const host::HeadData& h, const std::vector<float>& out) {
        const std::vector<float> K = toFloats(h.k, 0, size_t(L) * d);
        const std::vector<float> V = toFloats(h.v, 0, size_t(L) * d);
        // The keys as placed in the banks: an explicit key set is compacted.
        const uint32_t placed = p.placedKeys(L);
        std::vector<uint16_t> Kp = h.k, Vp = h.v;
        if (p.indexList) {
            Kp.clear();
            Vp.clear();
            for (const uint32_t j : p.keys) {
                Kp.insert(Kp.end(), h.k.begin() + size_t(j) * d, h.k.begin() + size_t(j + 1) * d);
                Vp.insert(Vp.end(), h.v.begin() + size_t(j) * d, h.v.begin() + size_t(j + 1) * d);
            }
        }
        const PeDecodeSchedule sch = peSchedule(s, p, G);
        const bool peExact = !w.attacc && offload.headSpread() == 1;
        for (uint32_t g = 0; g < G; ++g) {
            const std::vector<double> ref =
                decodeAttentionReference(toFloats(h.q, size_t(g) * d, d), K, V, d, p.keys, scale);
            for (uint32_t k = 0; k < d; ++k)
                f.maxAbsErr = std::max(f.maxAbsErr, std::fabs(double(out[g * d + k]) - ref[k]));
            // Bit for bit only where the outputs are the PEs' own FP16 results: PILOT's kernel
            // on one bank group per unit (a spread head is merged by the host in FP32; AttAcc's
            // softmax runs on the buffer die).
            if (!peExact)
                continue;
            f.peChecked = true;
            const std::vector<uint16_t> qg(h.q.begin() + size_t(g) * d, h.q.begin() + size_t(g + 1) * d);
            const std::vector<uint16_t> pe = peDecodeReference(qg, Kp, Vp, d, placed, sch);
            for (uint32_t k = 0; k < d; ++k) {
                const uint64_t ulps = ulpDistance(pim::floatToHalf(out[g * d + k]), pe[k]);
                f.peMismatches += ulps != 0;
                f.peMaxUlp = std::max(f.peMaxUlp, ulps);
            }
        }
    };
    const auto before = snapshot();
    const uint64_t externalBefore = run.runtime.dataBytes();
    const host::OffloadRun r = offload.run(
        run.runtime, part, source, w.functional && w.check ? host::DecodeOffload::Sink(check) : nullptr);
    for (const contract::Completion& comp : r.failed)
        errors.push_back(part.name + ": descriptor " + std::to_string(comp.tag) + " completed with " +
                         contract::errorName(contract::Error(comp.error)));
    f.kernelPs = r.kernelPs;
    f.placePs = r.placePs;
    f.readPs = r.readPs;
    f.units = r.units;
    f.externalBytes = run.runtime.dataBytes() - externalBefore;
    f.rounds = part.rounds;
    const auto after = snapshot();
    for (size_t a = 0; a < after.size(); ++a)
        for (size_t b = 0; b < after[a].size(); ++b) {
            const uint64_t delta = after[a][b] - before[a][b];
            f.internalBytes += delta;
            f.busiestBank = std::max(f.busiestBank, delta);
        }
    return f;
}

// A count over the units run, for all of the part's units: every unit of a part runs the same
// command stream, so its bytes are the same (replicated channels run the busiest channel's share).
uint64_t forAllUnits(uint64_t counted, uint32_t unitsRun, uint32_t unitsAll) {
    return unitsRun ? counted / unitsRun * unitsAll + counted % unitsRun * unitsAll / unitsRun : 0;
}

// Where the time goes beyond streaming the busiest bank's bytes at one column per tCCD_L: row
// activations and precharges (one per row of K and V), the PE waiting for a tile's last column
// to land, and the kernel's set-up and reduction steps. Estimates from the memspec: every row the
// busiest bank reads costs a precharge after its last column and an activation before the next
// (tRTP + tRP + tRCD); all-bank refresh takes tRFC out of every tREFI.
json timeBreakdown(const Scenario& s, const PartFigures& f, double boundInternalNs, double timeNs) {
    const auto& tm = s.memspec.t;
    const double rowSwitchNs = double(f.busiestBank) / double(s.memspec.org.rowBytes()) *
                               (tm.RTPL + tm.RP + tm.RCDRD) * s.memspec.tCKns();
    const double refreshNs = s.controller.refresh == "all-bank" ? timeNs * tm.RFC / tm.REFI : 0.0;
    return {{"bank_streaming", boundInternalNs},
            {"row_switching", rowSwitchNs},
            {"refresh", refreshNs},
            {"other", std::max(0.0, timeNs - boundInternalNs - rowSwitchNs - refreshNs)}};
}

// Two references: FP64 within the error budget, and the PE-faithful one bit for bit; a failed
// comparison is also an error line.
json checkReport(const DecodeWorkload& w, const host::DecodePart& part, const PartFigures& f,
                 std::vector<std::string>& errors) {
    const double tol = decodeTolerance(w);
    if (f.maxAbsErr > tol)
        errors.push_back(part.name + ": outputs differ from the FP64 reference by " +
                         std::to_string(f.maxAbsErr) + " > tolerance " + std::to_string(tol));
    if (f.peMismatches)
        errors.push_back(part.name + ": " + std::to_string(f.peMismatches) +
                         " outputs differ from the PE-faithful reference (up to " +
                         std::to_string(f.peMaxUlp) + " FP16 ulps)");
    return {{"max_abs_error", f.maxAbsErr},        {"tolerance", tol},
            {"pe_reference_checked", f.peChecked}, {"pe_reference_mismatches", f.peMismatches},
            {"pe_reference_max_ulp", f.peMaxUlp},  {"passed", f.maxAbsErr <= tol && f.peMismatches == 0}};
}

// One part's figures of merit, for the whole system (replicated channels scaled back up).
json partReport(const Scenario& s, const host::DecodeOffload& offload, const host::DecodePart& part,
                const PartFigures& f, std::vector<std::string>& errors) {
    const DecodeWorkload& w = *s.decode;
    const auto& org = s.memspec.org;
    const uint32_t d = w.headDim, G = offload.queriesPerUnit(), split = offload.gqaSplit();
    const double tck = s.memspec.tCKns();
    const double columnNs = s.memspec.t.CCDL * tck; // one column per bank per tCCD_L
    const double externalPeak = s.memspec.peakPcBandwidthGBps() * s.pseudoChannels;
    const uint32_t unitsOfPart = part.unitsFull;
    const double timeNs = double(f.kernelPs) * 1e-3;
    const double boundInternalNs = double(f.busiestBank) / org.accessBytes * columnNs;
    const double kvBytes = double(unitsOfPart / split) * 2.0 * double(part.keys.size()) * d * 2.0; // one copy
    const double qoBytes = double(unitsOfPart) * 2.0 * G * d * 2.0;
    const double boundExternalNs = (kvBytes + qoBytes) / externalPeak;
    const uint32_t spread = offload.headSpread();
    const uint64_t perSet = uint64_t(org.banksPerGroup) * spread;
    const uint32_t slots = uint32_t((part.keys.size() + perSet - 1) / perSet);
    fw::DecodeShape shape{slots, d, G, s.pe.sramBytes, org.accessBytes, w.naive, true};
    uint32_t passQueries = G;
    fw::DecodePlan plan = fw::planDecodeInPasses(shape, passQueries);
    const uint32_t passes = G / std::max(1u, passQueries);
    if (w.attacc) { // AttAcc's kernel: no tiles; its blocks of scores and its bytes
        const fw::AttAccPlan a =
            fw::planAttAccDecode({slots, d, s.pe.sramBytes, uint32_t(org.rowBytes()), org.accessBytes});
        plan.tileKeys = a.blockKeys;
        plan.bankToSramBytes = a.bankToSramBytes;
        plan.sramToBankBytes = a.sramToBankBytes;
    }
    json k;
    k["name"] = part.name;
    k["time_ns"] = timeNs;
    k["internal_bytes"] = forAllUnits(f.internalBytes, f.units, unitsOfPart);
    // Counted: q in (into every bank of a unit's groups), outputs (and a spread head's
    // statistics) out; K and V are the resident cache and never cross the bus.
    k["external_bytes"] = forAllUnits(f.externalBytes, f.units, unitsOfPart);
    // The GPU's side of the rounds, concurrent on every channel: writing q, reading the outputs.
    k["placement_ns"] = double(f.placePs) * 1e-3;
    k["readback_ns"] = double(f.readPs) * 1e-3;
    k["bound_internal_ns"] = boundInternalNs;
    k["bound_external_ns"] = boundExternalNs;
    k["bound_ratio"] = timeNs > 0 ? boundInternalNs / timeNs : 0.0;
    k["speedup_vs_external_bound"] = timeNs > 0 ? boundExternalNs / timeNs : 0.0;
    k["rounds"] = f.rounds;
    k["kv_heads_total"] = unitsOfPart;
    k["keys_attended"] = part.keys.size();
    if (part.sparse)
        k["sparse_form"] = part.indexList ? "key-list" : "sink+window";
    k["kernel"] = w.attacc ? "attacc" : "pilot";
    k["tiling"] = w.attacc ? "none (GEMV units read the open row)" : w.naive ? "naive" : "io-aware";
    if (w.attacc) {
        k["softmax_block_keys"] = plan.tileKeys; // keys per bank whose scores go to the softmax unit at once
    } else {
        // A tile never crosses a row (its keys and values share one activation).
        k["tile_keys"] =
            std::min<uint32_t>(plan.tileKeys, std::max<uint32_t>(1, uint32_t(org.rowBytes() / (4 * d))));
        k["planner_tile_keys"] = plan.tileKeys;
    }
    k["query_passes"] = passes;
    k["gqa_split"] = split; // bank groups sharing one GQA group's query heads
    // How heads were spread: units (KV heads x GQA split; AttAcc: query heads) per round, and
    // the bank groups sharing one unit's keys (merged with their softmax statistics).
    k["head_spread"] = spread;
    k["head_mapping"] = {{"units", unitsOfPart},
                         {"groups_per_unit", spread},
                         {"units_per_set_per_descriptor", offload.depth()},
                         {"bank_groups", uint64_t(s.stacks) * org.pcsPerStack() * org.bankGroupsPerPc()},
                         {"rounds", f.rounds},
                         {"merge", spread == 1 ? "none"
                                   : w.attacc  ? "buffer-die softmax unit over the set's banks"
                                               : "host, with each group's max and sum (flash-decoding)"}};
    k["predicted_bank_bytes"] = uint64_t(passes) * (plan.bankToSramBytes + plan.sramToBankBytes) * f.rounds;
    k["busiest_bank_bytes"] = f.busiestBank;
    k["time_breakdown_ns"] = timeBreakdown(s, f, boundInternalNs, timeNs);
    if (w.functional && w.check)
        k["check"] = checkReport(w, part, f, errors);
    return k;
}

} // namespace

json runDecode(const Scenario& s, const RunOptions& opt) {
    const DecodeWorkload& w = *s.decode;
    PimWorkloadRun run(s, w.replicateChannels);
    const host::DecodeOffload offload(decodeRequest(s, run.rep.scaleBy), run.geo);
    std::vector<PartFigures> figures(offload.parts().size());
    std::vector<std::string> errors;
    run.sys.host().setProgram([&] {
        run.runtime.init();
        for (size_t i = 0; i < figures.size(); ++i)
            figures[i] = offloadPart(run, offload, offload.parts()[i], s, errors);
    });
    const double wall = run.simulate(opt, "decode");

    json kernels = json::array();
    double totalNs = 0;
    for (size_t i = 0; i < figures.size(); ++i) {
        totalNs += double(figures[i].kernelPs) * 1e-3;
        kernels.push_back(partReport(s, offload, offload.parts()[i], figures[i], errors));
    }
    return run.results("decode_attention_ns", totalNs, kernels, totalNs, wall, errors);
}

} // namespace pilot::platform
