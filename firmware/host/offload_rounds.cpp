// SPDX-License-Identifier: MIT
#include "firmware/host/offload_rounds.h"

namespace pilot::host {

OffloadRun offloadRounds(PimRuntime& rt, OffloadKernel& kernel, uint32_t units, uint32_t rounds,
                         uint32_t spread, uint32_t depth) {
    const uint32_t channels = rt.geometry().channels;
    const uint32_t sets = channels * (rt.geometry().groupsPerChannel() / spread);
    const uint16_t setMask = uint16_t((1u << spread) - 1u);
    OffloadRun run;
    uint32_t unitBase = 0;
    for (uint32_t r = 0; r < rounds; ++r) {
        std::vector<UnitSlot> slots;
        std::vector<uint16_t> masks(channels, 0);
        std::vector<uint16_t> levels(channels, 0); // units stacked in the channel's sets this round
        for (uint32_t i = 0; i < sets * depth && unitBase + i < units; ++i) {
            const uint32_t inLevel = i % sets;
            const UnitSlot slot{unitBase + i, inLevel % channels, inLevel / channels * spread, spread,
                                i / sets};
            masks[slot.channel] |= uint16_t(setMask << slot.group);
            levels[slot.channel] = uint16_t(slot.level + 1);
            kernel.place(rt, slot);
            slots.push_back(slot);
        }
        unitBase += uint32_t(slots.size());
        const uint64_t t0 = rt.nowPs();
        for (uint32_t c = 0; c < channels; ++c) {
            if (!masks[c])
                continue;
            uint32_t lowest = 0;
            while (!((masks[c] >> lowest) & 1u))
                ++lowest;
            contract::Descriptor desc = kernel.descriptor(rt, c, lowest);
            desc.version = contract::kVersion;
            desc.tag = r * channels + c;
            desc.bankGroupMask = masks[c];
            desc.depth = levels[c];
            rt.submit(c, desc);
        }
        for (const contract::Completion& comp : rt.waitAll())
            if (comp.error != uint8_t(contract::Error::Ok))
                run.failed.push_back(comp);
        run.kernelPs += rt.nowPs() - t0;
        for (const UnitSlot& slot : slots)
            kernel.collect(rt, slot);
    }
    return run;
}

} // namespace pilot::host
