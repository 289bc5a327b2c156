// SPDX-License-Identifier: MIT
// The protocol checker, one rule at a time: each test builds a legal sequence (no violation)
// and the same sequence with one command a cycle too early (exactly that rule, on the right
// bank and cycle). Timings come from the shipped HBM3-5200 memspec; the expected cycles are
// written from the rule text (JEDEC names), not from the checker's own output.
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/hbm/memspec.h"
#include "models/hbm/protocol_checker.h"

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

// Banks of the HBM3 pseudo-channel used below (4 banks per group, 4 groups per SID):
// 0 and 1 share group 0; 4, 8, 12 are in groups 1-3 of SID 0; 16 and 20 in groups 4-5 (SID 1).
struct Cmd {
    uint64_t cycle;
    Command cmd;
    uint32_t bank = 0;
    uint32_t row = 0;
    uint32_t pc = 0;
};

CommandRecord record(const Memspec& spec, const Cmd& c) {
    return {c.cycle, c.cmd, c.pc, BankId{c.bank}, BankGroupId{c.bank / spec.org.banksPerGroup}, c.row, 0};
}

ProtocolChecker check(const std::vector<Cmd>& seq, const Memspec& spec = hbm3(), uint32_t pcs = 1) {
    ProtocolChecker chk(spec, pcs);
    for (const Cmd& c : seq)
        chk.onCommand(record(spec, c));
    return chk;
}

std::string allLines(const ProtocolChecker& chk) {
    std::string s;
    for (const auto& v : chk.violations())
        s += v.line() + "\n";
    return s;
}

void requireClean(const ProtocolChecker& chk) {
    INFO(allLines(chk));
    REQUIRE(chk.violationCount() == 0);
}

void requireOnly(const ProtocolChecker& chk, const std::string& rule, uint32_t bank, uint64_t cycle) {
    INFO(allLines(chk));
    REQUIRE(chk.violationCount() == 1);
    const Violation& v = chk.violations().front();
    CHECK(v.rule == rule);
    CHECK(v.bank == bank);
    CHECK(v.cycle == cycle);
}

using C = Command;

} // namespace

TEST_CASE("Checker: RD one cycle before tRCD after ACT is a tRCD violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACT, 0, 7}, {T.RCDRD - early, C::RD, 0, 7}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRCD", 0, T.RCDRD - 1);
}

TEST_CASE("Checker: WRA one cycle before tRCDWR after ACT is a tRCD violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACT, 5, 3}, {T.RCDWR - early, C::WRA, 5, 3}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRCD", 5, T.RCDWR - 1);
}

TEST_CASE("Checker: PRE one cycle before tRAS after ACT is a tRAS violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACT, 2, 1}, {T.RAS - early, C::PRE, 2}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRAS", 2, T.RAS - 1);
}

TEST_CASE("Checker: PREA one cycle before tRAS of its youngest open bank is a tRAS violation on that bank",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 0, 1}, {10, C::ACT, 4, 1}, {10 + T.RAS - early, C::PREA}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRAS", 4, 10 + T.RAS - 1);
}

TEST_CASE("Checker: ACT one cycle before tRP after PRE is a tRP violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t pre = T.RAS + 10; // late enough that tRC does not bind
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 3, 1}, {pre, C::PRE, 3}, {pre + T.RP - early, C::ACT, 3, 2}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRP", 3, pre + T.RP - 1);
}

TEST_CASE("Checker: ACT one cycle before tRP after PREA is a tRP violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t prea = T.RAS + 10;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 9, 1}, {prea, C::PREA}, {prea + T.RP - early, C::ACT, 9, 2}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRP", 9, prea + T.RP - 1);
}

TEST_CASE("Checker: REFPB or REFAB one cycle before tRP after PRE is a tRP violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t pre = T.RAS + 10;
    for (Command ref : {C::REFPB, C::REFAB}) {
        INFO(std::string(commandName(ref)));
        auto seq = [&](uint64_t early) {
            return check({{0, C::ACT, 6, 1}, {pre, C::PRE, 6}, {pre + T.RP - early, ref, 6}});
        };
        requireClean(seq(0));
        requireOnly(seq(1), "tRP", 6, pre + T.RP - 1);
    }
}

TEST_CASE("Checker: PRE to a closed bank is a no-op and sets no tRP", "[hbm][checker]") {
    // JEDEC: a precharge to a bank with no open row is a NOP; an ACT right after it is legal.
    requireClean(check({{0, C::PREA}, {1, C::PRE, 0}, {2, C::ACT, 0, 1}, {3, C::PRE, 5}, {4, C::ACT, 5, 1}}));
}

TEST_CASE("Checker: ACT one cycle before tRC after ACT to the same bank is a tRC violation",
          "[hbm][checker]") {
    // In the shipped memspec RC = RAS + RP, so an early ACT after a legal PRE breaks tRP as
    // well; a longer RC isolates tRC.
    Memspec spec = hbm3();
    spec.t.RC = spec.t.RAS + spec.t.RP + 6;
    const auto& T = spec.t;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 1, 1}, {T.RAS, C::PRE, 1}, {T.RC - early, C::ACT, 1, 2}}, spec);
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRC", 1, T.RC - 1);
}

TEST_CASE("Checker: ACT one cycle before tRRDL in the same bank group is a tRRD violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACT, 0, 1}, {T.RRDL - early, C::ACT, 1, 1}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRRD", 1, T.RRDL - 1);
}

TEST_CASE("Checker: ACT one cycle before tRRDS in another bank group is a tRRD violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACT, 0, 1}, {T.RRDS - early, C::ACT, 4, 1}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRRD", 4, T.RRDS - 1);
}

TEST_CASE("Checker: a fifth ACT one cycle inside tFAW of the fourth-previous is a tFAW violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    // Four ACTs tRRDS apart in four groups, a fifth at FAW, a sixth tRRDS later (its window
    // starts at the second ACT). Moving the fifth one cycle earlier breaks only tFAW.
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 0, 1},
                      {2, C::ACT, 4, 1},
                      {4, C::ACT, 8, 1},
                      {6, C::ACT, 12, 1},
                      {T.FAW - early, C::ACT, 16, 1},
                      {2 + T.FAW, C::ACT, 20, 1}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tFAW", 16, T.FAW - 1);
}

namespace {
// Banks 0, 1 (group 0) and 4 (group 1) open at row 1, all past tRCD by cycle 30.
std::vector<Cmd> threeOpenBanks(const Timing& T) {
    return {{0, C::ACT, 0, 1}, {T.RRDL, C::ACT, 1, 1}, {T.RRDL + T.RRDS, C::ACT, 4, 1}};
}
std::vector<Cmd> plus(std::vector<Cmd> seq, std::initializer_list<Cmd> more) {
    seq.insert(seq.end(), more);
    return seq;
}
} // namespace

TEST_CASE("Checker: RD after RD in the same bank group one cycle before tCCDL is a tCCD violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::RD, 0, 1}, {30 + T.CCDL - early, C::RDA, 1, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tCCD", 1, 30 + T.CCDL - 1);
}

TEST_CASE("Checker: RD after RD in another bank group one cycle before tCCDS is a tCCD violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::RD, 0, 1}, {30 + T.CCDS - early, C::RD, 4, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tCCD", 4, 30 + T.CCDS - 1);
}

TEST_CASE("Checker: tCCDS counts from the latest RD of any other bank group", "[hbm][checker]") {
    const auto& T = hbm3().t;
    // Group 1 reads, then group 0 twice; group 1's next read is tCCDS after group 0's second.
    const uint64_t last = 30 + T.CCDS + T.CCDL;
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::RD, 4, 1},
                                              {30 + T.CCDS, C::RD, 0, 1},
                                              {last, C::RD, 1, 1},
                                              {last + T.CCDS - early, C::RD, 4, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tCCD", 4, last + T.CCDS - 1);
}

TEST_CASE("Checker: WR after WR in the same bank group one cycle before tCCDL is a tCCD violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::WR, 0, 1}, {30 + T.CCDL - early, C::WR, 1, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tCCD", 1, 30 + T.CCDL - 1);
}

TEST_CASE("Checker: WR one cycle before RL + nBL + RTW - WL after RD is a tRTW violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t rtw = hbm3().readToWrite();
    REQUIRE(rtw == uint64_t(T.RL) + T.nBL + T.RTW - T.WL); // 18 for HBM3-5200: not the CCDS floor
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::RD, 0, 1}, {30 + rtw - early, C::WR, 4, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRTW", 4, 30 + rtw - 1);
}

TEST_CASE("Checker: RD in the same bank group one cycle before WL + nBL + tWTRL after WR is a tWTR violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t wtr = uint64_t(T.WL) + T.nBL + T.WTRL;
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::WRA, 0, 1}, {30 + wtr - early, C::RD, 1, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tWTR", 1, 30 + wtr - 1);
}

TEST_CASE("Checker: RD in another bank group one cycle before WL + nBL + tWTRS after WR is a tWTR violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t wtr = uint64_t(T.WL) + T.nBL + T.WTRS;
    auto seq = [&](uint64_t early) {
        return check(plus(threeOpenBanks(T), {{30, C::WR, 0, 1}, {30 + wtr - early, C::RD, 4, 1}}));
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tWTR", 4, 30 + wtr - 1);
}

TEST_CASE("Checker: PRE one cycle before tRTPL after RD is a tRTP violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t rd = 40; // late enough that tRAS does not bind
    REQUIRE(rd + T.RTPL - 1 >= T.RAS);
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 7, 1}, {rd, C::RD, 7, 1}, {rd + T.RTPL - early, C::PRE, 7}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRTP", 7, rd + T.RTPL - 1);
}

TEST_CASE("Checker: PRE one cycle before WL + nBL + tWR after WR is a tWR violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t wr = T.RCDWR;
    const uint64_t pre = wr + T.WL + T.nBL + T.WR;
    REQUIRE(pre - 1 >= T.RAS);
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 7, 1}, {wr, C::WR, 7, 1}, {pre - early, C::PRE, 7}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tWR", 7, pre - 1);
}

TEST_CASE(
    "Checker: RDA whose auto-precharge would cut the write recovery of an earlier WR is a tWR violation",
    "[hbm][checker]") {
    const auto& T = hbm3().t;
    // Late enough after ACT that tRAS does not delay the auto-precharge: it starts at RDA + tRTPL.
    const uint64_t wr = 60;
    const uint64_t rda = wr + T.WL + T.nBL + T.WR - T.RTPL;
    REQUIRE(rda - wr >= hbm3().writeToRead(true)); // tWTR is not what binds
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 7, 1}, {wr, C::WR, 7, 1}, {rda - early, C::RDA, 7, 1}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tWR", 7, rda - 1);
}

TEST_CASE("Checker: ACT one cycle before tRP after the auto-precharge of RDA is a tRP violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t rda = 40;
    const uint64_t act = rda + T.RTPL + T.RP; // the precharge starts tRTPL after RDA (tRAS passed)
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 8, 1}, {rda, C::RDA, 8, 1}, {act - early, C::ACT, 8, 2}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRP", 8, act - 1);
}

TEST_CASE("Checker: ACT one cycle before tRP after the auto-precharge of WRA is a tRP violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t wra = T.RCDWR;
    const uint64_t act = wra + T.WL + T.nBL + T.WR + T.RP; // write recovery, then tRP
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 8, 1}, {wra, C::WRA, 8, 1}, {act - early, C::ACT, 8, 2}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRP", 8, act - 1);
}

TEST_CASE("Checker: the auto-precharge of an early RDA waits for tRAS", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t act = T.RAS + T.RP; // not RCDRD + RTPL + RP: tRAS binds
    requireClean(check({{0, C::ACT, 8, 1}, {T.RCDRD, C::RDA, 8, 1}, {act, C::ACT, 8, 2}}));
    // One cycle earlier breaks tRP after the auto-precharge (and tRC, which equals RAS + RP here).
    auto chk = check({{0, C::ACT, 8, 1}, {T.RCDRD, C::RDA, 8, 1}, {act - 1, C::ACT, 8, 2}});
    INFO(allLines(chk));
    bool trp = false;
    for (const auto& v : chk.violations()) {
        CHECK((v.rule == "tRP" || v.rule == "tRC"));
        trp = trp || (v.rule == "tRP" && v.bank == 8 && v.cycle == act - 1);
    }
    CHECK(trp);
}

TEST_CASE("Checker: a column command after RDA to the same bank is a bank-state violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    requireClean(check({{0, C::ACT, 0, 1}, {T.RCDRD, C::RD, 0, 1}, {T.RCDRD + T.CCDL, C::RD, 0, 1}}));
    requireOnly(check({{0, C::ACT, 0, 1}, {T.RCDRD, C::RDA, 0, 1}, {T.RCDRD + T.CCDL, C::RD, 0, 1}}),
                "bank-state", 0, T.RCDRD + T.CCDL);
}

TEST_CASE("Checker: PRE after RDA is a no-op, not a tRAS or tRTP violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    requireClean(check({{0, C::ACT, 0, 1}, {T.RCDRD, C::RDA, 0, 1}, {T.RCDRD + 1, C::PRE, 0}}));
}

TEST_CASE("Checker: ACT to an open bank is a bank-state violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    requireClean(check({{0, C::ACT, 0, 1}, {T.RAS, C::PRE, 0}, {100, C::ACT, 0, 2}}));
    requireOnly(check({{0, C::ACT, 0, 1}, {100, C::ACT, 0, 2}}), "bank-state", 0, 100);
}

TEST_CASE("Checker: RD or WR to a closed bank or to another row is a bank-state violation",
          "[hbm][checker]") {
    requireClean(check({{0, C::ACT, 3, 7}, {30, C::RD, 3, 7}}));
    requireOnly(check({{30, C::RD, 3, 7}}), "bank-state", 3, 30);
    requireOnly(check({{0, C::ACT, 3, 7}, {30, C::WR, 3, 8}}), "bank-state", 3, 30);
}

TEST_CASE("Checker: REFPB to an open bank and REFAB while a bank is open are bank-state violations",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    requireClean(check({{0, C::ACT, 5, 1}, {T.RAS, C::PRE, 5}, {T.RAS + T.RP, C::REFPB, 5}}));
    requireOnly(check({{0, C::ACT, 5, 1}, {300, C::REFPB, 5}}), "bank-state", 5, 300);
    requireClean(check({{0, C::ACT, 5, 1}, {T.RAS, C::PREA}, {T.RAS + T.RP, C::REFAB}}));
    requireOnly(check({{0, C::ACT, 5, 1}, {300, C::REFAB}}), "bank-state", 5, 300);
}

TEST_CASE("Checker: ACT, REFAB or REFPB one cycle before tRFC after REFAB is a tRFC violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    for (Command next : {C::ACT, C::REFPB, C::REFAB}) {
        INFO(std::string(commandName(next)));
        auto seq = [&](uint64_t early) { return check({{0, C::REFAB}, {T.RFC - early, next, 11, 1}}); };
        requireClean(seq(0));
        requireOnly(seq(1), "tRFC", next == C::REFAB ? kAllBanks : 11, T.RFC - 1);
    }
}

TEST_CASE("Checker: ACT or REFPB to a bank one cycle before tRFCpb after its REFPB is a tRFCpb violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    for (Command next : {C::ACT, C::REFPB}) {
        INFO(std::string(commandName(next)));
        auto seq = [&](uint64_t early) { return check({{0, C::REFPB, 2}, {T.RFCPB - early, next, 2, 1}}); };
        requireClean(seq(0));
        requireOnly(seq(1), "tRFCpb", 2, T.RFCPB - 1);
    }
}

TEST_CASE("Checker: REFPB or ACT to another bank one cycle before tRREFD after REFPB is a tRREFD violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    for (Command next : {C::REFPB, C::ACT}) {
        INFO(std::string(commandName(next)));
        auto seq = [&](uint64_t early) { return check({{0, C::REFPB, 0}, {T.RREFD - early, next, 1, 1}}); };
        requireClean(seq(0));
        requireOnly(seq(1), "tRREFD", 1, T.RREFD - 1);
    }
}

TEST_CASE("Checker: REFPB to another bank one cycle before tRRDS after ACT is a tRREFD violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACT, 0, 1}, {T.RRDS - early, C::REFPB, 1}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRREFD", 1, T.RRDS - 1);
}

TEST_CASE("Checker: two row commands in one cycle are a command-bus violation", "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 0, 1}, {T.RAS, C::PRE, 0}, {T.RAS + 1 - early, C::ACT, 4, 1}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "command-bus", 4, T.RAS);
}

TEST_CASE("Checker: a row and a column command share a cycle, two column commands do not", "[hbm][checker]") {
    const auto& T = hbm3().t;
    requireClean(check({{0, C::ACT, 0, 1}, {T.RCDRD, C::RD, 0, 1}, {T.RCDRD, C::ACT, 4, 1}}));
    // Two column commands in one cycle also break tCCD; the bus rule must be among them.
    auto chk = check({{0, C::ACT, 0, 1}, {2, C::ACT, 4, 1}, {30, C::RD, 0, 1}, {30, C::RD, 4, 1}});
    bool bus = false;
    for (const auto& v : chk.violations())
        bus = bus || (v.rule == "command-bus" && v.bank == 4 && v.cycle == 30);
    INFO(allLines(chk));
    CHECK(bus);
}

TEST_CASE(
    "Checker: a command earlier than the last one seen on its pseudo-channel is a command-bus violation",
    "[hbm][checker]") {
    const auto& T = hbm3().t;
    // PRE to a closed bank is a no-op, so only the order is at fault.
    requireClean(check({{0, C::ACT, 0, 1}, {T.RCDRD, C::RD, 0, 1}, {T.RCDRD, C::PRE, 9}}));
    requireOnly(check({{0, C::ACT, 0, 1}, {T.RCDRD, C::RD, 0, 1}, {T.RCDRD - 1, C::PRE, 9}}), "command-bus",
                9, T.RCDRD - 1);
}

TEST_CASE("Checker: pseudo-channels are independent", "[hbm][checker]") {
    const auto& T = hbm3().t;
    // The same commands in the same cycles on two pseudo-channels break nothing.
    requireClean(check(
        {{0, C::ACT, 0, 1, 0}, {0, C::ACT, 0, 1, 1}, {T.RCDRD, C::RD, 0, 1, 0}, {T.RCDRD, C::RD, 0, 1, 1}},
        hbm3(), 2));
    // A mistake on pc 1 is reported on pc 1 only.
    auto chk = check({{0, C::ACT, 0, 1, 0},
                      {0, C::ACT, 0, 1, 1},
                      {T.RCDRD, C::RD, 0, 1, 0},
                      {T.RCDRD - 1, C::RD, 0, 1, 1}},
                     hbm3(), 2);
    requireOnly(chk, "tRCD", 0, T.RCDRD - 1);
    CHECK(chk.violations().front().pc == 1);
    CHECK_THROWS_AS(check({{0, C::ACT, 0, 1, 2}}, hbm3(), 2), std::out_of_range);
    CHECK_THROWS_AS(check({{0, C::ACT, hbm3().org.banksPerPc(), 1}}), std::out_of_range);
}

TEST_CASE("Checker: a bank not refreshed for 10 x REFI is a tREFI violation at finish", "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint32_t banks = hbm3().org.banksPerPc();
    {
        ProtocolChecker chk(hbm3(), 1);
        chk.finish(9ull * T.REFI); // 8 refreshes postponed: still legal
        requireClean(chk);
    }
    ProtocolChecker chk(hbm3(), 2);
    chk.onCommand(record(hbm3(), {5ull * T.REFI, C::REFAB, 0, 0, 1})); // pc 1 is refreshed, pc 0 never
    chk.finish(10ull * T.REFI);
    INFO(allLines(chk));
    REQUIRE(chk.violationCount() == banks);
    for (uint32_t b = 0; b < banks; ++b) {
        const Violation& v = chk.violations()[b];
        CHECK(v.rule == "tREFI");
        CHECK(v.pc == 0);
        CHECK(v.bank == b);
        CHECK(v.cycle == 10ull * T.REFI);
        CHECK(v.cmd == kEndOfSimulation);
    }
}

TEST_CASE("Checker: REFPB one cycle later than 9 x REFI after the last refresh is a tREFI violation",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    const uint64_t deadline = 9ull * T.REFI;
    // Counted from cycle 0, then from each refresh of the bank.
    requireClean(check({{deadline, C::REFPB, 3}, {2 * deadline, C::REFPB, 3}}));
    requireOnly(check({{deadline + 1, C::REFPB, 3}}), "tREFI", 3, deadline + 1);
    requireOnly(check({{100, C::REFAB}, {100 + deadline + 1, C::REFPB, 3}}), "tREFI", 3, 100 + deadline + 1);
}

TEST_CASE("Checker: a long legal sequence with REFAB every REFI has no violation", "[hbm][checker]") {
    const Memspec& m = hbm3();
    const auto& T = m.t;
    const uint32_t banks = m.org.banksPerPc();
    const uint64_t windows = 20;
    ProtocolChecker chk(m, 1);
    auto issue = [&](uint64_t t, Command c, uint32_t bank = 0, uint32_t row = 0) {
        chk.onCommand(record(m, {t, c, bank, row}));
    };
    uint32_t bank = 0;
    for (uint64_t k = 0; k < windows; ++k) {
        const uint64_t end = (k + 1) * T.REFI;
        issue(k * T.REFI, C::REFAB);
        uint64_t c = k * T.REFI + T.RFC;
        for (uint32_t i = 0; c + 200 < end; ++i) {
            // One bank after another (step 5 visits all 32 banks and alternates groups and SIDs);
            // the next ACT goes out while this bank still precharges.
            const uint32_t b = bank;
            const uint32_t row = (i * 7) % m.org.rows;
            bank = (bank + 5) % banks;
            issue(c, C::ACT, b, row);
            const uint64_t rd = c + T.RCDRD;
            issue(rd, C::RD, b, row);
            issue(rd + T.CCDL, C::RD, b, row);
            const uint64_t wr = rd + T.CCDL + m.readToWrite();
            switch (i % 3) {
            case 0: {
                issue(wr, C::WR, b, row);
                const uint64_t pre = std::max<uint64_t>(c + T.RAS, wr + T.WL + T.nBL + T.WR);
                issue(pre, C::PRE, b);
                c = pre + 1;
                break;
            }
            case 1:
                issue(rd + 2 * T.CCDL, C::RDA, b, row);
                c = rd + 2 * T.CCDL + 1;
                break;
            default:
                issue(wr, C::WRA, b, row);
                c = wr + 1;
                break;
            }
        }
    }
    chk.finish(windows * T.REFI);
    requireClean(chk);
    CHECK(chk.commandsChecked() > 1000);
}

TEST_CASE("Checker: REFPB to every bank in turn, REFI / banks apart, has no violation", "[hbm][checker]") {
    const Memspec& m = hbm3();
    const uint64_t step = m.refiPerBank();
    const uint64_t n = 20ull * m.t.REFI / step;
    ProtocolChecker chk(m, 1);
    for (uint64_t i = 0; i < n; ++i)
        chk.onCommand(record(m, {i * step, C::REFPB, uint32_t(i % m.org.banksPerPc())}));
    chk.finish(n * step);
    requireClean(chk);
    CHECK(chk.commandsChecked() == n);
}

TEST_CASE("Checker: keeps the first 1000 violations and counts all", "[hbm][checker]") {
    const Memspec& m = hbm3();
    ProtocolChecker chk(m, 1);
    for (uint64_t i = 0; i < 1500; ++i)
        chk.onCommand(record(m, {i * m.t.CCDL, C::RD, 0, 0})); // bank closed
    CHECK(chk.violationCount() == 1500);
    CHECK(chk.violations().size() == ProtocolChecker::kKeptViolations);
    CHECK(chk.violations().back().cycle == 999 * m.t.CCDL);
    CHECK(chk.commandsChecked() == 1500);
}

TEST_CASE("Checker: a violation line names pc, bank, cycle, time, command, rule and the gap",
          "[hbm][checker]") {
    const auto& T = hbm3().t;
    auto chk = check({{0, C::ACT, 5, 1, 0}, {T.RCDRD - 1, C::RD, 5, 1, 0}});
    REQUIRE(chk.violationCount() == 1);
    // 18 cycles x 0.769 ns = 13.842 ns
    CHECK(chk.violations().front().line() ==
          "pc 0 bank 5 cycle 18 (13.8 ns): RD violates tRCD: 18 cycles after ACT, needs 19");
}

// ---- PIM all-bank commands: ACTAB, MRD, MWR, PEOP ----------------------------------------------
// CommandRecord::bank is ignored for them; a rule broken by all banks is reported once, on
// kAllBanks. The shipped memspec has no all-bank power limit; powerLimited() turns it on.

namespace {
Memspec powerLimited(Memspec spec = hbm3()) {
    spec.pimAllBankPowerLimit = true;
    return spec;
}
} // namespace

TEST_CASE("Checker: MRD one cycle before tRCD after ACTAB is a tRCD violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACTAB, 0, 7}, {T.RCDRD - early, C::MRD, 0, 7}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRCD", kAllBanks, T.RCDRD - 1);
}

TEST_CASE("Checker: MWR one cycle before tRCDWR after ACTAB is a tRCD violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    auto seq = [&](uint64_t early) { return check({{0, C::ACTAB, 0, 7}, {T.RCDWR - early, C::MWR, 0, 7}}); };
    requireClean(seq(0));
    requireOnly(seq(1), "tRCD", kAllBanks, T.RCDWR - 1);
}

TEST_CASE("Checker: RD or WR to one bank one cycle before tRCD after ACTAB is a tRCD violation on that bank",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    for (Command next : {C::RD, C::RDA, C::WR, C::WRA}) {
        INFO(std::string(commandName(next)));
        const uint64_t rcd = isRead(next) ? T.RCDRD : T.RCDWR;
        auto seq = [&](uint64_t early) { return check({{0, C::ACTAB, 0, 7}, {rcd - early, next, 13, 7}}); };
        requireClean(seq(0));
        requireOnly(seq(1), "tRCD", 13, rcd - 1);
    }
}

TEST_CASE("Checker: MRD after a per-bank ACT counts tRCD from that ACT", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    // ACTAB, then bank 9 closed and opened again at the same row: every bank is open at row 7,
    // but bank 9 only since its ACT.
    const uint64_t pre = T.RAS, act = T.RC;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 7},
                      {pre, C::PRE, 9},
                      {act, C::ACT, 9, 7},
                      {act + T.RCDRD - early, C::MRD, 0, 7}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRCD", kAllBanks, act + T.RCDRD - 1);
}

TEST_CASE("Checker: all-bank MRDs closer than tCCD_L are a tCCD violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    REQUIRE_FALSE(hbm3().pimAllBankPowerLimit);
    for (Command c : {C::MRD, C::MWR}) {
        INFO(std::string(commandName(c)));
        auto seq = [&](uint64_t early) {
            return check({{0, C::ACTAB, 0, 3}, {30, c, 0, 3}, {30 + T.CCDL - early, c, 0, 3}});
        };
        requireClean(seq(0));
        requireOnly(seq(1), "tCCD", kAllBanks, 30 + T.CCDL - 1);
    }
}

TEST_CASE("Checker: under the all-bank power limit, MRDs closer than tCCDAB are a tCCD violation",
          "[hbm][checker][pim]") {
    const Memspec spec = powerLimited();
    const auto& T = spec.t;
    const uint64_t ccd = std::max(T.CCDAB, T.CCDL);
    REQUIRE(ccd > T.CCDL); // 6 > 4 in the shipped memspec: CCDAB binds
    for (Command c : {C::MRD, C::MWR}) {
        INFO(std::string(commandName(c)));
        auto seq = [&](uint64_t early) {
            return check({{0, C::ACTAB, 0, 3}, {30, c, 0, 3}, {30 + ccd - early, c, 0, 3}}, spec);
        };
        requireClean(seq(0));
        requireOnly(seq(1), "tCCD", kAllBanks, 30 + ccd - 1);
    }
}

TEST_CASE("Checker: all-bank and per-bank column commands keep tCCD_L and tWTR_L between them",
          "[hbm][checker][pim]") {
    const Memspec& m = hbm3();
    const auto& T = m.t;
    const uint64_t wtr = m.writeToRead(true);
    // RDA after a write also waits until its auto-precharge (tRTPL later) respects tWR.
    const uint64_t rdaAfterWrite = T.WL + T.nBL + T.WR - T.RTPL;
    const uint64_t wtrRda = std::max<uint64_t>(wtr, rdaAfterWrite);
    const char* wtrRdaRule = rdaAfterWrite > wtr ? "tWR" : "tWTR";
    struct Pair {
        Command prev, next;
        uint64_t need;
        const char* rule;
    };
    const Pair pairs[] = {
        {C::MRD, C::MWR, T.CCDL, "tCCD"}, {C::MRD, C::RD, T.CCDL, "tCCD"},
        {C::MRD, C::RDA, T.CCDL, "tCCD"}, {C::MRD, C::WR, T.CCDL, "tCCD"},
        {C::MRD, C::WRA, T.CCDL, "tCCD"}, {C::RD, C::MRD, T.CCDL, "tCCD"},
        {C::RD, C::MWR, T.CCDL, "tCCD"},  {C::MWR, C::MRD, wtr, "tWTR"},
        {C::MWR, C::RD, wtr, "tWTR"},     {C::MWR, C::RDA, wtrRda, wtrRdaRule},
        {C::WR, C::MRD, wtr, "tWTR"},     {C::WR, C::MWR, T.CCDL, "tCCD"},
        {C::MWR, C::WR, T.CCDL, "tCCD"},  {C::MWR, C::WRA, T.CCDL, "tCCD"},
    };
    for (const Pair& p : pairs) {
        INFO(std::string(commandName(p.prev)) + " -> " + std::string(commandName(p.next)));
        // The per-bank command goes to bank 6; the ACTAB opened row 2 everywhere.
        const uint32_t nextBank = isPim(p.next) ? kAllBanks : 6;
        auto seq = [&](uint64_t early) {
            return check({{0, C::ACTAB, 0, 2}, {30, p.prev, 6, 2}, {30 + p.need - early, p.next, 6, 2}});
        };
        requireClean(seq(0));
        requireOnly(seq(1), p.rule, nextBank, 30 + p.need - 1);
    }
}

TEST_CASE("Checker: MRD or MWR with a bank closed or at another row is a bank-state violation",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    // No ACTAB: every bank closed, reported once.
    requireOnly(check({{30, C::MRD, 0, 4}}), "bank-state", kAllBanks, 30);
    // Another row than the ACTAB's, in every bank.
    requireOnly(check({{0, C::ACTAB, 0, 4}, {30, C::MWR, 0, 5}}), "bank-state", kAllBanks, 30);
    // One bank precharged: only that bank; open again at the row, the MRD is legal again.
    const uint64_t pre = T.RAS, act = T.RC;
    requireOnly(check({{0, C::ACTAB, 0, 4}, {pre, C::PRE, 21}, {act, C::MRD, 0, 4}}), "bank-state", 21, act);
    requireClean(check({{0, C::ACTAB, 0, 4},
                        {pre, C::PRE, 21},
                        {act, C::ACT, 21, 4},
                        {act + T.RCDRD, C::MRD, 0, 4},
                        {act + T.RCDRD + T.CCDL, C::MRD, 0, 4}}));
    // Opened at another row, or closed by an RDA: caught although every bank was open before.
    requireOnly(
        check({{0, C::ACTAB, 0, 4}, {pre, C::PRE, 21}, {act, C::ACT, 21, 9}, {act + T.RCDRD, C::MRD, 0, 4}}),
        "bank-state", 21, act + T.RCDRD);
    requireOnly(check({{0, C::ACTAB, 0, 4}, {30, C::MRD, 0, 4}, {40, C::RDA, 11, 4}, {50, C::MRD, 0, 4}}),
                "bank-state", 11, 50);
}

TEST_CASE("Checker: ACTAB to an open bank is a bank-state violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    requireClean(check({{0, C::ACT, 5, 1}, {T.RAS, C::PRE, 5}, {T.RC, C::ACTAB, 0, 2}}));
    requireOnly(check({{0, C::ACT, 5, 1}, {100, C::ACTAB, 0, 2}}), "bank-state", 5, 100);
    // ACTAB after ACTAB without a PREA: every bank is open, one violation.
    requireOnly(check({{0, C::ACTAB, 0, 1}, {100, C::ACTAB, 0, 2}}), "bank-state", kAllBanks, 100);
}

TEST_CASE("Checker: ACTAB one cycle before tRP after PREA is a tRP violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    const uint64_t prea = T.RAS + 10; // late enough that tRC does not bind
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {prea, C::PREA}, {prea + T.RP - early, C::ACTAB, 0, 2}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRP", kAllBanks, prea + T.RP - 1);
    // One bank precharged late: that bank alone binds.
    auto one = [&](uint64_t early) {
        return check({{0, C::ACT, 3, 1}, {prea, C::PRE, 3}, {prea + T.RP - early, C::ACTAB, 0, 2}});
    };
    requireClean(one(0));
    requireOnly(one(1), "tRP", 3, prea + T.RP - 1);
}

TEST_CASE("Checker: ACTAB one cycle before tRP after the auto-precharge of RDA is a tRP violation",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    const uint64_t rda = 40;
    const uint64_t actab = rda + T.RTPL + T.RP;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 8, 1}, {rda, C::RDA, 8, 1}, {actab - early, C::ACTAB, 0, 2}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRP", 8, actab - 1);
}

TEST_CASE("Checker: ACT or ACTAB one cycle before tRC after ACTAB is a tRC violation",
          "[hbm][checker][pim]") {
    Memspec spec = hbm3();
    spec.t.RC = spec.t.RAS + spec.t.RP + 6; // isolates tRC from tRP, as for ACT
    const auto& T = spec.t;
    auto act = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {T.RAS, C::PREA}, {T.RC - early, C::ACT, 2, 2}}, spec);
    };
    requireClean(act(0));
    requireOnly(act(1), "tRC", 2, T.RC - 1);
    auto actab = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {T.RAS, C::PREA}, {T.RC - early, C::ACTAB, 0, 2}}, spec);
    };
    requireClean(actab(0));
    requireOnly(actab(1), "tRC", kAllBanks, T.RC - 1);
}

TEST_CASE("Checker: REFAB or REFPB one cycle before tRC after ACTAB is a tRC violation",
          "[hbm][checker][pim]") {
    Memspec spec = hbm3();
    spec.t.RC = spec.t.RAS + spec.t.RP + 6;
    const auto& T = spec.t;
    for (Command ref : {C::REFAB, C::REFPB}) {
        INFO(std::string(commandName(ref)));
        auto seq = [&](uint64_t early) {
            return check({{0, C::ACTAB, 0, 1}, {T.RAS, C::PREA}, {T.RC - early, ref, 10}}, spec);
        };
        requireClean(seq(0));
        requireOnly(seq(1), "tRC", ref == C::REFAB ? kAllBanks : 10, T.RC - 1);
    }
}

TEST_CASE("Checker: ACTAB one cycle before tRFC after REFAB or tRFCpb after REFPB is a violation",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    auto refab = [&](uint64_t early) { return check({{0, C::REFAB}, {T.RFC - early, C::ACTAB, 0, 1}}); };
    requireClean(refab(0));
    requireOnly(refab(1), "tRFC", kAllBanks, T.RFC - 1);
    auto refpb = [&](uint64_t early) {
        return check({{0, C::REFPB, 14}, {T.RFCPB - early, C::ACTAB, 0, 1}});
    };
    requireClean(refpb(0));
    requireOnly(refpb(1), "tRFCpb", 14, T.RFCPB - 1);
}

TEST_CASE("Checker: PRE or PREA one cycle before tRAS after ACTAB is a tRAS violation",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    auto pre = [&](uint64_t early) { return check({{0, C::ACTAB, 0, 1}, {T.RAS - early, C::PRE, 17}}); };
    requireClean(pre(0));
    requireOnly(pre(1), "tRAS", 17, T.RAS - 1);
    auto prea = [&](uint64_t early) { return check({{0, C::ACTAB, 0, 1}, {T.RAS - early, C::PREA}}); };
    requireClean(prea(0));
    requireOnly(prea(1), "tRAS", kAllBanks, T.RAS - 1);
}

TEST_CASE("Checker: PREA one cycle before tRTP after MRD is a tRTP violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    const uint64_t mrd = 40; // late enough that tRAS does not bind
    REQUIRE(mrd + T.RTPL - 1 >= T.RAS);
    auto prea = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {mrd, C::MRD, 0, 1}, {mrd + T.RTPL - early, C::PREA}});
    };
    requireClean(prea(0));
    requireOnly(prea(1), "tRTP", kAllBanks, mrd + T.RTPL - 1);
    // A PRE of any one bank too.
    auto pre = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {mrd, C::MRD, 0, 1}, {mrd + T.RTPL - early, C::PRE, 30}});
    };
    requireClean(pre(0));
    requireOnly(pre(1), "tRTP", 30, mrd + T.RTPL - 1);
}

TEST_CASE("Checker: MWR then PREA before WL + nBL + tWR is a tWR violation", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    const uint64_t mwr = T.RCDWR;
    const uint64_t prea = mwr + T.WL + T.nBL + T.WR;
    REQUIRE(prea - 1 >= T.RAS);
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {mwr, C::MWR, 0, 1}, {prea - early, C::PREA}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tWR", kAllBanks, prea - 1);
}

TEST_CASE("Checker: ACT within tFAW after ACTAB under the all-bank power limit is a tFAW violation",
          "[hbm][checker][pim]") {
    // The shipped FAW (39) is below RC (64), so max(RC, FAW) is tRC; a longer FAW isolates the rule.
    Memspec spec = powerLimited();
    spec.t.FAW = spec.t.RC + 16;
    const auto& T = spec.t;
    auto act = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {T.RAS, C::PREA}, {T.FAW - early, C::ACT, 4, 2}}, spec);
    };
    requireClean(act(0));
    requireOnly(act(1), "tFAW", 4, T.FAW - 1);
    auto actab = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {T.RAS, C::PREA}, {T.FAW - early, C::ACTAB, 0, 2}}, spec);
    };
    requireClean(actab(0));
    requireOnly(actab(1), "tFAW", kAllBanks, T.FAW - 1);
    // Without the power limit tRC is all an ACT waits after ACTAB.
    Memspec unlimited = spec;
    unlimited.pimAllBankPowerLimit = false;
    requireClean(check({{0, C::ACTAB, 0, 1}, {T.RAS, C::PREA}, {T.RC, C::ACT, 4, 2}}, unlimited));
}

TEST_CASE("Checker: PEOP obeys only the column command bus", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    // With every bank closed, back to back, next to a row command: no DRAM rule.
    requireClean(check({{0, C::PEOP}, {1, C::PEOP}, {2, C::PEOP}, {2, C::ACTAB, 0, 1}, {3, C::PEOP}}));
    requireClean(check(
        {{0, C::ACTAB, 0, 1}, {T.RCDRD, C::MRD, 0, 1}, {T.RCDRD + 1, C::PEOP}, {T.RCDRD + 2, C::PEOP}}));
    // In the cycle of another column command (MRD, MWR, RD, PEOP): a command-bus violation.
    requireOnly(check({{0, C::ACTAB, 0, 1}, {T.RCDRD, C::MRD, 0, 1}, {T.RCDRD, C::PEOP}}), "command-bus",
                kAllBanks, T.RCDRD);
    requireOnly(check({{0, C::ACTAB, 0, 1}, {T.RCDRD, C::RD, 3, 1}, {T.RCDRD, C::PEOP}}), "command-bus",
                kAllBanks, T.RCDRD);
    requireOnly(check({{5, C::PEOP}, {5, C::PEOP}}), "command-bus", kAllBanks, 5);
    // ACTAB is a row command: with ACT in one cycle, a command-bus violation.
    auto chk = check({{0, C::ACT, 0, 1}, {T.RAS, C::PRE, 0}, {T.RC, C::ACT, 4, 1}, {T.RC, C::ACTAB, 0, 1}});
    bool bus = false;
    for (const auto& v : chk.violations())
        bus = bus || (v.rule == "command-bus" && v.cycle == T.RC);
    INFO(allLines(chk));
    CHECK(bus);
}

TEST_CASE("Checker: a long legal PIM sequence has no violation, with and without the power limit",
          "[hbm][checker][pim]") {
    for (bool limit : {false, true}) {
        Memspec m = hbm3();
        m.pimAllBankPowerLimit = limit;
        INFO("power limit " << limit);
        const auto& T = m.t;
        const uint64_t ccd = limit ? std::max(T.CCDAB, T.CCDL) : T.CCDL;
        const uint64_t actGap = limit ? std::max(T.RC, T.FAW) : T.RC;
        ProtocolChecker chk(m, 1);
        auto issue = [&](uint64_t t, Command c, uint32_t row = 0, uint32_t bank = 0) {
            chk.onCommand(record(m, {t, c, bank, row}));
        };
        const uint64_t windows = 10;
        uint32_t row = 0;
        for (uint64_t k = 0; k < windows; ++k) {
            const uint64_t end = (k + 1) * T.REFI;
            issue(k * T.REFI, C::REFAB);
            uint64_t act = k * T.REFI + T.RFC, lastAct = 0;
            bool first = true;
            while (act + 400 < end) {
                if (!first)
                    act = std::max(act, lastAct + actGap);
                first = false;
                row = (row + 13) % m.org.rows;
                issue(act, C::ACTAB, row);
                lastAct = act;
                // Every column into the PEs with PE operations in between (clear of the MWR that
                // follows the last MRD tCCD_L later), then results out.
                uint64_t c = act + T.RCDRD;
                for (uint32_t col = 0; col < m.org.columns; ++col, c += ccd) {
                    issue(c, C::MRD, row);
                    for (uint64_t p = c + 1; p < c + T.CCDL; ++p)
                        issue(p, C::PEOP);
                }
                c = c - ccd + T.CCDL; // MRD -> MWR: tCCD_L
                for (uint32_t col = 0; col < 4; ++col, c += ccd)
                    issue(c, C::MWR, row);
                const uint64_t mwr = c - ccd;
                // A host read of one bank after the MWRs (tWTR_L), then PREA after write recovery.
                const uint64_t rd = mwr + m.writeToRead(true);
                issue(rd, C::RD, row, 7);
                const uint64_t prea = std::max({act + T.RAS, rd + T.RTPL, mwr + T.WL + T.nBL + T.WR});
                issue(prea, C::PREA);
                act = prea + T.RP;
            }
        }
        chk.finish(windows * T.REFI);
        requireClean(chk);
        CHECK(chk.commandsChecked() > 10000);
    }
}

// ---- PIM single-bank column commands: SMRD, SMWR -----------------------------------------------
// Per-bank column commands (CommandRecord::bank is the target bank) without data bus: the target
// bank open at the row, tRCD after its ACT or ACTAB, tRTP / tWR before its precharge; spaced from
// every other column command like MRD / MWR, at pseudo-channel scope, always tCCD_L between them.

TEST_CASE("Checker: a legal SMRD and SMWR sequence has no violation", "[hbm][checker][pim]") {
    for (bool limit : {false, true}) {
        Memspec m = hbm3();
        m.pimAllBankPowerLimit = limit;
        INFO("power limit " << limit);
        const auto& T = m.t;
        const uint64_t wtr = m.writeToRead(true);
        // One bank: SMRDs tCCD_L apart, SMWR tCCD_L after, a host RD WL + nBL + tWTR_L later,
        // PRE after tRTP and write recovery.
        const uint64_t s = T.RCDRD, w = s + 2 * T.CCDL, rd = w + wtr;
        const uint64_t pre = std::max({uint64_t(T.RAS), rd + T.RTPL, w + T.WL + T.nBL + T.WR});
        requireClean(check({{0, C::ACT, 5, 3},
                            {s, C::SMRD, 5, 3},
                            {s + T.CCDL, C::SMRD, 5, 3},
                            {w, C::SMWR, 5, 3},
                            {rd, C::RD, 5, 3},
                            {pre, C::PRE, 5}},
                           m));
        // After ACTAB: SMRDs to different banks and groups tCCD_L apart (also under the power
        // limit), between MRDs, then SMWRs and an MWR, PEOPs in the gaps, PREA at the end.
        const uint64_t a = T.RCDRD, ccd = T.CCDL;
        std::vector<Cmd> seq = {
            {0, C::ACTAB, 0, 9},           {a, C::SMRD, 0, 9},           {a + 1, C::PEOP},
            {a + ccd, C::SMRD, 20, 9},     {a + 2 * ccd, C::MRD, 0, 9},  {a + 3 * ccd, C::SMRD, 31, 9},
            {a + 4 * ccd, C::SMWR, 31, 9}, {a + 5 * ccd, C::SMWR, 6, 9}, {a + 6 * ccd, C::MWR, 0, 9},
            {a + 7 * ccd, C::SMWR, 6, 9}};
        const uint64_t last = a + 7 * ccd;
        seq.push_back({std::max<uint64_t>(T.RAS, last + T.WL + T.nBL + T.WR), C::PREA});
        requireClean(check(seq, m));
    }
}

TEST_CASE("Checker: SMRD or SMWR one cycle before tRCD after ACT or ACTAB is a tRCD violation on its bank",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    for (Command act : {C::ACT, C::ACTAB})
        for (Command c : {C::SMRD, C::SMWR}) {
            INFO(std::string(commandName(act)) + " -> " + std::string(commandName(c)));
            const uint64_t rcd = c == C::SMRD ? T.RCDRD : T.RCDWR;
            auto seq = [&](uint64_t early) { return check({{0, act, 5, 7}, {rcd - early, c, 5, 7}}); };
            requireClean(seq(0));
            requireOnly(seq(1), "tRCD", 5, rcd - 1);
        }
    // A per-bank ACT after an ACTAB: counted from the ACT of that bank only.
    const uint64_t pre = T.RAS, act = T.RC;
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 7},
                      {pre, C::PRE, 9},
                      {act, C::ACT, 9, 7},
                      {act + T.RCDRD - early, C::SMRD, 9, 7}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tRCD", 9, act + T.RCDRD - 1);
    requireClean(
        check({{0, C::ACTAB, 0, 7}, {pre, C::PRE, 9}, {act, C::ACT, 9, 7}, {act + 1, C::SMRD, 8, 7}}));
}

TEST_CASE("Checker: SMRD or SMWR to a closed bank or to another row is a bank-state violation",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    for (Command c : {C::SMRD, C::SMWR}) {
        INFO(std::string(commandName(c)));
        requireClean(check({{0, C::ACT, 5, 3}, {30, c, 5, 3}}));
        requireOnly(check({{30, c, 5, 3}}), "bank-state", 5, 30);                    // never opened
        requireOnly(check({{0, C::ACT, 5, 3}, {30, c, 5, 4}}), "bank-state", 5, 30); // another row
        requireOnly(check({{0, C::ACT, 6, 3}, {30, c, 5, 3}}), "bank-state", 5, 30); // another bank open
        requireOnly(check({{0, C::ACT, 5, 3}, {T.RAS, C::PRE, 5}, {T.RAS + T.RP, c, 5, 3}}), "bank-state", 5,
                    T.RAS + T.RP); // precharged
        requireOnly(check({{0, C::ACT, 5, 3}, {T.RCDRD, C::RDA, 5, 3}, {T.RCDRD + T.CCDL, c, 5, 3}}),
                    "bank-state", 5,
                    T.RCDRD + T.CCDL); // auto-precharged
        // After ACTAB every bank is open at its row, and only at it.
        requireClean(check({{0, C::ACTAB, 0, 3}, {30, c, 27, 3}}));
        requireOnly(check({{0, C::ACTAB, 0, 3}, {30, c, 27, 2}}), "bank-state", 27, 30);
    }
}

TEST_CASE("Checker: SMRDs or SMWRs closer than tCCD_L are a tCCD violation in any bank group",
          "[hbm][checker][pim]") {
    // tCCD_L also between banks of other groups and SIDs, and under the all-bank power limit:
    // tCCDAB is for MRD->MRD and MWR->MWR only.
    for (bool limit : {false, true}) {
        Memspec m = hbm3();
        m.pimAllBankPowerLimit = limit;
        const auto& T = m.t;
        for (Command c : {C::SMRD, C::SMWR})
            for (uint32_t next : {5u, 6u, 9u, 20u}) {
                INFO("power limit " << limit << ", " << commandName(c) << " bank 5 -> bank " << next);
                auto seq = [&](uint64_t early) {
                    return check({{0, C::ACTAB, 0, 3}, {30, c, 5, 3}, {30 + T.CCDL - early, c, next, 3}}, m);
                };
                requireClean(seq(0));
                requireOnly(seq(1), "tCCD", next, 30 + T.CCDL - 1);
            }
    }
}

TEST_CASE("Checker: SMRD and SMWR keep the MRD and MWR spacings to every other column command",
          "[hbm][checker][pim]") {
    const Memspec& m = hbm3();
    const auto& T = m.t;
    const uint64_t wtr = m.writeToRead(true);
    struct Pair {
        Command prev, next;
        uint64_t need;
        const char* rule;
    };
    // Reads and writes: MRD-like after any write WL + nBL + tWTR_L, any read after an SMWR the
    // same; everything else tCCD_L.
    const Pair pairs[] = {
        {C::SMRD, C::SMWR, T.CCDL, "tCCD"}, {C::SMWR, C::SMRD, wtr, "tWTR"},
        {C::SMRD, C::RD, T.CCDL, "tCCD"},   {C::SMRD, C::RDA, T.CCDL, "tCCD"},
        {C::SMRD, C::WR, T.CCDL, "tCCD"},   {C::SMRD, C::WRA, T.CCDL, "tCCD"},
        {C::SMRD, C::MRD, T.CCDL, "tCCD"},  {C::SMRD, C::MWR, T.CCDL, "tCCD"},
        {C::SMWR, C::RD, wtr, "tWTR"},      {C::SMWR, C::RDA, wtr, "tWTR"},
        {C::SMWR, C::WR, T.CCDL, "tCCD"},   {C::SMWR, C::WRA, T.CCDL, "tCCD"},
        {C::SMWR, C::MRD, wtr, "tWTR"},     {C::SMWR, C::MWR, T.CCDL, "tCCD"},
        {C::RD, C::SMRD, T.CCDL, "tCCD"},   {C::RD, C::SMWR, T.CCDL, "tCCD"},
        {C::WR, C::SMRD, wtr, "tWTR"},      {C::WRA, C::SMRD, wtr, "tWTR"},
        {C::WR, C::SMWR, T.CCDL, "tCCD"},   {C::MRD, C::SMRD, T.CCDL, "tCCD"},
        {C::MRD, C::SMWR, T.CCDL, "tCCD"},  {C::MWR, C::SMRD, wtr, "tWTR"},
        {C::MWR, C::SMWR, T.CCDL, "tCCD"},
    };
    for (bool limit : {false, true}) {
        Memspec spec = m;
        spec.pimAllBankPowerLimit = limit; // changes none of these pairs
        for (const Pair& p : pairs) {
            INFO("power limit " << limit << ", " << commandName(p.prev) << " -> " << commandName(p.next));
            // prev to bank 6 (group 1, SID 0), next to bank 21 (group 5, SID 1): pseudo-channel scope.
            const uint32_t nextBank = (p.next == C::MRD || p.next == C::MWR) ? kAllBanks : 21;
            auto seq = [&](uint64_t early) {
                return check({{0, C::ACTAB, 0, 2}, {30, p.prev, 6, 2}, {30 + p.need - early, p.next, 21, 2}},
                             spec);
            };
            requireClean(seq(0));
            requireOnly(seq(1), p.rule, nextBank, 30 + p.need - 1);
        }
    }
}

TEST_CASE("Checker: SMRD after SMWR one cycle before WL + nBL + tWTR_L is a tWTR violation",
          "[hbm][checker][pim]") {
    const Memspec& m = hbm3();
    const auto& T = m.t;
    const uint64_t wtr = uint64_t(T.WL) + T.nBL + T.WTRL;
    REQUIRE(wtr == m.writeToRead(true));
    auto seq = [&](uint64_t early) {
        return check({{0, C::ACT, 5, 3}, {T.RCDWR, C::SMWR, 5, 3}, {T.RCDWR + wtr - early, C::SMRD, 5, 3}});
    };
    requireClean(seq(0));
    requireOnly(seq(1), "tWTR", 5, T.RCDWR + wtr - 1);
}

TEST_CASE("Checker: PRE or PREA one cycle before tRTP after SMRD is a tRTP violation on its bank",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    const uint64_t smrd = 40; // late enough that tRAS does not bind
    REQUIRE(smrd + T.RTPL - 1 >= T.RAS);
    auto pre = [&](uint64_t early) {
        return check({{0, C::ACT, 5, 1}, {smrd, C::SMRD, 5, 1}, {smrd + T.RTPL - early, C::PRE, 5}});
    };
    requireClean(pre(0));
    requireOnly(pre(1), "tRTP", 5, smrd + T.RTPL - 1);
    CHECK(pre(1).violations().front().detail.find("SMRD") != std::string::npos);
    // PREA after an ACTAB: only the bank of the SMRD binds.
    auto prea = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {smrd, C::SMRD, 5, 1}, {smrd + T.RTPL - early, C::PREA}});
    };
    requireClean(prea(0));
    requireOnly(prea(1), "tRTP", 5, smrd + T.RTPL - 1);
}

TEST_CASE("Checker: PRE or PREA one cycle before WL + nBL + tWR after SMWR is a tWR violation on its bank",
          "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    const uint64_t smwr = T.RCDWR;
    const uint64_t end = smwr + T.WL + T.nBL + T.WR;
    REQUIRE(end - 1 >= T.RAS);
    auto pre = [&](uint64_t early) {
        return check({{0, C::ACT, 5, 1}, {smwr, C::SMWR, 5, 1}, {end - early, C::PRE, 5}});
    };
    requireClean(pre(0));
    requireOnly(pre(1), "tWR", 5, end - 1);
    CHECK(pre(1).violations().front().detail.find("SMWR") != std::string::npos);
    auto prea = [&](uint64_t early) {
        return check({{0, C::ACTAB, 0, 1}, {smwr, C::SMWR, 5, 1}, {end - early, C::PREA}});
    };
    requireClean(prea(0));
    requireOnly(prea(1), "tWR", 5, end - 1);
}

TEST_CASE("Checker: SMRD or SMWR to bank 5 does not constrain PRE of bank 6", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    // Banks 5 and 6 (same group) open; PRE of bank 6 one cycle after the command to bank 5 is
    // legal, the same PRE of bank 5 is not.
    const uint64_t act6 = T.RRDL, c = act6 + T.RAS;
    for (Command cmd : {C::SMRD, C::SMWR}) {
        INFO(std::string(commandName(cmd)));
        const char* rule = cmd == C::SMRD ? "tRTP" : "tWR";
        requireClean(check({{0, C::ACT, 5, 1}, {act6, C::ACT, 6, 1}, {c, cmd, 5, 1}, {c + 1, C::PRE, 6}}));
        requireOnly(check({{0, C::ACT, 5, 1}, {act6, C::ACT, 6, 1}, {c, cmd, 5, 1}, {c + 1, C::PRE, 5}}),
                    rule, 5, c + 1);
        // Nor does it after an ACTAB.
        requireClean(check({{0, C::ACTAB, 0, 1}, {c, cmd, 5, 1}, {c + 1, C::PRE, 6}}));
    }
}

TEST_CASE("Checker: SMRD and SMWR use the column command bus", "[hbm][checker][pim]") {
    const auto& T = hbm3().t;
    // With a row command in the same cycle: legal.
    requireClean(check({{0, C::ACT, 5, 1}, {T.RCDRD, C::SMRD, 5, 1}, {T.RCDRD, C::ACT, 9, 1}}));
    // With another column command (PEOP needs no spacing): a command-bus violation on the bank.
    for (Command c : {C::SMRD, C::SMWR}) {
        INFO(std::string(commandName(c)));
        requireOnly(check({{0, C::ACT, 5, 1}, {T.RCDRD, C::PEOP}, {T.RCDRD, c, 5, 1}}), "command-bus", 5,
                    T.RCDRD);
        requireOnly(check({{0, C::ACT, 5, 1}, {T.RCDRD, c, 5, 1}, {T.RCDRD, C::PEOP}}), "command-bus",
                    kAllBanks, T.RCDRD);
    }
}

// ---------------------------------------------------------------------------------------------
// The channel's shared command buses and the two-cycle ACT (the shipped HBM3 memspec)
// ---------------------------------------------------------------------------------------------

namespace {
const Memspec& hbm3Jedec() {
    static const Memspec spec =
        loadMemspec(std::string(PILOT_SOURCE_DIR) + "/workloads/memspecs/hbm3-5200.json");
    return spec;
}
} // namespace

TEST_CASE("Checker: a row command of the other pseudo-channel during an ACT's second cycle is a command-bus "
          "violation",
          "[hbm][checker][bus]") {
    const Memspec& spec = hbm3Jedec();
    REQUIRE(spec.bus.sharedByPseudoChannels);
    REQUIRE(spec.bus.cycles[size_t(C::ACT)] == 2);
    auto seq = [&](uint64_t gap) {
        return check({{10, C::ACT, 0, 1, 0}, {10 + gap, C::ACT, 4, 1, 1}}, spec, 2);
    };
    requireClean(seq(2));
    auto chk = seq(1);
    requireOnly(chk, "command-bus", 4, 11);
    CHECK(chk.violations().front().pc == 1);
    CHECK(chk.violations().front().detail.find("held by ACT of pc 0") != std::string::npos);
    // The same pair on one pseudo-channel's own bus (a spec without sharing) is legal a cycle
    // later than without the two-cycle ACT: the ACT still holds the bus for two cycles.
    Memspec own = spec;
    own.bus.sharedByPseudoChannels = false;
    requireClean(check({{10, C::ACT, 0, 1, 0}, {11, C::ACT, 4, 1, 1}}, own, 2));
    requireOnly(check({{10, C::ACT, 0, 1, 0}, {11, C::PRE, 4, 1, 0}}, own, 1), "command-bus", 4, 11);
}

TEST_CASE("Checker: column commands of both pseudo-channels in one cycle violate the shared column bus",
          "[hbm][checker][bus]") {
    const Memspec& spec = hbm3Jedec();
    requireClean(check({{5, C::PEOP, 0, 0, 0}, {6, C::PEOP, 0, 0, 1}}, spec, 2));
    auto chk = check({{5, C::PEOP, 0, 0, 0}, {5, C::PEOP, 0, 0, 1}}, spec, 2);
    requireOnly(chk, "command-bus", kAllBanks, 5);
    // Pseudo-channels of different channels (pc 0 and pc 2) have buses of their own.
    requireClean(check({{5, C::PEOP, 0, 0, 0}, {5, C::PEOP, 0, 0, 2}}, spec, 4));
}

TEST_CASE("Checker: ACT-relative timings count from the ACT's last cycle", "[hbm][checker][bus]") {
    const Memspec& spec = hbm3Jedec();
    REQUIRE(spec.bus.actTimingFromLastCycle);
    const auto& T = spec.t;
    // RD tRCDRD after the ACT's first cycle is one cycle early; after its second, legal.
    auto rd = [&](uint64_t at) { return check({{0, C::ACT, 0, 7}, {at, C::RD, 0, 7}}, spec); };
    requireClean(rd(T.RCDRD + 1));
    requireOnly(rd(T.RCDRD), "tRCD", 0, T.RCDRD);
    // ...and a PRE tRP before the ACT takes effect is legal when the ACT starts one cycle earlier.
    // (The PRE comes late enough that tRC does not bind.)
    const uint64_t pre = T.RAS + 10;
    auto act = [&](uint64_t at) {
        return check({{0, C::ACT, 0, 7}, {pre, C::PRE, 0, 7}, {at, C::ACT, 0, 8}}, spec);
    };
    requireClean(act(pre + T.RP - 1));
    requireOnly(act(pre + T.RP - 2), "tRP", 0, pre + T.RP - 1); // reported at the cycle it takes effect
}
