// SPDX-License-Identifier: MIT
// Fuzz targets of the file readers: scenario, memspec (ours and DRAMSys's), address mapping,
// DRAMSys mcconfig, model, GPU, energy (through an end-to-end point), sweep, trace, and the
// `--set` overrides. Each input is written to a file in a private folder whose siblings link to
// the repository's workloads/ folders, so relative references (../memspecs/...) resolve as they
// do for the shipped files. Every input must load or be rejected with a ConfigError (or another
// std::exception) whose every line names the file and a JSON pointer (or a trace line).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "models/common/config_error.h"
#include "models/gpu/gpu_config.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/controller_config.h"
#include "models/hbm/dramsys_mcconfig.h"
#include "models/hbm/memspec.h"
#include "models/traffic/trace_file.h"
#include "platform/end_to_end_point.h"
#include "platform/model_config.h"
#include "platform/scenario.h"
#include "test/fuzz/fuzz_target.h"
#include "tools/pilot/sweep.h"

namespace pilot::fuzz {

namespace fs = std::filesystem;

namespace {

const std::string kWorkloads = std::string(PILOT_SOURCE_DIR) + "/workloads";

// A private folder per process: <tmp>/{scenarios,sweeps,fuzz} hold the inputs, the other workloads/
// folders are links to the repository's. Removed at exit.
struct Farm {
    fs::path root;
    Farm() {
        char tmpl[] = "/tmp/pilot-fuzz-XXXXXX";
        const char* dir = mkdtemp(tmpl);
        if (!dir)
            fuzzFail("cannot create a temporary folder");
        root = dir;
        for (const char* sub :
             {"defaults", "energy", "gpus", "mappings", "mcconfigs", "memspecs", "models", "traces"})
            fs::create_directory_symlink(kWorkloads + "/" + sub, root / sub);
        // The scenarios folder is real (inputs go there) with links to the shipped scenarios,
        // which sweeps name as their bases.
        fs::create_directory(root / "scenarios");
        for (const auto& e : fs::directory_iterator(kWorkloads + "/scenarios"))
            fs::create_symlink(e.path(), root / "scenarios" / e.path().filename());
        fs::create_directory(root / "sweeps");
        fs::create_directory(root / "fuzz");
    }
    ~Farm() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    std::string write(const char* folder, const char* name, const uint8_t* data, size_t size) const {
        const fs::path p = root / folder / name;
        std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
        return p.string();
    }
};

const Farm& farm() {
    static const Farm f;
    return f;
}

// A rejection must say where: every ConfigError line names the file and a JSON pointer ("" or
// starting with '/'), or a trace line ("line N"), and a reason.
void checkRejection(const std::exception& e) {
    const auto* ce = dynamic_cast<const common::ConfigError*>(&e);
    if (!ce) {
        FUZZ_CHECK(std::strlen(e.what()) > 0, "an exception without a message");
        return;
    }
    FUZZ_CHECK(!ce->issues().empty(), "a ConfigError with no issue");
    for (const common::ConfigIssue& i : ce->issues()) {
        FUZZ_CHECK(!i.file.empty(), i.line());
        FUZZ_CHECK(!i.reason.empty(), i.line());
        // A malformed `--set` names the argument where the pointer would be (issue 14's error
        // format is settled elsewhere); every other issue names a JSON pointer or a trace line.
        const bool setArgument = i.reason.find("--set") != std::string::npos;
        FUZZ_CHECK(setArgument || i.pointer.empty() || i.pointer[0] == '/' ||
                       i.pointer.rfind("line ", 0) == 0,
                   i.line());
        FUZZ_CHECK(i.line().find('\n') == std::string::npos, "an issue over several lines: " + i.line());
    }
}

template <typename F> bool loadOrReject(F&& load) {
    try {
        load();
        return true;
    } catch (const std::exception& e) {
        checkRejection(e);
        return false;
    }
}

const hbm::Memspec& hbm3() {
    static const hbm::Memspec m = hbm::loadMemspec(kWorkloads + "/memspecs/hbm3-5200.json");
    return m;
}

bool scenario(const uint8_t* d, size_t n) {
    const std::string p = farm().write("scenarios", "fuzz.json", d, n);
    return loadOrReject([&] { platform::loadScenario(p); });
}

bool memspec(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", "memspec.json", d, n);
    return loadOrReject([&] { hbm::loadMemspec(p); });
}

bool mapping(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", "mapping.json", d, n);
    return loadOrReject([&] {
        hbm::Memspec m = hbm3();
        hbm::loadAddressMapping(p, m, 1);
    });
}

bool mcconfig(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", "mcconfig.json", d, n);
    return loadOrReject([&] { hbm::loadDramsysMcconfig(p, hbm::ControllerConfig{}); });
}

bool model(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", "model.json", d, n);
    return loadOrReject([&] { platform::loadModelConfig(p); });
}

bool gpu(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", "gpu.json", d, n);
    return loadOrReject([&] { gpu::loadGpuConfig(p); });
}

// The energy file, through the end-to-end point that names it (read as JSON there; its keys are
// used only when the point is composed).
bool energy(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", "energy.json", d, n);
    return loadOrReject([&] {
        platform::loadEndToEndPoint(kWorkloads + "/scenarios/e2e-tiny.json",
                                    {"/workload/energy=\"" + p + "\""});
    });
}

bool sweep(const uint8_t* d, size_t n) {
    const std::string p = farm().write("sweeps", "fuzz.json", d, n);
    return loadOrReject([&] { tools::sweep::loadSweep(p); });
}

// A DRAMSys trace, read to the end (the reader streams it line by line).
bool trace(const uint8_t* d, size_t n) {
    const std::string p = farm().write("fuzz", n % 2 ? "trace.rstl" : "trace.stl", d, n);
    return loadOrReject([&] {
        traffic::TraceReader r(p);
        traffic::TraceRequest req;
        uint64_t lines = 0;
        while (r.next(req))
            FUZZ_CHECK(++lines <= n, "more requests than bytes");
    });
}

// One `--set` argument (the input, up to its first newline) over the smallest PIM scenario.
bool setOverride(const uint8_t* d, size_t n) {
    const std::string arg(reinterpret_cast<const char*>(d), strnlen(reinterpret_cast<const char*>(d), n));
    return loadOrReject([&] { platform::loadScenario(kWorkloads + "/scenarios/decode-tiny.json", {arg}); });
}

} // namespace

// Defined here so the registry is one table; the queue target lives in fuzz_queue_target.cpp.
bool descriptorQueue(const uint8_t* d, size_t n);

const std::vector<FuzzTarget>& fuzzTargets() {
    static const std::vector<FuzzTarget> kTargets = {
        {"scenario", scenario, true},
        {"memspec", memspec, true},
        {"mapping", mapping, true},
        {"mcconfig", mcconfig, true},
        {"model", model, true},
        {"gpu", gpu, true},
        {"energy", energy, true},
        {"sweep", sweep, true},
        {"trace", trace, false},
        {"set", setOverride, false},
        {"descriptor", descriptorQueue, false},
    };
    return kTargets;
}

const FuzzTarget* findFuzzTarget(const std::string& name) {
    for (const FuzzTarget& t : fuzzTargets())
        if (name == t.name)
            return &t;
    return nullptr;
}

void fuzzFail(const std::string& what) {
    std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

} // namespace pilot::fuzz
