// SPDX-License-Identifier: MIT
#pragma once
// Exact latency distribution in integer cycles: one counter per cycle value, grown on demand.
// Percentiles are exact at cycle resolution and merging histograms is a vector add.
#include <cstdint>
#include <vector>

namespace pilot::common {

class LatencyHistogram {
  public:
    void add(uint64_t cycles) {
        if (cycles >= m_counts.size())
            m_counts.resize(cycles + 1 + cycles / 2, 0);
        ++m_counts[cycles];
        ++m_n;
        m_sum += cycles;
    }
    void merge(const LatencyHistogram& o) {
        if (o.m_counts.size() > m_counts.size())
            m_counts.resize(o.m_counts.size(), 0);
        for (size_t i = 0; i < o.m_counts.size(); ++i)
            m_counts[i] += o.m_counts[i];
        m_n += o.m_n;
        m_sum += o.m_sum;
    }
    uint64_t count() const { return m_n; }
    double mean() const { return m_n ? double(m_sum) / double(m_n) : 0.0; }
    // Smallest value v with at least q of the samples <= v (q in (0, 1]).
    uint64_t percentile(double q) const {
        if (!m_n)
            return 0;
        uint64_t need = uint64_t(q * double(m_n) + 0.999999);
        if (need == 0)
            need = 1;
        uint64_t seen = 0;
        for (size_t i = 0; i < m_counts.size(); ++i) {
            seen += m_counts[i];
            if (seen >= need)
                return i;
        }
        return m_counts.size() - 1;
    }
    uint64_t max() const {
        for (size_t i = m_counts.size(); i-- > 0;)
            if (m_counts[i])
                return i;
        return 0;
    }

  private:
    std::vector<uint64_t> m_counts;
    uint64_t m_n = 0, m_sum = 0;
};

} // namespace pilot::common
