// SPDX-License-Identifier: MIT
// pilot-bench: simulation speed (not a test). Runs `pilot run` once per case in its own
// process (SystemC elaborates once per process) and prints simulated requests and commands per
// wall-second, wall time and peak memory: the memory model's traffic cases (`memory`), the
// paper-scale PIM scenarios, timing-only (`pim`), and the paper's six end-to-end points
// co-simulated with the gpu, attacc and pilot systems (`e2e`: issue 13's one-point figure).
//   pilot-bench [PILOT_BINARY] [--requests N] [--suite memory|pim|e2e|all]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace {

using RunOne = std::function<nlohmann::json(const std::string& args)>;

void memorySuite(const RunOne& runOne, const std::string& scen, const std::string& requests) {
    struct Case {
        const char* name;
        const char* scenario;
    };
    const Case cases[] = {
        {"sequential reads, 1 pseudo-channel", "hbm3-seq-read.json"},
        {"random reads, 1 pseudo-channel", "hbm3-random-read.json"},
        {"sequential reads, stack (32 PCs)", "hbm3-stack-seq-read.json"},
        {"random reads, stack (32 PCs)",
         "hbm3-stack-seq-read.json --set /traffic/pattern=\"random\" --set /traffic/request_bytes=32"},
    };
    std::printf("%-38s %-8s %10s %12s %12s %10s %9s\n", "case", "checker", "requests", "M req/s", "M cmd/s",
                "wall s", "peak MiB");
    for (const Case& c : cases) {
        for (const char* check : {"false", "true"}) {
            const nlohmann::json r = runOne(scen + c.scenario + " --set /traffic/requests=" + requests +
                                            " --set /system/protocol_check=" + check);
            const auto& s = r["simulator"];
            std::printf(
                "%-38s %-8s %10llu %12.2f %12.2f %10.2f %9.1f\n", c.name, check[0] == 't' ? "on" : "off",
                (unsigned long long)r["memory"]["requests"].get<uint64_t>(),
                s["requests_per_wall_s"].get<double>() / 1e6, s["commands_per_wall_s"].get<double>() / 1e6,
                r["wall_time_s"].get<double>(), s["peak_rss_MiB"].get<double>());
        }
    }
}

// The PIM scenarios as shipped (timing-only, channels and rounds replicated), checker on.
void pimSuite(const RunOne& runOne, const std::string& scen) {
    const char* pimCases[] = {"decode-bigbird",         "decode-mistral-7b-duo",  "prefill-bigbird",
                              "prefill-longformer",     "prefill-led-large",      "prefill-llama2-7b-duo",
                              "prefill-pythia-12b-duo", "prefill-mistral-7b-duo", "prefill-longformer-32k",
                              "prefill-bigbird-64k"};
    std::printf("\n%-26s %14s %12s %12s %10s %9s\n", "PIM scenario", "simulated ms", "commands", "M cmd/s",
                "wall s", "peak MiB");
    for (const char* name : pimCases) {
        const nlohmann::json r = runOne(scen + name + ".json");
        const auto& s = r["simulator"];
        std::printf("%-26s %14.3f %12llu %12.2f %10.2f %9.1f\n", name, r["sim_time_ns"].get<double>() * 1e-6,
                    (unsigned long long)s["commands"].get<uint64_t>(),
                    s["commands_per_wall_s"].get<double>() / 1e6, r["wall_time_s"].get<double>(),
                    s["peak_rss_MiB"].get<double>());
    }
}

// Table II's points as shipped (co-simulated, fast-forward on), the gpu, attacc and pilot
// systems one after another in one process: its wall time, the commands its simulations
// simulated and skipped, the largest peak memory among them.
void endToEndSuite(const RunOne& runOne, const std::string& scen) {
    const char* models[] = {"bigbird",       "longformer",     "led-large",
                            "llama2-7b-duo", "pythia-12b-duo", "mistral-7b-duo"};
    std::printf("\n%-30s %14s %14s %10s %9s\n", "e2e point (gpu, attacc, pilot)", "commands", "skipped",
                "wall s", "peak MiB");
    for (const char* m : models) {
        const nlohmann::json r =
            runOne(scen + "e2e-" + m + ".json --set '/workload/systems=[\"gpu\",\"attacc\",\"pilot\"]'");
        uint64_t commands = 0, skipped = 0;
        double peak = 0;
        for (const auto& [name, sys] : r["end_to_end"]["systems"].items()) {
            const auto& s = sys["cosim"]["detail"]["simulator"];
            const auto& ff = s["fast_forward"];
            commands += s["commands"].get<uint64_t>();
            skipped +=
                ff["commands_skipped"].get<uint64_t>() + ff["placement_commands_skipped"].get<uint64_t>();
            peak = std::max(peak, s["peak_rss_MiB"].get<double>());
        }
        std::printf("%-30s %14llu %14llu %10.2f %9.1f\n", (std::string("e2e-") + m).c_str(),
                    (unsigned long long)commands, (unsigned long long)skipped, r["wall_time_s"].get<double>(),
                    peak);
    }
}

} // namespace

int main(int argc, char** argv) {
    std::string pilot = "./pilot";
    std::string requests = "1000000", suite = "memory";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--requests" && i + 1 < argc)
            requests = argv[++i];
        else if (a == "--suite" && i + 1 < argc)
            suite = argv[++i];
        else
            pilot = a;
    }
    if (suite != "memory" && suite != "pim" && suite != "e2e" && suite != "all") {
        std::fprintf(stderr, "--suite: memory, pim, e2e or all (got %s)\n", suite.c_str());
        return 2;
    }
    const std::string out = "/tmp/pilot-bench-result.json";
    const RunOne runOne = [&](const std::string& args) -> nlohmann::json {
        const std::string cmd = pilot + " run " + args + " --out " + out + " > /dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) {
            std::fprintf(stderr, "failed: %s\n", cmd.c_str());
            std::exit(1);
        }
        std::ifstream f(out);
        return nlohmann::json::parse(f);
    };
    const std::string scen = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/";
    if (suite == "memory" || suite == "all")
        memorySuite(runOne, scen, requests);
    if (suite == "pim" || suite == "all")
        pimSuite(runOne, scen);
    if (suite == "e2e" || suite == "all")
        endToEndSuite(runOne, scen);
    return 0;
}
