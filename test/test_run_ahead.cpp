// SPDX-License-Identifier: MIT
// The channel deciding ahead of the SystemC kernel (models/common/run_ahead.h) must change no
// result: the same scenario runs with a waveform (which keeps the channel in step with the
// kernel) and without (which lets it run ahead), and every simulated figure must agree, while
// the run without a waveform did decide ahead.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "models/common/run_ahead.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

using namespace pilot;
using nlohmann::json;

namespace {

// The results without what depends on the host (wall time, speed, memory).
json simulated(json r) {
    for (const char* k : {"wall_time_s", "peak_rss_MiB", "simulator", "scenario_file", "decisions_ahead"})
        r.erase(k);
    json& m = r["memory"];
    for (auto it = m.begin(); it != m.end();)
        it = it.key().find("wall") != std::string::npos ? m.erase(it) : std::next(it);
    return r;
}

struct Runs {
    json inStep, ahead;
    uint64_t decisionsInStep = 0, decisionsAhead = 0;
};

// SystemC elaborates once per process: each run goes to a child process, which writes its
// results (and how many decisions the channel made ahead) to a file.
json runInChild(const platform::Scenario& s, bool withVcd) {
    const std::string base = "/tmp/pilot-run-ahead-test-" + std::to_string(::getpid());
    const std::string out = base + ".json", vcd = base + ".vcd";
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int rc = 1;
        try {
            platform::RunOptions opt;
            if (withVcd)
                opt.vcdPath = vcd;
            json r = platform::runScenario(s, opt);
            r["decisions_ahead"] = common::RunAhead::decisionsAhead();
            std::ofstream(out) << r.dump();
            rc = 0;
        } catch (...) {
        }
        ::_exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    std::ifstream in(out);
    const json r = json::parse(in);
    std::remove(out.c_str());
    std::remove(vcd.c_str());
    return r;
}

Runs runBoth(const std::string& file, const std::vector<std::string>& sets) {
    const platform::Scenario s =
        platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/" + file, sets);
    Runs out;
    json r = runInChild(s, true);
    out.decisionsInStep = r["decisions_ahead"].get<uint64_t>();
    out.inStep = simulated(r);
    r = runInChild(s, false);
    out.decisionsAhead = r["decisions_ahead"].get<uint64_t>();
    out.ahead = simulated(r);
    return out;
}

} // namespace

TEST_CASE("Run ahead: a saturating mixed stream gives the same results ahead of the kernel as in step",
          "[hbm][run_ahead]") {
    const Runs r = runBoth("hbm3-mixed.json", {"/traffic/requests=4000", "/controller/refresh=all-bank"});
    CHECK(r.decisionsInStep == 0);
    CHECK(r.decisionsAhead > 1000);
    CHECK(r.ahead["memory"]["checker_violations"].get<uint64_t>() == 0);
    CHECK(r.ahead == r.inStep);
}

TEST_CASE("Run ahead: a paced stream (the generator's own wake-ups in between) gives the same results",
          "[hbm][run_ahead]") {
    // One request every 3 ns: the generator sleeps between requests, so the channel must stop
    // running ahead at each of its wake-ups.
    const Runs r = runBoth("hbm3-random-read.json", {"/traffic/requests=3000", "/traffic/interval_ns=3",
                                                     "/controller/refresh=per-bank"});
    CHECK(r.decisionsInStep == 0);
    CHECK(r.decisionsAhead > 0);
    CHECK(r.ahead == r.inStep);
}
