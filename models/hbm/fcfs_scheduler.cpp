// SPDX-License-Identifier: MIT
// FCFS: strict arrival order within the current direction (reads, or writes while draining):
// only the oldest arrived request of the pseudo-channel may move.
#include "models/hbm/scheduler_impls.h"

namespace pilot::hbm {

void FcfsScheduler::beginScan(const PcState& s, uint64_t now, bool write) {
    m_oldest = UINT64_MAX;
    for (const BankState& bk : s.banks)
        for (uint32_t slot : bk.queue[write])
            if (s.slots[slot].arrival <= now) {
                m_oldest = std::min(m_oldest, s.slots[slot].seq);
                break;
            }
}

uint32_t FcfsScheduler::choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write,
                               bool& hit) const {
    const BankState& bk = s.banks[bank];
    const uint32_t chosen = bk.queue[write][first];
    if (s.slots[chosen].seq != m_oldest)
        return kNoSlot;
    hit = bk.open && s.slots[chosen].row == bk.row;
    return chosen;
}

} // namespace pilot::hbm
