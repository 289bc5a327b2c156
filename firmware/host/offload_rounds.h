// SPDX-License-Identifier: MIT
#pragma once
// The one skeleton every PIM kernel offload runs: work units (one per bank group: a KV head, a
// prefill head) are spread over the channels' bank groups round by round; each round lays its
// units out (a round may stack `depth` units in each set, run one after another by one
// descriptor: Descriptor::depth), writes one descriptor per channel covering the channel's groups (a
// bank-group mask: every unit of a round uses the same rows in its own group, so the groups run in lockstep),
// waits for every completion and hands each unit's outputs back. What differs per kernel
// (layout, descriptor fields, reading the outputs) is an OffloadKernel.
//
// Every channel runs its rounds in a host thread of its own, all channels at once (the GPU's
// stores posted, many in flight), and a channel's round has three phases: placement (the
// units' operands written over the bus), the kernel (descriptor, doorbell, interrupt,
// completion), read-back (the outputs read over the bus). Channels share nothing (no barrier
// between rounds: their hardware is independent), so the busiest channel (channel 0: it gets
// the first unit of every round) is timed alone, and one simulated channel carrying its units
// times the whole system (replication, platform/pim_run.h). The figures are each the largest
// over the channels: they differ only where the channels' refreshes (staggered over a stack)
// fall.
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
    // Lays the unit's operands out in its bank group (before the round's descriptors): timed
    // (posted) writes of what the GPU writes, the untimed loader for what is already resident.
    virtual void place(PimRuntime& rt, const UnitSlot& slot) = 0;
    // Whether place() only posts writes without data (timing only) and every unit of a round
    // posts alike: then a round's placement goes in periods the machine may fast-forward
    // (HostBus::placementBegin).
    virtual bool placementRepeats() const { return false; }
    // The descriptor of one channel's groups; `lowestGroup` is the mask's lowest group, whose
    // addresses the descriptor carries. The skeleton sets version, tag and mask.
    virtual contract::Descriptor descriptor(PimRuntime& rt, uint32_t channel, uint32_t lowestGroup) = 0;
    // After the round completed: posts the reads of the unit's outputs (into buffers it owns).
    virtual void fetch(PimRuntime& rt, const UnitSlot& slot) = 0;
    // Whether fetch() only posts reads whose data nobody keeps (timing only) and every unit of a
    // round reads alike: then the read-back goes in periods too.
    virtual bool fetchRepeats() const { return false; }
    // Once the reads landed: hands the unit's outputs on.
    virtual void collect(const UnitSlot& slot) = 0;
};

struct OffloadRun {
    uint64_t kernelPs = 0; // from a round's descriptor to its completion, summed over the rounds
    uint64_t placePs = 0;  // laying the rounds' units out, summed
    uint64_t readPs = 0;   // reading their outputs back, summed
    uint32_t units = 0;    // units run (on the simulated channels)
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
