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
#include "platform/end_to_end_capacity.h"
#include "platform/end_to_end_point.h"
#include "platform/end_to_end_systems.h"
#include "platform/prefill_runner.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"
#include "platform/shipped_defaults.h"
#include "tools/pilot/analyze.h"
#include "tools/pilot/child_process.h"
#include "tools/pilot/console.h"
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
    if (!s.simconfigFile.empty())
        in.push_back(s.simconfigFile);
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
                           const std::string& mcconfig, const std::string& simconfig, double clockGHz,
                           uint32_t maxOutstanding) {
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
    if (!simconfig.empty())
        doc["system"]["simconfig"] = abs(simconfig);
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

namespace {

// Everything the command line sets, and which subcommand it chose.
struct CliOptions {
    bool quiet = false, verbose = false;
    std::string scenarioPath, out, vcd, timeline;
    std::vector<std::string> sets;
    std::vector<double> traceWindow;
    platform::TimelineScope traceScope;
    std::string trace, memspec, mapping, mcconfig, simconfig;
    double clockGHz = 1.0;
    uint32_t maxOutstanding = 128;
    std::string analyzePath, analyzeOut, validatePath, validateMemspec, plotPath;
    CLI::App *run = nullptr, *replay = nullptr, *analyze = nullptr, *validate = nullptr, *plot = nullptr;
};

void addGlobalOptions(CLI::App& app, CliOptions& o) {
    app.require_subcommand(1);
    auto* quietFlag =
        app.add_flag("-q,--quiet", o.quiet, "print nothing but errors (results still go to --out)");
    app.add_flag("-v,--verbose", o.verbose,
                 "also print SystemC's info messages and each child process's command")
        ->excludes(quietFlag);
    app.footer(
        "Examples:\n"
        "  pilot run workloads/scenarios/default.json             the default job: GPU, AttAcc, PILOT\n"
        "  pilot run workloads/scenarios/decode-tiny.json --trace t.json && pilot plot t.json\n"
        "  pilot sweep workloads/sweeps/headline.json --out headline --jobs 2\n"
        "  pilot SUBCOMMAND --help                                 each subcommand's options and example");
}

void addRun(CLI::App& app, CliOptions& o) {
    auto* run = o.run = app.add_subcommand("run", "run a scenario and print its summary");
    run->footer("Example: pilot run workloads/scenarios/decode-tiny.json --out r.json --vcd w.vcd --set "
                "/workload/batch=8");
    run->add_option("scenario", o.scenarioPath, "scenario JSON")->required();
    run->add_option("--out", o.out, "write the results JSON here");
    run->add_option("--vcd", o.vcd, "write a GTKWave waveform here");
    run->add_option("--trace", o.timeline,
                    "write a Chrome/Perfetto trace-event timeline here (PIM workloads)");
    run->add_option("--set", o.sets, "override a scenario field: /json/pointer=value (repeatable)");
    run->add_option("--trace-window", o.traceWindow,
                    "timeline: only events in [FROM_NS, TO_NS] of simulated time")
        ->expected(2)
        ->delimiter(':');
    run->add_option("--trace-channels", o.traceScope.channels, "timeline: only these channels (e.g. 0,3)")
        ->delimiter(',');
}

void addReplay(CLI::App& app, CliOptions& o) {
    auto* replay = o.replay = app.add_subcommand("replay", "replay a DRAMSys text trace");
    replay->footer("Example: pilot replay workloads/traces/example.stl --memspec "
                   "workloads/memspecs/hbm3-5200.json --out r.json");
    replay->add_option("trace", o.trace, "trace file (.stl absolute, .rstl relative times)")->required();
    replay->add_option("--memspec", o.memspec,
                       "memspec (ours or DRAMSys); default in workloads/defaults/scenario.json");
    replay->add_option("--mapping", o.mapping, "address mapping (ours or DRAMSys)");
    replay->add_option("--clock-ghz", o.clockGHz, "trace clock (DRAMSys default: 1 GHz)");
    replay->add_option("--max-outstanding", o.maxOutstanding, "requests in flight at most");
    replay->add_option("--mcconfig", o.mcconfig,
                       "a DRAMSys controller configuration (mcconfig JSON) for the controller");
    replay->add_option("--simconfig", o.simconfig,
                       "a DRAMSys simulation configuration: its StoreMode (NoStorage: keep no data)");
    replay->add_option("--out", o.out, "write the results JSON here");
    replay->add_option("--vcd", o.vcd, "write a GTKWave waveform here");
    replay->add_option("--set", o.sets, "override a field of the replay scenario: /json/pointer=value");
}

void addAnalyzeValidatePlot(CLI::App& app, CliOptions& o) {
    o.analyze = app.add_subcommand("analyze", "I/O analysis of a prefill scenario's sparse attention");
    o.analyze->footer("Example: pilot analyze workloads/scenarios/prefill-bigbird.json --out analysis.json");
    o.analyze->add_option("scenario", o.analyzePath, "prefill scenario JSON")->required();
    o.analyze->add_option("--out", o.analyzeOut, "write the analysis JSON here");
    o.analyze->add_option("--set", o.sets, "override a scenario field: /json/pointer=value (repeatable)");

    o.validate =
        app.add_subcommand("validate", "check a configuration file of any kind (scenario, sweep, memspec, "
                                       "mapping, model, GPU, energy, mcconfig) without running");
    o.validate->footer("Example: pilot validate workloads/sweeps/headline.json");
    o.validate->add_option("file", o.validatePath, "file to check")->required();
    o.validate->add_option(
        "--memspec", o.validateMemspec,
        "memspec a mapping is checked against; default in workloads/defaults/scenario.json");

    o.plot =
        app.add_subcommand("plot", "draw a sweep's results folder (DIR/plots/*.png) or a --trace timeline");
    o.plot->footer(
        "Example: pilot plot headline    (a sweep folder: headline/plots/*.png; a timeline JSON: TRACE.png)");
    o.plot->add_option("path", o.plotPath, "sweep results folder, or timeline JSON")
        ->required()
        ->check(CLI::ExistingPath);
}

// `pilot run`: an end-to-end point, or one simulation with its waveform and timeline.
int runCommand(CliOptions& o) {
    if (o.traceWindow.size() == 2) {
        if (!(o.traceWindow[0] >= 0 && o.traceWindow[1] > o.traceWindow[0]))
            throw std::invalid_argument("--trace-window: FROM_NS:TO_NS with 0 <= FROM_NS < TO_NS");
        o.traceScope.fromNs = o.traceWindow[0];
        o.traceScope.toNs = o.traceWindow[1];
    }
    if (platform::isEndToEnd(common::readJsonFile(o.scenarioPath))) {
        platform::RunOptions opt;
        opt.vcdPath = o.vcd;
        opt.tracePath = o.timeline;
        opt.traceScope = o.traceScope;
        return tools::runEndToEnd(o.scenarioPath, o.sets, o.out, opt);
    }
    platform::Scenario s = platform::loadScenario(o.scenarioPath, o.sets);
    return runAndReport(s, o.out, o.vcd, o.timeline, o.traceScope, {});
}

int dispatch(CliOptions& o, const tools::SweepCommands& sweeps) {
    if (sweeps.selected())
        return sweeps.run();
    if (*o.run)
        return runCommand(o);
    if (*o.analyze)
        return analyzeAndReport(o.analyzePath, o.sets, o.analyzeOut);
    if (*o.plot)
        return tools::drawPlots(o.plotPath);
    if (*o.replay) {
        const json doc = replayScenario(o.trace, o.memspec, o.mapping, o.mcconfig, o.simconfig, o.clockGHz,
                                        o.maxOutstanding);
        const std::string defaultsDir = platform::workloadsDir() + "/defaults";
        return runAndReport(platform::parseScenario(doc, o.trace, defaultsDir, o.sets), o.out, o.vcd, "", {},
                            {o.mcconfig, o.simconfig});
    }
    if (*o.validate) {
        const std::string defaultMemspec = platform::shippedDefaults()["validate"]["memspec"];
        return tools::validateFile(o.validatePath, o.validateMemspec.empty()
                                                       ? platform::defaultsPath(defaultMemspec)
                                                       : o.validateMemspec);
    }
    return 0;
}

} // namespace

int sc_main(int argc, char* argv[]) {
    tools::endWithParent();
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);

    CLI::App app{"PILOT-VP: GPU + HBM3-PIM virtual platform"};
    CliOptions o;
    addGlobalOptions(app, o);
    addRun(app, o);
    addReplay(app, o);
    addAnalyzeValidatePlot(app, o);
    tools::SweepCommands sweeps(app); // `sweep` and `merge` (docs/sweeps.md)
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    tools::setVerbosity(o.quiet     ? tools::Verbosity::Quiet
                        : o.verbose ? tools::Verbosity::Verbose
                                    : tools::Verbosity::Normal);
    return guarded([&] { return dispatch(o, sweeps); });
}
