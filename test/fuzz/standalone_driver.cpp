// SPDX-License-Identifier: MIT
// The standalone fuzz driver (every build but the libFuzzer preset): runs each input of the
// corpus folders (or only the files named, for a replay), then -runs=N inputs made by the
// seeded mutator from the corpus and from the inputs the target accepted. Deterministic for a
// given -seed and -runs; -max_total_time=S stops earlier and says so. On a finding (a sanitizer
// report, a fatal signal, a failed FUZZ_CHECK) the input is written to
// <artifact_prefix>crash-<target> for replay: pilot_fuzz -target=NAME FILE
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <systemc> // declares sc_main extern "C", as libsystemc's main calls it

#include "test/fuzz/fuzz_target.h"
#include "test/fuzz/mutator.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

std::string g_current;  // the input being run
std::string g_artifact; // where it goes on a finding

// Async-signal-safe: plain open/write.
void dumpCurrent() {
    const int fd = ::open(g_artifact.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        const ssize_t w = ::write(fd, g_current.data(), g_current.size());
        (void)w;
        ::close(fd);
    }
    const char msg[] = "pilot_fuzz: the failing input is in the artifact file\n";
    const ssize_t w = ::write(2, msg, sizeof msg - 1);
    (void)w;
}

void onSignal(int sig) {
    dumpCurrent();
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

std::string readFile(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

struct Options {
    uint64_t runs = 1000, seed = 1;
    double maxSeconds = 0;
    size_t maxLen = 65536;
    std::string prefix;
    std::vector<fs::path> inputs;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto val = [&](const char* flag) {
            const size_t n = std::strlen(flag);
            return a.compare(0, n, flag) == 0 ? a.substr(n) : std::string("\x01");
        };
        if (val("-runs=") != "\x01")
            o.runs = std::stoull(val("-runs="));
        else if (val("-seed=") != "\x01")
            o.seed = std::stoull(val("-seed="));
        else if (val("-max_total_time=") != "\x01")
            o.maxSeconds = std::stod(val("-max_total_time="));
        else if (val("-max_len=") != "\x01")
            o.maxLen = std::stoull(val("-max_len="));
        else if (val("-artifact_prefix=") != "\x01")
            o.prefix = val("-artifact_prefix=");
        else if (a[0] == '-')
            std::fprintf(stderr, "pilot_fuzz: ignoring %s\n", a.c_str());
        else
            o.inputs.emplace_back(a);
    }
    return o;
}

} // namespace

int sc_main(int argc, char** argv) {
    LLVMFuzzerInitialize(&argc, &argv);
    const pilot::fuzz::FuzzTarget& target = *pilot::fuzz::selectedFuzzTarget();
    const Options o = parse(argc, argv);
    g_artifact = o.prefix + "crash-" + target.name;
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(dumpCurrent);
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
        std::signal(sig, onSignal);

    std::vector<std::string> corpus;
    bool replay = false;
    for (const fs::path& p : o.inputs) {
        if (fs::is_directory(p)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(p))
                if (e.is_regular_file())
                    files.push_back(e.path());
            std::sort(files.begin(), files.end()); // a fixed order: determinism
            for (const auto& f : files)
                corpus.push_back(readFile(f));
        } else {
            corpus.push_back(readFile(p));
            replay = true; // files named: run them, no mutations
        }
    }
    if (corpus.empty())
        corpus.push_back(std::string());

    const auto t0 = std::chrono::steady_clock::now();
    auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    std::vector<std::string> pool = corpus; // bases: the corpus, then accepted mutants
    uint64_t accepted = 0;
    for (const std::string& in : corpus) {
        g_current = in;
        target.run(reinterpret_cast<const uint8_t*>(in.data()), in.size());
    }
    uint64_t done = 0;
    bool stopped = false;
    if (!replay) {
        pilot::fuzz::Mutator m(o.seed);
        constexpr size_t kPoolMax = 256;
        for (; done < o.runs; ++done) {
            if (o.maxSeconds > 0 && seconds() > o.maxSeconds) {
                stopped = true;
                break;
            }
            const std::string& base = pool[m.next() % pool.size()];
            g_current = m.mutate(base, pool, target.json, o.maxLen);
            if (target.run(reinterpret_cast<const uint8_t*>(g_current.data()), g_current.size())) {
                ++accepted;
                if (pool.size() < kPoolMax)
                    pool.push_back(g_current);
                else if (corpus.size() < kPoolMax) // the corpus stays; accepted mutants take turns
                    pool[corpus.size() + m.next() % (kPoolMax - corpus.size())] = g_current;
            }
        }
    }
    const double s = seconds();
    std::printf("pilot_fuzz %s: %zu corpus inputs + %llu mutated (seed %llu, %llu accepted) in %.2f s, "
                "%.0f exec/s%s\n",
                target.name, corpus.size(), (unsigned long long)done, (unsigned long long)o.seed,
                (unsigned long long)accepted, s, s > 0 ? double(corpus.size() + done) / s : 0.0,
                stopped ? " (stopped by -max_total_time)" : "");
    return 0;
}
