// SPDX-License-Identifier: MIT
// The libFuzzer interface of pilot_fuzz: the target is chosen with -target=NAME (removed from
// the arguments before libFuzzer parses them) or PILOT_FUZZ_TARGET. The standalone driver calls
// the same two functions, so both drivers run the same code.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <systemc> // declares sc_main extern "C"

#include "test/fuzz/fuzz_target.h"
#include "test/fuzz/mutator.h"

namespace {
const pilot::fuzz::FuzzTarget* g_target = nullptr;
}

const pilot::fuzz::FuzzTarget* pilot::fuzz::selectedFuzzTarget() {
    return g_target;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    std::string name = std::getenv("PILOT_FUZZ_TARGET") ? std::getenv("PILOT_FUZZ_TARGET") : "";
    int out = 1;
    for (int i = 1; i < *argc; ++i) {
        const char* a = (*argv)[i];
        if (std::strncmp(a, "-target=", 8) == 0)
            name = a + 8;
        else
            (*argv)[out++] = (*argv)[i];
    }
    *argc = out;
    (*argv)[out] = nullptr;
    g_target = pilot::fuzz::findFuzzTarget(name);
    if (!g_target) {
        std::fprintf(stderr, "pilot_fuzz: -target=NAME (or PILOT_FUZZ_TARGET) names one of:");
        for (const auto& t : pilot::fuzz::fuzzTargets())
            std::fprintf(stderr, " %s", t.name);
        std::fprintf(stderr, "\n");
        std::exit(2);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    g_target->run(data, size);
    return 0;
}

#ifdef PILOT_LIBFUZZER
// JSON targets: mostly edits of the document tree (byte edits seldom keep a document parseable).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned int seed) {
    static pilot::fuzz::Mutator m(seed);
    if (g_target->json && seed % 4 != 0) {
        std::string s(reinterpret_cast<const char*>(data), size);
        if (m.mutateJson(s) && s.size() <= maxSize) {
            std::memcpy(data, s.data(), s.size());
            return s.size();
        }
    }
    return LLVMFuzzerMutate(data, size, maxSize);
}

// libFuzzer brings main(); libsystemc still references sc_main.
int sc_main(int, char**) {
    return 0;
}
#endif
