// SPDX-License-Identifier: MIT
// FR-FCFS (Rixner et al., ISCA 2000): per bank, an arrived request for the open row goes ahead
// of older misses, at most `row_hit_cap` column accesses per activation (0: no cap), so a
// stream of hits cannot starve an older request to another row.
#include "models/hbm/scheduler_impls.h"
#include "models/hbm/scheduler_scan.h"

namespace pilot::hbm {

inline uint32_t FrFcfsScheduler::choose(const PcState& s, uint32_t bank, size_t first, uint64_t now,
                                        bool write, bool& hit) const {
    const BankState& bk = s.banks[bank];
    const auto& q = bk.queue[write];
    const uint32_t oldest = q[first];
    if (!bk.open || !bk.hits[write])
        return oldest;
    if (s.slots[oldest].row == bk.row) {
        hit = true;
        return oldest;
    }
    if (m_cfg.rowHitCap != 0 && bk.columnsSinceAct >= m_cfg.rowHitCap)
        return oldest;
    for (size_t i = first + 1; i < q.size(); ++i) {
        const Request& r = s.slots[q[i]];
        if (r.arrival <= now && r.row == bk.row) {
            hit = true;
            return q[i];
        }
    }
    return oldest;
}

uint64_t FrFcfsScheduler::scan(const PcState& s, const TimingState& timing, const RefreshManager& refresh,
                               uint64_t now, uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd,
                               Candidate& colCmd) {
    return scanBanks(*this, s, timing, refresh, now, rowBusFree, colBusFree, rowCmd, colCmd);
}

} // namespace pilot::hbm
