// SPDX-License-Identifier: MIT
#pragma once
// The seeded mutator of the standalone fuzz driver (and libFuzzer's custom mutator for the JSON
// targets): byte edits (bit flips, inserted, erased, duplicated and spliced ranges, tokens of a
// JSON dictionary, interesting numbers) and, for JSON inputs that parse, edits of the document
// tree (a value replaced by one of another type or an edge value, a key removed or added, a
// subtree copied elsewhere, an array emptied or grown). Same seed, same sequence of inputs.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pilot::fuzz {

class Mutator {
  public:
    explicit Mutator(uint64_t seed) : m_rng(seed) {}
    // A new input from `in` (and, for splices, another input of `pool`), at most maxLen bytes.
    std::string mutate(const std::string& in, const std::vector<std::string>& pool, bool json, size_t maxLen);
    // One edit of the document tree; false when `in` is not JSON.
    bool mutateJson(std::string& in);
    void mutateBytes(std::string& s, const std::vector<std::string>& pool);
    uint64_t next() { return m_rng(); }

  private:
    uint64_t below(uint64_t n) { return n ? m_rng() % n : 0; }
    std::mt19937_64 m_rng;
};

} // namespace pilot::fuzz
