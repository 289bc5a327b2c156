// SPDX-License-Identifier: MIT
#include "models/pim/repeat_sampler.h"

#include <cmath>

namespace pilot::pim {

RepeatSampler::RepeatSampler(FastForwardConfig cfg, common::CounterSet counters)
    : m_cfg(std::move(cfg)), m_counters(std::move(counters)) {}

void RepeatSampler::begin() {
    ++m_stats.stretches;
    m_begin = m_counters.snapshot();
    m_hostAtBegin = m_cfg.hostActivity ? m_cfg.hostActivity() : 0;
    m_marks.clear();
    m_refused = false;
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
    // Steady: the first half of the intervals and the second take the same time per period.
    const size_t n = m_marks.size() - 1, half = n / 2;
    const double first = double(m_marks[half] - m_marks.front()) / double(half);
    const double second = double(m_marks.back() - m_marks[half]) / double(n - half);
    if (std::fabs(second - first) > m_cfg.tolerance * first)
        return false;
    return m_cfg.pimKeepsChannel || !m_cfg.exclusive || m_cfg.exclusive();
}

uint64_t RepeatSampler::skip(uint64_t periods, uint64_t opsPerPeriod) {
    const std::vector<uint64_t> now = m_counters.snapshot();
    const uint64_t simulated = m_marks.size();
    const bool hostQuiet = !m_cfg.hostActivity || m_cfg.hostActivity() == m_hostAtBegin;
    if (!hostQuiet && !m_cfg.pimKeepsChannel) {
        m_refused = true;
        return 0;
    }
    const uint64_t ps = periodPs() * periods;
    m_stats.commands += m_counters.advance(m_begin, now, simulated, periods);
    ++m_stats.skips;
    m_stats.periods += periods;
    m_stats.microOps += periods * opsPerPeriod;
    m_stats.ps += ps;
    m_marks.clear();
    return ps;
}

} // namespace pilot::pim
