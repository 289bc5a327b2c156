// SPDX-License-Identifier: MIT
#pragma once
// Fast-forward of a repeating stretch of a PIM channel's micro-op stream (hal.h, repeatMark):
// the firmware marks identical periods; once the periods simulated span long enough and their
// pace is steady, the rest take that pace and add what the simulated ones added to every
// counter (a period's share of the counters' move), without being simulated. Pure bookkeeping: the PIM
// controller drains and waits around it.
#include <cstdint>
#include <functional>
#include <vector>

#include "models/common/counter_set.h"

namespace pilot::pim {

struct FastForwardConfig {
    bool enabled = false;
    // The periods measured span at least this (a whole number of refreshes averages out only
    // over many refresh intervals: the memspec's tREFI x kWindowRefreshes).
    uint64_t minWindowPs = 0;
    uint32_t minPeriods = 3;
    double tolerance = 0.01; // the two halves of the measured periods agree within this
    // Skipping is sound while nothing but this channel's PIM uses its memory (exclusive: the
    // platform knows its other initiators; hostActivity, the host's requests to the channel,
    // must then not move during a stretch), or whatever the host sends cannot take the channel
    // from a PIM with work queued (pimKeepsChannel: the pim-first policy), so it waits as it
    // would have beside the skipped micro-ops.
    std::function<bool()> exclusive;
    std::function<uint64_t()> hostActivity;
    bool pimKeepsChannel = false;
    // Holds the channel's pseudo-channels for the PIM until then (ps), as its skipped micro-ops
    // would: host requests fare as beside them.
    std::function<void(uint64_t)> reserve;
};

struct FastForwardStats {
    uint64_t stretches = 0;                                   // repeating stretches marked
    uint64_t skips = 0;                                       // stretches fast-forwarded
    uint64_t growingSkips = 0;                                // of which growing ones
    uint64_t periods = 0, microOps = 0, commands = 0, ps = 0; // taken without simulation
    FastForwardStats& operator+=(const FastForwardStats& o) {
        stretches += o.stretches;
        skips += o.skips;
        growingSkips += o.growingSkips;
        periods += o.periods;
        microOps += o.microOps;
        commands += o.commands;
        ps += o.ps;
        return *this;
    }
};

// Whether the values at the ends of a run of periods (times, ps) go at one pace: the first half
// of the intervals between them and the second move alike per interval, within `tolerance` of
// the first (at least two intervals). The steady stretches' test, and the host placements'
// (platform/placement_fast_forward.h).
bool steadyPace(const std::vector<uint64_t>& marks, double tolerance);

class RepeatSampler {
  public:
    RepeatSampler(FastForwardConfig cfg, common::CounterSet counters);

    bool enabled() const { return m_cfg.enabled; }
    // A stretch starts, the channel drained: its counters from here (its time from the marks).
    // growing: each period has the same ops more than the one before (a prefill kernel's rounds
    // while its band grows), so its time and counters grow alike: a line is fitted through the
    // measured periods instead of a mean.
    void begin(bool growing = false);
    // A period was issued (its ops queued). Growing: the first mark wants the channel drained
    // (drainBeforeMark), so the counters hold exactly the first period.
    void mark(uint64_t nowPs);
    bool drainBeforeMark() const { return m_growing && m_marks.empty(); }
    // Whether the periods so far are enough to skip `periodsLeft - 1` of the rest.
    bool ready(uint64_t periodsLeft) const;
    // The channel drained again: skips `periods` periods of `opsPerPeriod` ops (growing: the
    // period just issued had opsPerPeriod, each next one `growth` more) unless the host used the
    // channel meanwhile; returns the time they take (0: not skipped).
    uint64_t skip(uint64_t periods, uint64_t opsPerPeriod, int64_t growth = 0);
    const FastForwardStats& stats() const { return m_stats; }
    // The channel is the PIM's until then (ps): see FastForwardConfig::reserve.
    void reserve(uint64_t untilPs) const {
        if (m_cfg.reserve)
            m_cfg.reserve(untilPs);
    }

  private:
    uint64_t periodPs() const; // the steady pace: marks after the first
    // Growing: the time of the measured periods after the first, fitted by a line (slope per
    // period, and the fitted time of the last); whether every one lies within tolerance of it.
    bool fitLine(double& slope, double& last) const;
    uint64_t growingPs(uint64_t periods) const;
    FastForwardConfig m_cfg;
    common::CounterSet m_counters;
    std::vector<uint64_t> m_begin;
    uint64_t m_hostAtBegin = 0;
    std::vector<uint64_t> m_marks;
    bool m_growing = false;
    std::vector<uint64_t> m_first; // growing: the counters after the first period, drained
    bool m_refused = false;        // the host used the channel meanwhile: simulate the stretch whole
    FastForwardStats m_stats;
};

} // namespace pilot::pim
