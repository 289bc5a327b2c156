// SPDX-License-Identifier: MIT
#pragma once
// The walk over a pseudo-channel's banks shared by every scheduling policy (Scheduler::
// scanBanks), included by each policy's .cpp so that the policy's per-bank calls inline: the
// walk runs every cycle a command may issue, for every pseudo-channel of the channel.
#include <algorithm>

#include "models/hbm/refresh_manager.h"
#include "models/hbm/scheduler.h"

namespace pilot::hbm {

template <class Policy>
uint64_t Scheduler::scanBanks(Policy& policy, const PcState& s, const TimingState& timing,
                              const RefreshManager& refresh, uint64_t now, uint64_t rowBusFree,
                              uint64_t colBusFree, Candidate& rowCmd, Candidate& colCmd) {
    const bool rowBusy = rowBusFree > now, colBusy = colBusFree > now;
    uint64_t next = kNever;
    const bool w = s.writeMode;
    policy.beginScan(s, now, w);
    constexpr bool hints = Policy::kChoiceIsPerBank;
    if (hints && m_hints.size() != s.banks.size())
        m_hints.assign(s.banks.size(), WaitHint{});
    // Every refresh policy blocks banks only while a refresh is pending.
    const bool refreshPending = refresh.pending();
    for (uint64_t pending = s.pendingBanks[w]; pending; pending &= pending - 1) {
        const uint32_t b = uint32_t(__builtin_ctzll(pending));
        if (refreshPending && refresh.blocksBank(b))
            continue;
        const BankState& bk = s.banks[b];
        if (hints) {
            const WaitHint& h = m_hints[b];
            if (h.key == hintKey(bk.version, w) && now < h.notBefore) {
                next = std::min(next, h.notBefore);
                continue;
            }
        }
        // Once every queued request has arrived, the first arrived one is the first queued.
        const bool allArrived = bk.latestArrival <= now;
        if (allArrived) {
            if (colBusy && policy.surelyHits(bk, w)) {
                next = std::min(next, colBusFree);
                continue;
            }
            if (rowBusy && policy.surelyMisses(bk, w)) {
                next = std::min(next, rowBusFree);
                continue;
            }
        }
        const size_t first = allArrived ? 0 : s.firstArrived(bk.queue[w], now);
        if (first == bk.queue[w].size())
            continue;
        bool hit = false;
        const uint32_t chosen = policy.choose(s, b, first, now, w, hit);
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
            if (hints && allArrived)
                m_hints[b] = {hintKey(bk.version, w), e};
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
