// SPDX-License-Identifier: MIT
// checkSubSimulations (platform/end_to_end.h): an end-to-end point's sub-simulations parsed as
// their `pilot run` will parse them, before anything runs.
#include <atomic>
#include <filesystem>
#include <set>
#include <tuple>
#include <unistd.h>

#include "models/common/config_error.h"
#include "platform/end_to_end.h"
#include "platform/scenario.h"

namespace pilot::platform {

namespace fs = std::filesystem;

namespace {

// A folder for the derived memspecs a plan writes, removed when done.
struct ScratchDir {
    std::string path;
    ScratchDir() {
        static std::atomic<unsigned> n{0};
        path = (fs::temp_directory_path() /
                ("pilot-check-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
                   .string();
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

} // namespace

void checkSubSimulations(const EndToEndPoint& p) {
    ScratchDir scratch;
    SubSimulationPlan plan(p, sampledContexts(p), scratch.path);
    planSubSimulations(plan);
    std::vector<common::ConfigIssue> issues;
    std::set<std::tuple<std::string, std::string, std::string>> seen; // the same problem, once
    for (const SubSimulation& sub : plan.subs()) {
        try {
            (void)parseScenario(sub.doc, p.file, scratch.path, {});
        } catch (const common::ConfigError& e) {
            for (common::ConfigIssue i : e.issues()) {
                // A memspec derived into the scratch folder is the point's, patched.
                if (i.file.rfind(scratch.path, 0) == 0)
                    i.file = p.memspec + " (as derived for " + sub.key + ")";
                if (!seen.insert({i.file, i.pointer, i.reason}).second)
                    continue;
                if (i.file == p.file)
                    i.reason += " (in sub-simulation " + sub.key + ")";
                issues.push_back(std::move(i));
            }
        }
    }
    if (!issues.empty())
        throw common::ConfigError(std::move(issues));
}

} // namespace pilot::platform
