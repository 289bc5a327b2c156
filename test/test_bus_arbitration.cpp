// SPDX-License-Identifier: MIT
// The grant of a shared command bus among the pseudo-channels of a channel (grantBus): which
// member's proposal issues when several want the bus in the same cycle.
#include <catch2/catch.hpp>

#include <vector>

#include "models/hbm/channel_arbiter.h"

using namespace pilot::hbm;

namespace {

// A proposal of a command serving a request that arrived at cycle `age`.
Candidate proposal(uint64_t age) {
    Candidate c;
    c.cmd = Command::ACT;
    c.age = age;
    c.seq = age;
    c.slot = 0;
    return c;
}

// The members granted over `rounds` decisions in which every member in `wanting` proposes.
std::vector<int> grants(BusArbitration policy, uint32_t members, const std::vector<uint32_t>& wanting,
                        int rounds) {
    std::vector<int> out;
    uint32_t rrNext = 0;
    for (int r = 0; r < rounds; ++r) {
        std::vector<Candidate> cands(members);
        for (uint32_t m : wanting)
            cands[m] = proposal(100 - m); // the higher member holds the older request
        out.push_back(grantBus(policy, cands, rrNext));
    }
    return out;
}

} // namespace

TEST_CASE("Bus arbitration: round robin takes turns among the members that want the bus",
          "[hbm][arbitration]") {
    CHECK(grants(BusArbitration::RoundRobin, 2, {0, 1}, 4) == std::vector<int>{0, 1, 0, 1});
    CHECK(grants(BusArbitration::RoundRobin, 4, {1, 3}, 4) == std::vector<int>{1, 3, 1, 3});
    // A member alone keeps the bus; none wanting it grants none.
    CHECK(grants(BusArbitration::RoundRobin, 4, {2}, 3) == std::vector<int>{2, 2, 2});
    CHECK(grants(BusArbitration::RoundRobin, 2, {}, 1) == std::vector<int>{-1});
}

TEST_CASE("Bus arbitration: oldest first grants the oldest request whatever the order",
          "[hbm][arbitration]") {
    CHECK(grants(BusArbitration::OldestFirst, 2, {0, 1}, 3) == std::vector<int>{1, 1, 1});
    CHECK(grants(BusArbitration::OldestFirst, 4, {0, 2}, 2) == std::vector<int>{2, 2});
    // Equal ages: the lower member.
    std::vector<Candidate> tie{proposal(7), proposal(7)};
    uint32_t rrNext = 0;
    CHECK(grantBus(BusArbitration::OldestFirst, tie, rrNext) == 0);
    CHECK(rrNext == 1);
}
