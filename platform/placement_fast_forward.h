// SPDX-License-Identifier: MIT
#pragma once
// Fast-forward of the host's placement (docs/fast-forward.md, "Placement"): the GPU writing a
// round's operands into the PIM layout is millions of posted writes on a channel's streams
// (one per unit's bank group), every unit's alike. The runtime says how many periods of equal
// bursts each stream will post (HostBus::placementBegin, timing-only runs). The streams run
// free; a period ends once every stream posted its share of it. Once the periods measured span
// long enough and go at a steady pace (the same rules as a PIM stretch's: pim::RepeatSampler),
// the streams stop at the next period's end, the channel drains, and the next periods (at most
// maxSkipPeriods, never the last) take the measured pace: every counter of the channel's
// memory moves as a measured period moved it on average, the time is waited, and each stream's
// bursts of those periods go nowhere (timing only: they carry no data). Then it measures again:
// a placement's periods differ with what they write (a bank's band of keys, its other copies,
// the queries), so the measurements sample it all along.
//
// Only while nothing else uses the memory (`exclusive`, and `otherActivity`, what the other
// initiators issued, unchanged over the measurement): beside the GPU's traffic every period is
// simulated, and it measures again once the GPU is done.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "models/common/counter_set.h"
#include "models/pim/repeat_sampler.h"

namespace pilot::platform {

class PlacementFastForward {
  public:
    struct Config {
        uint64_t minWindowPs = 0;     // the measured periods span at least this
        uint32_t minPeriods = 3;      // intervals measured at least
        double tolerance = 0.01;      // the two halves of the measured intervals agree within this
        uint64_t maxSkipPeriods = 64; // then measure again (a tenth of a placement measured)
        std::function<bool()> exclusive;
        std::function<uint64_t()> otherActivity;
        std::function<void(uint32_t channel)> drain; // until the channel's posted accesses landed
    };
    // counters[c]: every counter of channel c's memory and PEs but refreshes.
    PlacementFastForward(Config cfg, std::vector<common::CounterSet> counters);

    // From the channel's thread, nothing of the channel in flight: `streams` each post `periods`
    // periods of `burstsPerPeriod` bursts (and maybe a tail) from here.
    void begin(uint32_t channel, const std::vector<uint32_t>& streams, uint64_t periods,
               uint32_t burstsPerPeriod);
    // Before a burst is posted on the stream: false if it belongs to a skipped period (drop it).
    bool admit(uint32_t channel, uint32_t stream);
    // After a burst was posted on the stream (may wait: see above).
    void posted(uint32_t channel, uint32_t stream);
    // The stream posted its last burst.
    void done(uint32_t channel, uint32_t stream);

    // Summed over the channels: skips, periods, commands and time skipped.
    pim::FastForwardStats stats() const { return m_stats; }

  private:
    struct Stream {
        bool active = false;
        uint64_t bursts = 0;   // of the placement so far, the dropped ones included
        uint64_t dropLeft = 0; // bursts of skipped periods still to drop
    };
    enum class Halt { None, Skip, Restart };
    struct Channel {
        common::CounterSet counters;
        std::vector<Stream> streams;
        uint32_t active = 0, burstsPerPeriod = 0;
        uint64_t periods = 0; // in all
        uint64_t passed = 0;  // periods every stream posted
        uint64_t base = 0;    // the period the measurement began at (every stream there)
        uint64_t haltAt = 0;  // the streams stop at this period's end (halt != None)
        Halt halt = Halt::None;
        bool measuring = false;      // since `base`, with the memory to the placement alone
        std::vector<uint64_t> from;  // the counters at `base`
        std::vector<uint64_t> marks; // when each period since `base` was passed (ps)
        uint64_t activityAtBase = 0;
        uint32_t arrived = 0;
        uint64_t generation = 0;
        sc_core::sc_event released;
    };
    void periodPassed(Channel& ch);
    bool steady(const Channel& ch) const;
    void stop(uint32_t channel); // the streams at haltAt: skip or measure again
    void restart(uint32_t channel);
    void arrive(uint32_t channel);

    Config m_cfg;
    std::vector<Channel> m_channels;
    pim::FastForwardStats m_stats;
};

} // namespace pilot::platform
