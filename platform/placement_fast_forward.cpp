// SPDX-License-Identifier: MIT
#include "platform/placement_fast_forward.h"

#include <algorithm>
#include <cmath>

namespace pilot::platform {

PlacementFastForward::PlacementFastForward(Config cfg, std::vector<common::CounterSet> counters)
    : m_cfg(std::move(cfg)), m_channels(counters.size()) {
    for (size_t c = 0; c < counters.size(); ++c)
        m_channels[c].counters = std::move(counters[c]);
}

void PlacementFastForward::begin(uint32_t c, const std::vector<uint32_t>& streams, uint64_t periods,
                                 uint32_t burstsPerPeriod) {
    Channel& ch = m_channels.at(c);
    for (const uint32_t s : streams) {
        if (ch.streams.size() <= s)
            ch.streams.resize(s + 1);
        ch.streams[s] = {true, 0, 0};
    }
    ch.active = uint32_t(streams.size());
    ch.burstsPerPeriod = burstsPerPeriod;
    ch.periods = periods;
    ch.passed = 0;
    ch.halt = Halt::None;
    ch.arrived = 0;
    restart(c);
}

void PlacementFastForward::restart(uint32_t c) {
    // The counters from here count whole periods: nothing of the channel may be in flight.
    Channel& ch = m_channels[c];
    m_cfg.drain(c);
    ch.from = ch.counters.snapshot();
    ch.base = ch.passed;
    ch.marks.clear();
    ch.activityAtBase = m_cfg.otherActivity ? m_cfg.otherActivity() : 0;
    ch.measuring = !m_cfg.exclusive || m_cfg.exclusive();
}

bool PlacementFastForward::admit(uint32_t c, uint32_t s) {
    if (c >= m_channels.size() || s >= m_channels[c].streams.size())
        return true;
    Stream& st = m_channels[c].streams[s];
    if (!st.active || !st.dropLeft)
        return true;
    --st.dropLeft;
    return false;
}

void PlacementFastForward::posted(uint32_t c, uint32_t s) {
    if (c >= m_channels.size() || s >= m_channels[c].streams.size())
        return;
    Channel& ch = m_channels[c];
    Stream& st = ch.streams[s];
    if (!st.active || ++st.bursts % ch.burstsPerPeriod)
        return;
    const uint64_t p = st.bursts / ch.burstsPerPeriod;
    if (p > ch.periods)
        return; // the tail
    if (p == ch.passed + 1 && std::all_of(ch.streams.begin(), ch.streams.end(), [&](const Stream& o) {
            return !o.active || o.bursts >= p * ch.burstsPerPeriod;
        })) {
        ch.passed = p;
        periodPassed(ch);
    }
    if (ch.halt != Halt::None && p == ch.haltAt)
        arrive(c);
}

void PlacementFastForward::periodPassed(Channel& ch) {
    if (ch.halt != Halt::None)
        return;
    const bool alone = !m_cfg.exclusive || m_cfg.exclusive();
    const bool othersMoved = m_cfg.otherActivity && m_cfg.otherActivity() != ch.activityAtBase;
    Halt want = Halt::None;
    if (!alone)
        ch.measuring = false; // the periods since `base` had company
    else if (!ch.measuring || othersMoved)
        want = Halt::Restart; // measure again from a drained channel
    else {
        ch.marks.push_back(uint64_t(sc_core::sc_time_stamp().value()));
        if (steady(ch))
            want = Halt::Skip;
    }
    if (want == Halt::None)
        return;
    // The next period's end that no stream passed yet, if a period is left after it.
    uint64_t furthest = 0;
    for (const Stream& st : ch.streams)
        if (st.active)
            furthest = std::max(furthest, st.bursts / ch.burstsPerPeriod);
    if (furthest + 2 > ch.periods)
        return;
    ch.halt = want;
    ch.haltAt = furthest + 1;
}

bool PlacementFastForward::steady(const Channel& ch) const {
    const size_t n = ch.marks.size() ? ch.marks.size() - 1 : 0; // intervals
    if (n < m_cfg.minPeriods || ch.marks.back() - ch.marks.front() < m_cfg.minWindowPs)
        return false;
    const size_t half = n / 2;
    const double first = double(ch.marks[half] - ch.marks.front()) / double(half);
    const double second = double(ch.marks.back() - ch.marks[half]) / double(n - half);
    return std::fabs(second - first) <= m_cfg.tolerance * first;
}

void PlacementFastForward::arrive(uint32_t c) {
    Channel& ch = m_channels[c];
    if (++ch.arrived >= ch.active)
        return stop(c);
    const uint64_t gen = ch.generation;
    while (gen == ch.generation)
        sc_core::wait(ch.released);
}

void PlacementFastForward::stop(uint32_t c) {
    Channel& ch = m_channels[c];
    m_cfg.drain(c);
    const bool othersMoved = m_cfg.otherActivity && m_cfg.otherActivity() != ch.activityAtBase;
    if (ch.halt == Halt::Skip && (!m_cfg.exclusive || m_cfg.exclusive()) && !othersMoved) {
        // Every stream posted haltAt periods: the counters moved by haltAt - base whole ones.
        const uint64_t skipped = std::min(m_cfg.maxSkipPeriods, ch.periods - ch.haltAt - 1);
        const uint64_t periodPs = (ch.marks.back() - ch.marks.front()) / (ch.marks.size() - 1);
        const uint64_t ps = periodPs * skipped;
        m_stats.commands +=
            ch.counters.advance(ch.from, ch.counters.snapshot(), ch.haltAt - ch.base, skipped);
        ++m_stats.skips;
        m_stats.periods += skipped;
        m_stats.ps += ps;
        sc_core::wait(sc_core::sc_time::from_value(ps));
        for (Stream& st : ch.streams)
            if (st.active) {
                st.dropLeft += skipped * ch.burstsPerPeriod;
                st.bursts += skipped * ch.burstsPerPeriod;
            }
        ch.passed = ch.haltAt + skipped;
    }
    ch.halt = Halt::None;
    restart(c);
    ch.arrived = 0;
    ++ch.generation;
    ch.released.notify();
}

void PlacementFastForward::done(uint32_t c, uint32_t s) {
    if (c >= m_channels.size() || s >= m_channels[c].streams.size() || !m_channels[c].streams[s].active)
        return;
    Channel& ch = m_channels[c];
    ch.streams[s].active = false;
    --ch.active;
    if (ch.active && ch.halt != Halt::None && ch.arrived >= ch.active)
        stop(c); // the others waited for this one
    if (!ch.active)
        ch.periods = ch.passed = 0;
}

} // namespace pilot::platform
