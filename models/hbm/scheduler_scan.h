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
uint64_t Scheduler::setAside(const Policy& policy, const PcState& s, const TimingState& timing, uint64_t now,
                             bool w, uint64_t arrived, uint64_t rowBusFree, uint64_t colBusFree,
                             uint64_t& todo) const {
    // Each group's commands wait for their bus and, with group bounds, for the pseudo-channel's
    // own rules (tRRD, tFAW, tCCD, turnarounds), which bind every bank alike: the later bounds it
    // (without group bounds the rules count as 0).
    uint64_t next = kNever;
    const auto aside = [&](uint64_t m, uint64_t busFree, uint64_t rules) {
        const uint64_t bound = std::max(busFree, rules);
        if (m && bound > now) {
            next = std::min(next, bound);
            todo &= ~m;
        }
    };
    if (const uint64_t hits = arrived & policy.surelyHitBanks(s, w))
        aside(hits, colBusFree, m_groupBounds ? timing.earliestAnyColumn() : 0);
    if (const uint64_t miss = arrived & policy.surelyMissBanks(s, w)) {
        aside(miss & ~s.openBanks, rowBusFree, m_groupBounds ? timing.earliestAnyBank(Command::ACT) : 0);
        aside(miss & s.openBanks, rowBusFree, m_groupBounds ? timing.earliestAnyBank(Command::PRE) : 0);
    }
    return next;
}

inline uint64_t Scheduler::setAsideHinted(uint64_t now, bool w, bool allPending, uint64_t& todo) {
    // The hints set in this direction (one set in the other is valid again once the direction
    // changes back).
    const uint64_t mine = m_hinted & (w ? m_hintWrite : ~m_hintWrite);
    if (allPending && m_hintMinExact[w] && now < m_hintMin[w]) {
        // None has expired, and each hinted bank has requests in it (a queue change clears the
        // hint): all wait, the earliest until m_hintMin.
        todo &= ~mine;
        return m_hintMin[w];
    }
    // Without branches on the hints' values (whether one has expired is as good as random to the
    // branch predictor): masks, all ones where a hint holds; kNever is all ones too.
    static_assert(kNever == ~uint64_t(0), "the masks below take kNever for all ones");
    uint64_t next = kNever, least = kNever, expired = 0, waiting = 0;
    for (uint64_t m = mine; m; m &= m - 1) {
        const uint64_t bit = m & -m;
        const uint64_t notBefore = m_hints[uint32_t(__builtin_ctzll(m))].notBefore;
        const uint64_t holds = uint64_t(0) - uint64_t(now < notBefore);
        const uint64_t sets = holds & (uint64_t(0) - uint64_t((todo & bit) != 0));
        expired |= bit & ~holds; // never valid again until set anew
        waiting |= bit & sets;
        least = std::min(least, notBefore | ~holds);
        next = std::min(next, notBefore | ~sets);
    }
    m_hinted &= ~expired;
    todo &= ~waiting;
    m_hintMin[w] = least;
    m_hintMinExact[w] = true;
    return next;
}

template <class Policy>
uint64_t Scheduler::scanBanks(Policy& policy, const PcState& s, const TimingState& timing,
                              const RefreshManager& refresh, uint64_t now, uint64_t rowBusFree,
                              uint64_t colBusFree, Candidate& rowCmd, Candidate& colCmd) {
    const bool rowBusy = rowBusFree > now, colBusy = colBusFree > now;
    uint64_t next = kNever;
    const bool w = s.writeMode;
    policy.beginScan(s, now, w);
    constexpr bool hints = Policy::kChoiceIsPerBank;
    if (m_choices.size() != s.banks.size()) {
        m_hints.assign(s.banks.size(), WaitHint{});
        m_choices.assign(s.banks.size(), Choice{});
    }
    // Each bank's outcome depends on that bank alone (the best candidate is the oldest, the wake
    // cycle a minimum), so banks can be set aside in groups. Every refresh policy blocks banks
    // only while a refresh is pending.
    uint64_t todo = s.pendingBanks[w];
    if (refresh.pending())
        for (uint64_t m = todo; m; m &= m - 1)
            if (refresh.blocksBank(uint32_t(__builtin_ctzll(m))))
                todo &= ~(m & -m);
    // Banks whose chosen command may not issue before a hinted cycle.
    if (hints)
        next = setAsideHinted(now, w, !refresh.pending(), todo);
    // Banks whose command is known (their requests all arrived) and sure to wait: for a bus that is
    // taken, or with group bounds also for the pseudo-channel's rules of that command.
    const uint64_t arrived = todo & ~s.lateBanks;
    next = std::min(next, setAside(policy, s, timing, now, w, arrived, rowBusFree, colBusFree, todo));
    for (; todo; todo &= todo - 1) {
        const uint32_t b = uint32_t(__builtin_ctzll(todo));
        // The bank's choice: the one kept since it last changed, or made now (and kept once every
        // queued request has arrived: only then does it stand). Made in place, field by field:
        // one built aside and copied whole would wait for its narrow stores to land.
        Choice* const c = &m_choices[b];
        bool stable = true;
        if (!(hints && (m_chosen & todo & -todo) && c->write == w)) {
            const BankState& bk = s.banks[b];
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
            c->slot = chosen;
            c->cmd = commandFor(bk, r, hit);
            c->hit = hit;
            c->write = w;
            c->group = r.group;
            c->seq = r.seq;
            c->age = r.arrival;
            stable = hints && allArrived;
            if (stable)
                m_chosen |= todo & -todo;
            else
                m_chosen &= ~(todo & -todo); // (it held another choice: this one may not stand)
        }
        if (c->hit ? colBusy : rowBusy) {
            next = std::min(next, c->hit ? colBusFree : rowBusFree);
            continue;
        }
        const uint64_t e = timing.earliest(c->cmd, b, c->group);
        if (e > now) {
            next = std::min(next, e);
            if (stable)
                setHint(b, e, w);
            continue;
        }
        // Row bus: a refresh command already chosen keeps priority; otherwise oldest first.
        Candidate& slot = c->hit ? colCmd : rowCmd;
        if (!slot.valid() || (slot.slot != kNoSlot && c->seq < slot.seq)) {
            slot.cmd = c->cmd;
            slot.bank = b;
            slot.slot = c->slot;
            slot.seq = c->seq;
            slot.age = c->age;
            slot.hit = c->hit;
        }
    }
    return next;
}

} // namespace pilot::hbm
