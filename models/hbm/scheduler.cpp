// SPDX-License-Identifier: MIT
#include "models/hbm/scheduler.h"

#include <algorithm>

#include "models/hbm/refresh_manager.h"

namespace pilot::hbm {

uint64_t Scheduler::propose(const PcState& s, const TimingState& timing, const RefreshManager& refresh,
                            uint64_t now, uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd,
                            Candidate& colCmd) {
    // A bus taken this cycle serves nothing more until it is free: no need to look further
    // (waking when it frees is early enough; the scan then finds the exact cycle).
    const bool rowBusy = rowBusFree > now, colBusy = colBusFree > now;
    if (rowBusy && colBusy)
        return std::min(rowBusFree, colBusFree);
    uint64_t next = kNever;
    const bool w = s.writeMode;
    beginScan(s, now, w);
    const bool hints = choiceIsPerBank();
    if (hints && m_hints.size() != s.banks.size())
        m_hints.assign(s.banks.size(), WaitHint{});
    for (uint64_t pending = s.pendingBanks[w]; pending; pending &= pending - 1) {
        const uint32_t b = uint32_t(__builtin_ctzll(pending));
        if (refresh.blocksBank(b))
            continue;
        const BankState& bk = s.banks[b];
        if (hints) {
            const WaitHint& h = m_hints[b];
            if (h.version == bk.version && h.write == w && now < h.notBefore) {
                next = std::min(next, h.notBefore);
                continue;
            }
        }
        if (colBusy && bk.latestArrival <= now && surelyHits(bk, w)) {
            next = std::min(next, colBusFree);
            continue;
        }
        const size_t first = s.firstArrived(bk.queue[w], now);
        if (first == bk.queue[w].size())
            continue;
        bool hit = false;
        const uint32_t chosen = choose(s, b, first, now, w, hit);
        if (chosen == kNoSlot)
            continue;
        const Request& r = s.slots[chosen];
        Command cmd;
        if (hit) {
            const bool autoPre = m_cfg.page == PagePolicy::Closed;
            cmd = r.write ? (autoPre ? Command::WRA : Command::WR) : (autoPre ? Command::RDA : Command::RD);
        } else {
            cmd = bk.open ? Command::PRE : Command::ACT;
        }
        if (hit ? colBusy : rowBusy) {
            next = std::min(next, hit ? colBusFree : rowBusFree);
            continue;
        }
        const uint64_t e = timing.earliest(cmd, b, r.group);
        if (e > now) {
            next = std::min(next, e);
            // The choice is stable only once every queued request has arrived.
            if (hints && bk.latestArrival <= now)
                m_hints[b] = {bk.version, w, e};
            continue;
        }
        Candidate& slot = hit ? colCmd : rowCmd;
        // Row bus: a refresh command already chosen keeps priority; otherwise oldest first.
        if (!slot.valid() || (slot.slot != kNoSlot && r.seq < slot.seq)) {
            slot.cmd = cmd;
            slot.bank = b;
            slot.slot = chosen;
            slot.seq = r.seq;
            slot.age = r.arrival;
            slot.hit = hit;
        }
    }
    return next;
}

} // namespace pilot::hbm
