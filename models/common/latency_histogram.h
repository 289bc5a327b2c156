// SPDX-License-Identifier: MIT
#pragma once
// Latency distribution in integer cycles, log-linear (as HdrHistogram): one counter per cycle
// below 2^kExactBits, then every power-of-two range [2^k, 2^(k+1)) split into 2^kSubBits equal
// buckets. Precision: a latency below 2^kExactBits (8192 cycles) is exact; above, a percentile
// is the lowest value of its bucket, at most 2^-kSubBits (0.025 %) below the true latency.
// Mean and max are exact. Memory grows with the logarithm of the worst latency (at most
// ~213,000 counters for 64-bit latencies), not with the latency itself: a memspec with
// tCCD_L = 2^20 must not cost a counter per cycle of its worst latency.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace pilot::common {

class LatencyHistogram {
  public:
    static constexpr uint32_t kSubBits = 12;
    static constexpr uint32_t kExactBits = kSubBits + 1;

    void add(uint64_t cycles) {
        const size_t i = bucketOf(cycles);
        if (i >= m_counts.size())
            m_counts.resize(i + 1 + i / 2, 0);
        ++m_counts[i];
        ++m_n;
        m_sum += cycles;
        m_max = std::max(m_max, cycles);
    }
    void merge(const LatencyHistogram& o) {
        if (o.m_counts.size() > m_counts.size())
            m_counts.resize(o.m_counts.size(), 0);
        for (size_t i = 0; i < o.m_counts.size(); ++i)
            m_counts[i] += o.m_counts[i];
        m_n += o.m_n;
        m_sum += o.m_sum;
        m_max = std::max(m_max, o.m_max);
    }
    uint64_t count() const { return m_n; }
    double mean() const { return m_n ? double(m_sum) / double(m_n) : 0.0; }
    // Smallest value v with at least q of the samples <= v (q in (0, 1]), exact below
    // 2^kExactBits, else the lowest value of v's bucket.
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
                return std::min(lowestOf(i), m_max);
        }
        return m_max;
    }
    uint64_t max() const { return m_max; }
    size_t buckets() const { return m_counts.size(); } // memory in use, for tests

    // The bucket of a value and the lowest value of a bucket.
    static size_t bucketOf(uint64_t v) {
        if (v < (uint64_t(1) << kExactBits))
            return size_t(v);
        const uint32_t k = 63 - uint32_t(__builtin_clzll(v)); // >= kExactBits
        const uint64_t sub = (v >> (k - kSubBits)) - (uint64_t(1) << kSubBits);
        return size_t((uint64_t(1) << kExactBits) + uint64_t(k - kExactBits) * (uint64_t(1) << kSubBits) +
                      sub);
    }
    static uint64_t lowestOf(size_t i) {
        if (i < (size_t(1) << kExactBits))
            return i;
        const uint64_t j = i - (uint64_t(1) << kExactBits);
        const uint32_t k = uint32_t(j >> kSubBits) + kExactBits;
        const uint64_t sub = j & ((uint64_t(1) << kSubBits) - 1);
        return ((uint64_t(1) << kSubBits) + sub) << (k - kSubBits);
    }

  private:
    std::vector<uint64_t> m_counts;
    uint64_t m_n = 0, m_sum = 0, m_max = 0;
};

} // namespace pilot::common
