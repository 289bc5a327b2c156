// SPDX-License-Identifier: MIT
// Runs a decode-attention workload on the PIM: the host runtime lays the KV heads out,
// submits one descriptor per channel per round, waits for the interrupts, reads the outputs
// and checks them against the FP64 reference.
#include "platform/decode_runner.h"

#include <chrono>
#include <cmath>
#include <random>

#include "firmware/host/pim_runtime.h"
#include "firmware/pim/decode_planner.h"
#include "models/pim/exp_approx.h"
#include "models/pim/fp16.h"
#include "platform/attention_reference.h"
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
    // Values in [-1, 1): attention outputs stay in [-1, 1], so absolute errors are meaningful.
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull + unit);
    auto draw = [&](size_t n) {
        std::vector<uint16_t> v(n);
        for (auto& x : v) x = pim::floatToHalf(float(double(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0));
        return v;
    };
    host::HeadData h;
    h.q = draw(size_t(G) * d);
    h.k = draw(size_t(L) * d);
    h.v = draw(size_t(L) * d);
    return h;
}

std::vector<float> toFloats(const std::vector<uint16_t>& h, size_t begin, size_t n) {
    std::vector<float> f(n);
    for (size_t i = 0; i < n; ++i) f[i] = pim::halfToFloat(h[begin + i]);
    return f;
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

json runDecode(const Scenario& s, const RunOptions& opt) {
    const auto wall0 = std::chrono::steady_clock::now();
    const DecodeWorkload& w = *s.decode;
    const auto& org = s.memspec.org;
    PimSystem sys("system", s);
    const uint32_t channels = sys.channels();
    host::PimGeometry geo;
    geo.channels = channels;
    geo.pcsPerChannel = org.pseudoChannels;
    geo.groupsPerPc = org.bankGroupsPerPc();
    geo.banksPerGroup = org.banksPerGroup;
    geo.rows = org.rows;
    geo.rowBytes = uint32_t(org.rowBytes());
    geo.columnBytes = org.accessBytes;

    const uint32_t G = w.heads / w.kvHeads, d = w.headDim, L = w.context;
    const uint32_t units = w.batch * w.kvHeads;
    const uint32_t groupsTotal = channels * geo.groupsPerChannel();
    const uint32_t rounds = (units + groupsTotal - 1) / groupsTotal;
    const host::DecodeLayout lay = host::decodeLayout(geo, L, d, G);
    const std::vector<uint32_t> keys =
        w.sparse ? sinkWindowKeys(L, w.sink, w.window) : sinkWindowKeys(L, L, 0);
    const double scale = 1.0 / std::sqrt(double(d));

    uint64_t kernelPs = 0;
    double maxAbsErr = 0;
    std::vector<std::string> errors;
    host::PimRuntime runtime(sys.hostBus(), geo);
    sys.host().setProgram([&] {
        runtime.init();
        for (uint32_t r = 0; r < rounds; ++r) {
            std::vector<Unit> round;
            std::vector<uint16_t> masks(channels, 0);
            for (uint32_t i = 0; i < groupsTotal && r * groupsTotal + i < units; ++i) {
                Unit u{i % channels, i / channels, {}};
                if (w.functional) u.data = makeHead(w.seed, r * groupsTotal + i, L, d, G);
                runtime.placeHead(u.channel, u.group, lay, u.data, d, L, G, w.functional);
                masks[u.channel] |= uint16_t(1u << u.group);
                round.push_back(std::move(u));
            }
            const uint64_t t0 = sys.hostBus().nowPs();
            for (uint32_t c = 0; c < channels; ++c) {
                if (!masks[c]) continue;
                uint32_t lowest = 0;
                while (!((masks[c] >> lowest) & 1u)) ++lowest;
                contract::Descriptor desc{};
                desc.opcode = uint16_t(w.sparse ? contract::Opcode::DecodeAttnSparse : contract::Opcode::DecodeAttn);
                desc.version = contract::kVersion;
                desc.flags = (w.naive ? contract::kFlagNaive : 0) | (w.exactExp ? contract::kFlagExactExp : 0) |
                             (w.fp16Accum ? contract::kFlagFp16Accum : 0);
                desc.tag = r * channels + c;
                desc.bankGroupMask = masks[c];
                desc.headDim = uint16_t(d);
                desc.ctxLen = L;
                desc.queries = uint16_t(G);
                desc.qAddr = sys.hostBus().columnAddress(c, lowest, 0, lay.qRow, 0);
                desc.kvAddr = sys.hostBus().columnAddress(c, lowest, 0, lay.kvRow, 0);
                desc.outAddr = sys.hostBus().columnAddress(c, lowest, 0, lay.outRow, 0);
                desc.sinkTokens = w.sink;
                desc.windowTokens = w.window;
                runtime.submit(c, desc);
            }
            for (const auto& comp : runtime.waitAll())
                if (comp.error != uint8_t(contract::Error::Ok))
                    errors.push_back("descriptor " + std::to_string(comp.tag) + " completed with " +
                                     contract::errorName(contract::Error(comp.error)));
            kernelPs += sys.hostBus().nowPs() - t0;
            // The GPU reads every output (both modes, so timing-only runs see the same traffic).
            for (const Unit& u : round) {
                const std::vector<uint16_t> out = runtime.readOutput(u.channel, u.group, lay, G * d);
                if (!w.functional || !w.check) continue;
                const std::vector<float> K = toFloats(u.data.k, 0, size_t(L) * d);
                const std::vector<float> V = toFloats(u.data.v, 0, size_t(L) * d);
                for (uint32_t g = 0; g < G; ++g) {
                    const std::vector<double> ref =
                        decodeAttentionReference(toFloats(u.data.q, size_t(g) * d, d), K, V, d, keys, scale);
                    for (uint32_t k = 0; k < d; ++k)
                        maxAbsErr = std::max(maxAbsErr, std::fabs(double(pim::halfToFloat(out[g * d + k])) - ref[k]));
                }
            }
        }
    });

    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    while (!sys.host().finished()) {
        if (!sc_core::sc_pending_activity())
            throw std::runtime_error("decode run deadlocked at " + sc_core::sc_time_stamp().to_string() +
                                     ": the host waits for completions that will not come (" +
                                     std::to_string(sys.firmware()[0]->stats().descriptors) +
                                     " descriptors served by channel 0, " +
                                     std::to_string(sys.controllers()[0]->microOpsIssued()) + " micro-ops issued)");
        sc_core::sc_start(sc_core::sc_time(50, sc_core::SC_US));
        if (opt.onProgress) {
            Progress p;
            p.simTimeNs = sc_core::sc_time_stamp().to_seconds() * 1e9;
            p.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
            opt.onProgress(p);
        }
    }
    sys.hbm().finish();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    // Figures of merit.
    const double tck = s.memspec.tCKns();
    uint64_t internal = 0, maxBank = 0;
    for (const auto& pe : sys.peArrays()) {
        internal += pe->stats().bankToSramBytes + pe->stats().sramToBankBytes;
        maxBank = std::max(maxBank, pe->maxBankBytes());
    }
    const double columnNs = s.memspec.t.CCDL * tck;   // one column per bank per tCCD_L
    const double boundInternalNs = double(maxBank) / org.accessBytes * columnNs;
    const double externalPeak = s.memspec.peakPcBandwidthGBps() * s.pseudoChannels;
    const double kvBytes = double(units) * 2.0 * double(keys.size()) * d * 2.0;
    const double qoBytes = double(units) * 2.0 * G * d * 2.0;
    const double boundExternalNs = (kvBytes + qoBytes) / externalPeak;
    const double timeNs = double(kernelPs) * 1e-3;

    fw::DecodeShape shape{uint32_t((keys.size() + org.banksPerGroup - 1) / org.banksPerGroup), d, G, s.pe.sramBytes,
                          org.accessBytes, w.naive, true};
    uint32_t passQueries = G;
    const fw::DecodePlan plan = fw::planDecodeInPasses(shape, passQueries);
    const uint32_t passes = G / std::max(1u, passQueries);

    json kernel;
    kernel["name"] = std::string(w.sparse ? "decode_attention_sparse" : "decode_attention") + (w.naive ? "_naive" : "");
    kernel["time_ns"] = timeNs;
    kernel["internal_bytes"] = internal;
    kernel["external_bytes"] = runtime.externalBytes();
    kernel["bound_internal_ns"] = boundInternalNs;
    kernel["bound_external_ns"] = boundExternalNs;
    kernel["bound_ratio"] = timeNs > 0 ? boundInternalNs / timeNs : 0.0;
    kernel["speedup_vs_external_bound"] = timeNs > 0 ? boundExternalNs / timeNs : 0.0;
    kernel["rounds"] = rounds;
    kernel["kv_heads_total"] = units;
    kernel["keys_attended"] = keys.size();
    kernel["tiling"] = w.naive ? "naive" : "io-aware";
    kernel["tile_keys"] = plan.tileKeys;
    kernel["query_passes"] = passes;
    kernel["predicted_bank_bytes"] = uint64_t(passes) * (plan.bankToSramBytes + plan.sramToBankBytes) * rounds;
    kernel["busiest_bank_bytes"] = maxBank;
    uint64_t peBusy = 0;
    for (const auto& pe : sys.peArrays()) peBusy = std::max(peBusy, pe->stats().busyCycles);
    kernel["pe_busy_ns"] = double(peBusy) * 1e3 / s.pe.clockMHz;
    // Where the time goes: streaming the busiest bank's bytes vs the PE's arithmetic; the rest
    // is row activation/precharge and the serialisation of moves and MACs on one buffer.
    kernel["time_breakdown_ns"] = {{"bank_streaming", boundInternalNs},
                                   {"pe_compute", double(peBusy) * 1e3 / s.pe.clockMHz},
                                   {"other", std::max(0.0, timeNs - boundInternalNs - double(peBusy) * 1e3 / s.pe.clockMHz)}};
    if (w.functional && w.check) {
        const double tol = decodeTolerance(w);
        kernel["check"] = {{"max_abs_error", maxAbsErr}, {"tolerance", tol}, {"passed", maxAbsErr <= tol}};
        if (maxAbsErr > tol)
            errors.push_back("decode outputs differ from the FP64 reference by " + std::to_string(maxAbsErr) +
                             " > tolerance " + std::to_string(tol));
    }

    json r;
    r["scenario"] = s.name;
    r["scenario_file"] = s.file;
    r["memspec"] = s.memspec.name;
    r["sim_time_ns"] = sc_core::sc_time_stamp().to_seconds() * 1e9;
    r["wall_time_s"] = wall;
    r["mode"] = w.functional ? "functional" : "timing";
    r["kernels"] = json::array({kernel});
    const uint32_t banks = s.pseudoChannels * org.banksPerPc();
    r["pim"] = {{"stacks", s.stacks},
                {"channels", channels},
                {"banks", banks},
                {"internal_peak_GBps", double(banks) * org.accessBytes / columnNs},
                {"external_peak_GBps", externalPeak},
                {"sram_bytes", s.pe.sramBytes},
                {"pe_mhz", s.pe.clockMHz}};
    json mem = memoryResults(sys.hbm(), s.memspec, timeNs);
    r["memory"] = mem;
    for (const auto& e : mem["checker_errors"]) errors.push_back(e.get<std::string>());
    r["memory"].erase("checker_errors");
    r["errors"] = errors;
    uint64_t commands = 0;
    for (const auto& [k, v] : mem["commands"].items()) commands += v.get<uint64_t>();
    r["simulator"] = {{"commands", commands},
                      {"commands_per_wall_s", wall > 0 ? double(commands) / wall : 0.0},
                      {"peak_rss_MiB", peakRssMiB()}};
    return r;
}

}  // namespace pilot::platform
