// SPDX-License-Identifier: MIT
// pilot-bench: simulation speed (not a test). Runs `pilot run` once per case in its own
// process (SystemC elaborates once per process) and prints simulated requests and commands per
// wall-second, wall time and peak memory: the memory model's traffic cases (`memory`), and the
// paper-scale PIM scenarios, timing-only (`pim`).
//   pilot-bench [PILOT_BINARY] [--requests N] [--suite memory|pim|all]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

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
    if (suite != "memory" && suite != "pim" && suite != "all") {
        std::fprintf(stderr, "--suite: memory, pim or all (got %s)\n", suite.c_str());
        return 2;
    }
    const std::string out = "/tmp/pilot-bench-result.json";
    auto runOne = [&](const std::string& args) -> nlohmann::json {
        const std::string cmd = pilot + " run " + args + " --out " + out + " > /dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) {
            std::fprintf(stderr, "failed: %s\n", cmd.c_str());
            std::exit(1);
        }
        std::ifstream f(out);
        return nlohmann::json::parse(f);
    };
    const std::string scen = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/";
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
    if (suite != "pim") {
        std::printf("%-38s %-8s %10s %12s %12s %10s %9s\n", "case", "checker", "requests", "M req/s",
                    "M cmd/s", "wall s", "peak MiB");
        for (const Case& c : cases) {
            for (const char* check : {"false", "true"}) {
                const nlohmann::json r = runOne(scen + c.scenario + " --set /traffic/requests=" + requests +
                                                " --set /system/protocol_check=" + check);
                const auto& s = r["simulator"];
                std::printf("%-38s %-8s %10llu %12.2f %12.2f %10.2f %9.1f\n", c.name,
                            check[0] == 't' ? "on" : "off",
                            (unsigned long long)r["memory"]["requests"].get<uint64_t>(),
                            s["requests_per_wall_s"].get<double>() / 1e6,
                            s["commands_per_wall_s"].get<double>() / 1e6, r["wall_time_s"].get<double>(),
                            s["peak_rss_MiB"].get<double>());
            }
        }
    }
    if (suite == "memory")
        return 0;
    // The PIM scenarios as shipped (timing-only, channels and rounds replicated), checker on.
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
    return 0;
}
