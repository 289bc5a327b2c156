// SPDX-License-Identifier: MIT
// The controller's timing table (TimingState), one JEDEC rule at a time, without a SystemC
// kernel: record a command at a cycle, then ask for the earliest legal cycle of the command it
// constrains on the same bank, another bank of the same group, and a bank of another group.
// Expected cycles are written from the rule text with the memspec's fields (spec.t.RCDRD ...),
// not from the table's own output or from Memspec's helper functions.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "models/hbm/command.h"
#include "models/hbm/memspec.h"
#include "models/hbm/timing_table.h"

using namespace pilot::hbm;

namespace {

const Memspec& hbm3() {
    // The timing rules in isolation: one-cycle commands on a bus of each pseudo-channel's own,
    // ACT timings from its issue cycle. The shared bus and the ACT lag have tests of their own.
    static const Memspec spec = [] {
        Memspec m = loadMemspec(std::string(PILOT_SOURCE_DIR) + "/workloads/memspecs/hbm3-5200.json");
        m.bus = CommandBusSpec{};
        return m;
    }();
    return spec;
}

TimingState freshState(const Memspec& spec = hbm3()) {
    return TimingState(spec, spec.org.banksPerPc(), spec.org.bankGroupsPerPc());
}

// Flat bank and group indices of the HBM3 pseudo-channel (4 banks per group): banks 0 and 1
// share group 0; bank 4 is in group 1; bank 8 in group 2; bank 12 in group 3; bank 16 in group
// 4 (the second SID).
uint32_t groupOf(uint32_t bank) {
    return bank / hbm3().org.banksPerGroup;
}

struct At {
    TimingState& s;
    uint64_t operator()(Command c, uint32_t bank) const { return s.earliest(c, bank, groupOf(bank)); }
};

void rec(TimingState& s, Command c, uint32_t bank, uint64_t cycle) {
    s.record(c, bank, groupOf(bank), cycle);
}

using C = Command;
constexpr uint64_t kBase = 1000; // away from cycle 0, so "unconstrained" (0) is distinguishable

} // namespace

TEST_CASE("Timing: the HBM3 memspec has the bank-group layout these tests assume", "[hbm][timing]") {
    // The bank numbers below (0, 1 same group; 4, 8, 12, 16 other groups) rely on this.
    REQUIRE(hbm3().org.banksPerGroup == 4);
    REQUIRE(hbm3().org.bankGroupsPerPc() >= 5);
    // And the rules that distinguish the scopes must differ, or the tests could not tell them apart.
    const auto& T = hbm3().t;
    REQUIRE(T.CCDL > T.CCDS);
    REQUIRE(T.RRDL > T.RRDS);
    REQUIRE(T.WTRL > T.WTRS);
    REQUIRE(T.RC > T.RRDL);
}

TEST_CASE("Timing: a fresh state allows every command at cycle 0", "[hbm][timing]") {
    TimingState s = freshState();
    At at{s};
    for (size_t c = 0; c < kCommandCount; ++c)
        for (uint32_t b : {0u, 1u, 4u, 31u})
            CHECK(at(Command(c), b) == 0);
}

TEST_CASE("Timing: RD after ACT to the same bank waits tRCDRD, WR waits tRCDWR", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::ACT, 0, kBase);
    CHECK(at(C::RD, 0) == kBase + T.RCDRD);
    CHECK(at(C::RDA, 0) == kBase + T.RCDRD);
    CHECK(at(C::WR, 0) == kBase + T.RCDWR);
    CHECK(at(C::WRA, 0) == kBase + T.RCDWR);
    // tRCD is a bank rule: another bank, same group or not, may read at once.
    CHECK(at(C::RD, 1) == 0);
    CHECK(at(C::RD, 4) == 0);
}

TEST_CASE("Timing: ACT to PRE on the same bank waits tRAS and PRE to ACT waits tRP", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::ACT, 3, kBase);
    CHECK(at(C::PRE, 3) == kBase + T.RAS);
    CHECK(at(C::PREA, 3) == kBase + T.RAS);
    CHECK(at(C::PRE, 2) == 0);
    const uint64_t pre = kBase + T.RAS;
    rec(s, C::PRE, 3, pre);
    // ACT waits tRP after PRE and tRC after the previous ACT; both are checked in the row cycle.
    CHECK(at(C::ACT, 3) == std::max<uint64_t>(pre + T.RP, kBase + T.RC));
    CHECK(at(C::REFPB, 3) == pre + T.RP);
}

TEST_CASE("Timing: PREA to ACT waits tRP on every bank", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::PREA, 0, kBase);
    for (uint32_t b = 0; b < hbm3().org.banksPerPc(); ++b) {
        INFO("bank " << b);
        CHECK(at(C::ACT, b) == kBase + T.RP);
        CHECK(at(C::REFAB, b) == kBase + T.RP);
    }
}

TEST_CASE("Timing: RD to RD is tCCDL apart in the same bank group and tCCDS in another", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::RD, 0, kBase);
    CHECK(at(C::RD, 0) == kBase + T.CCDL); // same bank: same group
    CHECK(at(C::RD, 1) == kBase + T.CCDL); // same group, other bank
    CHECK(at(C::RDA, 1) == kBase + T.CCDL);
    CHECK(at(C::RD, 4) == kBase + T.CCDS);  // other group
    CHECK(at(C::RD, 16) == kBase + T.CCDS); // other SID
}

TEST_CASE("Timing: WR to WR is tCCDL apart in the same bank group and tCCDS in another", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::WR, 0, kBase);
    CHECK(at(C::WR, 1) == kBase + T.CCDL);
    CHECK(at(C::WRA, 1) == kBase + T.CCDL);
    CHECK(at(C::WR, 8) == kBase + T.CCDS);
}

TEST_CASE("Timing: RDA and WRA count as column commands for tCCD", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::RDA, 0, kBase);
    CHECK(at(C::RD, 1) == kBase + T.CCDL);
    CHECK(at(C::RD, 4) == kBase + T.CCDS);
    TimingState w = freshState();
    At atW{w};
    rec(w, C::WRA, 0, kBase);
    CHECK(atW(C::WR, 1) == kBase + T.CCDL);
    CHECK(atW(C::WR, 4) == kBase + T.CCDS);
}

TEST_CASE("Timing: ACT to ACT waits tRC on the same bank, tRRDL in the same group, tRRDS in another",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::ACT, 0, kBase);
    CHECK(at(C::ACT, 0) == kBase + T.RC);
    CHECK(at(C::ACT, 1) == kBase + T.RRDL);
    CHECK(at(C::ACT, 4) == kBase + T.RRDS);
    CHECK(at(C::ACT, 16) == kBase + T.RRDS);
}

TEST_CASE("Timing: the fifth ACT inside tFAW waits until the first ACT + tFAW", "[hbm][timing]") {
    const auto& T = hbm3().t;
    REQUIRE(T.FAW > 4 * T.RRDS); // otherwise tRRDS alone would space the fifth ACT
    TimingState s = freshState();
    At at{s};
    // Four ACTs tRRDS apart in four bank groups: tFAW does not delay any of them.
    const uint32_t banks[] = {0, 4, 8, 12, 16, 20};
    uint64_t t = kBase;
    for (int i = 0; i < 4; ++i) {
        INFO("ACT " << i + 1);
        CHECK(at(C::ACT, banks[i]) == (i == 0 ? 0 : t));
        rec(s, C::ACT, banks[i], t);
        t += T.RRDS;
    }
    // The fifth would be allowed by tRRDS at `t`, but four ACTs already lie in the window.
    const uint64_t fifth = kBase + T.FAW;
    CHECK(at(C::ACT, banks[4]) == std::max<uint64_t>(t, fifth));
    CHECK(at(C::ACT, banks[4]) == fifth);
    rec(s, C::ACT, banks[4], fifth);
    // The sixth's window starts at the second ACT: second + tFAW, or tRRDS after the fifth.
    const uint64_t second = kBase + T.RRDS;
    CHECK(at(C::ACT, banks[5]) == std::max<uint64_t>(second + T.FAW, fifth + T.RRDS));
}

TEST_CASE("Timing: WR to RD waits WL + nBL + tWTRL in the same bank group and WL + nBL + tWTRS in another",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::WR, 0, kBase);
    const uint64_t sameGroup = kBase + T.WL + T.nBL + T.WTRL;
    const uint64_t otherGroup = kBase + T.WL + T.nBL + T.WTRS;
    CHECK(at(C::RD, 0) == sameGroup);
    CHECK(at(C::RD, 1) == sameGroup);
    CHECK(at(C::RDA, 1) == sameGroup);
    CHECK(at(C::RD, 4) == otherGroup);
    CHECK(at(C::RD, 16) == otherGroup);
    // The turnaround counts from the end of the write burst: longer than tWTR alone.
    CHECK(at(C::RD, 4) > kBase + T.WTRS);
}

TEST_CASE("Timing: WRA to RD waits the same write-to-read turnaround as WR", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::WRA, 0, kBase);
    CHECK(at(C::RD, 1) == kBase + T.WL + T.nBL + T.WTRL);
    CHECK(at(C::RD, 4) == kBase + T.WL + T.nBL + T.WTRS);
}

TEST_CASE("Timing: RD to WR waits the bus turnaround RL + nBL + tRTW - WL in any bank group",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    const int64_t turnaround = int64_t(T.RL) + T.nBL + T.RTW - int64_t(T.WL);
    REQUIRE(turnaround > int64_t(T.CCDL)); // the turnaround, not tCCD, is what binds here
    TimingState s = freshState();
    At at{s};
    rec(s, C::RD, 0, kBase);
    CHECK(at(C::WR, 0) == kBase + uint64_t(turnaround));
    CHECK(at(C::WR, 1) == kBase + uint64_t(turnaround));
    CHECK(at(C::WRA, 4) == kBase + uint64_t(turnaround));
    CHECK(at(C::WR, 16) == kBase + uint64_t(turnaround));
}

TEST_CASE("Timing: RD to PRE on the same bank waits tRTPL", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::RD, 2, kBase);
    CHECK(at(C::PRE, 2) == kBase + T.RTPL);
    CHECK(at(C::PREA, 2) == kBase + T.RTPL);
    CHECK(at(C::PRE, 3) == 0); // a bank rule
}

TEST_CASE("Timing: WR to PRE on the same bank waits WL + nBL + tWR", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::WR, 2, kBase);
    CHECK(at(C::PRE, 2) == kBase + T.WL + T.nBL + T.WR);
    CHECK(at(C::PREA, 2) == kBase + T.WL + T.nBL + T.WR);
    CHECK(at(C::PRE, 3) == 0);
}

TEST_CASE("Timing: a realistic row cycle ACT, RD, PRE, ACT obeys tRCD, tRAS, tRTP, tRP and tRC",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::ACT, 5, kBase);
    const uint64_t rd = kBase + T.RCDRD;
    REQUIRE(at(C::RD, 5) == rd);
    rec(s, C::RD, 5, rd);
    const uint64_t pre = std::max<uint64_t>(kBase + T.RAS, rd + T.RTPL);
    REQUIRE(at(C::PRE, 5) == pre);
    rec(s, C::PRE, 5, pre);
    CHECK(at(C::ACT, 5) == std::max<uint64_t>(pre + T.RP, kBase + T.RC));
}

TEST_CASE("Timing: REFAB blocks ACT, REFAB and REFPB on every bank for tRFC", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::REFAB, 0, kBase);
    for (uint32_t b = 0; b < hbm3().org.banksPerPc(); ++b) {
        INFO("bank " << b);
        CHECK(at(C::ACT, b) == kBase + T.RFC);
        CHECK(at(C::REFAB, b) == kBase + T.RFC);
        CHECK(at(C::REFPB, b) == kBase + T.RFC);
    }
}

TEST_CASE("Timing: REFPB blocks its own bank for tRFCpb and other banks' ACT and REFPB for tRREFD",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    REQUIRE(T.RFCPB > T.RREFD);
    TimingState s = freshState();
    At at{s};
    rec(s, C::REFPB, 3, kBase);
    CHECK(at(C::ACT, 3) == kBase + T.RFCPB);
    CHECK(at(C::REFPB, 3) == kBase + T.RFCPB);
    for (uint32_t b : {0u, 2u, 4u, 16u, 31u}) {
        INFO("bank " << b);
        CHECK(at(C::ACT, b) == kBase + T.RREFD);
        CHECK(at(C::REFPB, b) == kBase + T.RREFD);
    }
    // An all-bank refresh must wait for the per-bank refresh in progress to finish.
    CHECK(at(C::REFAB, 0) == kBase + T.RFCPB);
}

TEST_CASE("Timing: REFPB after ACT to another bank waits tRRDS and after PRE to its bank waits tRP",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::ACT, 4, kBase);
    CHECK(at(C::REFPB, 9) == kBase + T.RRDS);
    rec(s, C::PRE, 9, kBase + 1);
    CHECK(at(C::REFPB, 9) == kBase + 1 + T.RP);
}

TEST_CASE("Timing: RDA to ACT on the same bank waits tRTPL + tRP (the auto-precharge)", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::RDA, 6, kBase);
    CHECK(at(C::ACT, 6) == kBase + T.RTPL + T.RP);
    CHECK(at(C::REFPB, 6) == kBase + T.RTPL + T.RP);
    CHECK(at(C::REFAB, 6) == kBase + T.RTPL + T.RP);
    CHECK(at(C::ACT, 7) == 0);
    // In a full row cycle the bank's ACT also waits tRC after the previous ACT.
    TimingState r = freshState();
    At atR{r};
    rec(r, C::ACT, 6, kBase);
    rec(r, C::RDA, 6, kBase + T.RCDRD);
    CHECK(atR(C::ACT, 6) == std::max<uint64_t>(kBase + T.RC, kBase + T.RCDRD + T.RTPL + T.RP));
}

TEST_CASE("Timing: WRA to ACT on the same bank waits WL + nBL + tWR + tRP (the auto-precharge)",
          "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::WRA, 6, kBase);
    const uint64_t recovery = T.WL + T.nBL + T.WR + T.RP;
    CHECK(at(C::ACT, 6) == kBase + recovery);
    CHECK(at(C::REFPB, 6) == kBase + recovery);
    CHECK(at(C::ACT, 7) == 0);
    // ACT, WRA at tRCDWR, ACT: write recovery exceeds tRC in this memspec, so it binds.
    TimingState r = freshState();
    At atR{r};
    rec(r, C::ACT, 6, kBase);
    rec(r, C::WRA, 6, kBase + T.RCDWR);
    const uint64_t expect = std::max<uint64_t>(kBase + T.RC, kBase + T.RCDWR + recovery);
    CHECK(atR(C::ACT, 6) == expect);
}

TEST_CASE("Timing: a later, looser constraint never lowers an earlier, stricter one", "[hbm][timing]") {
    const auto& T = hbm3().t;
    TimingState s = freshState();
    At at{s};
    rec(s, C::REFAB, 0, kBase);
    REQUIRE(kBase + 1 + T.RP < kBase + T.RFC);
    rec(s, C::PRE, 0, kBase + 1);
    CHECK(at(C::ACT, 0) == kBase + T.RFC);
}

TEST_CASE("Timing: every rule of the table has a source and a latency", "[hbm][timing]") {
    const auto rules = buildTimingTable(hbm3());
    REQUIRE(!rules.empty());
    for (const TimingRule& r : rules) {
        INFO(std::string(commandName(r.prev)) << " -> " << std::string(commandName(r.next)));
        CHECK(r.source != nullptr);
        CHECK(std::string(r.source).size() > 0);
        CHECK(r.cycles > 0);
    }
}
