// SPDX-License-Identifier: MIT
#include "platform/attention_reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace pilot::platform {

namespace {

void checkShapes(const std::vector<float>& q, const std::vector<float>& K, uint32_t d,
                 const std::vector<uint32_t>& keys) {
    if (d == 0)
        throw std::invalid_argument("attention reference: head dimension d must be > 0");
    if (q.size() != d)
        throw std::invalid_argument("attention reference: q has " + std::to_string(q.size()) +
                                    " elements, expected d = " + std::to_string(d));
    if (K.size() % d != 0)
        throw std::invalid_argument("attention reference: K has " + std::to_string(K.size()) +
                                    " elements, not a multiple of d = " + std::to_string(d));
    if (keys.empty())
        throw std::invalid_argument("attention reference: empty key list");
    const uint64_t L = K.size() / d;
    for (uint32_t j : keys)
        if (j >= L)
            throw std::invalid_argument("attention reference: key index " + std::to_string(j) +
                                        " is outside the context of " + std::to_string(L) + " keys");
}

} // namespace

std::vector<double> decodeAttentionWeights(const std::vector<float>& q, const std::vector<float>& K,
                                           uint32_t d, const std::vector<uint32_t>& keys, double scale) {
    checkShapes(q, K, d, keys);
    std::vector<double> s(keys.size());
    for (size_t j = 0; j < keys.size(); ++j) {
        const float* k = K.data() + static_cast<size_t>(keys[j]) * d;
        double dot = 0.0;
        for (uint32_t i = 0; i < d; ++i)
            dot += static_cast<double>(q[i]) * static_cast<double>(k[i]);
        s[j] = scale * dot;
    }
    const double m = *std::max_element(s.begin(), s.end());
    double sum = 0.0;
    for (double& x : s) {
        x = std::exp(x - m);
        sum += x;
    }
    for (double& x : s)
        x /= sum;
    return s;
}

std::vector<double> decodeAttentionReference(const std::vector<float>& q, const std::vector<float>& K,
                                             const std::vector<float>& V, uint32_t d,
                                             const std::vector<uint32_t>& keys, double scale) {
    if (V.size() != K.size())
        throw std::invalid_argument("attention reference: V has " + std::to_string(V.size()) +
                                    " elements, K has " + std::to_string(K.size()));
    const std::vector<double> w = decodeAttentionWeights(q, K, d, keys, scale);
    std::vector<double> out(d, 0.0);
    for (size_t j = 0; j < keys.size(); ++j) {
        const float* v = V.data() + static_cast<size_t>(keys[j]) * d;
        for (uint32_t i = 0; i < d; ++i)
            out[i] += w[j] * static_cast<double>(v[i]);
    }
    return out;
}

} // namespace pilot::platform
