// SPDX-License-Identifier: MIT
#include "tools/pilot/e2e.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <unistd.h>

#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "platform/end_to_end.h"
#include "tools/pilot/child_process.h"
#include "tools/pilot/console.h"

namespace pilot::tools {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Each sub-simulation as `pilot run <dir>/<key>.scenario.json --out <dir>/<key>.json`, its
// output in <key>.log.
std::vector<json> runAsChildProcesses(const std::vector<platform::SubSimulation>& subs,
                                      const std::string& dir) {
    fs::create_directories(dir);
    const std::string self = selfExecutable();
    std::vector<std::pair<std::vector<std::string>, std::string>> cmds;
    for (const platform::SubSimulation& s : subs) {
        const std::string base = dir + "/" + s.key;
        common::writeTextFile(base + ".scenario.json", s.doc.dump(2) + "\n");
        cmds.push_back({{self, "run", base + ".scenario.json", "--out", base + ".json"}, base + ".log"});
        noteCommand("sub-simulation " + s.key + " (log " + base + ".log)", cmds.back().first);
    }
    // PILOT_SUB_JOBS caps the parallel sub-simulations (`pilot sweep` sets 1: its points are
    // the parallel unit); unset: one per hardware thread.
    const char* jobs = std::getenv("PILOT_SUB_JOBS");
    const std::vector<int> status = runAll(cmds, jobs ? unsigned(std::strtoul(jobs, nullptr, 10)) : 0);
    std::vector<json> results;
    for (size_t i = 0; i < subs.size(); ++i) {
        const std::string base = dir + "/" + subs[i].key;
        if (status[i] != 0 || !fs::exists(base + ".json"))
            throw std::runtime_error("sub-simulation " + subs[i].key + " failed (exit " +
                                     std::to_string(status[i]) + "); see " + base + ".log");
        results.push_back(common::readJsonFile(base + ".json"));
    }
    return results;
}

} // namespace

int runEndToEnd(const std::string& path, const std::vector<std::string>& sets, const std::string& out,
                const platform::RunOptions& opt) {
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(path, sets);
    if ((!opt.vcdPath.empty() || !opt.tracePath.empty()) && !(p.mode == "cosim" && p.systems.size() == 1))
        throw common::FileError(path +
                                ": --vcd and --trace record one simulation: a co-simulated point of one "
                                "system (--set '/workload/systems=[\"pilot\"]'); other end-to-end runs "
                                "are many (each can be run alone from <out>.parts/)");
    // The parts are kept next to a results file; an output that is not a file (a pipe, a
    // device) or none at all gets a temporary folder, removed however the run ends. Absolute:
    // the sub-scenarios name files in this folder and are read from it, so a relative folder
    // would be resolved twice (<out>.parts/<out>.parts/...).
    std::error_code ec;
    const bool keepParts = !out.empty() && (!fs::exists(out, ec) || fs::is_regular_file(out, ec));
    const std::string partsDir =
        keepParts ? fs::absolute(out + ".parts").lexically_normal().string()
                  : (fs::temp_directory_path() / ("pilot-e2e-" + std::to_string(::getpid()))).string();
    struct TempParts {
        std::string dir;
        ~TempParts() {
            std::error_code e;
            if (!dir.empty())
                fs::remove_all(dir, e);
        }
    } tempParts{keepParts ? "" : partsDir};
    std::vector<std::string> inputs = p.inputFiles;
    inputs.push_back(path);
    common::checkOutputPaths({{"--out", out},
                              {"--out (its sub-simulations)", keepParts ? partsDir : "", true},
                              {"--vcd", opt.vcdPath},
                              {"--trace", opt.tracePath}},
                             inputs);
    // A stop signal stops the sub-simulations with this run (they would otherwise go on writing
    // into the parts folder) and ends it without results.
    catchStopSignals();
    auto interrupted = [&](int sig) {
        std::cerr << path << ": interrupted by signal " << sig << " (" << strsignal(sig)
                  << "); no results written\n";
        return exitStatusForSignal(sig);
    };
    platform::EndToEndRun run;
    try {
        run = platform::runEndToEnd(p, partsDir, runAsChildProcesses, opt);
    } catch (const Interrupted& i) {
        return interrupted(i.signal);
    }
    if (const int sig = stopSignal())
        return interrupted(sig);
    std::cout << platform::summarizeEndToEnd(p, run) << std::flush;
    if (!out.empty()) {
        common::writeTextFile(out, run.results.dump(2) + "\n");
        std::cout << "results         " << out << "\n";
    }
    return 0;
}

} // namespace pilot::tools
