// SPDX-License-Identifier: MIT
// Placement fast-forward (platform/placement_fast_forward.h) on a hand-made channel: streams that
// post one burst per `kBurstNs` each, a counter moved per burst, and (beside) a companion that
// makes one unit of progress per `kPartnerNs`. At a constant pace the skipped periods must take
// exactly the time and counts the simulated ones would have: the end time, the counter and the
// companion's progress are compared with the hand figures of the run without skips.
// One process per test case (a SystemC kernel elaborates once).
#include <catch2/catch.hpp>

#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn: a thread per stream
#include <systemc>

#include "platform/placement_fast_forward.h"

using namespace pilot;
using platform::PlacementFastForward;

namespace {

constexpr uint32_t kStreams = 4, kPeriodBursts = 16;
constexpr uint64_t kBurstsPerStream = 100 * kPeriodBursts + 5; // 100 periods and a tail
constexpr double kBurstNs = 2, kPartnerNs = 5;

struct Channel : sc_core::sc_module {
    uint64_t bursts = 0; // the counter the fast-forward moves
    uint64_t partner = 0, partnerSkipped = 0;
    bool partnerPaused = false, partnerRuns = false;
    uint32_t done = 0;
    std::unique_ptr<PlacementFastForward> ff;

    Channel(sc_core::sc_module_name n, bool exclusive, bool withPartner) : sc_module(n) {
        common::CounterSet counters;
        counters.add(bursts);
        PlacementFastForward::Config cfg;
        cfg.minWindowPs = 0;
        cfg.maxSkipPeriods = 20;
        cfg.exclusive = [exclusive] { return exclusive; };
        cfg.drain = [](uint32_t) {}; // nothing is ever in flight: a burst's cost is waited in full
        cfg.quiet = [](uint32_t) { return true; };
        std::vector<common::CounterSet> sets;
        sets.push_back(std::move(counters));
        ff = std::make_unique<PlacementFastForward>(cfg, std::move(sets));
        if (withPartner) {
            partnerRuns = true;
            PlacementFastForward::Companion c;
            c.running = [this] { return partnerRuns; };
            c.work = [] { return uint64_t(1); };
            c.progress = [this] { return partner; };
            c.grain = [] { return uint64_t(1); };
            c.room = [] { return uint64_t(1) << 40; };
            c.pause = [this] { partnerPaused = true; };
            c.skip = [this](uint64_t units) { partnerSkipped += units; };
            c.resume = [this] { partnerPaused = false; };
            ff->setCompanion(std::move(c));
            SC_THREAD(partnerLoop);
        }
        SC_THREAD(placement);
    }
    SC_HAS_PROCESS(Channel);

    void partnerLoop() {
        while (true) {
            sc_core::wait(kPartnerNs, sc_core::SC_NS);
            if (!partnerPaused)
                ++partner;
        }
    }
    void placement() {
        std::vector<uint32_t> streams;
        for (uint32_t s = 0; s < kStreams; ++s)
            streams.push_back(s);
        ff->begin(0, streams, kBurstsPerStream / kPeriodBursts, kPeriodBursts);
        for (uint32_t s = 0; s < kStreams; ++s)
            sc_core::sc_spawn([this, s] { stream(s); });
    }
    void stream(uint32_t s) {
        for (uint64_t i = 0; i < kBurstsPerStream; ++i) {
            if (!ff->admit(0, s))
                continue;
            sc_core::wait(kBurstNs, sc_core::SC_NS);
            ++bursts;
            ff->posted(0, s);
        }
        ff->done(0, s);
        if (++done == kStreams) {
            endNs = sc_core::sc_time_stamp().to_seconds() * 1e9;
            partnerAtEnd = partner;
        }
    }
    double endNs = 0;
    uint64_t partnerAtEnd = 0;
};

} // namespace

TEST_CASE("Placement fast-forward: alone, skipped periods take the time and counts of simulated ones",
          "[fastforward]") {
    Channel ch("ch", true, false);
    sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
    const pim::FastForwardStats st = ch.ff->stats();
    // Something was skipped, never the last period, at most 20 periods at a time.
    CHECK(st.skips >= 2);
    CHECK(st.periods >= 50);
    CHECK(st.periods <= 99);
    // Every stream's bursts counted, the skipped ones by the counter's advance.
    CHECK(ch.bursts == uint64_t(kStreams) * kBurstsPerStream);
    // The streams run side by side, one burst per 2 ns each: the run without skips ends then.
    CHECK(ch.endNs == Approx(double(kBurstsPerStream) * kBurstNs).epsilon(1e-9));
    CHECK(st.ps == uint64_t(st.periods * kPeriodBursts * kBurstNs * 1000));
    CHECK(ch.ff->periodsSkippedBesideCompanion() == 0);
}

TEST_CASE("Placement fast-forward: nothing skipped while another initiator uses the memory",
          "[fastforward]") {
    Channel ch("ch", false, false); // not exclusive and no companion to skip beside
    sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
    CHECK(ch.ff->stats().skips == 0);
    CHECK(ch.bursts == uint64_t(kStreams) * kBurstsPerStream);
    CHECK(ch.endNs == Approx(double(kBurstsPerStream) * kBurstNs).epsilon(1e-9));
}

TEST_CASE("Placement fast-forward: beside a companion, it is paused and moved on by its pace",
          "[fastforward]") {
    Channel ch("ch", false, true);
    sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_MS));
    const pim::FastForwardStats st = ch.ff->stats();
    CHECK(st.skips >= 1);
    CHECK(ch.ff->periodsSkippedBesideCompanion() == st.periods);
    CHECK(ch.bursts == uint64_t(kStreams) * kBurstsPerStream);
    CHECK(ch.endNs == Approx(double(kBurstsPerStream) * kBurstNs).epsilon(1e-9));
    // The companion's own progress plus what the skips took off its work: what one unit per 5 ns
    // makes over the placement, within a unit per skip (its pace was measured in whole units).
    const double expected = ch.endNs / kPartnerNs;
    const double got = double(ch.partnerAtEnd + ch.partnerSkipped);
    CHECK(std::abs(got - expected) <= double(st.skips) + 1);
    CHECK(ch.partnerSkipped > 0);
    CHECK(!ch.partnerPaused);
}
