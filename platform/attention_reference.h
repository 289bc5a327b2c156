// SPDX-License-Identifier: MIT
#pragma once
// An independent CPU reference of decode attention for one query vector, in double (FP64),
// written from the textbook formula and sharing no code with the PE model: the golden values
// that PIM kernel outputs are checked against (within a tolerance covering FP16 operands, the
// accumulation mode and expApproxMaxRelError()).
#include <cstdint>
#include <vector>

#include "firmware/host/decode_offload.h"

namespace pilot::platform {

// Softmax weights over the given keys: w_j = exp(s_j - max s) / sum exp(s - max s), with
// s_j = scale * (q . K[keys[j]]). One weight per entry of `keys`, in its order (an index given
// twice is attended twice). K is L x d row-major (L = K.size() / d).
// Throws std::invalid_argument for d == 0, q.size() != d, K.size() not a multiple of d, an
// empty key list, or a key index >= L.
std::vector<double> decodeAttentionWeights(const std::vector<float>& q, const std::vector<float>& K,
                                           uint32_t d, const std::vector<uint32_t>& keys, double scale);

// softmax(scale * q K^T) V over the given keys, with max subtraction: a vector of d values,
// out[i] = sum_j w_j V[keys[j]][i]. V is L x d row-major like K (V.size() must equal K.size()).
std::vector<double> decodeAttentionReference(const std::vector<float>& q, const std::vector<float>& K,
                                             const std::vector<float>& V, uint32_t d,
                                             const std::vector<uint32_t>& keys, double scale);

// The keys of a streaming (sink + window) head, as the decode offload attends them.
using host::sinkWindowKeys;

} // namespace pilot::platform
