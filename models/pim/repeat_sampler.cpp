// SPDX-License-Identifier: MIT
#include "models/pim/repeat_sampler.h"

#include <cmath>

namespace pilot::pim {

bool steadyPace(const std::vector<uint64_t>& marks, double tolerance) {
    const size_t n = marks.size() - 1, half = n / 2;
    const double first = double(marks[half] - marks.front()) / double(half);
    const double second = double(marks.back() - marks[half]) / double(n - half);
    return std::fabs(second - first) <= tolerance * first;
}

RepeatSampler::RepeatSampler(FastForwardConfig cfg, common::CounterSet counters)
    : m_cfg(std::move(cfg)), m_counters(std::move(counters)) {}

void RepeatSampler::begin(bool growing) {
    ++m_stats.stretches;
    m_growing = growing;
    m_first.clear();
    m_begin = m_counters.snapshot();
    m_hostAtBegin = m_cfg.hostActivity ? m_cfg.hostActivity() : 0;
    m_marks.clear();
    m_refused = false;
}

void RepeatSampler::mark(uint64_t nowPs) {
    if (m_growing && m_marks.empty())
        m_first = m_counters.snapshot();
    m_marks.push_back(nowPs);
}

bool RepeatSampler::fitLine(double& slope, double& last) const {
    // Least squares over the intervals between marks but the first: the channel drained at the
    // first mark, so the period after it filled an empty pipeline (marks are taken with a
    // queue's worth of work in flight).
    const size_t n = m_marks.size() - 1;
    if (n < 4)
        return false;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, points = 0;
    for (size_t k = 2; k <= n; ++k, ++points) {
        const double y = double(m_marks[k] - m_marks[k - 1]);
        sx += double(k);
        sy += y;
        sxx += double(k) * double(k);
        sxy += double(k) * y;
    }
    slope = (points * sxy - sx * sy) / (points * sxx - sx * sx);
    const double icept = (sy - slope * sx) / points;
    last = icept + slope * double(n);
    for (size_t k = 2; k <= n; ++k)
        if (std::fabs(double(m_marks[k] - m_marks[k - 1]) - (icept + slope * double(k))) >
            m_cfg.tolerance * (sy / points))
            return false;
    return true;
}

uint64_t RepeatSampler::growingPs(uint64_t periods) const {
    // Period j after the last measured one: last + j x slope.
    double slope = 0, last = 0;
    fitLine(slope, last);
    const double p = double(periods);
    return uint64_t(std::llround(p * last + slope * p * (p + 1) / 2));
}

uint64_t RepeatSampler::periodPs() const {
    // The first period was queued on an empty pipeline: its mark is not a steady one.
    return (m_marks.back() - m_marks.front()) / (m_marks.size() - 1);
}

bool RepeatSampler::ready(uint64_t periodsLeft) const {
    if (!m_cfg.enabled || m_refused || periodsLeft < 2 || m_marks.size() < size_t(m_cfg.minPeriods) + 1)
        return false;
    if (m_marks.back() - m_marks.front() < m_cfg.minWindowPs)
        return false;
    if (m_growing) {
        double slope = 0, last = 0;
        // Only with the memory to itself: beside the host's traffic (even under pim-first) the
        // stall the host takes in a growing stretch is not checked against a full run.
        return fitLine(slope, last) && slope >= 0 && (!m_cfg.exclusive || m_cfg.exclusive());
    }
    // Steady: the first half of the intervals and the second take the same time per period.
    if (!steadyPace(m_marks, m_cfg.tolerance))
        return false;
    return m_cfg.pimKeepsChannel || !m_cfg.exclusive || m_cfg.exclusive();
}

uint64_t RepeatSampler::skip(uint64_t periods, uint64_t opsPerPeriod, int64_t growth) {
    const std::vector<uint64_t> now = m_counters.snapshot();
    const uint64_t simulated = m_marks.size();
    const bool hostQuiet = !m_cfg.hostActivity || m_cfg.hostActivity() == m_hostAtBegin;
    if (!hostQuiet && !m_cfg.pimKeepsChannel) {
        m_refused = true;
        return 0;
    }
    uint64_t ps;
    if (m_growing) {
        ps = growingPs(periods);
        ++m_stats.growingSkips;
        m_stats.commands += m_counters.advanceGrowing(m_begin, m_first, now, simulated - 1, periods);
    } else {
        ps = periodPs() * periods;
        m_stats.commands += m_counters.advance(m_begin, now, simulated, periods);
    }
    ++m_stats.skips;
    m_stats.periods += periods;
    m_stats.microOps += periods * opsPerPeriod + uint64_t(growth) * periods * (periods + 1) / 2;
    m_stats.ps += ps;
    m_marks.clear();
    m_first.clear();
    return ps;
}

} // namespace pilot::pim
