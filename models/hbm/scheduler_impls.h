// SPDX-License-Identifier: MIT
#pragma once
// The schedulers shipped with the controller; scheduler_registry.cpp names them. Each one's
// scan() instantiates Scheduler::scanBanks with itself (scheduler_scan.h, in its .cpp).
#include <algorithm>

#include "models/hbm/scheduler.h"

namespace pilot::hbm {

class FrFcfsScheduler final : public Scheduler {
  public:
    explicit FrFcfsScheduler(const ControllerConfig& cfg) : Scheduler(cfg) {}

    static constexpr bool kChoiceIsPerBank = true;
    bool surelyHits(const BankState& bk, bool write) const {
        return bk.open && bk.hits[write] && (m_cfg.rowHitCap == 0 || bk.columnsSinceAct < m_cfg.rowHitCap);
    }
    // Without a queued request for the open row, choose() takes the oldest: a PRE or an ACT.
    bool surelyMisses(const BankState& bk, bool write) const { return !bk.open || !bk.hits[write]; }
    // The same as masks (with a row-hit cap the per-bank test decides).
    uint64_t surelyHitBanks(const PcState& s, bool write) const {
        return m_cfg.rowHitCap == 0 ? s.openBanks & s.hitBanks[write] : 0;
    }
    uint64_t surelyMissBanks(const PcState& s, bool write) const { return ~s.openBanks | ~s.hitBanks[write]; }
    void beginScan(const PcState&, uint64_t, bool) {}
    uint32_t choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write, bool& hit) const;

  protected:
    uint64_t scan(const PcState& s, const TimingState& timing, const RefreshManager& refresh, uint64_t now,
                  uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd, Candidate& colCmd) override;
};

class FcfsScheduler final : public Scheduler {
  public:
    explicit FcfsScheduler(const ControllerConfig& cfg) : Scheduler(cfg) {}

    static constexpr bool kChoiceIsPerBank = false;
    bool surelyHits(const BankState&, bool) const { return false; }
    bool surelyMisses(const BankState&, bool) const { return false; }
    uint64_t surelyHitBanks(const PcState&, bool) const { return 0; }
    uint64_t surelyMissBanks(const PcState&, bool) const { return 0; }
    void beginScan(const PcState& s, uint64_t now, bool write);
    uint32_t choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write, bool& hit) const;

  protected:
    uint64_t scan(const PcState& s, const TimingState& timing, const RefreshManager& refresh, uint64_t now,
                  uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd, Candidate& colCmd) override;

  private:
    uint64_t m_oldest = UINT64_MAX; // sequence number of the oldest arrived request
};

} // namespace pilot::hbm
