// SPDX-License-Identifier: MIT
// Fast-forward of repeating stretches (docs/fast-forward.md): the firmware's search for equal
// periods and its op signatures, the counters' extrapolation and the sampler's decisions, each
// against sequences and figures worked out by hand. The whole mechanism against the full run of
// a kernel: test/cli/fast_forward.sh.
#include <catch2/catch.hpp>

#include <vector>

#include "firmware/pim/op_repeats.h"
#include "models/common/counter_set.h"
#include "models/pim/repeat_sampler.h"
#include "platform/cosim_round_skip.h"

using namespace pilot;
using contract::MicroOp;
using contract::MicroOpKind;

TEST_CASE("findRepeats finds the period covering most and skips what repeats too few times",
          "[fast-forward]") {
    // x y (A B)x10 z: one stretch of 10 periods of 2 from index 2.
    std::vector<uint64_t> s = {100, 101};
    for (int i = 0; i < 10; ++i)
        s.insert(s.end(), {1, 2});
    s.push_back(102);
    auto r = fw::findRepeats(s, 8, 4);
    REQUIRE(r.size() == 1);
    CHECK(r[0].begin == 2);
    CHECK(r[0].period == 2);
    CHECK(r[0].periods == 10);
    // A A B repeated 5 times: period 3 (the A A run of period 1 covers only 2).
    std::vector<uint64_t> t;
    for (int i = 0; i < 5; ++i)
        t.insert(t.end(), {7, 7, 8});
    r = fw::findRepeats(t, 8, 4);
    REQUIRE(r.size() == 1);
    CHECK(r[0].begin == 0);
    CHECK(r[0].period == 3);
    CHECK(r[0].periods == 5);
    // Too few periods, or a period longer than allowed (period 1 covers 7 7 only): nothing.
    CHECK(fw::findRepeats(t, 8, 6).empty());
    CHECK(fw::findRepeats(t, 2, 3).empty());
}

TEST_CASE("op signatures see whether a move stays in the open row, not which row", "[fast-forward]") {
    auto move = [](uint32_t row, uint16_t columns) {
        MicroOp op;
        op.kind = MicroOpKind::MovIn;
        op.row = row;
        op.columns = columns;
        return op;
    };
    fw::OpSignatures a, b;
    // Row 5 then row 5 again (a hit) against row 9 then row 9: the same signatures.
    CHECK(a.next(move(5, 4)) == b.next(move(9, 4)));
    CHECK(a.next(move(5, 4)) == b.next(move(9, 4)));
    // A new row after the open one differs from staying in it.
    fw::OpSignatures c;
    c.next(move(9, 4));
    fw::OpSignatures d;
    d.next(move(9, 4));
    CHECK(c.next(move(10, 4)) != d.next(move(9, 4)));
    // Other fields count: more columns differ.
    fw::OpSignatures e, f;
    CHECK(e.next(move(1, 4)) != f.next(move(1, 8)));
}

TEST_CASE("counters advance by a period's share, exact when periods move alike", "[fast-forward]") {
    uint64_t bytes = 0, cmds = 0;
    common::CounterSet set;
    set.add(bytes);
    set.add(cmds, true);
    const std::vector<uint64_t> from = set.snapshot();
    bytes = 300; // 3 periods of 100
    cmds = 31;   // 3 periods of 10, and a row reopened after a refresh
    const std::vector<uint64_t> to = set.snapshot();
    // 7 more periods: 700 bytes exactly; 31 x 7 / 3 = 72.33 commands, rounded: 72.
    CHECK(set.advance(from, to, 3, 7) == 72);
    CHECK(bytes == 1000);
    CHECK(cmds == 31 + 72);
}

TEST_CASE("the sampler skips only a steady, long enough, exclusive stretch", "[fast-forward]") {
    uint64_t counter = 0, host = 0;
    bool alone = true;
    bool pimFirst = false;
    auto sampler = [&](uint64_t windowPs) {
        common::CounterSet set;
        set.add(counter);
        pim::FastForwardConfig cfg;
        cfg.enabled = true;
        cfg.minWindowPs = windowPs;
        cfg.minPeriods = 3;
        cfg.exclusive = [&] { return alone; };
        cfg.hostActivity = [&] { return host; };
        cfg.pimKeepsChannel = pimFirst;
        return pim::RepeatSampler(cfg, set);
    };
    // Periods of 1000 ps, each moving the counter by 5; the first period's mark is not steady.
    auto run = [&](pim::RepeatSampler& s, int periods, uint64_t t0) {
        s.begin();
        for (int i = 1; i <= periods; ++i) {
            counter += 5;
            s.mark(t0 + 400 + uint64_t(i - 1) * 1000);
        }
    };
    counter = 0;
    pim::RepeatSampler s = sampler(2000);
    run(s, 3, 0);
    CHECK_FALSE(s.ready(10)); // 3 marks: 2 steady intervals, fewer than 3
    counter += 5;
    s.mark(3400);
    CHECK(s.ready(10));
    CHECK_FALSE(s.ready(1)); // the last period is always simulated
    CHECK(s.skip(9, 6) == 9000);
    CHECK(counter == 20 + 9 * 5);
    CHECK(s.stats().periods == 9);
    CHECK(s.stats().microOps == 54);

    // Too short a window for the refreshes to average out.
    pim::RepeatSampler shortWindow = sampler(100000);
    run(shortWindow, 6, 0);
    CHECK_FALSE(shortWindow.ready(10));
    // Not steady: the second half of the periods twice as long.
    pim::RepeatSampler unsteady = sampler(0);
    unsteady.begin();
    for (uint64_t t : {400, 1400, 2400, 4400, 6400})
        unsteady.mark(t);
    CHECK_FALSE(unsteady.ready(10));
    // Another initiator may use the memory: never.
    pim::RepeatSampler shared = sampler(0);
    run(shared, 5, 0);
    alone = false;
    CHECK_FALSE(shared.ready(10));
    alone = true;
    // The host used the channel during the stretch: refused after the drain, and not tried again.
    pim::RepeatSampler busy = sampler(0);
    run(busy, 5, 0);
    ++host;
    CHECK(busy.ready(10));
    CHECK(busy.skip(9, 6) == 0);
    CHECK_FALSE(busy.ready(10));
    // Under pim-first the host's requests wait while the PIM has work: skipping beside them is
    // sound (they are held for the skipped span), whether or not they moved meanwhile.
    pimFirst = true;
    pim::RepeatSampler beside = sampler(0);
    alone = false;
    run(beside, 5, 0);
    ++host;
    CHECK(beside.ready(10));
    CHECK(beside.skip(9, 6) == 9000);
}

TEST_CASE("rounds beside the GPU are skipped only when two agree, and no further than its kernel lasts",
          "[fast-forward][cosim]") {
    using platform::CosimRound;
    const platform::RoundSkipLimits lim; // 1%, 4 tiles kept
    // A round of 1 ms in which the GPU completed 5000 bursts: 10 tiles of 500 bursts.
    const CosimRound a{1000000000, 5000, 7, true};
    // 100 tiles not started: 96 after the 4 kept cover 9.6 rounds -> 9; 5 rounds left -> 5.
    CHECK(platform::roundsToSkipBesideGpu(a, a, 5, 100, 500.0, lim) == 5);
    CHECK(platform::roundsToSkipBesideGpu(a, a, 20, 100, 500.0, lim) == 9);
    CHECK(platform::gpuTilesOfRounds(a, 9, 500.0) == 90);
    CHECK(platform::gpuTilesOfRounds(CosimRound{1, 5260, 7, true}, 3, 500.0) == 32); // 31.56
    // Within 1% in time and bursts: still alike; beyond: not.
    CHECK(platform::roundsToSkipBesideGpu({1009000000, 4951, 7, true}, a, 5, 100, 500.0, lim) == 5);
    CHECK(platform::roundsToSkipBesideGpu({1011000000, 5000, 7, true}, a, 5, 100, 500.0, lim) == 0);
    CHECK(platform::roundsToSkipBesideGpu({1000000000, 5060, 7, true}, a, 5, 100, 500.0, lim) == 0);
    // Another GPU kernel, no GPU kernel, a partial round, too few tiles left: nothing skipped.
    CHECK(platform::roundsToSkipBesideGpu({1000000000, 5000, 6, true}, a, 5, 100, 500.0, lim) == 0);
    CHECK(platform::roundsToSkipBesideGpu({1000000000, 5000, 0, true}, {1000000000, 5000, 0, true}, 5, 100,
                                          500.0, lim) == 0);
    CHECK(platform::roundsToSkipBesideGpu({1000000000, 5000, 7, false}, a, 5, 100, 500.0, lim) == 0);
    CHECK(platform::roundsToSkipBesideGpu(a, a, 5, 13, 500.0, lim) == 0); // 9 tiles: under a round
    CHECK(platform::roundsToSkipBesideGpu(a, a, 5, 4, 500.0, lim) == 0);
    CHECK(platform::roundsToSkipBesideGpu(a, a, 0, 100, 500.0, lim) == 0);
}

TEST_CASE("findGrowing finds rounds that grow alike, grouped by the period they line up in",
          "[fast-forward]") {
    // Rounds 0..11 grow by 10 ops (and one signature D) each, then 4 equal rounds.
    const uint64_t D = 0x9e3779b97f4a7c15ull;
    std::vector<uint64_t> ops, sum;
    for (uint64_t i = 0; i < 12; ++i) {
        ops.push_back(100 + 10 * i);
        sum.push_back(12345 + i * D); // wraps: differences still exact
    }
    for (int i = 0; i < 4; ++i) {
        ops.push_back(ops.back());
        sum.push_back(sum.back());
    }
    auto g = fw::findGrowing(ops, sum, 0, ops.size(), 8, 6);
    REQUIRE(g.size() == 1);
    CHECK(g[0].begin == 0);
    CHECK(g[0].period == 1);
    CHECK(g[0].periods == 12);
    CHECK(g[0].growth == 10);
    // Alternating rounds (a row crossing every other round): pairs grow alike, single rounds not.
    std::vector<uint64_t> ops2, sum2;
    for (uint64_t i = 0; i < 16; ++i) {
        ops2.push_back(i % 2 ? 50 + 10 * (i / 2) : 120 + 10 * (i / 2));
        sum2.push_back((i % 2 ? 7 : 11) + (i / 2) * D);
    }
    g = fw::findGrowing(ops2, sum2, 0, ops2.size(), 8, 6);
    REQUIRE(g.size() == 1);
    CHECK(g[0].period == 2);
    CHECK(g[0].periods == 8);
    CHECK(g[0].growth == 20);
    // The same op counts but another op added in one group: the stretch stops before it.
    sum2[10] += 1;
    g = fw::findGrowing(ops2, sum2, 0, ops2.size(), 8, 6);
    CHECK(g.empty()); // 5 pairs alike only, fewer than 6
    // Equal rounds are not growing ones.
    CHECK(fw::findGrowing(std::vector<uint64_t>(12, 5), std::vector<uint64_t>(12, 9), 0, 12, 8, 4).empty());
}

TEST_CASE("growing periods: counters and time extrapolated along a line", "[fast-forward]") {
    uint64_t bytes = 0, cmds = 0;
    common::CounterSet set;
    set.add(bytes);
    set.add(cmds, true);
    // Bytes: period k moves 7 + 3k. Commands: 2 + k, and one more once (a refresh's row).
    const std::vector<uint64_t> begin = set.snapshot();
    bytes = 7;
    cmds = 2;
    const std::vector<uint64_t> first = set.snapshot();
    bytes += 10 + 13 + 16 + 19; // periods 1..4
    cmds += 3 + 4 + 5 + 6 + 1;
    const std::vector<uint64_t> to = set.snapshot();
    // Next 3 periods: bytes 22 + 25 + 28 = 75 exactly. Commands: the fit through the total
    // (c0 = 2, 19 over 4 periods: growth 2 x (19 - 8) / 20 = 1.1, last 6.4): 7.5 + 8.6 + 9.7 = 25.8 -> 26.
    CHECK(set.advanceGrowing(begin, first, to, 4, 3) == 26);
    CHECK(bytes == 65 + 75);

    uint64_t counter = 0;
    common::CounterSet one;
    one.add(counter);
    pim::FastForwardConfig cfg;
    cfg.enabled = true;
    cfg.minPeriods = 3;
    pim::RepeatSampler s(cfg, one);
    s.begin(true);
    CHECK(s.drainBeforeMark());
    // Intervals 1000 (after the drain: not fitted), 2000, 2100, 2200: a line of slope 100.
    uint64_t t = 500;
    s.mark(t);
    CHECK_FALSE(s.drainBeforeMark());
    for (uint64_t d : {1000, 2000, 2100}) {
        s.mark(t += d);
        CHECK_FALSE(s.ready(10)); // 4 intervals needed, the first not fitted
    }
    s.mark(t += 2200);
    CHECK(s.ready(10));
    // 3 more periods: 2300 + 2400 + 2500.
    CHECK(s.skip(3, 100, 5) == 7200);
    CHECK(s.stats().microOps == 3 * 100 + 5 * 6);
    // Not a line: refused.
    pim::RepeatSampler bent(cfg, one);
    bent.begin(true);
    t = 0;
    for (uint64_t d : {0, 1000, 2000, 2100, 2600, 2300})
        bent.mark(t += d);
    CHECK_FALSE(bent.ready(10));
}
