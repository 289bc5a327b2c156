// SPDX-License-Identifier: MIT
#pragma once
// The one skeleton every PIM kernel offload runs: work units (one per bank group: a KV head, a
// prefill head) are spread over the channels' bank groups round by round; each round lays its
// units out (a round may stack `depth` units in each set, run one after another by one
// descriptor: Descriptor::depth), writes one descriptor per channel covering the channel's groups (a
// bank-group mask: every unit of a round uses the same rows in its own group, so the groups run in lockstep),
// waits for every completion and hands each unit's outputs back. What differs per kernel
// (layout, descriptor fields, reading the outputs) is an OffloadKernel.
#include <cstdint>
#include <vector>

#include "firmware/host/pim_runtime.h"
#include "firmware/include/pilot/contract.h"

namespace pilot::host {

// Where a unit runs in its round: unit i of a round goes to channel i % channels, set of bank
// groups i / channels (spreading a round over every channel before doubling up on one). A set
// is `spread` consecutive groups (1 unless a head's keys are split over several groups).
struct UnitSlot {
    uint32_t unit = 0;               // index over the whole offload
    uint32_t channel = 0, group = 0; // group: the first of the unit's set
    uint32_t spread = 1;             // groups of the set
    uint32_t level = 0;              // place in the set's stack of units (Descriptor::depth)
};

class OffloadKernel {
  public:
    virtual ~OffloadKernel() = default;
    // Lays the unit's operands out in its bank group (before the round's descriptors).
    virtual void place(PimRuntime& rt, const UnitSlot& slot) = 0;
    // The descriptor of one channel's groups; `lowestGroup` is the mask's lowest group, whose
    // addresses the descriptor carries. The skeleton sets version, tag and mask.
    virtual contract::Descriptor descriptor(PimRuntime& rt, uint32_t channel, uint32_t lowestGroup) = 0;
    // After the round completed: reads (and hands on) the unit's outputs.
    virtual void collect(PimRuntime& rt, const UnitSlot& slot) = 0;
};

struct OffloadRun {
    uint64_t kernelPs = 0; // from the first descriptor of a round to its last completion, summed
    std::vector<contract::Completion> failed; // completions with an error
};

// Rounds needed for `units` units on `groups` bank groups, `spread` groups per unit, `depth`
// units stacked in each set.
inline uint32_t roundsFor(uint32_t units, uint32_t groups, uint32_t spread = 1, uint32_t depth = 1) {
    const uint32_t sets = groups / spread * depth;
    return (units + sets - 1) / sets;
}

// Runs the first `rounds` rounds of `units` units of `spread` groups each (fewer rounds than
// needed: the caller scales the identical rest). Descriptor tags are round x channels + channel.
OffloadRun offloadRounds(PimRuntime& rt, OffloadKernel& kernel, uint32_t units, uint32_t rounds,
                         uint32_t spread = 1, uint32_t depth = 1);

} // namespace pilot::host
