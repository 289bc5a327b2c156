// SPDX-License-Identifier: MIT
// Runs one layer of prefill hybrid sparse attention on the PIM: build the system, offload the
// sparse heads through the host runtime's prefill offload (firmware/host/prefill_offload.h),
// check every output row against the FP64 reference (error budget) and the PE-faithful one (bit
// for bit), report predicted vs measured I/O.
#include "platform/prefill_runner.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "firmware/host/prefill_offload.h"
#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "platform/attention_reference.h"
#include "platform/pe_prefill_reference.h"
#include "platform/pim_run.h"
#include "platform/pim_system.h"

namespace pilot::platform {

using nlohmann::json;

namespace {

// Bytes the group's banks move for the global rows' decode kernel: every bank streams its
// share of the keys; only bank 0 writes the merged outputs.
uint64_t globalGroupBytes(const fw::PrefillKernelPlan& p) {
    if (!p.globalRows)
        return 0;
    const auto& s = p.shape;
    const uint64_t passes = p.globalRows / p.globalPassQueries;
    uint64_t total = 0;
    for (uint32_t i = 0; i < s.banksPerGroup; ++i) {
        const uint32_t keys = s.seqLen > i ? (s.seqLen - i + s.banksPerGroup - 1) / s.banksPerGroup : 0;
        fw::DecodeShape ds{keys, s.headDim, p.globalPassQueries, s.sramBytes, s.columnBytes, s.naive, true};
        const fw::DecodePlan dp = fw::planDecode(ds);
        total += passes * (dp.bankToSramBytes + dp.sramToBankBytes);
        if (i > 0)
            total -= passes * uint64_t(p.globalPassQueries) * s.headDim * 2;
    }
    return total;
}

} // namespace

uint64_t prefillGroupPredictedBytes(const fw::PrefillKernelPlan& p) {
    return uint64_t(p.shape.banksPerGroup) * p.nonGlobal.bytes() + globalGroupBytes(p);
}

fw::PrefillKernelShape prefillKernelShape(const Scenario& s, bool naive) {
    const PrefillWorkload& w = *s.prefill;
    const auto& org = s.memspec.org;
    fw::PrefillKernelShape k;
    k.seqLen = w.context;
    k.headDim = w.headDim;
    const host::PatternKernelParams pk = w.pattern.kernelParams(w.context);
    k.window = pk.window;
    k.globalTokens = pk.globalTokens;
    k.randomBlocks = pk.randomBlocks;
    k.blockSize = pk.blockSize;
    k.causal = pk.causal;
    k.naive = naive;
    k.sramBytes = s.pe.sramBytes;
    k.rowBytes = uint32_t(org.rowBytes());
    k.columnBytes = org.accessBytes;
    k.banksPerGroup = org.banksPerGroup;
    return k;
}

double prefillTolerance(const PrefillWorkload& w) {
    // Decode's budget (FP16 output, exp approximation, FP16 weights: see decodeTolerance), plus
    // the scores' round trip through the bank as FP16: a score s is off by up to |s| 2^-11 and
    // its weight by that much relative. |s| <= sqrt(d) for operands in [-1, 1] and scale
    // 1/sqrt(d); the output moves by at most twice the largest relative weight error.
    const double e = w.exactExp ? 1e-7 : pim::expApproxMaxRelError();
    double tol = 0x1.0p-11 + 2.0 * e + 0x1.0p-11 + 1e-5 + 2.0 * std::sqrt(double(w.headDim)) * 0x1.0p-11;
    if (w.fp16Accum)
        tol += 8.0 * 0x1.0p-11 * std::log2(double(w.context) + 1.0);
    return tol;
}

namespace {

// What the run measured.
struct PrefillFigures {
    uint64_t kernelPs = 0, placePs = 0, readPs = 0;
    uint32_t units = 0;         // heads run on the simulated channels and rounds
    uint64_t externalBytes = 0; // counted from the transactions: Q, K, V (with copies) in, O out
    double maxAbsErr = 0;
    uint64_t rowsChecked = 0;
    uint64_t peMismatches = 0, peMaxUlp = 0; // outputs that differ from the PE-faithful reference
};

// The kernel's schedule as the firmware planned it and the pattern's random blocks, for the
// PE-faithful reference (which follows them with its own code).
PePrefillSchedule peSchedule(const PrefillWorkload& w, const fw::PrefillKernelPlan& p,
                             const host::HybridPattern& pat) {
    const fw::PrefillKernelShape& k = p.shape;
    PePrefillSchedule s;
    s.seqLen = k.seqLen;
    s.headDim = k.headDim;
    s.window = k.window;
    s.globalTokens = k.globalTokens;
    s.randomBlocks = k.randomBlocks;
    s.blockSize = k.blockSize;
    s.causal = k.causal;
    const uint32_t blockRows = k.randomBlocks ? (k.seqLen + k.blockSize - 1) / k.blockSize : 0;
    s.table.assign(size_t(blockRows) * k.randomBlocks, kPeRefNoBlock);
    for (uint32_t br = 0; br < blockRows && br < pat.randomBlocks.size(); ++br)
        for (uint32_t j = 0; j < k.randomBlocks && j < pat.randomBlocks[br].size(); ++j)
            s.table[size_t(br) * k.randomBlocks + j] = pat.randomBlocks[br][j];
    s.banksPerGroup = k.banksPerGroup;
    s.slotsPerRow = p.P;
    s.tileRows = p.a;
    s.batchKeys = p.b;
    s.globalTileKeys = w.naive ? 1 : std::max(1u, p.global.tileKeys);
    s.fp16Accum = w.fp16Accum;
    s.exactExp = w.exactExp;
    s.scale = 1.0f / std::sqrt(float(k.headDim));
    return s;
}

// Distance in units in the last place between two FP16 values (ordered bit patterns).
uint64_t ulpDistance(uint16_t a, uint16_t b) {
    auto ordered = [](uint16_t h) { return (h & 0x8000) ? -int32_t(h & 0x7FFF) : int32_t(h); };
    return uint64_t(std::abs(ordered(a) - ordered(b)));
}

// Offloads every round (the host program) and checks each head against the FP64 reference.
PrefillFigures offloadPrefill(PimWorkloadRun& run, const host::PrefillOffload& offload,
                              const host::PrefillRoundPlan& rp, const host::HybridPattern& pat,
                              std::vector<std::string>& errors) {
    const PrefillWorkload& w = *run.scenario().prefill;
    const uint32_t d = w.headDim, N = w.context;
    const double scale = 1.0 / std::sqrt(double(d));
    PrefillFigures f;
    const PePrefillSchedule sch = peSchedule(w, offload.plan(), pat);
    auto source = [&](uint32_t unit) {
        host::HeadData h;
        h.q = randomHalfs(w.seed, uint64_t(unit) * 3, size_t(N) * d);
        h.k = randomHalfs(w.seed, uint64_t(unit) * 3 + 1, size_t(N) * d);
        h.v = randomHalfs(w.seed, uint64_t(unit) * 3 + 2, size_t(N) * d);
        return h;
    };
    auto check = [&](const host::HeadData& h, const std::vector<uint16_t>& out) {
        const std::vector<float> K = toFloats(h.k, 0, size_t(N) * d), V = toFloats(h.v, 0, size_t(N) * d);
        for (uint32_t row = 0; row < N; ++row) {
            const std::vector<double> ref =
                decodeAttentionReference(toFloats(h.q, size_t(row) * d, d), K, V, d, pat.rowKeys(row), scale);
            for (uint32_t k = 0; k < d; ++k)
                f.maxAbsErr = std::max(
                    f.maxAbsErr, std::fabs(double(pim::halfToFloat(out[size_t(row) * d + k])) - ref[k]));
            ++f.rowsChecked;
        }
        // Bit for bit: every output is the PEs' own FP16 result (non-global rows from their
        // banks' Sfm, global rows from the bank group's merge).
        const std::vector<uint16_t> pe = pePrefillReference(h.q, h.k, h.v, sch);
        for (size_t i = 0; i < pe.size(); ++i) {
            const uint64_t ulps = ulpDistance(out[i], pe[i]);
            f.peMismatches += ulps != 0;
            f.peMaxUlp = std::max(f.peMaxUlp, ulps);
        }
    };
    run.runtime.init();
    offload.writePatternTable(run.runtime);
    const uint64_t externalBefore = run.runtime.dataBytes();
    const host::OffloadRun r = offload.run(run.runtime, rp.unitsSim, rp.simRounds,
                                           w.functional ? host::PrefillOffload::Source(source) : nullptr,
                                           w.check ? host::PrefillOffload::Sink(check) : nullptr);
    for (const contract::Completion& comp : r.failed)
        errors.push_back("prefill: descriptor " + std::to_string(comp.tag) + " completed with " +
                         contract::errorName(contract::Error(comp.error)));
    f.kernelPs = r.kernelPs;
    f.placePs = r.placePs;
    f.readPs = r.readPs;
    f.units = r.units;
    f.externalBytes = run.runtime.dataBytes() - externalBefore;
    return f;
}

} // namespace

namespace {

// The kernel's tiling, its heads' layout (with the copies of K and V it makes) and the pattern.
void addPlanAndPattern(json& k, const Scenario& s, const host::PrefillOffload& offload,
                       const host::HybridPattern& pat) {
    const PrefillWorkload& w = *s.prefill;
    const fw::PrefillKernelPlan& plan = offload.plan();
    const fw::PrefillKernelShape& ks = plan.shape;
    const host::PrefillRows& rows = offload.rows();
    const uint32_t d = w.headDim, N = w.context;
    const double kvPlacedPerGroup =
        (double(ks.banksPerGroup) * (plan.bandSlots + plan.auxSlots) +
         (plan.globalRows ? double(ks.banksPerGroup) * ((N + ks.banksPerGroup - 1) / ks.banksPerGroup)
                          : 0.0)) *
        4.0 * d;
    k["tiling"] = {{"kind", w.naive ? "naive" : "io-aware"},
                   {"tile_rows", plan.a},
                   {"batch_keys", plan.b},
                   {"spmm_passes", plan.p},
                   {"buffer_bytes", plan.bufferBytes},
                   {"double_buffer", plan.doubleBuffer},
                   {"global_rows", plan.globalRows},
                   {"global_query_passes", plan.globalRows ? plan.globalRows / plan.globalPassQueries : 0}};
    k["layout"] = {{"rows_per_bank", rows.used},
                   {"kv_copy_factor", kvPlacedPerGroup / (double(N) * 4.0 * d)},
                   {"bytes_per_group", uint64_t(rows.used) * ks.rowBytes * ks.banksPerGroup}};
    const host::PatternStats st = pat.stats();
    k["pattern"] = {{"kind", w.pattern.name()},
                    {"causal", ks.causal},
                    {"window", w.pattern.window},
                    {"global", ks.globalTokens},
                    {"random_blocks", ks.randomBlocks},
                    {"block", ks.blockSize},
                    {"nnz", st.nnz},
                    {"density", pat.density()}};
}

// Two references: FP64 within the error budget, and the PE-faithful one bit for bit; a failed
// comparison is also an error line.
json checkReport(const PrefillWorkload& w, const PrefillFigures& f, std::vector<std::string>& errors) {
    const double tol = prefillTolerance(w);
    if (f.maxAbsErr > tol)
        errors.push_back("prefill: outputs differ from the FP64 reference by " + std::to_string(f.maxAbsErr) +
                         " > tolerance " + std::to_string(tol));
    if (f.peMismatches)
        errors.push_back("prefill: " + std::to_string(f.peMismatches) +
                         " outputs differ from the PE-faithful reference (up to " +
                         std::to_string(f.peMaxUlp) + " FP16 ulps)");
    return {{"max_abs_error", f.maxAbsErr},
            {"tolerance", tol},
            {"rows", f.rowsChecked},
            {"pe_reference_checked", f.rowsChecked > 0},
            {"pe_reference_mismatches", f.peMismatches},
            {"pe_reference_max_ulp", f.peMaxUlp},
            {"passed", f.maxAbsErr <= tol && f.peMismatches == 0}};
}

// The kernel's figures of merit: time, internal bytes (predicted vs measured), bounds, tiling,
// layout, pattern and the check, for the whole system (replicated channels and rounds scaled).
json prefillReport(const PimWorkloadRun& run, const host::PrefillOffload& offload,
                   const host::PrefillRoundPlan& rp, const host::HybridPattern& pat, const PrefillFigures& f,
                   std::vector<std::string>& errors) {
    const Scenario& s = run.scenario();
    const PrefillWorkload& w = *s.prefill;
    const auto& org = s.memspec.org;
    const fw::PrefillKernelPlan& plan = offload.plan();
    const fw::PrefillKernelPlan naivePlan = fw::planPrefillKernel(prefillKernelShape(s, true));
    const uint32_t units = rp.units, rounds = rp.rounds, simRounds = rp.simRounds;
    const double roundScale = simRounds ? double(rounds) / simRounds : 0.0;
    // Every head runs the same command stream: counts over the heads run, for all of them.
    auto forAllHeads = [&](uint64_t counted) -> uint64_t {
        return f.units ? counted / f.units * units + counted % f.units * units / f.units : 0;
    };
    const uint64_t kernelPs = f.kernelPs;
    const uint32_t headsTotal = w.batch * w.heads;

    uint64_t measured = 0, busiest = 0;
    for (const auto& pe : run.sys.peArrays()) // the kernel is the only PIM work of the run
        for (const uint64_t bytes : pe->bankBytes()) {
            measured += bytes;
            busiest = std::max(busiest, bytes);
        }

    const double tck = s.memspec.tCKns();
    const double columnNs = s.memspec.t.CCDL * tck;
    const double timeNs = double(kernelPs) * 1e-3 * roundScale;
    const double measuredTotal = double(forAllHeads(measured));
    const double busiestFull = double(busiest) * roundScale;
    const double predictedTotal = double(units) * double(prefillGroupPredictedBytes(plan));
    const double boundInternalNs = busiestFull / org.accessBytes * columnNs;
    const double macRatePerNs = double(s.pe.macLanes) * s.pe.clockMHz * 1e-3;
    const double boundComputeNs = double(rounds) * double(plan.total().macs) / macRatePerNs;
    const bool internalBinds = boundInternalNs >= boundComputeNs;
    const double binding = std::max(boundInternalNs, boundComputeNs);

    json k;
    k["name"] = std::string("prefill_attention_sparse") + (w.naive ? "_naive" : "");
    k["time_ns"] = timeNs;
    k["internal_bytes"] = uint64_t(measuredTotal);
    // Q, K, V in and O out once per head, plus the copies of K and V the layout makes: counted
    // from the transactions.
    k["external_bytes"] = forAllHeads(f.externalBytes);
    // The GPU's side of the rounds, concurrent on every channel: laying the heads out, reading
    // their outputs.
    k["placement_ns"] = double(f.placePs) * 1e-3 * roundScale;
    k["readback_ns"] = double(f.readPs) * 1e-3 * roundScale;
    k["io"] = {{"predicted_internal_bytes", uint64_t(predictedTotal)},
               {"measured_internal_bytes", uint64_t(measuredTotal)},
               {"naive_internal_bytes",
                naivePlan.error == contract::Error::Ok
                    ? json(uint64_t(double(units) * double(prefillGroupPredictedBytes(naivePlan))))
                    : json(nullptr)},
               {"prediction_error", predictedTotal > 0 ? measuredTotal / predictedTotal - 1.0 : 0.0},
               {"predicted_busiest_bank_bytes", uint64_t(double(rounds) * double(plan.total().bytes()))},
               {"measured_busiest_bank_bytes", uint64_t(busiestFull)},
               {"bound_internal_ns", boundInternalNs},
               {"bound_compute_ns", boundComputeNs},
               {"binding_bound", internalBinds ? "internal" : "compute"},
               {"bound_ratio", timeNs > 0 ? binding / timeNs : 0.0}};
    addPlanAndPattern(k, s, offload, pat);
    k["heads_total"] = units;
    k["dense_heads_on_gpu"] = headsTotal - units;
    k["rounds"] = rounds;
    k["simulated_rounds"] = simRounds;
    k["simulated_heads"] = f.units;
    if (w.functional && w.check)
        k["check"] = checkReport(w, f, errors);

    return k;
}

} // namespace

json runPrefill(const Scenario& s, const RunOptions& opt) {
    const PrefillWorkload& w = *s.prefill;
    PimWorkloadRun run(s, w.replicateChannels);
    const host::HybridPattern pat = w.pattern.mask(w.context);
    const host::PrefillOffload offload(prefillKernelShape(s, w.naive), pat, run.geo,
                                       {w.exactExp, w.fp16Accum});
    if (const auto problem = offload.problem())
        throw std::runtime_error(s.file + ": " + problem->first + ": " + problem->second);
    const host::PrefillRoundPlan rp = host::prefillRoundPlan(
        w.batch * w.heads, w.pattern.headFraction, run.rep.scaleBy,
        run.geo.channels * run.geo.groupsPerChannel(), w.replicateChannels, w.functional);
    std::vector<std::string> errors;
    PrefillFigures f;
    run.sys.host().setProgram([&] { f = offloadPrefill(run, offload, rp, pat, errors); });
    const double wall = run.simulate(opt, "prefill");

    json k = prefillReport(run, offload, rp, pat, f, errors);
    const double timeNs = k["time_ns"].get<double>();
    return run.results("prefill_attention_ns", timeNs, json::array({k}), double(f.kernelPs) * 1e-3, wall,
                       errors);
}

} // namespace pilot::platform
