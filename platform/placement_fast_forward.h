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
// Alone: while nothing else uses the memory (`exclusive`, and `otherActivity`, what the other
// initiators issued, unchanged over the measurement). Beside a companion (the GPU's kernel
// engine, one simulated channel: docs/cosim.md): while the same companion kernel runs through
// the measurement, and it spans at least kMinGrains of the companion's lumps of progress (its
// tiles: its pace is taken over the whole measurement, so a lump more or less moves it by at
// most 1 / kMinGrains, however the lumps fall); the skip stops it (its bursts in flight complete),
// ends its kernel as much earlier as it progresses at the measured pace in the skipped time
// (never past its end), moves the counters, its traffic's included, and lets it go on.
// Otherwise every period is simulated, and it measures again once either holds.
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
        std::function<bool(uint32_t channel)> quiet; // nothing of the channel's in flight: drain waits not
    };
    struct Companion {
        std::function<bool()> running;             // a kernel in flight
        std::function<uint64_t()> work;            // its kernels launched (changes with each)
        std::function<uint64_t()> progress;        // its bursts issued so far
        std::function<uint64_t()> grain;           // bursts it completes in a lump (a tile's)
        std::function<uint64_t()> room;            // bursts a skip may take off it (its end kept)
        std::function<void()> pause;               // stops it, once its bursts in flight completed
        std::function<void(uint64_t bursts)> skip; // ends its kernel that much earlier (paused)
        std::function<void()> resume;
    };
    // counters[c]: every counter of channel c's memory and PEs but refreshes.
    PlacementFastForward(Config cfg, std::vector<common::CounterSet> counters);
    void setCompanion(Companion c) { m_companion = std::move(c); }

    // From the channel's thread: `streams` each post `periods` periods of `burstsPerPeriod`
    // bursts (and maybe a tail) from here.
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
    uint64_t periodsSkippedBesideCompanion() const { return m_besidePeriods; }

  private:
    struct Stream {
        bool active = false;
        uint64_t bursts = 0;   // of the placement so far, the dropped ones included
        uint64_t dropLeft = 0; // bursts of skipped periods still to drop
    };
    static constexpr uint64_t kMinGrains = 16;
    enum class Halt { None, Skip, Restart };
    enum class Mode { None, Alone, Beside }; // what a measurement may skip as
    struct Channel {
        common::CounterSet counters;
        std::vector<Stream> streams;
        uint32_t active = 0, burstsPerPeriod = 0;
        uint64_t periods = 0; // in all
        uint64_t passed = 0;  // periods every stream posted
        uint64_t base = 0;    // the period the measurement began at (every stream there)
        uint64_t haltAt = 0;  // the streams stop at this period's end (halt != None)
        Halt halt = Halt::None;
        Mode mode = Mode::None;        // what the measurement since `base` may be skipped as
        std::vector<uint64_t> from;    // the counters at `base`
        std::vector<uint64_t> marks;   // when each period since `base` was passed (ps)
        std::vector<uint64_t> partner; // the companion's progress then
        uint64_t activityAtBase = 0, workAtBase = 0;
        uint32_t arrived = 0;
        uint64_t generation = 0;
        sc_core::sc_event released;
    };
    Mode mode() const;
    bool stillValid(const Channel& ch) const; // the measurement since `base` may still be skipped as
    void periodPassed(Channel& ch);
    bool steady(const Channel& ch) const;
    bool skip(Channel& ch);      // false: nothing skipped (the companion's kernel ends too soon)
    void stop(uint32_t channel); // the streams at haltAt: skip or measure again
    void restart(uint32_t channel);
    void arrive(uint32_t channel);

    Config m_cfg;
    Companion m_companion;
    std::vector<Channel> m_channels;
    pim::FastForwardStats m_stats;
    uint64_t m_besidePeriods = 0;
};

} // namespace pilot::platform
