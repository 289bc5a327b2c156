// SPDX-License-Identifier: MIT
// The `pilot` command line: run, replay, validate.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <systemc>

#include "models/common/json_reader.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/memspec.h"
#include "platform/decode_runner.h"
#include "platform/end_to_end_capacity.h"
#include "platform/end_to_end_point.h"
#include "platform/end_to_end_systems.h"
#include "platform/prefill_runner.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"
#include "platform/shipped_defaults.h"
#include "tools/pilot/analyze.h"
#include "tools/pilot/e2e.h"
#include "tools/pilot/progress.h"
#include "tools/pilot/sweep_run.h"

using namespace pilot;
using nlohmann::json;

namespace {

int runAndReport(const platform::Scenario& s, const std::string& out, const std::string& vcd,
                 const std::string& trace = "") {
    tools::ProgressLine progress;
    platform::RunOptions opt;
    opt.vcdPath = vcd;
    opt.tracePath = trace;
    opt.onProgress = [&](const platform::Progress& p) { progress.update(p); };
    json r = s.decode    ? platform::runDecode(s, opt)
             : s.prefill ? platform::runPrefill(s, opt)
                         : platform::runScenario(s, opt);
    progress.finish();
    std::cout << platform::summarize(r);
    for (const auto& e : r["errors"])
        std::cerr << "error: " << e.get<std::string>() << "\n";
    if (!out.empty()) {
        std::ofstream f(out);
        if (!f) {
            std::cerr << out << ": cannot write results\n";
            return 1;
        }
        f << r.dump(2) << "\n";
        std::cout << "results         " << out << "\n";
    }
    return r["errors"].empty() ? 0 : 1;
}

// What kind of file is this? Memspec, address mapping or scenario, by its keys.
int validateFile(const std::string& path, const std::string& memspecPath) {
    json doc = common::readJsonFile(path);
    if (doc.is_object() && (doc.contains("memspec") || doc.contains("organisation"))) {
        hbm::Memspec m = hbm::loadMemspec(path);
        std::cout << path << ": valid memspec \"" << m.name << "\" (" << m.org.pcsPerStack()
                  << " pseudo-channels x " << m.org.banksPerPc() << " banks, " << m.peakPcBandwidthGBps()
                  << " GB/s per pseudo-channel)\n";
        return 0;
    }
    if (doc.is_object() && (doc.contains("bits") || doc.contains("addressmapping"))) {
        hbm::Memspec m = hbm::loadMemspec(memspecPath);
        hbm::AddressMapping map = hbm::loadAddressMapping(path, m, 1);
        std::cout << path << ": valid address mapping for " << m.name << " (" << map.capacity()
                  << " bytes per stack)\n";
        return 0;
    }
    if (platform::isEndToEnd(doc)) {
        const platform::EndToEndPoint p = platform::loadEndToEndPoint(path);
        std::cout << path << ": valid end-to-end scenario " << platform::describeEndToEnd(p) << "\n";
        for (const platform::EndToEndSystem* s : p.systems) {
            const platform::SystemCapacity c = platform::systemCapacity(p, *s);
            std::cout << "  capacity " << s->name << ": needs " << uint64_t(c.required)
                      << " B, the memory holds " << uint64_t(c.available) << " B"
                      << (c.fits ? "" : " (overcommitted)") << "\n";
        }
        std::cout << "  largest batch that fits: " << platform::largestFittingBatch(p) << "\n";
        return 0;
    }
    platform::Scenario s = platform::loadScenario(path);
    std::cout << path << ": valid scenario \"" << s.name << "\" (" << s.pseudoChannels
              << " pseudo-channel(s) of " << s.memspec.name << ")\n";
    return 0;
}

} // namespace

// `pilot analyze`: the I/O analysis of a prefill scenario, printed and optionally written.
static int analyzeAndReport(const std::string& path, const std::vector<std::string>& sets,
                            const std::string& out) {
    const json a = tools::analyzeScenario(platform::loadScenario(path, sets));
    std::cout << tools::summarizeAnalysis(a);
    if (!out.empty()) {
        std::ofstream f(out);
        if (!f) {
            std::cerr << out << ": cannot write the analysis\n";
            return 1;
        }
        f << a.dump(2) << "\n";
    }
    return a.contains("error") ? 1 : 0;
}

// `pilot replay`: the scenario a trace replay runs (files made absolute; defaults from
// workloads/defaults/scenario.json -> replay).
static json replayScenario(const std::string& trace, const std::string& memspec, const std::string& mapping,
                           const std::string& mcconfig, double clockGHz, uint32_t maxOutstanding) {
    const json& defaults = platform::shippedDefaults()["replay"];
    auto abs = [&](const std::string& p) { return std::filesystem::absolute(p).string(); };
    json doc = {{"name", "replay " + std::filesystem::path(trace).filename().string()},
                {"system",
                 {{"memspec", memspec.empty() ? defaults["memspec"].get<std::string>() : abs(memspec)},
                  {"mapping", mapping.empty() ? defaults["mapping"].get<std::string>() : abs(mapping)}}},
                {"traffic",
                 {{"type", "trace"},
                  {"file", abs(trace)},
                  {"clock_ghz", clockGHz},
                  {"max_outstanding", maxOutstanding}}}};
    if (!mcconfig.empty())
        doc["controller"] = {{"mcconfig", abs(mcconfig)}};
    return doc;
}

int sc_main(int argc, char* argv[]) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0); // keep stdout for results
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);

    CLI::App app{"PILOT-VP: GPU + HBM3-PIM virtual platform"};
    app.require_subcommand(1);

    std::string scenarioPath, out, vcd, timeline;
    std::vector<std::string> sets;
    auto* run = app.add_subcommand("run", "run a scenario and print its summary");
    run->add_option("scenario", scenarioPath, "scenario JSON")->required();
    run->add_option("--out", out, "write the results JSON here");
    run->add_option("--vcd", vcd, "write a GTKWave waveform here");
    run->add_option("--trace", timeline, "write a Chrome/Perfetto trace-event timeline here (PIM workloads)");
    run->add_option("--set", sets, "override a scenario field: /json/pointer=value (repeatable)");

    std::string trace, memspec, mapping, mcconfig;
    double clockGHz = 1.0;
    uint32_t maxOutstanding = 128;
    auto* replay = app.add_subcommand("replay", "replay a DRAMSys text trace");
    replay->add_option("trace", trace, "trace file (.stl absolute, .rstl relative times)")->required();
    replay->add_option("--memspec", memspec,
                       "memspec (ours or DRAMSys); default in workloads/defaults/scenario.json");
    replay->add_option("--mapping", mapping, "address mapping (ours or DRAMSys)");
    replay->add_option("--clock-ghz", clockGHz, "trace clock (DRAMSys default: 1 GHz)");
    replay->add_option("--max-outstanding", maxOutstanding, "requests in flight at most");
    replay->add_option("--mcconfig", mcconfig,
                       "a DRAMSys controller configuration (mcconfig JSON) for the controller");
    replay->add_option("--out", out, "write the results JSON here");
    replay->add_option("--vcd", vcd, "write a GTKWave waveform here");
    replay->add_option("--set", sets, "override a field of the replay scenario: /json/pointer=value");

    std::string analyzePath, analyzeOut;
    auto* analyze = app.add_subcommand("analyze", "I/O analysis of a prefill scenario's sparse attention");
    analyze->add_option("scenario", analyzePath, "prefill scenario JSON")->required();
    analyze->add_option("--out", analyzeOut, "write the analysis JSON here");
    analyze->add_option("--set", sets, "override a scenario field: /json/pointer=value (repeatable)");

    std::string validatePath, validateMemspec;
    auto* validate = app.add_subcommand("validate", "check a scenario, memspec or mapping without running");
    validate->add_option("file", validatePath, "file to check")->required();
    validate->add_option("--memspec", validateMemspec,
                         "memspec a mapping is checked against; default in workloads/defaults/scenario.json");
    tools::SweepCommands sweeps(app); // `sweep` and `merge` (docs/sweeps.md)

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    try {
        const std::string defaultsDir = platform::workloadsDir() + "/defaults";
        if (sweeps.selected())
            return sweeps.run();
        if (*run) {
            if (platform::isEndToEnd(common::readJsonFile(scenarioPath)))
                return tools::runEndToEnd(scenarioPath, sets, out);
            platform::Scenario s = platform::loadScenario(scenarioPath, sets);
            return runAndReport(s, out, vcd, timeline);
        }
        if (*analyze)
            return analyzeAndReport(analyzePath, sets, analyzeOut);
        if (*replay) {
            const json doc = replayScenario(trace, memspec, mapping, mcconfig, clockGHz, maxOutstanding);
            return runAndReport(platform::parseScenario(doc, trace, defaultsDir, sets), out, vcd);
        }
        if (*validate) {
            const std::string defaultMemspec = platform::shippedDefaults()["validate"]["memspec"];
            return validateFile(validatePath, validateMemspec.empty() ? platform::defaultsPath(defaultMemspec)
                                                                      : validateMemspec);
        }
    } catch (const common::ConfigError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
