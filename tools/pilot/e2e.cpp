// SPDX-License-Identifier: MIT
#include "tools/pilot/e2e.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <unistd.h>

#include "models/common/json_reader.h"
#include "platform/end_to_end.h"
#include "tools/pilot/child_process.h"

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
        std::ofstream(base + ".scenario.json") << s.doc.dump(2) << "\n";
        cmds.push_back({{self, "run", base + ".scenario.json", "--out", base + ".json"}, base + ".log"});
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

int runEndToEnd(const std::string& path, const std::vector<std::string>& sets, const std::string& out) {
    const platform::EndToEndPoint p = platform::loadEndToEndPoint(path, sets);
    const std::string partsDir =
        out.empty() ? (fs::temp_directory_path() / ("pilot-e2e-" + std::to_string(::getpid()))).string()
                    : out + ".parts";
    const platform::EndToEndRun run = platform::runEndToEnd(p, partsDir, runAsChildProcesses);
    std::cout << platform::summarizeEndToEnd(p, run) << std::flush;
    if (!out.empty()) {
        std::ofstream f(out);
        if (!f) {
            std::cerr << out << ": cannot write results\n";
            return 1;
        }
        f << run.results.dump(2) << "\n";
        std::cout << "results         " << out << "\n";
    } else {
        fs::remove_all(partsDir);
    }
    return 0;
}

} // namespace pilot::tools
