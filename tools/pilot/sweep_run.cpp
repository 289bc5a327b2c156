// SPDX-License-Identifier: MIT
#include "tools/pilot/sweep_run.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/common/config_error.h"
#include "tools/pilot/child_process.h"
#include "tools/pilot/sweep.h"

namespace pilot::tools {

using namespace sweep;
namespace fs = std::filesystem;

namespace {

// One line on a terminal (stderr): bar, points done, running, failed, elapsed. Silent otherwise.
class SweepBar {
  public:
    explicit SweepBar(size_t total) : m_total(total), m_enabled(isatty(fileno(stderr)) != 0) {}

    void draw(size_t done, size_t running, size_t failed, bool force) {
        const double now = elapsed();
        if (!m_enabled || (!force && now - m_last < 0.25))
            return;
        m_last = now;
        constexpr int kWidth = 30;
        const int filled = m_total ? int(kWidth * done / m_total) : kWidth;
        std::fprintf(stderr, "\r  sweep [%s%s] %zu/%zu points | %zu running | %zu failed | %.0f s   ",
                     std::string(size_t(filled), '#').c_str(),
                     std::string(size_t(kWidth - filled), '.').c_str(), done, m_total, running, failed, now);
        std::fflush(stderr);
    }
    void clear() {
        if (m_enabled)
            std::fprintf(stderr, "\r%100s\r", "");
    }

  private:
    double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    }
    size_t m_total;
    bool m_enabled;
    double m_last = -1;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

// Starts `<pilot> run <scenario> --set ... --out <outJson>` with stdout and stderr to `log`.
pid_t spawnPoint(const std::string& pilot, const Point& p, const std::string& outJson, const std::string& log,
                 std::string& error) {
    std::vector<std::string> args = {pilot, "run", p.scenarioPath};
    for (const std::string& s : p.setArgs()) {
        args.push_back("--set");
        args.push_back(s);
    }
    args.push_back("--out");
    args.push_back(outJson);
    return spawnLogged(args, log, error);
}

// A ConfigError's lines joined on one line, for the points' "error" field.
std::string oneLine(const std::string& text) {
    std::string s = text;
    for (size_t i = 0; (i = s.find('\n', i)) != std::string::npos;)
        s.replace(i, 1, "; ");
    return s;
}

} // namespace

int runSweep(const std::string& sweepFile, const std::string& outDir, unsigned jobs,
             const std::string& shardText, const std::string& pilotArg) {
    const Sweep sw = loadSweep(sweepFile);
    const Shard shard = parseShard(shardText);
    const std::string pilot = pilotArg.empty() ? selfExecutable() : pilotArg;
    if (access(pilot.c_str(), X_OK) != 0)
        throw std::invalid_argument("--pilot: " + pilot + ": not an executable file");
    // The points run in parallel already: each point's own sub-simulations run one at a time
    // (tools/pilot/e2e.h), unless the caller set PILOT_SUB_JOBS.
    setenv("PILOT_SUB_JOBS", "1", 0);
    if (jobs == 0) {
        // The CPUs this process may use (a cluster job's allocation), not all of the machine's.
        cpu_set_t cpus;
        jobs = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? unsigned(CPU_COUNT(&cpus))
                                                             : std::thread::hardware_concurrency();
        jobs = std::max(1u, jobs);
    }

    const fs::path pointsDir = fs::path(outDir) / "points";
    fs::create_directories(pointsDir);
    std::vector<PointOutcome> outcomes;
    for (const Point& p : sw.points)
        if (inShard(p.id, shard))
            outcomes.push_back(PointOutcome{&p, false, "", {}});

    // A point's files are named by its id. Errors name its results file relative to outDir
    // ("points/3.json"), so that a shard and a whole run record the same text.
    auto outJson = [&](const Point& p) { return (pointsDir / (std::to_string(p.id) + ".json")).string(); };
    auto logFile = [&](const Point& p) { return (pointsDir / (std::to_string(p.id) + ".log")).string(); };

    SweepBar bar(outcomes.size());
    size_t next = 0, done = 0, failed = 0;
    std::map<pid_t, PointOutcome*> running;
    auto settle = [&](PointOutcome& o, bool ok, const std::string& error) {
        o.ok = ok;
        o.error = error;
        ++done;
        if (!ok) {
            ++failed;
            bar.clear();
            std::fprintf(stderr, "sweep: point %zu (%s) failed: %s; log: %s\n", o.point->id,
                         o.point->label.c_str(), error.c_str(), logFile(*o.point).c_str());
        }
        bar.draw(done, running.size(), failed, true);
    };

    while (next < outcomes.size() || !running.empty()) {
        while (running.size() < jobs && next < outcomes.size()) {
            PointOutcome& o = outcomes[next++];
            std::error_code ec;
            fs::remove(outJson(*o.point), ec); // never read a previous run's result
            std::string error;
            const pid_t pid = spawnPoint(pilot, *o.point, outJson(*o.point), logFile(*o.point), error);
            if (pid < 0)
                settle(o, false, error);
            else
                running[pid] = &o;
        }
        if (running.empty())
            continue;
        int status = 0;
        const pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            bar.draw(done, running.size(), failed, false);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        if (pid < 0)
            throw std::runtime_error(std::string("sweep: waitpid: ") + std::strerror(errno));
        auto it = running.find(pid);
        if (it == running.end())
            continue;
        PointOutcome& o = *it->second;
        running.erase(it);
        if (WIFSIGNALED(status)) {
            settle(o, false,
                   "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                       strsignal(WTERMSIG(status)) + ")");
        } else if (WEXITSTATUS(status) != 0) {
            settle(o, false, "exited with status " + std::to_string(WEXITSTATUS(status)));
        } else {
            try {
                const std::string name = "points/" + std::to_string(o.point->id) + ".json";
                o.rows = pointRows(*o.point, sw.systems, readOrderedJson(outJson(*o.point)), name);
                settle(o, true, "");
            } catch (const common::ConfigError& e) {
                settle(o, false, oneLine(e.what()));
            }
        }
    }
    bar.clear();

    writeResults(outDir, resultsDocument(sw, shard, outcomes));
    std::printf("sweep \"%s\": %zu of %zu points (shard %u/%u), %zu failed\n", sw.name.c_str(),
                outcomes.size(), sw.points.size(), shard.index, shard.count, failed);
    std::printf("results         %s\n", (fs::path(outDir) / "results.csv").string().c_str());
    return failed ? 1 : 0;
}

int mergeShards(const std::string& outDir, const std::vector<std::string>& inputs) {
    std::vector<std::pair<std::string, ojson>> shards;
    for (const std::string& in : inputs) {
        const std::string file = fs::is_directory(in) ? (fs::path(in) / "results.json").string() : in;
        shards.emplace_back(file, readOrderedJson(file));
    }
    const ojson merged = mergeResults(shards);
    writeResults(outDir, merged);
    const size_t failed = failedPoints(merged);
    std::printf("merged %zu shard(s): %zu points, %zu rows, %zu failed\n", shards.size(),
                merged["points"].size(), merged["rows"].size(), failed);
    std::printf("results         %s\n", (fs::path(outDir) / "results.csv").string().c_str());
    if (failed)
        std::fprintf(stderr, "merge: %zu point(s) failed in the shards (status \"failed\" in results.json)\n",
                     failed);
    return failed ? 1 : 0;
}

SweepCommands::SweepCommands(CLI::App& app) {
    m_sweep = app.add_subcommand("sweep",
                                 "run a sweep's points in parallel processes; writes results.csv and .json");
    m_sweep->add_option("sweep", m_sweepFile, "sweep JSON (docs/sweeps.md)")->required();
    m_sweep->add_option("--out", m_out, "results folder")->required();
    m_sweep->add_option("--jobs", m_jobs, "points run at once (default: one per CPU this process may use)")
        ->check(CLI::PositiveNumber);
    m_sweep->add_option("--shard", m_shard,
                        "run slice K of N only (K/N, 1-based): the points whose index % N == K-1");
    m_sweep->add_option("--pilot", m_pilot, "program each point runs as `PILOT run ...` (default: this one)");
    m_merge =
        app.add_subcommand("merge", "join the results of sweep shards (as one unsharded run writes them)");
    m_merge->add_option("--out", m_mergeOut, "results folder")->required();
    m_merge->add_option("shards", m_inputs, "shard folders, or their results.json")->required();
}

int SweepCommands::run() const {
    if (m_sweep->parsed())
        return runSweep(m_sweepFile, m_out, m_jobs, m_shard, m_pilot);
    return mergeShards(m_mergeOut, m_inputs);
}

} // namespace pilot::tools
