// SPDX-License-Identifier: MIT
// Runs one layer of prefill hybrid sparse attention on the PIM: lays the sparse heads out,
// submits a PREFILL_HYBRID_SPARSE descriptor per channel per round, and checks the outputs.
#include "platform/prefill_runner.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "firmware/host/pim_runtime.h"
#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "platform/attention_reference.h"
#include "platform/pim_run.h"
#include "platform/pim_system.h"

namespace pilot::platform {

using nlohmann::json;

namespace {

// Rows of one head's regions in every bank of its group, in allocation order.
struct PrefillRows {
    uint32_t q = 0, out = 0, band = 0, aux = 0, scratch = 0, pattern = 0, globalQ = 0, splitKv = 0, globalOut = 0;
    uint32_t used = 0;
};

PrefillRows layoutRows(const fw::PrefillKernelPlan& p) {
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

struct HeadTensors {
    std::vector<uint16_t> q, k, v;   // N x d each, row-major
};

// Writes one head into its bank group (untimed: the GPU's K/V/Q writes are accounted as
// external bytes, not simulated column by column).
void placeHead(host::PimRuntime& rt, uint32_t c, uint32_t grp, const fw::PrefillKernelPlan& p, const PrefillRows& rows,
               const std::vector<uint32_t>& table, const HeadTensors& h) {
    const auto& s = p.shape;
    const uint32_t d = s.headDim, N = s.seqLen, B = s.banksPerGroup, rowBytes = s.rowBytes;
    const uint64_t keyBytes = uint64_t(d) * 2;
    // K and V of `slots` slots, slot -> key (or < 0 / >= N: left zero), keys and values sharing rows.
    auto kvImage = [&](uint64_t slots, auto keyOf) {
        std::vector<uint8_t> img((slots + p.P - 1) / p.P * rowBytes, 0);
        for (uint64_t sl = 0; sl < slots; ++sl) {
            const int64_t key = keyOf(sl);
            if (key < 0 || key >= int64_t(N)) continue;
            uint8_t* at = img.data() + (sl / p.P) * rowBytes + (sl % p.P) * keyBytes;
            std::memcpy(at, h.k.data() + size_t(key) * d, keyBytes);
            std::memcpy(at + rowBytes / 2, h.v.data() + size_t(key) * d, keyBytes);
        }
        return img;
    };
    auto put = [&](uint32_t bank, uint32_t row, const std::vector<uint8_t>& img) {
        if (!img.empty()) rt.bankWrite(c, grp, bank, row, 0, img.data(), img.size(), false);
    };
    const std::vector<uint8_t> aux = kvImage(p.auxSlots, [&](uint64_t sl) -> int64_t {
        if (sl < s.globalTokens) return int64_t(sl);
        const uint64_t t = sl - s.globalTokens, perRow = uint64_t(s.randomBlocks) * s.blockSize;
        const uint32_t block = table[(t / perRow) * s.randomBlocks + (t / s.blockSize) % s.randomBlocks];
        return block == fw::kNoRandomBlock ? -1 : int64_t(block) * s.blockSize + int64_t(t % s.blockSize);
    });
    const std::vector<fw::PrefillRound> rounds = fw::prefillRounds(p);
    for (uint32_t i = 0; i < B; ++i) {
        put(i, rows.band, kvImage(p.bandSlots, [&](uint64_t sl) { return int64_t(sl) - p.shift + int64_t(i) * p.a; }));
        put(i, rows.aux, aux);
        std::vector<uint8_t> qImg(uint64_t(p.qRows) * rowBytes, 0);
        for (const fw::PrefillRound& r : rounds)
            for (uint32_t g = 0; g < p.a; ++g) {
                const uint64_t row = uint64_t(r.rowBegin) + uint64_t(i) * p.a + g;
                if (row < r.rowEnd)
                    std::memcpy(qImg.data() + (uint64_t(r.index) * p.a + g) * keyBytes, h.q.data() + row * d, keyBytes);
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
std::vector<uint16_t> readHead(host::PimRuntime& rt, uint32_t c, uint32_t grp, const fw::PrefillKernelPlan& p,
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
        rt.bankRead(c, grp, 0, rows.globalOut, 0, reinterpret_cast<uint8_t*>(out.data()), uint64_t(p.globalRows) * d * 2,
                    false);
    return out;
}

// Bytes the group's banks move for the global rows' decode kernel: every bank streams its
// share of the keys; only bank 0 writes the merged outputs.
uint64_t globalGroupBytes(const fw::PrefillKernelPlan& p) {
    if (!p.globalRows) return 0;
    const auto& s = p.shape;
    const uint64_t passes = p.globalRows / p.globalPassQueries;
    uint64_t total = 0;
    for (uint32_t i = 0; i < s.banksPerGroup; ++i) {
        const uint32_t keys = s.seqLen > i ? (s.seqLen - i + s.banksPerGroup - 1) / s.banksPerGroup : 0;
        fw::DecodeShape ds{keys, s.headDim, p.globalPassQueries, s.sramBytes, s.columnBytes, s.naive, true};
        const fw::DecodePlan dp = fw::planDecode(ds);
        total += passes * (dp.bankToSramBytes + dp.sramToBankBytes);
        if (i > 0) total -= passes * uint64_t(p.globalPassQueries) * s.headDim * 2;
    }
    return total;
}

}  // namespace

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
    if (w.fp16Accum) tol += 8.0 * 0x1.0p-11 * std::log2(double(w.context) + 1.0);
    return tol;
}

json runPrefill(const Scenario& s, const RunOptions& opt) {
    const auto wall0 = std::chrono::steady_clock::now();
    const PrefillWorkload& w = *s.prefill;
    const auto& org = s.memspec.org;
    const ChannelReplication rep = channelReplication(s, w.replicateChannels);
    const uint32_t simPcs = rep.simPcs, scaleBy = rep.scaleBy;
    PimSystem sys("system", s, simPcs);
    const uint32_t channels = sys.channels();
    const host::PimGeometry geo = pimGeometry(s.memspec, channels);

    const host::HybridPattern pat = w.pattern.mask(w.context);
    const fw::PrefillKernelPlan plan = fw::planPrefillKernel(prefillKernelShape(s, w.naive));
    const fw::PrefillKernelPlan naivePlan = fw::planPrefillKernel(prefillKernelShape(s, true));
    if (plan.error != contract::Error::Ok)
        throw std::runtime_error(s.file + ": /workload: the PIM prefill kernel cannot run this pattern (" +
                                 contract::errorName(plan.error) + "): " + plan.why);
    const PrefillRows rows = layoutRows(plan);
    if (rows.used > geo.rows - 2)
        throw std::runtime_error(s.file + ": /workload/context: one head's PIM layout needs " + std::to_string(rows.used) +
                                 " rows per bank (K and V copied into every bank: see docs/io-analysis.md); the memspec's banks have " +
                                 std::to_string(geo.rows - 2) + " free");
    const fw::PrefillKernelShape& ks = plan.shape;
    // The pattern table: r block indices per block-row, kNoRandomBlock where a row has fewer.
    std::vector<uint32_t> table(size_t(plan.blockRows) * ks.randomBlocks, fw::kNoRandomBlock);
    for (uint32_t br = 0; br < plan.blockRows && br < pat.randomBlocks.size(); ++br)
        for (uint32_t k = 0; k < ks.randomBlocks && k < pat.randomBlocks[br].size(); ++k)
            table[size_t(br) * ks.randomBlocks + k] = pat.randomBlocks[br][k];

    const uint32_t headsTotal = w.batch * w.heads;
    const uint32_t units = uint32_t(std::llround(double(headsTotal) * w.pattern.headFraction));
    const uint32_t unitsSim = (units + scaleBy - 1) / scaleBy;   // the busiest channel's share
    const uint32_t groupsTotal = channels * geo.groupsPerChannel();
    const uint32_t rounds = (unitsSim + groupsTotal - 1) / groupsTotal;
    // Timing only with replication: every round runs the same command stream; simulate one.
    const uint32_t simRounds = (w.replicateChannels && !w.functional) ? std::min(1u, rounds) : rounds;
    const double roundScale = simRounds ? double(rounds) / simRounds : 0.0;
    const uint32_t d = w.headDim, N = w.context;
    const double scale = 1.0 / std::sqrt(double(d));

    std::vector<std::string> errors;
    host::PimRuntime runtime(sys.hostBus(), geo);
    uint64_t kernelPs = 0;
    double maxAbsErr = 0;
    uint64_t rowsChecked = 0;
    sys.host().setProgram([&] {
        runtime.init();
        for (uint32_t c = 0; c < channels && !table.empty(); ++c)
            runtime.bankWrite(c, 0, 0, rows.pattern, 0, reinterpret_cast<const uint8_t*>(table.data()), table.size() * 4,
                              false);
        uint32_t unitBase = 0;
        for (uint32_t r = 0; r < simRounds; ++r) {
            std::vector<uint16_t> masks(channels, 0);
            std::vector<std::pair<uint32_t, HeadTensors>> placed;   // unit index, data
            for (uint32_t i = 0; i < groupsTotal && unitBase + i < unitsSim; ++i) {
                const uint32_t c = i % channels, grp = i / channels;
                masks[c] |= uint16_t(1u << grp);
                if (!w.functional) continue;
                HeadTensors h;
                const uint64_t unit = unitBase + i;
                h.q = randomHalfs(w.seed, unit * 3, size_t(N) * d);
                h.k = randomHalfs(w.seed, unit * 3 + 1, size_t(N) * d);
                h.v = randomHalfs(w.seed, unit * 3 + 2, size_t(N) * d);
                placeHead(runtime, c, grp, plan, rows, table, h);
                placed.emplace_back(i, std::move(h));
            }
            unitBase += std::min(groupsTotal, unitsSim - unitBase);
            const uint64_t t0 = sys.hostBus().nowPs();
            for (uint32_t c = 0; c < channels; ++c) {
                if (!masks[c]) continue;
                uint32_t lowest = 0;
                while (!((masks[c] >> lowest) & 1u)) ++lowest;
                auto at = [&](uint32_t row) { return sys.hostBus().columnAddress(c, lowest, 0, row, 0); };
                contract::Descriptor desc{};
                desc.opcode = uint16_t(contract::Opcode::PrefillHybridSparse);
                desc.version = contract::kVersion;
                desc.flags = (w.naive ? contract::kFlagNaive : 0) | (w.exactExp ? contract::kFlagExactExp : 0) |
                             (w.fp16Accum ? contract::kFlagFp16Accum : 0) | (ks.causal ? contract::kFlagCausal : 0);
                desc.tag = r * channels + c;
                desc.bankGroupMask = masks[c];
                desc.headDim = uint16_t(d);
                desc.ctxLen = N;
                desc.windowTokens = ks.window;
                desc.globalTokens = ks.globalTokens;
                desc.randomBlocks = ks.randomBlocks;
                desc.blockSize = ks.blockSize;
                desc.tileRows = plan.a;
                desc.qAddr = at(rows.q);
                desc.outAddr = at(rows.out);
                desc.kvAddr = at(rows.band);
                desc.auxKvAddr = at(rows.aux);
                desc.scratchAddr = at(rows.scratch);
                desc.patternAddr = at(rows.pattern);
                desc.globalQAddr = at(rows.globalQ);
                desc.splitKvAddr = at(rows.splitKv);
                desc.globalOutAddr = at(rows.globalOut);
                runtime.submit(c, desc);
            }
            for (const auto& comp : runtime.waitAll())
                if (comp.error != uint8_t(contract::Error::Ok))
                    errors.push_back("prefill: descriptor " + std::to_string(comp.tag) + " completed with " +
                                     contract::errorName(contract::Error(comp.error)));
            kernelPs += sys.hostBus().nowPs() - t0;
            if (!w.check) continue;
            for (const auto& [i, h] : placed) {
                const std::vector<uint16_t> out = readHead(runtime, i % channels, i / channels, plan, rows);
                const std::vector<float> K = toFloats(h.k, 0, size_t(N) * d), V = toFloats(h.v, 0, size_t(N) * d);
                for (uint32_t row = 0; row < N; ++row) {
                    const std::vector<double> ref =
                        decodeAttentionReference(toFloats(h.q, size_t(row) * d, d), K, V, d, pat.rowKeys(row), scale);
                    for (uint32_t k = 0; k < d; ++k)
                        maxAbsErr = std::max(maxAbsErr, std::fabs(double(pim::halfToFloat(out[size_t(row) * d + k])) - ref[k]));
                    ++rowsChecked;
                }
            }
        }
    });
    simulateHostProgram(sys, opt, "prefill", wall0);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    uint64_t measured = 0, busiest = 0;
    for (const auto& pe : sys.peArrays())   // the kernel is the only PIM work of the run
        for (const uint64_t bytes : pe->bankBytes()) {
            measured += bytes;
            busiest = std::max(busiest, bytes);
        }

    const double tck = s.memspec.tCKns();
    const double columnNs = s.memspec.t.CCDL * tck;
    const double timeNs = double(kernelPs) * 1e-3 * roundScale;
    const double measuredTotal = double(measured) * scaleBy * roundScale;
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
    // Q, K, V in and O out once per head, plus the copies of K and V the layout makes.
    const double kvPlacedPerGroup = (double(ks.banksPerGroup) * (plan.bandSlots + plan.auxSlots) +
                                     (plan.globalRows ? double(ks.banksPerGroup) * ((N + ks.banksPerGroup - 1) / ks.banksPerGroup) : 0.0)) * 4.0 * d;
    k["external_bytes"] = uint64_t(double(units) * (double(N) * d * 2 * 2 + kvPlacedPerGroup));
    k["io"] = {{"predicted_internal_bytes", uint64_t(predictedTotal)},
               {"measured_internal_bytes", uint64_t(measuredTotal)},
               {"naive_internal_bytes", naivePlan.error == contract::Error::Ok
                                            ? json(uint64_t(double(units) * double(prefillGroupPredictedBytes(naivePlan))))
                                            : json(nullptr)},
               {"prediction_error", predictedTotal > 0 ? measuredTotal / predictedTotal - 1.0 : 0.0},
               {"predicted_busiest_bank_bytes", uint64_t(double(rounds) * double(plan.total().bytes()))},
               {"measured_busiest_bank_bytes", uint64_t(busiestFull)},
               {"bound_internal_ns", boundInternalNs},
               {"bound_compute_ns", boundComputeNs},
               {"binding_bound", internalBinds ? "internal" : "compute"},
               {"bound_ratio", timeNs > 0 ? binding / timeNs : 0.0}};
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
    k["pattern"] = {{"kind", w.pattern.name()}, {"causal", ks.causal}, {"window", w.pattern.window}, {"global", ks.globalTokens},
                    {"random_blocks", ks.randomBlocks}, {"block", ks.blockSize}, {"nnz", st.nnz},
                    {"density", pat.density()}};
    k["heads_total"] = units;
    k["dense_heads_on_gpu"] = headsTotal - units;
    k["rounds"] = rounds;
    k["simulated_rounds"] = simRounds;
    if (w.functional && w.check) {
        const double tol = prefillTolerance(w);
        k["check"] = {{"max_abs_error", maxAbsErr}, {"tolerance", tol}, {"rows", rowsChecked}, {"passed", maxAbsErr <= tol}};
        if (maxAbsErr > tol)
            errors.push_back("prefill: outputs differ from the FP64 reference by " + std::to_string(maxAbsErr) +
                             " > tolerance " + std::to_string(tol));
    }

    json r;
    r["scenario"] = s.name;
    r["scenario_file"] = s.file;
    r["memspec"] = s.memspec.name;
    r["sim_time_ns"] = sc_core::sc_time_stamp().to_seconds() * 1e9;
    r["wall_time_s"] = wall;
    r["mode"] = w.functional ? "functional" : "timing";
    r["prefill_attention_ns"] = timeNs;
    r["replicated_channels"] = scaleBy;
    r["kernels"] = json::array({k});
    addSystemSections(r, s, sys, runtime.externalBytes(), double(kernelPs) * 1e-3, simPcs, wall, errors);
    return r;
}

}  // namespace pilot::platform
