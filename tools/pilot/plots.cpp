// SPDX-License-Identifier: MIT
#include "tools/pilot/plots.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

#include <sys/wait.h>

#include "tools/pilot/child_process.h"

namespace pilot::tools {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// Runs `args` quietly; its exit status (127 when it cannot start).
int runQuiet(const std::vector<std::string>& args) {
    std::string error;
    const pid_t pid = spawnLogged(args, "/dev/null", error);
    if (pid < 0)
        return 127;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

double num(const ojson& row, const char* key) {
    const auto it = row.find(key);
    return it != row.end() && it->is_number() ? it->get<double>() : -1;
}

} // namespace

std::string findPlotPython() {
    std::vector<std::string> candidates;
    if (const char* p = std::getenv("PILOT_PYTHON"); p && *p)
        candidates.push_back(p);
    candidates.push_back("/usr/bin/python3");
    candidates.push_back("python3");
    for (const std::string& py : candidates)
        if (runQuiet({py, "-c", "import matplotlib"}) == 0)
            return py;
    return "";
}

int drawPlots(const std::string& path) {
    const std::string py = findPlotPython();
    if (py.empty()) {
        std::fprintf(
            stderr,
            "%s: no plots: no Python with matplotlib (tried $PILOT_PYTHON, /usr/bin/python3, python3; "
            "Debian: apt install python3-matplotlib)\n",
            path.c_str());
        return 3;
    }
    const std::string scripts = std::string(PILOT_SOURCE_DIR) + "/tools/plots/";
    const bool timeline = !fs::is_directory(path);
    const std::string script = scripts + (timeline ? "plot_timeline.py" : "plot_sweep.py");
    const std::string log = (timeline ? path + ".plot.log" : (fs::path(path) / "plots.log").string());
    std::string error;
    const pid_t pid = spawnLogged({py, script, path}, log, error);
    if (pid < 0) {
        std::fprintf(stderr, "%s: %s\n", script.c_str(), error.c_str());
        return 127;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    if (rc != 0)
        std::fprintf(stderr, "%s: plotting failed (exit %d); see %s\n", path.c_str(), rc, log.c_str());
    else
        fs::remove(log);
    return rc;
}

void writeSweepReport(const std::string& dir, const ojson& results) {
    // Rows by point, then system, then phase.
    std::map<int64_t, std::string> labels;
    std::map<int64_t, std::vector<std::string>> systems;
    std::map<std::tuple<int64_t, std::string, std::string>, const ojson*> rows;
    for (const ojson& r : results.at("rows")) {
        const int64_t point = r.value("point", int64_t(-1));
        const std::string system = r.value("system", ""), phase = r.value("phase", "");
        if (!labels.count(point))
            labels[point] = r.value("label", "point " + std::to_string(point));
        auto& s = systems[point];
        if (std::find(s.begin(), s.end(), system) == s.end())
            s.push_back(system);
        rows[{point, system, phase}] = &r;
    }
    std::string md = "# Sweep \"" + results.value("sweep", std::string()) + "\"\n\n";
    md +=
        "Times in ms of simulated time (per layer x layers, as the end-to-end runner composes them); "
        "speedups are the GPU's (AttAcc's) time over the system's, end to end. Columns: docs/sweeps.md.\n\n";
    for (const auto& [point, label] : labels) {
        md += "## " + label + "\n\n";
        md += "| system | prefill attention ms | decode attention ms | end to end ms | vs GPU | vs AttAcc | "
              "GEMM | attention | transfer/sync | idle |\n|---|---|---|---|---|---|---|---|---|---|\n";
        for (const std::string& system : systems[point]) {
            auto time = [&](const char* phase) {
                const auto it = rows.find({point, system, phase});
                return it == rows.end() ? std::string("-") : fmt("%.3f", num(*it->second, "time_ns") * 1e-6);
            };
            const auto e2e = rows.find({point, system, "end_to_end"});
            std::string cells = "| " + system + " | " + time("prefill_attention") + " | " +
                                time("decode_attention") + " | " + time("end_to_end") + " | ";
            if (e2e == rows.end()) {
                md += cells + "- | - | - | - | - | - |\n";
                continue;
            }
            const ojson& r = *e2e->second;
            auto speed = [&](const char* key) {
                const double v = num(r, key);
                return v < 0 ? std::string("-") : fmt("%.2fx", v);
            };
            cells += speed("speedup_vs_gpu") + " | " + speed("speedup_vs_attacc") + " | ";
            // Where the time goes, as shares of the end-to-end time.
            const double total = num(r, "time_ns");
            for (const char* part : {"gemm_ns", "attention_ns", "transfer_sync_ns", "idle_ns"}) {
                const double v = num(r, part);
                cells += (v < 0 || total <= 0 ? std::string("-") : fmt("%.0f%%", 100 * v / total)) + " | ";
            }
            md += cells.substr(0, cells.size() - 1) + "\n";
        }
        md += "\n";
    }
    const fs::path plots = fs::path(dir) / "plots";
    std::vector<std::string> pngs;
    if (fs::is_directory(plots))
        for (const auto& e : fs::directory_iterator(plots))
            if (e.path().extension() == ".png")
                pngs.push_back(e.path().filename().string());
    std::sort(pngs.begin(), pngs.end());
    if (!pngs.empty()) {
        md += "## Plots\n\n";
        for (const std::string& p : pngs)
            md += "![" + p + "](plots/" + p + ")\n\n";
    }
    const fs::path out = fs::path(dir) / "report.md";
    std::ofstream f(out);
    f << md;
    f.close();
    if (!f)
        throw std::runtime_error(out.string() + ": cannot write the report");
}

} // namespace pilot::tools
