// SPDX-License-Identifier: MIT
#include "platform/pim_run.h"

#include <fstream>
#include <random>
#include <stdexcept>

#include "models/common/output_file.h"
#include "models/pim/fp16.h"
#include "platform/simulation.h"
#include "platform/timeline.h"

namespace pilot::platform {

using nlohmann::json;

ChannelReplication channelReplication(const Scenario& s, bool replicate) {
    const uint32_t pcsPerChannel = s.memspec.org.pseudoChannels;
    if (!replicate)
        return {s.pseudoChannels, 1};
    return {pcsPerChannel, s.pseudoChannels / pcsPerChannel};
}

PimWorkloadRun::PimWorkloadRun(const Scenario& s, bool replicateChannels)
    : rep(channelReplication(s, replicateChannels)), sys("system", s, rep.simPcs),
      geo(pimGeometry(s.memspec, sys.channels())), runtime(sys.hostBus(), geo), m_s(s),
      m_wall0(std::chrono::steady_clock::now()) {
    if (s.traffic) {
        traffic = makeTrafficGenerator(s);
        traffic->iSocket.bind(sys.hbm().router().tSocket);
    }
    const PimRunOptions& o = s.decode ? static_cast<const PimRunOptions&>(*s.decode) : *s.prefill;
    if (o.fastForward)
        sys.enableFastForward([this] { return !traffic; }); // traffic beside: never alone
}

double PimWorkloadRun::simulate(const RunOptions& opt, const char* what) {
    if (opt.beforePimRunForTest)
        opt.beforePimRunForTest(sys);
    simulateHostProgram(sys, m_s.memspec, opt, what, m_wall0, traffic.get());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_wall0).count();
}

json PimWorkloadRun::results(const char* timeKey, double timeNs, json kernels, double busyNs, double wall,
                             std::vector<std::string>& errors) {
    json r;
    r["scenario"] = m_s.name;
    r["scenario_file"] = m_s.file;
    r["memspec"] = m_s.memspec.name;
    r["sim_time_ns"] = sc_core::sc_time_stamp().to_seconds() * 1e9;
    r["wall_time_s"] = wall;
    r["mode"] = (m_s.decode ? m_s.decode->functional : m_s.prefill->functional) ? "functional" : "timing";
    r[timeKey] = timeNs;
    r["replicated_channels"] = rep.scaleBy;
    r["kernels"] = std::move(kernels);
    if (traffic) {
        const auto& gs = traffic->stats();
        r["traffic"] = trafficResults(m_s, gs);
        if (gs.errors)
            errors.push_back("traffic: " + std::to_string(gs.errors) +
                             " transaction(s) failed; first: " + gs.firstError);
    }
    addSystemSections(r, m_s, sys, runtime.externalBytes(), busyNs, rep.simPcs, wall, errors);
    return r;
}

void simulateHostProgram(PimSystem& sys, const hbm::Memspec& spec, const RunOptions& opt, const char* what,
                         std::chrono::steady_clock::time_point wall0,
                         const traffic::TrafficGenerator* traffic) {
    VcdOutput vcd(opt.vcdPath);
    if (vcd.get())
        sys.trace(vcd.get());
    std::unique_ptr<TimelineRecorder> timeline;
    if (!opt.tracePath.empty())
        timeline = std::make_unique<TimelineRecorder>(sys, spec, opt.traceScope);
    platform::simulate(sc_core::SC_ZERO_TIME);
    while (!sys.host().finished() || (traffic && !traffic->done())) {
        if (!sc_core::sc_pending_activity())
            throw std::runtime_error(std::string(what) + " run deadlocked at " +
                                     sc_core::sc_time_stamp().to_string());
        platform::simulate(sc_core::sc_time(50, sc_core::SC_US));
        if (opt.onProgress) {
            Progress p;
            p.simTimeNs = sc_core::sc_time_stamp().to_seconds() * 1e9;
            p.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
            opt.onProgress(p);
        }
    }
    sys.hbm().finish();
    vcd.close();
    if (timeline) {
        if (opt.extraTimelineEvents)
            timeline->addEvents(opt.extraTimelineEvents());
        timeline->write(opt.tracePath);
    }
}

std::vector<uint16_t> randomHalfs(uint64_t seed, uint64_t stream, size_t n) {
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull + stream);
    std::vector<uint16_t> v(n);
    for (auto& x : v)
        x = pim::floatToHalf(float(double(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0));
    return v;
}

std::vector<float> toFloats(const std::vector<uint16_t>& h, size_t begin, size_t n) {
    std::vector<float> f(n);
    for (size_t i = 0; i < n; ++i)
        f[i] = pim::halfToFloat(h[begin + i]);
    return f;
}

json simulatorResults(const json& memory, const pim::FastForwardStats& ff, double wall,
                      const pim::FastForwardStats& placement) {
    uint64_t commands = 0;
    for (const auto& [key, v] : memory["commands"].items())
        commands += v.get<uint64_t>();
    commands -= ff.commands + placement.commands;
    return {{"commands", commands},
            {"commands_per_wall_s", wall > 0 ? double(commands) / wall : 0.0},
            {"peak_rss_MiB", peakRssMiB()},
            {"fast_forward",
             {{"stretches", ff.stretches},
              {"stretches_skipped", ff.skips},
              {"growing_stretches_skipped", ff.growingSkips},
              {"periods_skipped", ff.periods},
              {"micro_ops_skipped", ff.microOps},
              {"commands_skipped", ff.commands},
              {"time_skipped_ns", double(ff.ps) * 1e-3},
              {"placements_skipped", placement.skips},
              {"placement_periods_skipped", placement.periods},
              {"placement_commands_skipped", placement.commands},
              {"placement_time_skipped_ns", double(placement.ps) * 1e-3}}}};
}

void addSystemSections(json& r, const Scenario& s, PimSystem& sys, uint64_t hostExternalBytes, double busyNs,
                       uint32_t simPcs, double wall, std::vector<std::string>& errors) {
    const auto& org = s.memspec.org;
    const double columnNs = s.memspec.t.CCDL * s.memspec.tCKns(); // one column per bank per tCCD_L
    const uint32_t banks = s.pseudoChannels * org.banksPerPc();
    r["pim"] = {{"stacks", s.stacks},
                {"channels", s.pseudoChannels / org.pseudoChannels},
                {"banks", banks},
                {"internal_peak_GBps", double(banks) * org.accessBytes / columnNs},
                {"external_peak_GBps", s.memspec.peakPcBandwidthGBps() * s.pseudoChannels},
                {"sram_bytes", s.pe.sramBytes},
                {"pe_mhz", s.pe.clockMHz}};
    json mem = memoryResults(sys.hbm(), s.memspec, busyNs);
    mem["simulated_pseudo_channels"] = simPcs;
    mem["host_external_bytes"] = hostExternalBytes;
    for (const auto& e : mem["checker_errors"])
        errors.push_back(e.get<std::string>());
    mem.erase("checker_errors");
    r["memory"] = mem;
    r["errors"] = errors;
    r["simulator"] = simulatorResults(mem, sys.fastForwardStats(), wall, sys.placementFastForwardStats());
}

} // namespace pilot::platform
