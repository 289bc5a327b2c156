// SPDX-License-Identifier: MIT
#include "tools/pilot/analyze.h"

#include <cstdio>
#include <stdexcept>

#include "firmware/host/sparse_pattern.h"
#include "firmware/pim/paper_io_analysis.h"
#include "platform/prefill_runner.h"

namespace pilot::tools {

using nlohmann::json;

namespace {

json ioJson(const fw::IoCount& c) {
    return {{"bank_to_buffer_bytes", c.bankToBuffer},
            {"buffer_to_bank_bytes", c.bufferToBank},
            {"bytes", c.bytes()},
            {"macs", c.macs},
            {"macs_per_byte", c.macsPerByte()}};
}

json scheduleJson(const fw::PrefillSchedule& s) {
    return {{"used", s.used},          {"fits", s.fits},
            {"tile_rows", s.tileRows}, {"tile_keys", s.tileKeys},
            {"passes", s.passes},      {"tiles", s.tiles},
            {"steps", s.steps},        {"buffer_bytes", s.bufferBytes},
            {"bank", ioJson(s.bank)},  {"group", ioJson(s.group)}};
}

} // namespace

json analyzeScenario(const platform::Scenario& s) {
    if (!s.prefill)
        throw std::runtime_error(s.file + ": /workload/type: `pilot analyze` takes a prefill workload");
    const platform::PrefillWorkload& p = *s.prefill;
    fw::PrefillIoShape shape;
    shape.sramBytes = s.pe.sramBytes;
    shape.headDim = p.headDim;
    shape.columnBytes = s.memspec.org.accessBytes;
    shape.banksPerGroup = s.memspec.org.banksPerGroup;
    shape.pattern = fw::summarizePattern(p.context, p.pattern.window, p.pattern.globalTokens,
                                         p.pattern.randomBlocks, p.pattern.blockSize, p.pattern.causal);
    const fw::PrefillIo io = fw::analyzePrefill(shape);

    // The mask itself, for its density (the analysis works from the per-row formula).
    const host::PatternStats st = p.pattern.mask(p.context).stats();
    const uint64_t sparseHeads = uint64_t(double(p.heads) * p.pattern.headFraction + 0.5);
    const uint64_t headsPerLayer = uint64_t(p.batch) * sparseHeads;

    json a;
    a["scenario"] = s.name;
    a["pattern"] = {{"kind", p.pattern.name()},
                    {"context", p.context},
                    {"window", p.pattern.window},
                    {"global_tokens", p.pattern.globalTokens},
                    {"random_blocks", p.pattern.randomBlocks},
                    {"block", p.pattern.blockSize},
                    {"causal", p.pattern.causal},
                    {"nnz", st.nnz},
                    {"density", st.densityFull},
                    {"max_keys_per_row", st.maxKeysPerRow},
                    {"mean_keys_per_row", st.meanKeysPerRow}};
    a["buffer_bytes"] = s.pe.sramBytes;
    a["head_dim"] = p.headDim;
    if (io.error != contract::Error::Ok) {
        a["error"] = std::string(contract::errorName(io.error)) + ": " + io.why;
        return a;
    }
    a["paper_tiles"] = {{"window_rows", io.paperWindowRows}, {"global_keys", io.paperGlobalKeys}};
    a["chosen"] = {
        {"rows", io.chosen.rows},
        {"ring_keys", io.chosen.ringKeys},
        {"spmm_passes", io.chosen.spmmPasses},
        {"global_keys", io.chosen.globalKeys},
        {"global_spmm", io.chosen.globalSpmm == fw::GlobalSpmmOrder::OutputStationary  ? "output-stationary"
                        : io.chosen.globalSpmm == fw::GlobalSpmmOrder::ValueStationary ? "value-stationary"
                                                                                       : "none"},
        {"buffer_bytes", io.chosen.bufferBytes}};
    a["schedules"] = {{"non_global_sddmm", scheduleJson(io.nonGlobalSddmm)},
                      {"softmax", scheduleJson(io.softmax)},
                      {"non_global_spmm", scheduleJson(io.nonGlobalSpmm)},
                      {"global_sddmm", scheduleJson(io.globalSddmm)},
                      {"global_spmm_output_stationary", scheduleJson(io.globalSpmmOutputStationary)},
                      {"global_spmm_value_stationary", scheduleJson(io.globalSpmmValueStationary)},
                      {"naive", scheduleJson(io.naive)}};
    a["per_head"] = {{"aware", ioJson(io.awareGroup)},
                     {"naive", ioJson(io.naiveGroup)},
                     {"busiest_bank_aware", ioJson(io.awareBank)},
                     {"naive_over_aware", io.naiveOverAware()}};
    // The kernel the firmware runs for this scenario (firmware/pim/prefill_kernel.h): its own
    // tiling and the closed-form bytes `pilot run` checks the PE counters against.
    const fw::PrefillKernelPlan kernel = fw::planPrefillKernel(platform::prefillKernelShape(s, false));
    const fw::PrefillKernelPlan kernelNaive = fw::planPrefillKernel(platform::prefillKernelShape(s, true));
    if (kernel.error == contract::Error::Ok && kernelNaive.error == contract::Error::Ok)
        a["kernel"] = {{"tile_rows", kernel.a},
                       {"batch_keys", kernel.b},
                       {"spmm_passes", kernel.p},
                       {"double_buffer", kernel.doubleBuffer},
                       {"buffer_bytes", kernel.bufferBytes},
                       {"per_head_bytes", platform::prefillGroupPredictedBytes(kernel)},
                       {"per_head_naive_bytes", platform::prefillGroupPredictedBytes(kernelNaive)}};
    else
        a["kernel"] = {
            {"error", std::string(contract::errorName(kernel.error)) + ": " + kernel.why + kernelNaive.why}};
    a["per_layer"] = {{"sparse_heads", headsPerLayer},
                      {"aware_internal_bytes", double(io.awareGroup.bytes()) * double(headsPerLayer)},
                      {"naive_internal_bytes", double(io.naiveGroup.bytes()) * double(headsPerLayer)}};
    return a;
}

std::string summarizeAnalysis(const json& a) {
    std::string out;
    char buf[512];
    const json& p = a["pattern"];
    std::snprintf(buf, sizeof buf,
                  "scenario        %s\npattern         %s, N %u, window %u, global %u, random blocks %u x "
                  "%u%s: %.4f dense, "
                  "%.1f keys per row on average\nbuffer          %u bytes, d = %u\n",
                  a["scenario"].get<std::string>().c_str(), p["kind"].get<std::string>().c_str(),
                  p["context"].get<unsigned>(), p["window"].get<unsigned>(),
                  p["global_tokens"].get<unsigned>(), p["random_blocks"].get<unsigned>(),
                  p["block"].get<unsigned>(), p["causal"].get<bool>() ? ", causal" : "",
                  p["density"].get<double>(), p["mean_keys_per_row"].get<double>(),
                  a["buffer_bytes"].get<unsigned>(), a["head_dim"].get<unsigned>());
    out += buf;
    if (a.contains("error"))
        return out + "error           " + a["error"].get<std::string>() + "\n";
    const json& c = a["chosen"];
    std::snprintf(buf, sizeof buf,
                  "tiling          non-global rows a = %u (paper %u), SpMM passes %u; global rows b = %u "
                  "(paper %u), SpMM %s\n",
                  c["rows"].get<unsigned>(), a["paper_tiles"]["window_rows"].get<unsigned>(),
                  c["spmm_passes"].get<unsigned>(), c["global_keys"].get<unsigned>(),
                  a["paper_tiles"]["global_keys"].get<unsigned>(),
                  c["global_spmm"].get<std::string>().c_str());
    out += buf;
    out +=
        "schedule (per head)            tiles        bank->buf        buf->bank             MACs  MACs/B\n";
    for (const auto& [name, sch] : a["schedules"].items()) {
        if (!sch["used"].get<bool>())
            continue;
        const json& g = sch["group"];
        std::snprintf(buf, sizeof buf, "  %-28s %7llu %16llu %16llu %16llu %7.3f\n", name.c_str(),
                      (unsigned long long)sch["tiles"].get<uint64_t>(),
                      (unsigned long long)g["bank_to_buffer_bytes"].get<uint64_t>(),
                      (unsigned long long)g["buffer_to_bank_bytes"].get<uint64_t>(),
                      (unsigned long long)g["macs"].get<uint64_t>(), g["macs_per_byte"].get<double>());
        out += buf;
    }
    const json& h = a["per_head"];
    std::snprintf(buf, sizeof buf,
                  "internal I/O    per head: I/O-aware %.3f MB, naive %.3f MB (%.2fx); per layer (%llu "
                  "sparse heads): %.3f GB vs %.3f GB\n",
                  h["aware"]["bytes"].get<double>() / 1e6, h["naive"]["bytes"].get<double>() / 1e6,
                  h["naive_over_aware"].get<double>(),
                  (unsigned long long)a["per_layer"]["sparse_heads"].get<uint64_t>(),
                  a["per_layer"]["aware_internal_bytes"].get<double>() / 1e9,
                  a["per_layer"]["naive_internal_bytes"].get<double>() / 1e9);
    out += buf;
    const json& k = a["kernel"];
    if (k.contains("error"))
        return out + "kernel          " + k["error"].get<std::string>() + "\n";
    std::snprintf(buf, sizeof buf,
                  "kernel          as the firmware runs it: a = %u rows x b = %u keys, %u SpMM pass(es)%s; "
                  "per head %.3f MB, naive %.3f MB (%.2fx)\n",
                  k["tile_rows"].get<unsigned>(), k["batch_keys"].get<unsigned>(),
                  k["spmm_passes"].get<unsigned>(), k["double_buffer"].get<bool>() ? ", double-buffered" : "",
                  k["per_head_bytes"].get<double>() / 1e6, k["per_head_naive_bytes"].get<double>() / 1e6,
                  k["per_head_naive_bytes"].get<double>() / k["per_head_bytes"].get<double>());
    return out + buf;
}

} // namespace pilot::tools
