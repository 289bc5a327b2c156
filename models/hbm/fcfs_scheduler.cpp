// SPDX-License-Identifier: MIT
// FCFS: strict arrival order within the current direction (reads, or writes while draining):
// only the oldest arrived request of the pseudo-channel may move.
#include "models/hbm/scheduler_impls.h"
#include "models/hbm/scheduler_scan.h"

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

inline uint32_t FcfsScheduler::choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write,
                                      bool& hit) const {
    const BankState& bk = s.banks[bank];
    const uint32_t chosen = bk.queue[write][first];
    if (s.slots[chosen].seq != m_oldest)
        return kNoSlot;
    hit = bk.open && s.slots[chosen].row == bk.row;
    return chosen;
}

uint64_t FcfsScheduler::scan(const PcState& s, const TimingState& timing, const RefreshManager& refresh,
                             uint64_t now, uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd,
                             Candidate& colCmd) {
    return scanBanks(*this, s, timing, refresh, now, rowBusFree, colBusFree, rowCmd, colCmd);
}

} // namespace pilot::hbm
