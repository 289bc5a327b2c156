// SPDX-License-Identifier: MIT
#pragma once
// The state of one pseudo-channel that its policies read: queued requests, per-bank queues and
// open rows. The controller owns and changes it; schedulers, refresh managers and the PIM
// sequencer see it through a const reference (the PIM sequencer opens and closes banks through
// the controller), so a policy cannot change what it decides over.
#include <cstdint>
#include <vector>

#include "models/hbm/command.h"

namespace pilot::hbm {

inline constexpr uint32_t kNoSlot = UINT32_MAX;
inline constexpr uint64_t kNever = UINT64_MAX;

// One burst of a host transaction (a transaction of several bursts queues as several requests).
struct Request {
    uint32_t host = 0;               // the controller's record of the transaction (its payload)
    uint32_t offset = 0, length = 0; // the burst's bytes in the transaction's data
    uint64_t seq = 0;                // arrival order
    uint64_t arrival = 0;            // cycle
    uint64_t addr = 0;
    uint32_t row = 0, column = 0;
    uint16_t bank = 0, group = 0;
    bool write = false;
    bool neededAct = false, neededPre = false;
};

struct BankState {
    bool open = false;
    uint32_t row = 0;
    uint32_t columnsSinceAct = 0; // for the FR-FCFS row-hit cap
    std::vector<uint32_t>
        queue[2];               // request slots, arrival order; [0] reads, [1] writes (unified: all in [0])
    uint32_t hits[2] = {0, 0};  // queued requests for the open row: a scheduler walks a
                                // queue for a hit only when there is one
    uint64_t latestArrival = 0; // the latest arrival cycle of any request ever queued here
};

struct PcState {
    std::vector<BankState> banks;
    std::vector<Request> slots;        // the request pool; never grows, so references stay valid
    uint64_t pendingBanks[2] = {0, 0}; // bit b: bank b has queued reads / writes
    // The same facts as masks, so that a scheduler can set aside many banks at once (the walk
    // runs every cycle a command may issue): bit b of openBanks: banks[b].open; of hitBanks[q]:
    // banks[b].hits[q] > 0 (syncMasks keeps them). lateBanks: every bank whose latestArrival is
    // after the cycle being decided, and perhaps others (the controller clears bits lazily).
    uint64_t openBanks = 0;
    uint64_t hitBanks[2] = {0, 0};
    uint64_t lateBanks = 0;
    uint32_t queued[2] = {0, 0}; // requests queued, reads / writes
    bool writeMode = false;      // draining writes
    bool unified = false;        // reads and writes share one queue per bank ([0]), no write mode

    // The per-bank queue a request waits in.
    int queueOf(bool write) const { return unified ? 0 : int(write); }

    bool anyOpen() const {
        for (const BankState& b : banks)
            if (b.open)
                return true;
        return false;
    }
    // Brings bank b's bits of openBanks and hitBanks in step with banks[b].
    void syncMasks(uint32_t b) {
        const uint64_t bit = uint64_t(1) << b;
        const BankState& bk = banks[b];
        openBanks = bk.open ? openBanks | bit : openBanks & ~bit;
        for (int q = 0; q < 2; ++q)
            hitBanks[q] = bk.hits[q] ? hitBanks[q] | bit : hitBanks[q] & ~bit;
    }
    // The position of the first request of `q` that has arrived by `now` (q.size() if none).
    size_t firstArrived(const std::vector<uint32_t>& q, uint64_t now) const {
        size_t i = 0;
        while (i < q.size() && slots[q[i]].arrival > now)
            ++i;
        return i;
    }
};

// A command a policy proposes for this cycle. `slot` is the request it serves (kNoSlot for
// refresh and PIM commands); `age` orders proposals of different pseudo-channels on a shared
// command bus (oldest first): the request's arrival, the refresh's due cycle, the micro-op's arrival.
// The command alone says whether there is one (valid()): whoever fills a candidate writes all of
// it, so the channel empties one between rounds by its command alone (ChannelArbiter::decide).
struct Candidate {
    Command cmd = Command::kCount;
    uint32_t bank = 0; // ACTAB: the row it opens (it has no bank of its own)
    uint32_t slot = kNoSlot;
    uint64_t seq = UINT64_MAX;
    uint64_t age = UINT64_MAX;
    bool hit = false;
    bool valid() const { return cmd != Command::kCount; }
};

} // namespace pilot::hbm
