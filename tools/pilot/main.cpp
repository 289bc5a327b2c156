// SPDX-License-Identifier: MIT
// The `pilot` command line: run, replay, validate.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>
#include <systemc>

#include "models/common/json_file.h"
#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/memspec.h"
#include "platform/decode_runner.h"
#include "platform/end_to_end_point.h"
#include "platform/prefill_runner.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"
#include "platform/shipped_defaults.h"
#include "tools/pilot/analyze.h"
#include "tools/pilot/child_process.h"
#include "tools/pilot/e2e.h"
#include "tools/pilot/plots.h"
#include "tools/pilot/progress.h"
#include "tools/pilot/sweep_run.h"
#include "tools/pilot/validate.h"

using namespace pilot;
using nlohmann::json;

namespace {

// The files a scenario reads: none of them may be an output of its run.
std::vector<std::string> scenarioInputs(const platform::Scenario& s) {
    std::vector<std::string> in = {s.file, s.memspecFile, s.mappingFile};
    if (s.traffic && !s.traffic->traceFile.empty())
        in.push_back(s.traffic->traceFile);
    return in;
}

int runAndReport(const platform::Scenario& s, const std::string& out, const std::string& vcd,
                 const std::string& trace, const platform::TimelineScope& scope,
                 std::vector<std::string> inputs) {
    // Checked before the run, so that a long run never ends in a lost result.
    const std::vector<std::string> own = scenarioInputs(s);
    inputs.insert(inputs.end(), own.begin(), own.end());
    common::checkOutputPaths({{"--out", out}, {"--vcd", vcd}, {"--trace", trace}}, inputs);
    tools::ProgressLine progress;
    platform::RunOptions opt;
    opt.vcdPath = vcd;
    opt.tracePath = trace;
    opt.traceScope = scope;
    opt.onProgress = [&](const platform::Progress& p) { progress.update(p); };
    json r = s.decode    ? platform::runDecode(s, opt)
             : s.prefill ? platform::runPrefill(s, opt)
                         : platform::runScenario(s, opt);
    progress.finish();
    std::cout << platform::summarize(r);
    for (const auto& e : r["errors"])
        std::cerr << "error: " << e.get<std::string>() << "\n";
    if (!out.empty()) {
        common::writeTextFile(out, r.dump(2) + "\n");
        std::cout << "results         " << out << "\n";
    }
    return r["errors"].empty() ? 0 : 1;
}

} // namespace

// `pilot analyze`: the I/O analysis of a prefill scenario, printed and optionally written.
static int analyzeAndReport(const std::string& path, const std::vector<std::string>& sets,
                            const std::string& out) {
    const platform::Scenario s = platform::loadScenario(path, sets);
    common::checkOutputPaths({{"--out", out}}, scenarioInputs(s));
    const json a = tools::analyzeScenario(s);
    std::cout << tools::summarizeAnalysis(a);
    if (!out.empty())
        common::writeTextFile(out, a.dump(2) + "\n");
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

// Runs a subcommand: bad input, a failed write and any other error become one line per problem
// on stderr and exit status 2.
static int guarded(const std::function<int()>& body) {
    try {
        const int rc = body();
        // The summary on stdout is a result too (the only one without --out): a write that
        // failed (stdout on a full disk) fails the command.
        if (!(std::cout << std::flush) || std::fflush(stdout) != 0 || std::ferror(stdout))
            throw common::FileError("stdout: cannot write the summary");
        return rc;
    } catch (const common::ConfigError& e) {
        std::cerr << e.what() << "\n";
    } catch (const common::FileError& e) {
        std::cerr << e.what() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "error: " << common::plainReason(e.what()) << "\n";
    }
    return 2;
}

int sc_main(int argc, char* argv[]) {
    tools::endWithParent();
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
    std::vector<double> traceWindow;
    platform::TimelineScope traceScope;
    run->add_option("--trace-window", traceWindow,
                    "timeline: only events in [FROM_NS, TO_NS] of simulated time")
        ->expected(2)
        ->delimiter(':');
    run->add_option("--trace-channels", traceScope.channels, "timeline: only these channels (e.g. 0,3)")
        ->delimiter(',');

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
    auto* validate =
        app.add_subcommand("validate", "check a configuration file of any kind (scenario, sweep, memspec, "
                                       "mapping, model, GPU, energy, mcconfig) without running");
    validate->add_option("file", validatePath, "file to check")->required();
    validate->add_option("--memspec", validateMemspec,
                         "memspec a mapping is checked against; default in workloads/defaults/scenario.json");
    tools::SweepCommands sweeps(app); // `sweep` and `merge` (docs/sweeps.md)

    std::string plotPath;
    auto* plot =
        app.add_subcommand("plot", "draw a sweep's results folder (DIR/plots/*.png) or a --trace timeline");
    plot->add_option("path", plotPath, "sweep results folder, or timeline JSON")
        ->required()
        ->check(CLI::ExistingPath);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }

    auto dispatch = [&]() -> int {
        const std::string defaultsDir = platform::workloadsDir() + "/defaults";
        if (sweeps.selected())
            return sweeps.run();
        if (*run) {
            if (platform::isEndToEnd(common::readJsonFile(scenarioPath))) {
                if (!vcd.empty() || !timeline.empty())
                    throw common::FileError(scenarioPath + ": --vcd and --trace record one simulation; an "
                                                           "end-to-end run is many (each sub-simulation "
                                                           "can be run alone from <out>.parts/)");
                return tools::runEndToEnd(scenarioPath, sets, out);
            }
            platform::Scenario s = platform::loadScenario(scenarioPath, sets);
            if (traceWindow.size() == 2) {
                if (!(traceWindow[0] >= 0 && traceWindow[1] > traceWindow[0]))
                    throw std::invalid_argument("--trace-window: FROM_NS:TO_NS with 0 <= FROM_NS < TO_NS");
                traceScope.fromNs = traceWindow[0];
                traceScope.toNs = traceWindow[1];
            }
            return runAndReport(s, out, vcd, timeline, traceScope, {});
        }
        if (*analyze)
            return analyzeAndReport(analyzePath, sets, analyzeOut);
        if (*plot)
            return tools::drawPlots(plotPath);
        if (*replay) {
            const json doc = replayScenario(trace, memspec, mapping, mcconfig, clockGHz, maxOutstanding);
            return runAndReport(platform::parseScenario(doc, trace, defaultsDir, sets), out, vcd, "", {},
                                {mcconfig});
        }
        if (*validate) {
            const std::string defaultMemspec = platform::shippedDefaults()["validate"]["memspec"];
            return tools::validateFile(validatePath, validateMemspec.empty()
                                                         ? platform::defaultsPath(defaultMemspec)
                                                         : validateMemspec);
        }
        return 0;
    };
    return guarded(dispatch);
}
