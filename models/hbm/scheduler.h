// SPDX-License-Identifier: MIT
#pragma once
// Request scheduling policy of a pseudo-channel controller (after DRAMSys's SchedulerIF and
// Ramulator2's named implementations). The walk over the banks, the command a request needs
// (ACT, PRE, RD/WR with or without auto-precharge) and its earliest legal cycle are the same
// for every policy and live in scheduler_scan.h; a policy only chooses which queued request of
// a bank goes next. Implementations are registered by name in scheduler_registry.cpp.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/hbm/controller_config.h"
#include "models/hbm/pc_state.h"
#include "models/hbm/timing_table.h"

namespace pilot::hbm {

class RefreshManager;

class Scheduler {
  public:
    virtual ~Scheduler() = default;

    // The best row-bus and column-bus commands for host requests issuable at `now` (the row bus
    // keeps a refresh command already in `rowCmd`); returns the earliest cycle at which a
    // request not issuable now could become issuable.
    uint64_t propose(const PcState& s, const TimingState& timing, const RefreshManager& refresh, uint64_t now,
                     uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd, Candidate& colCmd) {
        // A bus taken this cycle serves nothing more until it is free: no need to look further
        // (waking when it frees is early enough; the scan then finds the exact cycle).
        if (rowBusFree > now && colBusFree > now)
            return m_groupBounds             ? busyBound(s, timing, rowBusFree, colBusFree)
                   : rowBusFree < colBusFree ? rowBusFree
                                             : colBusFree;
        return scan(s, timing, refresh, now, rowBusFree, colBusFree, rowCmd, colCmd);
    }

    // The controller calls this whenever bank `bank`'s queues or open row change: a wait hint
    // of the bank no longer holds (pushed, so that the walk need not read every hinted bank).
    void bankChanged(uint32_t bank) {
        forgetHint(bank);
        m_chosen &= ~(uint64_t(1) << bank);
    }

    // The walk's wake-up cycle from banks whose command is known (all their requests arrived):
    // off, such a bank waits for its bus when the bus is taken and is otherwise looked at one by
    // one; on, it also waits for the pseudo-channel's own timing rules of its command, so that
    // the channel does not wake before any of them could issue (a later wake-up cycle, never
    // later than a command could issue). On only where nothing depends on the cycles the channel
    // wakes at (ChannelArbiter: the only channel, no PEs in it).
    void useGroupBounds(bool on) { m_groupBounds = on; }

  protected:
    explicit Scheduler(const ControllerConfig& cfg) : m_cfg(cfg) {}

    // With group bounds and both buses taken: the earliest cycle a command may issue by the
    // pseudo-channel's own rules (which bind every bank alike) once its bus frees, for the buses
    // its banks may need (a column command only where a request waits for the open row); a
    // later wake-up than the first bus to free, and none where nothing may issue.
    uint64_t busyBound(const PcState& s, const TimingState& timing, uint64_t rowBusFree,
                       uint64_t colBusFree) const {
        const bool w = s.writeMode;
        if (!s.pendingBanks[w])
            return kNever;
        const uint64_t row = std::max(
            rowBusFree, std::min(timing.earliestAnyBank(Command::ACT), timing.earliestAnyBank(Command::PRE)));
        if (!(s.pendingBanks[w] & s.openBanks & s.hitBanks[w]))
            return row;
        return std::min(row, std::max(colBusFree, timing.earliestAnyColumn()));
    }

    // propose() with at least one bus free: each policy instantiates scanBanks()
    // (scheduler_scan.h) with itself, so that its per-bank calls below are inlined. A policy
    // provides:
    //   static constexpr bool kChoiceIsPerBank: choose() depends only on the bank's own queue
    //     and open row (not on other banks); then a bank that must wait is not looked at again
    //     until it may issue or changes.
    //   bool surelyHits(const BankState&, bool write) const: choose() is sure to pick a row hit
    //     once all the bank's requests have arrived (then, while the column bus is taken, the
    //     bank has nothing to issue).
    //   bool surelyMisses(const BankState&, bool write) const: likewise sure to pick a request
    //     that needs a row command (PRE or ACT), so nothing to issue while the row bus is taken.
    //   uint64_t surelyHitBanks(const PcState&, bool write) const, surelyMissBanks(...): banks
    //     (bit b: bank b) for which surelyHits / surelyMisses holds, from PcState's masks; any
    //     subset will do (the banks left out are tested one by one).
    //   void beginScan(const PcState&, uint64_t now, bool write): called once per decision
    //     before choose(); a policy that looks across banks prepares here.
    //   uint32_t choose(const PcState&, uint32_t bank, size_t first, uint64_t now, bool write,
    //     bool& hit) const: the request of `bank`'s queue to serve next (kNoSlot: none this
    //     cycle); `first` is the position of its oldest arrived request. Sets `hit` when the
    //     request is for the open row.
    virtual uint64_t scan(const PcState& s, const TimingState& timing, const RefreshManager& refresh,
                          uint64_t now, uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd,
                          Candidate& colCmd) = 0;
    // The banks set aside in groups before the walk looks at banks one by one: those whose command
    // is known (all their requests arrived) and must wait for its bus, or with group bounds also
    // for the pseudo-channel's own rules of that command. Clears them from `todo`, returns the
    // earliest cycle they may issue at.
    template <class Policy>
    uint64_t setAside(const Policy& policy, const PcState& s, const TimingState& timing, uint64_t now, bool w,
                      uint64_t arrived, uint64_t rowBusFree, uint64_t colBusFree, uint64_t& todo) const;
    // The banks of `todo` whose wait hint holds at `now` in direction `w`: clears them from
    // `todo`, returns the earliest hinted cycle among them, and drops the expired hints of `w`.
    // allPending: every hinted bank is in `todo` (no refresh holds a bank back).
    uint64_t setAsideHinted(uint64_t now, bool w, bool allPending, uint64_t& todo);
    // The command `r` needs in its bank: a column command on a row hit, else PRE or ACT.
    Command commandFor(const BankState& bk, const Request& r, bool hit) const {
        if (!hit)
            return bk.open ? Command::PRE : Command::ACT;
        const bool autoPre = m_cfg.page == PagePolicy::Closed;
        return r.write ? (autoPre ? Command::WRA : Command::WR) : (autoPre ? Command::RDA : Command::RD);
    }
    // Bank b's chosen command may not issue before cycle e while the bank and direction w stand.
    void setHint(uint32_t b, uint64_t e, bool w) {
        forgetHint(b); // (one set in the other direction)
        const uint64_t bit = uint64_t(1) << b;
        m_hints[b] = {e, w};
        m_hinted |= bit;
        m_hintWrite = w ? m_hintWrite | bit : m_hintWrite & ~bit;
        m_hintMin[w] = std::min(m_hintMin[w], e);
    }
    template <class Policy>
    uint64_t scanBanks(Policy& policy, const PcState& s, const TimingState& timing,
                       const RefreshManager& refresh, uint64_t now, uint64_t rowBusFree, uint64_t colBusFree,
                       Candidate& rowCmd, Candidate& colCmd);

    const ControllerConfig m_cfg;

  private:
    // A bank's chosen command may not issue before `notBefore` while the bank stays unchanged
    // (bankChanged) and the direction stays `write`: timing constraints only ever move later.
    struct WaitHint {
        uint64_t notBefore = 0;
        bool write = false;
    };
    // A bank's choice (policy.choose and the command it needs), which stands while the bank
    // stays unchanged (bankChanged), its requests have all arrived and the direction stays
    // `write`: a bank waiting for its bus is looked at every cycle until it issues, and then only
    // its earliest cycle needs working out again.
    struct Choice {
        uint32_t slot;
        Command cmd;
        bool hit;
        bool write;
        uint16_t group;
        uint64_t seq, age;
    };
    bool m_groupBounds = false;
    std::vector<Choice> m_choices;
    uint64_t m_chosen = 0; // bit b: m_choices[b] holds bank b's choice
    std::vector<WaitHint> m_hints;
    uint64_t m_hinted = 0;    // bit b: m_hints[b] set since bank b last changed
    uint64_t m_hintWrite = 0; // bit b: m_hints[b] was set in the write direction
    // Per direction, the earliest notBefore of the banks hinted in it, so that a walk in which
    // none has expired need not read them one by one; exact unless a bank holding it changed
    // since. (Hints of the other direction wait, unread, until the direction changes back.)
    uint64_t m_hintMin[2] = {kNever, kNever};
    bool m_hintMinExact[2] = {true, true};
    // Bank b's hint no longer holds; m_hintMin stays a lower bound, exact unless it was b's.
    void forgetHint(uint32_t b) {
        const uint64_t bit = uint64_t(1) << b;
        if (m_hinted & bit) {
            m_hinted &= ~bit;
            const WaitHint& h = m_hints[b];
            m_hintMinExact[h.write] &= h.notBefore != m_hintMin[h.write];
        }
    }
};

// The scheduler registered under `name` (controller config "scheduler"); throws
// std::invalid_argument for an unknown name (config loading checks names first).
std::unique_ptr<Scheduler> makeScheduler(const std::string& name, const ControllerConfig& cfg);
std::vector<std::string> schedulerNames();

} // namespace pilot::hbm
