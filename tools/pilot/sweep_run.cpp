// SPDX-License-Identifier: MIT
#include "tools/pilot/sweep_run.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include "models/common/config_error.h"
#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "tools/pilot/child_process.h"
#include "tools/pilot/console.h"
#include "tools/pilot/plots.h"
#include "tools/pilot/sweep.h"
#include "tools/pilot/sweep_resume.h"

namespace pilot::tools {

using namespace sweep;
namespace fs = std::filesystem;

namespace {

// One line on a terminal (stderr): bar, points done, running, failed, elapsed. Silent otherwise.
class SweepBar {
  public:
    explicit SweepBar(size_t total)
        : m_total(total), m_enabled(isatty(fileno(stderr)) != 0 && verbosity() != Verbosity::Quiet) {}

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

// Starts `<pilot> run <scenario> --set ... --out <outJson>` with stdout and stderr to `log`, in
// a process group of its own: stopping the sweep stops the point and its sub-simulations.
pid_t spawnPoint(const std::string& pilot, const Point& p, const std::string& outJson, const std::string& log,
                 std::string& error) {
    std::vector<std::string> args = {pilot, "run", p.scenarioPath};
    for (const std::string& s : p.setArgs()) {
        args.push_back("--set");
        args.push_back(s);
    }
    args.push_back("--out");
    args.push_back(outJson);
    noteCommand("point " + std::to_string(p.id) + " (log " + log + ")", args);
    return spawnLogged(args, log, error, true);
}

// A ConfigError's lines joined on one line, for the points' "error" field.
std::string oneLine(const std::string& text) {
    std::string s = text;
    for (size_t i = 0; (i = s.find('\n', i)) != std::string::npos;)
        s.replace(i, 1, "; ");
    return s;
}

unsigned defaultJobs() {
    // The CPUs this process may use (a cluster job's allocation), not all of the machine's.
    cpu_set_t cpus;
    const unsigned n = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? unsigned(CPU_COUNT(&cpus))
                                                                     : std::thread::hardware_concurrency();
    return std::max(1u, n);
}

// The files of one point in DIR/points, named by its id. Errors name the results file relative
// to the output folder ("points/3.json"), so that a shard and a whole run record the same text.
struct PointFiles {
    fs::path dir;
    std::string json(const Point& p) const { return (dir / (std::to_string(p.id) + ".json")).string(); }
    std::string log(const Point& p) const { return (dir / (std::to_string(p.id) + ".log")).string(); }
    static std::string name(const Point& p) { return "points/" + std::to_string(p.id) + ".json"; }
};

// The rows of a point whose run has ended with `status`.
void readOutcome(PointOutcome& o, const Sweep& sw, const PointFiles& files, int status) {
    if (WIFSIGNALED(status)) {
        o.error =
            "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    } else if (WEXITSTATUS(status) != 0) {
        o.error = "exited with status " + std::to_string(WEXITSTATUS(status));
    } else {
        try {
            o.rows =
                pointRows(*o.point, sw.systems, readOrderedJson(files.json(*o.point)), files.name(*o.point));
            o.ok = true;
        } catch (const common::ConfigError& e) {
            o.error = oneLine(e.what());
        }
    }
}

// What can be refused before any point runs: a base scenario that is not even JSON (or nested
// too deep), a program that cannot run, an output folder that cannot be made. Returns the program.
std::string checkBeforeRunning(const Sweep& sw, const std::string& sweepFile, const std::string& pilotArg,
                               const std::string& outDir) {
    std::set<std::string> scenarios;
    for (const Point& p : sw.points)
        if (scenarios.insert(p.scenarioPath).second)
            (void)common::readJsonFile(p.scenarioPath);
    const std::string pilot = pilotArg.empty() ? selfExecutable() : pilotArg;
    if (access(pilot.c_str(), X_OK) != 0)
        throw std::invalid_argument("--pilot: " + pilot + ": not an executable file");
    common::checkOutputPaths({{"--out", outDir, true}}, {sweepFile});
    return pilot;
}

// A previous run's finished points are kept when their inputs are unchanged (sweep_resume.h)
// and their results still read back; returns the indices in `outcomes` of those to run. `hashes`:
// each point's inputs hash, for its stamp.
std::vector<size_t> keepFinished(const Sweep& sw, std::vector<PointOutcome>& outcomes,
                                 const PointFiles& files, const std::string& pilot, bool force,
                                 std::vector<std::string>& hashes, size_t& kept) {
    std::vector<size_t> toRun;
    hashes.assign(outcomes.size(), "");
    for (size_t i = 0; i < outcomes.size(); ++i) {
        PointOutcome& o = outcomes[i];
        hashes[i] = pointInputsHash(*o.point, pointInputFiles(*o.point), pilot);
        if (!force && stampMatches(files.dir.string(), o.point->id, hashes[i])) {
            readOutcome(o, sw, files, 0);
            if (o.ok) {
                ++kept;
                continue;
            }
            o.error.clear();
        }
        toRun.push_back(i);
    }
    return toRun;
}

// After a stop signal: the running points are stopped with everything they started, and every
// point not finished is marked interrupted.
void stopAndMarkInterrupted(const std::map<pid_t, size_t>& running, std::vector<PointOutcome>& outcomes,
                            int sig) {
    std::vector<pid_t> pids;
    for (const auto& r : running)
        pids.push_back(r.first);
    stopChildren(pids, true);
    for (PointOutcome& o : outcomes) {
        if (!o.ok && o.error.empty()) {
            o.interrupted = true;
            o.error = "interrupted (signal " + std::to_string(sig) + "): not finished";
        }
    }
}

// The plots (when asked for and some Python has matplotlib) and report.md of a results folder.
// A missing matplotlib or a failed plot is reported but fails nothing: the results stand.
void drawAndReport(const std::string& outDir, const ojson& doc, bool plots) {
    if (plots && !doc["rows"].empty())
        drawPlots(outDir);
    writeSweepReport(outDir, doc);
}

} // namespace

// Runs the points `toRun` (indices into outcomes), at most `jobs` at once, until all are done or
// a stop signal comes (then the running ones are stopped and marked interrupted). Counts into
// done and failed; returns the stop signal, or 0.
static int runPoints(const Sweep& sw, std::vector<PointOutcome>& outcomes, const std::vector<size_t>& toRun,
                     const PointFiles& files, const std::string& pilot,
                     const std::vector<std::string>& hashes, unsigned jobs, size_t& done, size_t& failed) {
    SweepBar bar(outcomes.size());
    size_t next = 0;
    std::map<pid_t, size_t> running; // pid -> index in outcomes
    auto settle = [&](size_t i) {
        PointOutcome& o = outcomes[i];
        ++done;
        if (o.ok) {
            writeStamp(files.dir.string(), o.point->id, hashes[i]);
        } else {
            ++failed;
            bar.clear();
            std::fprintf(stderr, "sweep: point %zu (%s) failed: %s; log: %s\n", o.point->id,
                         o.point->label.c_str(), o.error.c_str(), files.log(*o.point).c_str());
        }
        bar.draw(done, running.size(), failed, true);
    };

    int stopped = 0;
    while ((next < toRun.size() || !running.empty()) && !(stopped = stopSignal())) {
        while (running.size() < jobs && next < toRun.size()) {
            const size_t i = toRun[next++];
            PointOutcome& o = outcomes[i];
            std::error_code ec;
            fs::remove(stampPath(files.dir.string(), o.point->id), ec); // not finished until stamped again
            fs::remove(files.json(*o.point), ec);                       // never read a previous run's result
            const pid_t pid = spawnPoint(pilot, *o.point, files.json(*o.point), files.log(*o.point), o.error);
            if (pid < 0)
                settle(i);
            else
                running[pid] = i;
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
        const size_t i = it->second;
        running.erase(it);
        readOutcome(outcomes[i], sw, files, status);
        settle(i);
    }
    bar.clear();
    if (stopped)
        stopAndMarkInterrupted(running, outcomes, stopped);
    return stopped;
}

int runSweep(const std::string& sweepFile, const std::string& outDirArg, unsigned jobs,
             const std::string& shardText, const std::string& pilotArg, bool force, bool plots) {
    const Sweep sw = loadSweep(sweepFile);
    const Shard shard = parseShard(shardText);
    // Absolute: each point's run writes next to its results file (<id>.json.parts/).
    const std::string outDir = fs::absolute(outDirArg).lexically_normal().string();
    const std::string pilot = checkBeforeRunning(sw, sweepFile, pilotArg, outDir);
    // The points run in parallel already: each point's own sub-simulations run one at a time
    // (tools/pilot/e2e.h), unless the caller set PILOT_SUB_JOBS.
    setenv("PILOT_SUB_JOBS", "1", 0);
    if (jobs == 0)
        jobs = defaultJobs();

    const PointFiles files{fs::path(outDir) / "points"};
    fs::create_directories(files.dir);
    std::vector<PointOutcome> outcomes;
    for (const Point& p : sw.points)
        if (inShard(p.id, shard))
            outcomes.push_back(PointOutcome{&p, false, "", {}, false});

    std::vector<std::string> hashes;
    size_t kept = 0;
    const std::vector<size_t> toRun = keepFinished(sw, outcomes, files, pilot, force, hashes, kept);
    if (kept)
        std::printf(
            "sweep: %zu finished point(s) kept from a previous run with the same inputs (--force reruns "
            "them)\n",
            kept);
    std::fflush(stdout);

    catchStopSignals(); // from here on a stop signal stops the points and writes what is finished
    size_t done = kept, failed = 0;
    const int stopped = runPoints(sw, outcomes, toRun, files, pilot, hashes, jobs, done, failed);
    const ojson doc = resultsDocument(sw, shard, outcomes);
    writeResults(outDir, doc);
    if (stopped) {
        std::fprintf(stderr,
                     "sweep \"%s\": interrupted by signal %d (%s) with %zu of %zu points finished; the same "
                     "command resumes it\n",
                     sw.name.c_str(), stopped, strsignal(stopped), done - failed, outcomes.size());
        return exitStatusForSignal(stopped);
    }
    // A shard's plots would show a slice: the merge draws the whole sweep.
    if (shard.count == 1)
        drawAndReport(outDir, doc, plots);
    std::printf("sweep \"%s\": %zu of %zu points (shard %u/%u), %zu failed\n", sw.name.c_str(),
                outcomes.size(), sw.points.size(), shard.index, shard.count, failed);
    std::printf("results         %s\n", (fs::path(outDir) / "results.csv").string().c_str());
    return failed ? 1 : 0;
}

int mergeShards(const std::string& outDir, const std::vector<std::string>& inputs, bool plots) {
    std::vector<std::pair<std::string, ojson>> shards;
    std::vector<std::string> files;
    for (const std::string& in : inputs) {
        const std::string file = fs::is_directory(in) ? (fs::path(in) / "results.json").string() : in;
        shards.emplace_back(file, readOrderedJson(file));
        files.push_back(file);
    }

    const ojson merged = mergeResults(shards);
    // The merged files must not replace a shard's (a shard folder given as --out too).
    common::checkOutputPaths({{"--out", outDir, true}}, {});
    if (fs::is_directory(outDir))
        common::checkOutputPaths({{"--out", (fs::path(outDir) / "results.json").string()}}, files);
    writeResults(outDir, merged);
    drawAndReport(outDir, merged, plots);
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
    m_sweep->add_flag("--force", m_force,
                      "rerun every point (by default a rerun keeps the points a previous run finished with "
                      "the same inputs)");
    m_sweep->add_flag("--no-plots", m_noPlots, "skip DIR/plots/*.png (report.md is written all the same)");
    m_sweep->footer("Example: pilot sweep workloads/sweeps/seq-len.json --out seq-len --jobs 2   (then "
                    "seq-len/report.md)");
    m_merge =
        app.add_subcommand("merge", "join the results of sweep shards (as one unsharded run writes them)");
    m_merge->footer("Example: pilot merge --out results shard-1 shard-2 shard-3");
    m_merge->add_option("--out", m_mergeOut, "results folder")->required();
    m_merge->add_option("shards", m_inputs, "shard folders, or their results.json")->required();
    m_merge->add_flag("--no-plots", m_noPlots, "skip DIR/plots/*.png (report.md is written all the same)");
}

int SweepCommands::run() const {
    if (m_sweep->parsed())
        return runSweep(m_sweepFile, m_out, m_jobs, m_shard, m_pilot, m_force, !m_noPlots);
    return mergeShards(m_mergeOut, m_inputs, !m_noPlots);
}

} // namespace pilot::tools
