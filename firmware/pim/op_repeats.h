// SPDX-License-Identifier: MIT
#pragma once
// Stretches of a kernel that repeat: the same ops, period after period, with rows advancing
// alike (a prefill kernel's rounds, once its band of keys stops growing, are equal but for the
// rows they name). The firmware marks them for the platform's fast-forward (hal.h,
// repeatMark), which may take the time and effects of the middle periods from the ones it
// simulated.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "firmware/include/pilot/micro_op.h"

namespace pilot::fw {

// What the controller's timing and the PEs' counters can depend on: every field of the op but
// the ones that only name data (the row, but whether it is the one open already; key and query
// numbers of masks). Two ops of equal signature take the same commands and cycles wherever they
// sit in a stream of equal signatures.
class OpSignatures {
  public:
    uint64_t next(const contract::MicroOp& op);

  private:
    // Row + 1 of the last move of each pseudo-channel (all-bank form) and bank (single-bank
    // form); 0: none yet.
    uint32_t m_lastRow[256] = {};
    std::unordered_map<uint32_t, uint32_t> m_lastBankRow; // by pc x 256 + bank
};

struct OpRepeat {
    size_t begin = 0;   // first op of the first period
    size_t period = 0;  // ops per period
    size_t periods = 0; // periods in a row
    int64_t growth = 0; // growing stretches (findGrowing): ops each period has more than the one before
};

// The repeating stretches of `sig` (one signature per op, or per round), in order, not
// overlapping: for each, the period (up to maxPeriod entries) covering the most entries from its
// start, kept when it repeats at least minPeriods times.
std::vector<OpRepeat> findRepeats(const std::vector<uint64_t>& sig, size_t maxPeriod, size_t minPeriods);

// Stretches of rounds in [from, to) that grow alike (a prefill kernel's rounds while its band of
// keys still grows: each round a few key batches more): grouped by `period` rounds, every group
// has the ops of the group before plus the same ones again. `ops[i]` is round i's op count and
// `sum[i]` the wrapping sum of its op signatures (order aside: a multiset's fingerprint), so a
// group's differences in both to the group before are the same all along the stretch. For each
// stretch the period (up to maxPeriod rounds) covering the most rounds, kept when it holds at
// least minPeriods groups; OpRepeat::growth = the ops a group has more than the one before.
std::vector<OpRepeat> findGrowing(const std::vector<uint64_t>& ops, const std::vector<uint64_t>& sum,
                                  size_t from, size_t to, size_t maxPeriod, size_t minPeriods);

} // namespace pilot::fw
