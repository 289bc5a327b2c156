// SPDX-License-Identifier: MIT
#pragma once
// The fuzz targets, by name: each takes one input (bytes) and must return normally for every
// input; a rejected input is one that throws a std::exception with a message (the loaders'
// `file: /json/pointer: reason` lines), which the target catches. A crash, a sanitizer report,
// an escaping exception or a failed invariant (FUZZ_CHECK) is a finding.
//
// Two drivers run them (test/fuzz/README.md): clang's libFuzzer (preset `fuzz`), and the
// seeded mutator in standalone_driver.cpp (every other build; CTest runs it with a fixed seed
// and run count over test/fuzz/corpus/<target>/, so CI is deterministic).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pilot::fuzz {

struct FuzzTarget {
    const char* name;
    // True when the input was accepted (loaded, or a descriptor ran): the standalone driver
    // keeps such inputs as bases for further mutations.
    bool (*run)(const uint8_t* data, size_t size);
    bool json; // the inputs are JSON documents: the mutator also edits them as JSON trees
};

const std::vector<FuzzTarget>& fuzzTargets();
const FuzzTarget* findFuzzTarget(const std::string& name);
// The target LLVMFuzzerInitialize chose (null before).
const FuzzTarget* selectedFuzzTarget();

// A failed invariant: prints the message and aborts (a finding under every driver).
[[noreturn]] void fuzzFail(const std::string& what);

} // namespace pilot::fuzz

#define FUZZ_CHECK(cond, what)                                                                               \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            ::pilot::fuzz::fuzzFail(std::string(#cond ": ") + (what));                                       \
    } while (0)
