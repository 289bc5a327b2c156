// SPDX-License-Identifier: MIT
// pilot-bench: simulation speed of the memory model (not a test). Runs `pilot run` once per
// case in its own process (SystemC elaborates once per process) and prints simulated
// requests and commands per wall-second and peak memory.
//   pilot-bench [PILOT_BINARY] [--requests N]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

int main(int argc, char** argv) {
    std::string pilot = "./pilot";
    std::string requests = "1000000";
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--requests" && i + 1 < argc) requests = argv[++i];
        else pilot = a;
    }
    const std::string scen = std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/";
    struct Case { const char* name; const char* scenario; };
    const Case cases[] = {
        {"sequential reads, 1 pseudo-channel", "hbm3-seq-read.json"},
        {"random reads, 1 pseudo-channel", "hbm3-random-read.json"},
        {"sequential reads, stack (32 PCs)", "hbm3-stack-seq-read.json"},
        {"random reads, stack (32 PCs)", "hbm3-stack-seq-read.json --set /traffic/pattern=\"random\" --set /traffic/request_bytes=32"},
    };
    std::printf("%-38s %-8s %10s %12s %12s %10s %9s\n", "case", "checker", "requests", "M req/s", "M cmd/s",
                "wall s", "peak MiB");
    for (const Case& c : cases) {
        for (const char* check : {"false", "true"}) {
            const std::string out = "/tmp/pilot-bench-result.json";
            const std::string cmd = pilot + " run " + scen + c.scenario + " --set /traffic/requests=" + requests +
                                    " --set /system/protocol_check=" + check + " --out " + out + " > /dev/null";
            if (std::system(cmd.c_str()) != 0) {
                std::fprintf(stderr, "failed: %s\n", cmd.c_str());
                return 1;
            }
            std::ifstream f(out);
            nlohmann::json r = nlohmann::json::parse(f);
            const auto& s = r["simulator"];
            std::printf("%-38s %-8s %10llu %12.2f %12.2f %10.2f %9.1f\n", c.name, check[0] == 't' ? "on" : "off",
                        (unsigned long long)r["memory"]["requests"].get<uint64_t>(),
                        s["requests_per_wall_s"].get<double>() / 1e6, s["commands_per_wall_s"].get<double>() / 1e6,
                        r["wall_time_s"].get<double>(), s["peak_rss_MiB"].get<double>());
        }
    }
    return 0;
}
