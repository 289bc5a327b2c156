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
    // Measured from here if nothing of the channel is in flight (waiting for it would let
    // other initiators in first: the placement is timed as it would be without fast-forward).
    if (!m_cfg.quiet || m_cfg.quiet(c))
        restart(c);
    else
        ch.mode = Mode::None;
}

void PlacementFastForward::restart(uint32_t c) {
    // The counters from here count whole periods: nothing of the channel may be in flight.
    Channel& ch = m_channels[c];
    m_cfg.drain(c);
    ch.from = ch.counters.snapshot();
    ch.base = ch.passed;
    ch.marks.clear();
    ch.partner.clear();
    ch.mode = mode();
    ch.activityAtBase = m_cfg.otherActivity ? m_cfg.otherActivity() : 0;
    ch.workAtBase = ch.mode == Mode::Beside ? m_companion.work() : 0;
}

PlacementFastForward::Mode PlacementFastForward::mode() const {
    if (!m_cfg.exclusive || m_cfg.exclusive())
        return Mode::Alone;
    // The companion's traffic goes over every simulated channel: a skip stops it for all.
    if (m_companion.running && m_channels.size() == 1 && m_companion.running())
        return Mode::Beside;
    return Mode::None;
}

bool PlacementFastForward::stillValid(const Channel& ch) const {
    const Mode now = mode();
    if (now != ch.mode || now == Mode::None)
        return false;
    if (now == Mode::Alone)
        return !m_cfg.otherActivity || m_cfg.otherActivity() == ch.activityAtBase;
    return m_companion.work() == ch.workAtBase;
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
    Halt want = Halt::None;
    if (!stillValid(ch)) {
        // Measure again from a drained channel, but only with the memory to the placement: a
        // drain beside another initiator's traffic would let it in (a skip beside it drains,
        // and measures again from there).
        if (mode() == Mode::Alone)
            want = Halt::Restart;
        else
            ch.mode = Mode::None;
    } else {
        ch.marks.push_back(uint64_t(sc_core::sc_time_stamp().value()));
        if (ch.mode == Mode::Beside)
            ch.partner.push_back(m_companion.progress());
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
    // The companion progresses in lumps (a tile's bursts at once): no two halves of a few of them
    // agree, and picking the measurements where they did would pick a lump more than its pace.
    return pim::steadyPace(ch.marks, m_cfg.tolerance) &&
           (ch.mode != Mode::Beside ||
            ch.partner.back() - ch.partner.front() >= kMinGrains * m_companion.grain());
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
    const bool skipped = ch.halt == Halt::Skip && stillValid(ch) && skip(ch);
    ch.halt = Halt::None;
    // After a skip everything of the channel has landed; otherwise only a channel to the
    // placement alone drains to measure again.
    if (skipped || mode() == Mode::Alone)
        restart(c);
    else
        ch.mode = Mode::None;
    ch.arrived = 0;
    ++ch.generation;
    ch.released.notify();
}

bool PlacementFastForward::skip(Channel& ch) {
    const uint32_t c = uint32_t(&ch - m_channels.data());
    const bool beside = ch.mode == Mode::Beside;
    const uint64_t intervals = ch.marks.size() - 1;
    uint64_t skipped = std::min(m_cfg.maxSkipPeriods, ch.periods - ch.haltAt - 1);
    // The companion's bursts over the measured intervals: its pace through the skip.
    const uint64_t partner = beside ? ch.partner.back() - ch.partner.front() : 0;
    if (beside) {
        // As far as the companion's kernel lasts, its end simulated.
        if (partner)
            skipped = std::min(skipped, m_companion.room() * intervals / partner);
        if (!skipped)
            return false;
        m_companion.pause();
    }
    m_cfg.drain(c);
    // Every stream posted haltAt periods: the counters moved by haltAt - base whole ones.
    const uint64_t periodPs = (ch.marks.back() - ch.marks.front()) / intervals;
    const uint64_t ps = periodPs * skipped;
    if (beside)
        m_companion.skip((partner * skipped + intervals / 2) / intervals);
    m_stats.commands += ch.counters.advance(ch.from, ch.counters.snapshot(), ch.haltAt - ch.base, skipped);
    ++m_stats.skips;
    m_stats.periods += skipped;
    m_stats.ps += ps;
    if (beside)
        m_besidePeriods += skipped;
    sc_core::wait(sc_core::sc_time::from_value(ps));
    if (beside)
        m_companion.resume();
    for (Stream& st : ch.streams)
        if (st.active) {
            st.dropLeft += skipped * ch.burstsPerPeriod;
            st.bursts += skipped * ch.burstsPerPeriod;
        }
    ch.passed = ch.haltAt + skipped;
    return true;
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
