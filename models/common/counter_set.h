// SPDX-License-Identifier: MIT
#pragma once
// Counters of several models, read and advanced together: what a fast-forward takes in
// snapshots around the stretch it measured and adds for the stretch it skipped
// (models/pim/repeat_sampler.h). Each model lists the counters its statistics report.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pilot::common {

class CounterSet {
  public:
    // `command`: the counter counts DRAM commands (the simulator's speed counts only the ones
    // simulated).
    void add(uint64_t& counter, bool command = false) { m_counters.push_back({&counter, command}); }
    // Each element by address: the vector must keep its size from here on.
    void add(std::vector<uint64_t>& counters) {
        for (uint64_t& c : counters)
            add(c);
    }
    std::vector<uint64_t> snapshot() const {
        std::vector<uint64_t> v;
        v.reserve(m_counters.size());
        for (const Entry& e : m_counters)
            v.push_back(*e.counter);
        return v;
    }
    // Adds `times` x one period's share of the move from `from` to `to` (over `periods`
    // periods), rounded to the nearest count: exact for what every period moves alike (bytes,
    // ops); a rate for what refreshes stir in (a row reopened after a refresh); returns the
    // command counts added.
    uint64_t advance(const std::vector<uint64_t>& from, const std::vector<uint64_t>& to, uint64_t periods,
                     uint64_t times) {
        uint64_t commands = 0;
        for (size_t i = 0; i < m_counters.size(); ++i) {
            const uint64_t moved = to[i] - from[i];
            const uint64_t add =
                moved / periods * times + (moved % periods * times * 2 + periods) / (2 * periods);
            *m_counters[i].counter += add;
            if (m_counters[i].command)
                commands += add;
        }
        return commands;
    }

    // Growing periods (each moves every counter by the same amount more than the one before):
    // the first period moved the counters from `begin` to `first`, the `m` after it from `first`
    // to `to` (every snapshot taken with nothing in flight, so the moves are whole periods');
    // adds the next `times` periods' moves, rounded to the nearest count: exact for what grows
    // alike every period (bytes, ops), a rate for what refreshes stir in. Returns the command
    // counts added.
    uint64_t advanceGrowing(const std::vector<uint64_t>& begin, const std::vector<uint64_t>& first,
                            const std::vector<uint64_t>& to, uint64_t m, uint64_t times) {
        uint64_t commands = 0;
        const double t = double(times), md = double(m);
        for (size_t i = 0; i < m_counters.size(); ++i) {
            // Periods 1..m moved m x c0 + growth x m (m + 1) / 2.
            const double c0 = double(first[i] - begin[i]), rest = double(to[i] - first[i]);
            const double growth = 2 * (rest - md * c0) / (md * (md + 1));
            const double last = c0 + md * growth;
            const double add = std::max(0.0, t * last + growth * t * (t + 1) / 2);
            const uint64_t k = uint64_t(std::llround(add));
            *m_counters[i].counter += k;
            if (m_counters[i].command)
                commands += k;
        }
        return commands;
    }

  private:
    struct Entry {
        uint64_t* counter;
        bool command;
    };
    std::vector<Entry> m_counters;
};

} // namespace pilot::common
