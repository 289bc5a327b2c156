// SPDX-License-Identifier: MIT
#include "firmware/host/offload_rounds.h"

#include <algorithm>
#include <cstdint>
#include <functional>

namespace pilot::host {

namespace {

// One channel's share of one round.
struct ChannelRound {
    std::vector<UnitSlot> slots;
    uint16_t mask = 0;  // bank groups the descriptor covers
    uint16_t depth = 0; // units stacked in the channel's sets
};

// Bursts of each stream's period in a placement (or read-back) in periods: 64 KiB, a few
// microseconds of a channel's writes, so a round's placement is hundreds of periods at the
// paper's shapes and the measured ones (at least 16 refresh intervals) a few percent of them.
constexpr uint32_t kPlacementPeriodBursts = 2048;
// Fewer periods than this: the placement is simulated whole (it could not skip much).
constexpr uint64_t kMinPlacementPeriods = 16;

// Runs post(slot) for a channel's units side by side (a host thread each: a round's placement
// or its outputs' read-back), in periods if every unit posts alike (`repeats`).
template <typename Post>
void postUnits(PimRuntime& rt, uint32_t c, const std::vector<UnitSlot>& slots, bool repeats, Post post) {
    std::vector<uint32_t> streams;
    if (repeats) {
        const std::vector<uint64_t> counts = rt.countPosted(c, [&] {
            for (const UnitSlot& slot : slots)
                post(slot);
        });
        uint64_t fewest = UINT64_MAX;
        for (uint32_t g = 0; g < counts.size(); ++g)
            if (counts[g]) {
                streams.push_back(g);
                fewest = std::min(fewest, counts[g]);
            }
        if (streams.empty() || fewest / kPlacementPeriodBursts < kMinPlacementPeriods)
            streams.clear();
        else
            rt.placementBegin(c, streams, fewest / kPlacementPeriodBursts, kPlacementPeriodBursts);
    }
    std::vector<std::function<void()>> tasks;
    for (const UnitSlot& slot : slots)
        tasks.push_back([&rt, &post, &slot, &streams, c] {
            post(slot);
            for (uint32_t g = slot.group; g < slot.group + slot.spread; ++g)
                if (std::find(streams.begin(), streams.end(), g) != streams.end())
                    rt.placementStreamDone(c, g);
        });
    rt.parallel(std::move(tasks));
}

} // namespace

OffloadRun offloadRounds(PimRuntime& rt, OffloadKernel& kernel, uint32_t units, uint32_t rounds,
                         uint32_t spread, uint32_t depth) {
    const uint32_t channels = rt.geometry().channels;
    const uint32_t sets = channels * (rt.geometry().groupsPerChannel() / spread);
    const uint16_t setMask = uint16_t((1u << spread) - 1u);
    OffloadRun run;
    std::vector<std::vector<ChannelRound>> plan(channels, std::vector<ChannelRound>(rounds)); // [c][r]
    std::vector<uint32_t> busy;
    for (uint32_t r = 0, unitBase = 0; r < rounds; ++r) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < sets * depth && unitBase + i < units; ++i, ++n) {
            const uint32_t inLevel = i % sets;
            const UnitSlot slot{unitBase + i, inLevel % channels, inLevel / channels * spread, spread,
                                i / sets};
            ChannelRound& cr = plan[slot.channel][r];
            cr.mask |= uint16_t(setMask << slot.group);
            cr.depth = uint16_t(slot.level + 1);
            cr.slots.push_back(slot);
        }
        unitBase += n;
        run.units += n;
    }
    for (uint32_t c = 0; c < channels; ++c)
        if (plan[c][0].mask)
            busy.push_back(c);

    // Each channel runs its rounds back to back in a host thread of its own.
    std::vector<OffloadRun> byChannel(channels);
    rt.forChannels(busy, [&](uint32_t c) {
        OffloadRun& mine = byChannel[c];
        for (uint32_t r = 0; r < rounds && plan[c][r].mask; ++r) {
            const ChannelRound& cr = plan[c][r];
            // The units of the round are written side by side (a host thread each: their bank
            // groups' writes interleave, as a GPU's many threads' would), and read back so.
            uint64_t t = rt.nowPs();
            postUnits(rt, c, cr.slots, kernel.placementRepeats(),
                      [&](const UnitSlot& slot) { kernel.place(rt, slot); });
            rt.fence(c);
            mine.placePs += rt.nowPs() - t;

            t = rt.nowPs();
            uint32_t lowest = 0;
            while (!((cr.mask >> lowest) & 1u))
                ++lowest;
            contract::Descriptor desc = kernel.descriptor(rt, c, lowest);
            desc.version = contract::kVersion;
            desc.tag = r * channels + c;
            desc.bankGroupMask = cr.mask;
            desc.depth = cr.depth;
            rt.submit(c, desc);
            for (const contract::Completion& comp : rt.waitChannel(c))
                if (comp.error != uint8_t(contract::Error::Ok))
                    mine.failed.push_back(comp);
            mine.kernelPs += rt.nowPs() - t;

            t = rt.nowPs();
            postUnits(rt, c, cr.slots, kernel.fetchRepeats(),
                      [&](const UnitSlot& slot) { kernel.fetch(rt, slot); });
            rt.fence(c);
            for (const UnitSlot& slot : cr.slots)
                kernel.collect(slot);
            mine.readPs += rt.nowPs() - t;
        }
    });
    for (const OffloadRun& m : byChannel) {
        run.kernelPs = std::max(run.kernelPs, m.kernelPs);
        run.placePs = std::max(run.placePs, m.placePs);
        run.readPs = std::max(run.readPs, m.readPs);
        run.failed.insert(run.failed.end(), m.failed.begin(), m.failed.end());
    }
    return run;
}

} // namespace pilot::host
