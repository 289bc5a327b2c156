// SPDX-License-Identifier: MIT
// The latency histogram (models/common/latency_histogram.h): exact below 2^13 cycles, within
// 2^-12 above, memory growing with the logarithm of the worst latency. Expected percentiles are
// computed here from the sorted samples, not from the histogram.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "models/common/latency_histogram.h"

using pilot::common::LatencyHistogram;

namespace {

// The smallest sample with at least q of the samples at or below it (the nearest-rank rule).
uint64_t nearestRank(std::vector<uint64_t> v, double q) {
    std::sort(v.begin(), v.end());
    size_t need = size_t(q * double(v.size()) + 0.999999);
    return v[std::max<size_t>(need, 1) - 1];
}

} // namespace

TEST_CASE("Histogram: percentiles below 8192 cycles are exact", "[common][histogram]") {
    std::mt19937_64 rng(3);
    std::vector<uint64_t> v;
    LatencyHistogram h;
    for (int i = 0; i < 20000; ++i) {
        v.push_back(20 + rng() % 8000);
        h.add(v.back());
    }
    for (double q : {0.5, 0.9, 0.99, 0.999, 1.0})
        CHECK(h.percentile(q) == nearestRank(v, q));
    CHECK(h.max() == *std::max_element(v.begin(), v.end()));
}

TEST_CASE("Histogram: above 8192 cycles a percentile is within 2^-12 below the true one",
          "[common][histogram]") {
    std::mt19937_64 rng(5);
    std::vector<uint64_t> v;
    LatencyHistogram h;
    for (int i = 0; i < 20000; ++i) {
        v.push_back(uint64_t(1) << (13 + rng() % 40) | (rng() & 0xffffff));
        h.add(v.back());
    }
    for (double q : {0.5, 0.9, 0.99}) {
        const uint64_t exact = nearestRank(v, q), got = h.percentile(q);
        CHECK(got <= exact);
        CHECK(double(exact - got) <= double(exact) / 4096.0);
    }
    CHECK(h.max() == *std::max_element(v.begin(), v.end()));
}

TEST_CASE("Histogram: memory grows with the logarithm of the worst latency, not with it",
          "[common][histogram]") {
    LatencyHistogram h;
    h.add(5);
    h.add(uint64_t(1) << 40); // a per-cycle counter array would need 8 TiB
    // 8192 exact counters, then 4096 per power of two from 2^13 to 2^40: 28 ranges.
    CHECK(h.buckets() <= size_t(8192 + 28 * 4096) * 3 / 2 + 1);
    CHECK(h.percentile(1.0) == uint64_t(1) << 40);
    CHECK(h.percentile(0.5) == 5);
    CHECK(h.mean() == Approx((5.0 + double(uint64_t(1) << 40)) / 2));
}

TEST_CASE("Histogram: bucket bounds are consistent", "[common][histogram]") {
    for (uint64_t v : {uint64_t(0), uint64_t(8191), uint64_t(8192), uint64_t(8193), uint64_t(16383),
                       uint64_t(16384), uint64_t(123456789), ~uint64_t(0)}) {
        INFO(v);
        const size_t b = LatencyHistogram::bucketOf(v);
        CHECK(LatencyHistogram::lowestOf(b) <= v);
        CHECK(LatencyHistogram::bucketOf(LatencyHistogram::lowestOf(b)) == b);
        if (v < 8192)
            CHECK(LatencyHistogram::lowestOf(b) == v);
        else
            CHECK(double(v - LatencyHistogram::lowestOf(b)) < double(v) / 4096.0);
    }
    // Merging is adding counts.
    LatencyHistogram a, c;
    a.add(10);
    a.add(100000);
    c.add(20);
    a.merge(c);
    CHECK(a.count() == 3);
    CHECK(a.percentile(0.5) == 20);
    CHECK(a.max() == 100000);
}
