// SPDX-License-Identifier: MIT
#pragma once
// Request scheduling policy of a pseudo-channel controller (after DRAMSys's SchedulerIF and
// Ramulator2's named implementations). The walk over the banks, the command a request needs
// (ACT, PRE, RD/WR with or without auto-precharge) and its earliest legal cycle are the same
// for every policy and live here; a policy only chooses which queued request of a bank goes
// next. Implementations are registered by name in scheduler_registry.cpp.
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
                     uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd, Candidate& colCmd);

  protected:
    explicit Scheduler(const ControllerConfig& cfg) : m_cfg(cfg) {}
    // Whether choose() depends only on the bank's own queue and open row (not on other banks):
    // then a bank that must wait is not looked at again until it may issue or changes.
    virtual bool choiceIsPerBank() const { return false; }
    // Whether choose() is sure to pick a row hit in `bk` once all its requests have arrived
    // (then, while the column bus is taken, the bank has nothing to issue).
    virtual bool surelyHits(const BankState& bk, bool write) const { return false; }
    // Called once per decision before choose(): a policy that looks across banks prepares here.
    virtual void beginScan(const PcState& s, uint64_t now, bool write) {}
    // The request of `bank`'s queue to serve next (kNoSlot: none this cycle); `first` is the
    // position of its oldest arrived request. Sets `hit` when the request is for the open row.
    virtual uint32_t choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write,
                            bool& hit) const = 0;

    const ControllerConfig m_cfg;

  private:
    // A bank's chosen command may not issue before `notBefore` while the bank's version and
    // the direction stay the same: timing constraints only ever move later.
    struct WaitHint {
        uint32_t version = UINT32_MAX;
        bool write = false;
        uint64_t notBefore = 0;
    };
    std::vector<WaitHint> m_hints;
};

// The scheduler registered under `name` (controller config "scheduler"); throws
// std::invalid_argument for an unknown name (config loading checks names first).
std::unique_ptr<Scheduler> makeScheduler(const std::string& name, const ControllerConfig& cfg);
std::vector<std::string> schedulerNames();

} // namespace pilot::hbm
