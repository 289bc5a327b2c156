// SPDX-License-Identifier: MIT
// The flat hash index finds what was inserted and nothing else, through growth and erasure
// (checked against std::unordered_map on the same random operations).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <unordered_map>

#include "models/common/flat_index.h"

using pilot::common::FlatIndex;

TEST_CASE("Flat index: random inserts, erasures and lookups agree with std::unordered_map",
          "[common][index]") {
    FlatIndex index;
    std::unordered_map<uint64_t, uint32_t> reference;
    std::mt19937_64 rng(11);
    for (uint32_t step = 0; step < 200000; ++step) {
        // A small key range, so that keys come back after erasure and probe runs collide;
        // every fourth key a multiple of 2^20 (block numbers of one stride).
        const uint64_t key = step % 4 ? rng() % 5000 : (rng() % 64) << 20;
        switch (rng() % 3) {
        case 0: {
            bool fresh = false;
            const uint32_t v = index.insert(key, step, fresh);
            const auto [it, refFresh] = reference.try_emplace(key, step);
            REQUIRE(fresh == refFresh);
            REQUIRE(v == it->second);
            break;
        }
        case 1:
            REQUIRE(index.erase(key) == (reference.erase(key) == 1));
            break;
        default: {
            const uint32_t* v = index.find(key);
            const auto it = reference.find(key);
            REQUIRE((v != nullptr) == (it != reference.end()));
            if (v)
                REQUIRE(*v == it->second);
        }
        }
        REQUIRE(index.size() == reference.size());
    }
    // Every key left is still reachable after the erasures moved keys back along their runs.
    for (const auto& [key, value] : reference) {
        const uint32_t* v = index.find(key);
        REQUIRE(v != nullptr);
        CHECK(*v == value);
    }
}

TEST_CASE("Flat index: a value found can be changed in place", "[common][index]") {
    FlatIndex index;
    bool fresh = false;
    index.insert(7, 1, fresh) = 5;
    CHECK(fresh);
    REQUIRE(index.find(7) != nullptr);
    CHECK(*index.find(7) == 5);
    CHECK(index.insert(7, 9, fresh) == 5);
    CHECK_FALSE(fresh);
    CHECK(index.find(8) == nullptr);
}
