// SPDX-License-Identifier: MIT
#include "platform/scenario_runner.h"

#include <chrono>
#include <cstdio>
#include <sys/resource.h>

#include "models/common/run_ahead.h"
#include "models/traffic/traffic_generator.h"
#include "platform/hbm_system.h"
#include "platform/simulation.h"

namespace pilot::platform {

using nlohmann::json;

double peakRssMiB() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_maxrss) / 1024.0;
}

static json commandCounts(const std::array<uint64_t, hbm::kCommandCount>& c) {
    json j = json::object();
    for (size_t i = 0; i < hbm::kCommandCount; ++i)
        j[std::string(hbm::commandName(hbm::Command(i)))] = c[i];
    return j;
}

// Memory statistics of one or several controllers; `spanNs` is the time the bandwidth is over.
static json memoryJson(const std::vector<const hbm::ControllerStats*>& all, const hbm::Memspec& spec,
                       double spanNs) {
    hbm::ControllerStats t;
    for (const auto* s : all) {
        t.reads += s->reads;
        t.writes += s->writes;
        t.readBytes += s->readBytes;
        t.writeBytes += s->writeBytes;
        t.rowHits += s->rowHits;
        t.rowMisses += s->rowMisses;
        t.rowConflicts += s->rowConflicts;
        for (size_t i = 0; i < hbm::kCommandCount; ++i)
            t.commands[i] += s->commands[i];
        t.refreshes += s->refreshes;
        t.backPressureEvents += s->backPressureEvents;
        t.errors += s->errors;
        t.latency.merge(s->latency);
        t.hostStallCycles += s->hostStallCycles;
        t.pimStallCycles += s->pimStallCycles;
        t.ownerSwitches += s->ownerSwitches;
    }
    const double tck = spec.tCKns();
    const uint64_t bytes = t.readBytes + t.writeBytes;
    const uint64_t accesses = t.reads + t.writes;
    json j;
    j["bursts"] = accesses;
    j["reads"] = t.reads;
    j["writes"] = t.writes;
    j["bytes"] = bytes;
    j["bandwidth_GBps"] = spanNs > 0 ? double(bytes) / spanNs : 0.0;
    j["peak_bandwidth_GBps"] = spec.peakPcBandwidthGBps() * double(all.size());
    j["avg_latency_ns"] = t.latency.mean() * tck;
    j["p50_latency_ns"] = double(t.latency.percentile(0.50)) * tck;
    j["p99_latency_ns"] = double(t.latency.percentile(0.99)) * tck;
    j["max_latency_ns"] = double(t.latency.max()) * tck;
    j["row_hits"] = t.rowHits;
    j["row_misses"] = t.rowMisses;
    j["row_conflicts"] = t.rowConflicts;
    j["row_hit_rate"] = accesses ? double(t.rowHits) / double(accesses) : 0.0;
    j["commands"] = commandCounts(t.commands);
    j["refreshes"] = t.refreshes;
    j["back_pressure_events"] = t.backPressureEvents;
    j["error_responses"] = t.errors;
    // Host requests and micro-ops held back by each other (docs/host-pim-arbitration.md), summed
    // over the pseudo-channels.
    j["contention"] = {{"gpu_stall_ns", double(t.hostStallCycles) * tck},
                       {"pim_stall_ns", double(t.pimStallCycles) * tck},
                       {"owner_switches", t.ownerSwitches}};
    return j;
}

json memoryResults(const HbmSystem& system, const hbm::Memspec& spec, double spanNs) {
    std::vector<const hbm::ControllerStats*> all;
    uint64_t pimOps = 0, pimBankColumns = 0;
    for (const auto& pc : system.controllers()) {
        all.push_back(&pc->stats());
        pimOps += pc->stats().pimOps;
        pimBankColumns += pc->stats().pimBankColumns;
    }
    json mem = memoryJson(all, spec, spanNs);
    mem["requests"] = mem["bursts"];
    mem["pim_ops"] = pimOps;
    // Host traffic and PIM traffic apart: host requests cross the data bus; PIM column commands
    // move a column inside every participating bank and never use the bus.
    const json& cmds = mem["commands"];
    auto count = [&](const char* c) { return cmds.contains(c) ? cmds[c].get<uint64_t>() : uint64_t(0); };
    mem["host"] = {{"bursts", mem["bursts"]},
                   {"bytes", mem["bytes"]},
                   {"reads", mem["reads"]},
                   {"writes", mem["writes"]}};
    mem["pim"] = {{"micro_ops", pimOps},
                  {"all_bank_activations", count("ACTAB")},
                  {"all_bank_column_moves", count("MRD") + count("MWR")},
                  {"single_bank_column_moves", count("SMRD") + count("SMWR")},
                  {"bank_column_moves", pimBankColumns},
                  {"pe_ops", count("PEOP")}};
    const hbm::ProtocolChecker* chk = system.checker();
    mem["checker_violations"] = chk ? chk->violationCount() : 0;
    mem["protocol_checked"] = chk != nullptr;
    mem["data_stored"] = system.store().keepsData();
    json lines = json::array();
    if (chk)
        for (size_t i = 0; i < chk->violations().size() && i < 20; ++i)
            lines.push_back(chk->violations()[i].line());
    mem["checker_errors"] = lines;
    json per = json::array();
    for (const auto& pc : system.controllers()) {
        const auto& st = pc->stats();
        if (st.reads + st.writes + st.pimOps == 0)
            continue; // idle pseudo-channels: refresh only
        json p = memoryJson({&st}, spec, spanNs);
        p["pseudo_channel"] = pc->pcIndex();
        per.push_back(p);
    }
    mem["per_pseudo_channel"] = per;
    return mem;
}

std::unique_ptr<traffic::TrafficGenerator> makeTrafficGenerator(const Scenario& s) {
    const uint32_t burst = s.memspec.org.accessBytes;
    std::unique_ptr<traffic::RequestSource> source;
    if (s.traffic->type == TrafficConfig::Type::Trace)
        source = std::make_unique<traffic::TraceSource>(s.traffic->traceFile, s.traffic->clockGHz, burst,
                                                        s.mapping->capacity());
    else
        source = std::make_unique<traffic::SyntheticSource>(s.traffic->synthetic, *s.mapping);
    // A transaction at most as long as the block one pseudo-channel serves whole: it crosses the
    // router once, and the controller queues its bursts.
    return std::make_unique<traffic::TrafficGenerator>("traffic", std::move(source), burst,
                                                       s.traffic->maxOutstanding, s.mapping->pcBlockBytes());
}

json trafficResults(const Scenario& s, const traffic::GeneratorStats& gs) {
    const double spanNs = gs.firstSendPs == UINT64_MAX ? 0.0 : double(gs.lastReadyPs - gs.firstSendPs) * 1e-3;
    const auto& lat = gs.latencyPs;
    return {{"requests", gs.requests},
            {"reads", gs.reads},
            {"writes", gs.writes},
            {"bytes", gs.bytes},
            {"channels", s.traffic->channels},
            {"first_send_ns", gs.firstSendPs == UINT64_MAX ? 0.0 : double(gs.firstSendPs) * 1e-3},
            {"last_ready_ns", double(gs.lastReadyPs) * 1e-3},
            {"bandwidth_GBps", spanNs > 0 ? double(gs.bytes) / spanNs : 0.0},
            {"avg_latency_ns", lat.mean() * 1e-3},
            {"p50_latency_ns", double(lat.percentile(0.50)) * 1e-3},
            {"p99_latency_ns", double(lat.percentile(0.99)) * 1e-3},
            {"max_latency_ns", double(lat.max()) * 1e-3},
            {"errors", gs.errors},
            {"host_pim_arbitration", s.controller.hostPim.policy}};
}

json runScenario(const Scenario& s, const RunOptions& opt) {
    const auto wall0 = std::chrono::steady_clock::now();
    const hbm::Memspec& spec = s.memspec;
    HbmSystem system("hbm", spec, *s.mapping, s.controller, s.pseudoChannels, s.protocolCheck);
    system.store().keepData(s.storeData);

    std::unique_ptr<traffic::TrafficGenerator> genPtr = makeTrafficGenerator(s);
    traffic::TrafficGenerator& gen = *genPtr;
    gen.iSocket.bind(system.router().tSocket);
    // The generator stands for a GPU's many request streams: a channel without room holds back
    // its own requests only (interconnect/router.h).
    system.router().setChannelQueues(spec.org.pseudoChannels);

    VcdOutput vcd(opt.vcdPath);
    if (vcd.get())
        system.trace(vcd.get());
    // Here the generator is the only initiator and calls the channel on the non-blocking path
    // alone: the channel may decide ahead of the kernel (common/run_ahead.h), but not while a
    // waveform samples the signals at each kernel step.
    const common::RunAhead::Allowance runAhead(!vcd.get());

    // Simulate in slices so progress can be shown; stop at the last completion.
    const sc_core::sc_time slice(20, sc_core::SC_US);
    simulate(sc_core::SC_ZERO_TIME);
    while (!gen.done()) {
        simulate(slice);
        if (opt.onProgress) {
            Progress p;
            p.simTimeNs = sc_core::sc_time_stamp().to_seconds() * 1e9;
            p.share = gen.progress();
            p.requestsDone = gen.stats().completed;
            p.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
            opt.onProgress(p);
        }
    }
    const auto& gs = gen.stats();
    // Let the last responses' data land, then run the checker's end-of-run pass at that time.
    const sc_core::sc_time end = sc_core::sc_time::from_value(gs.lastReadyPs);
    if (end > sc_core::sc_time_stamp())
        simulate(end - sc_core::sc_time_stamp());
    system.finish();
    vcd.close();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();

    const double simNs = double(gs.lastReadyPs) * 1e-3;
    const double spanNs = gs.firstSendPs == UINT64_MAX ? 0.0 : double(gs.lastReadyPs - gs.firstSendPs) * 1e-3;
    json mem = memoryResults(system, spec, spanNs);
    mem["requests"] = gs.requests;
    mem["bytes"] = gs.bytes;
    mem["read_requests"] = gs.reads;
    mem["write_requests"] = gs.writes;
    mem["bandwidth_GBps"] = spanNs > 0 ? double(gs.bytes) / spanNs : 0.0;
    json checkerLines = mem["checker_errors"];
    mem.erase("checker_errors");

    json r;
    r["scenario"] = s.name;
    r["scenario_file"] = s.file;
    r["memspec"] = spec.name;
    r["sim_time_ns"] = simNs;
    r["wall_time_s"] = wall;
    mem["pseudo_channels"] = s.pseudoChannels;
    r["memory"] = mem;
    json errors = json::array();
    if (gs.errors)
        errors.push_back(std::to_string(gs.errors) + " transaction(s) failed; first: " + gs.firstError);
    for (const auto& l : checkerLines)
        errors.push_back(l);
    r["errors"] = errors;
    uint64_t commands = 0;
    for (size_t i = 0; i < hbm::kCommandCount; ++i)
        commands += mem["commands"][std::string(hbm::commandName(hbm::Command(i)))].get<uint64_t>();
    r["simulator"] = {{"commands", commands},
                      {"commands_per_wall_s", wall > 0 ? double(commands) / wall : 0.0},
                      {"requests_per_wall_s", wall > 0 ? double(gs.requests) / wall : 0.0},
                      {"peak_rss_MiB", peakRssMiB()}};
    return r;
}

static std::string summarizeKernels(const json& r) {
    std::string out;
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        "scenario        %s (%s, %s mode)\nsimulated       %.1f ns in %.3f s wall, peak memory %.1f MiB\n",
        r["scenario"].get<std::string>().c_str(), r["memspec"].get<std::string>().c_str(),
        r["mode"].get<std::string>().c_str(), r["sim_time_ns"].get<double>(), r["wall_time_s"].get<double>(),
        r["simulator"]["peak_rss_MiB"].get<double>());
    out += buf;
    const json& p = r["pim"];
    std::snprintf(
        buf, sizeof buf,
        "pim             %u stack(s), %u channels, %u banks; internal peak %.1f GB/s, external %.1f GB/s\n",
        p["stacks"].get<unsigned>(), p["channels"].get<unsigned>(), p["banks"].get<unsigned>(),
        p["internal_peak_GBps"].get<double>(), p["external_peak_GBps"].get<double>());
    out += buf;
    for (const auto& k : r["kernels"]) {
        if (k.contains("io")) { // prefill
            const json& io = k["io"];
            const json& t = k["tiling"];
            std::snprintf(
                buf, sizeof buf,
                "kernel          %s: %.1f ns (%u head(s) in %u round(s); tile %u rows x %u keys, %u "
                "pass(es))\n"
                "  bounds        internal %.1f ns, compute %.1f ns: %s binds (ratio %.3f)\n"
                "  internal I/O  %.3f MB measured, %.3f MB predicted (%+.2f%%), naive %.3f MB\n",
                k["name"].get<std::string>().c_str(), k["time_ns"].get<double>(),
                k["heads_total"].get<unsigned>(), k["rounds"].get<unsigned>(), t["tile_rows"].get<unsigned>(),
                t["batch_keys"].get<unsigned>(), t["spmm_passes"].get<unsigned>(),
                io["bound_internal_ns"].get<double>(), io["bound_compute_ns"].get<double>(),
                io["binding_bound"].get<std::string>().c_str(), io["bound_ratio"].get<double>(),
                io["measured_internal_bytes"].get<double>() / 1e6,
                io["predicted_internal_bytes"].get<double>() / 1e6,
                100.0 * io["prediction_error"].get<double>(),
                io["naive_internal_bytes"].is_null() ? 0.0 : io["naive_internal_bytes"].get<double>() / 1e6);
            out += buf;
        } else {
            const bool attacc = k.value("kernel", "pilot") == "attacc";
            std::snprintf(
                buf, sizeof buf,
                "kernel          %s: %.1f ns (%u round(s), %s %u keys, a head over %u bank group(s))\n"
                "  bounds        internal %.1f ns (ratio %.3f), external-bus %.1f ns (%.2fx faster than it)\n"
                "  internal I/O  %.3f MB moved bank<->buffer, busiest bank %.1f KB (planner: %.1f KB)\n",
                k["name"].get<std::string>().c_str(), k["time_ns"].get<double>(), k["rounds"].get<unsigned>(),
                attacc ? "softmax block" : "tile",
                k[attacc ? "softmax_block_keys" : "tile_keys"].get<unsigned>(), k.value("head_spread", 1u),
                k["bound_internal_ns"].get<double>(), k["bound_ratio"].get<double>(),
                k["bound_external_ns"].get<double>(), k["speedup_vs_external_bound"].get<double>(),
                k["internal_bytes"].get<double>() / 1e6, k["busiest_bank_bytes"].get<double>() / 1e3,
                k["predicted_bank_bytes"].get<double>() / 1e3);
            out += buf;
        }
        if (k.contains("check")) {
            std::snprintf(buf, sizeof buf, "  check         max |error| %.3g vs tolerance %.3g: %s\n",
                          k["check"]["max_abs_error"].get<double>(), k["check"]["tolerance"].get<double>(),
                          k["check"]["passed"].get<bool>() ? "passed" : "FAILED");
            out += buf;
        }
    }
    const json& m = r["memory"];
    if (r.contains("traffic")) {
        const json& t = r["traffic"];
        const json& c = m["contention"];
        std::snprintf(buf, sizeof buf,
                      "traffic         %llu requests beside the PIM: latency mean %.1f ns, p99 %.1f ns\n"
                      "contention      %s: host stall %.1f ns, PIM stall %.1f ns, %llu hand-overs\n",
                      (unsigned long long)t["requests"].get<uint64_t>(), t["avg_latency_ns"].get<double>(),
                      t["p99_latency_ns"].get<double>(), t["host_pim_arbitration"].get<std::string>().c_str(),
                      c["gpu_stall_ns"].get<double>(), c["pim_stall_ns"].get<double>(),
                      (unsigned long long)c["owner_switches"].get<uint64_t>());
        out += buf;
    }
    std::snprintf(buf, sizeof buf, "protocol        %llu checker violations over %llu PIM ops\n",
                  (unsigned long long)m["checker_violations"].get<uint64_t>(),
                  (unsigned long long)m["pim_ops"].get<uint64_t>());
    out += buf;
    for (const auto& e : r["errors"])
        out += "error           " + e.get<std::string>() + "\n";
    return out;
}

std::string summarize(const json& r) {
    if (r.contains("kernels"))
        return summarizeKernels(r);
    const json& m = r["memory"];
    char buf[2048];
    std::snprintf(buf, sizeof buf,
                  "scenario        %s (%s)\n"
                  "simulated       %.1f ns in %.3f s wall (%.2f M requests/s, %.2f M commands/s)\n"
                  "requests        %llu (%llu reads, %llu writes), %llu bytes over %u pseudo-channel(s)\n"
                  "bandwidth       %.2f GB/s of %.2f GB/s peak (%.1f%%)\n"
                  "latency         mean %.1f ns, p50 %.1f ns, p99 %.1f ns, max %.1f ns\n"
                  "rows            hit rate %.3f (%llu hits, %llu misses, %llu conflicts)\n"
                  "commands        ACT %llu  PRE %llu  PREA %llu  RD %llu  WR %llu  RDA %llu  WRA %llu  "
                  "REFAB %llu  REFPB %llu\n"
                  "protocol        %llu checker violations%s\n"
                  "peak memory     %.1f MiB\n",
                  r["scenario"].get<std::string>().c_str(), r["memspec"].get<std::string>().c_str(),
                  r["sim_time_ns"].get<double>(), r["wall_time_s"].get<double>(),
                  r["simulator"]["requests_per_wall_s"].get<double>() / 1e6,
                  r["simulator"]["commands_per_wall_s"].get<double>() / 1e6,
                  (unsigned long long)m["requests"].get<uint64_t>(),
                  (unsigned long long)m["read_requests"].get<uint64_t>(),
                  (unsigned long long)m["write_requests"].get<uint64_t>(),
                  (unsigned long long)m["bytes"].get<uint64_t>(), m["pseudo_channels"].get<unsigned>(),
                  m["bandwidth_GBps"].get<double>(), m["peak_bandwidth_GBps"].get<double>(),
                  100.0 * m["bandwidth_GBps"].get<double>() /
                      std::max(1e-9, m["peak_bandwidth_GBps"].get<double>()),
                  m["avg_latency_ns"].get<double>(), m["p50_latency_ns"].get<double>(),
                  m["p99_latency_ns"].get<double>(), m["max_latency_ns"].get<double>(),
                  m["row_hit_rate"].get<double>(), (unsigned long long)m["row_hits"].get<uint64_t>(),
                  (unsigned long long)m["row_misses"].get<uint64_t>(),
                  (unsigned long long)m["row_conflicts"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["ACT"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["PRE"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["PREA"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["RD"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["WR"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["RDA"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["WRA"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["REFAB"].get<uint64_t>(),
                  (unsigned long long)m["commands"]["REFPB"].get<uint64_t>(),
                  (unsigned long long)m["checker_violations"].get<uint64_t>(),
                  m["protocol_checked"].get<bool>() ? "" : " (checker off)",
                  r["simulator"]["peak_rss_MiB"].get<double>());
    std::string out = buf;
    for (const auto& e : r["errors"])
        out += "error           " + e.get<std::string>() + "\n";
    return out;
}

} // namespace pilot::platform
