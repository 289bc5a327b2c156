// SPDX-License-Identifier: MIT
#pragma once
// Whether a decode or prefill workload's PIM layout fits the memory it runs on: every head's
// rows (Q, K and V with their copies, outputs, scratch) in its bank group, the heads of the
// whole workload in all the bank groups of the scenario's pseudo-channels. Checked when the
// scenario loads, so that a workload the memory cannot hold (batch 2^20, context 2^24) is
// refused with both figures instead of simulated round after round for minutes.
#include <cstdint>
#include <string>

#include "models/common/config_error.h"
#include "platform/scenario.h"

namespace pilot::platform {

struct PimCapacity {
    uint64_t requiredBytes = 0;  // rows of every head x banks per group x row bytes
    uint64_t availableBytes = 0; // rows free for layouts in every bank of the pseudo-channels
    uint32_t headRows = 0;       // rows one head needs in each bank of its group
    uint32_t freeRows = 0;       // rows of a bank free for layouts (the command rings take 2)
    uint64_t heads = 0;          // heads laid out
    bool lowerBound = false;     // the figures are a lower bound (the kernel was not planned)
    bool fits() const { return headRows <= freeRows && requiredBytes <= availableBytes; }
};

// The layout of the scenario's decode or prefill workload against its memory (s.memspec and
// s.pseudoChannels). Prefill: a lower bound (queries and outputs) first, the planner's layout
// only when that fits; a shape the planner refuses counts as fitting here (the kernel's reason
// is reported when it runs).
PimCapacity pimCapacity(const Scenario& s);
// Adds an issue at /workload when the layout does not fit, with both figures.
void checkPimCapacity(const Scenario& s, common::IssueList& issues);

} // namespace pilot::platform
