// SPDX-License-Identifier: MIT
#pragma once
// The schedulers shipped with the controller; scheduler_registry.cpp names them.
#include <algorithm>

#include "models/hbm/scheduler.h"

namespace pilot::hbm {

class FrFcfsScheduler final : public Scheduler {
  public:
    explicit FrFcfsScheduler(const ControllerConfig& cfg) : Scheduler(cfg) {}

  protected:
    bool choiceIsPerBank() const override { return true; }
    bool surelyHits(const BankState& bk, bool write) const override {
        return bk.open && bk.hits[write] && (m_cfg.rowHitCap == 0 || bk.columnsSinceAct < m_cfg.rowHitCap);
    }
    uint32_t choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write,
                    bool& hit) const override;
};

class FcfsScheduler final : public Scheduler {
  public:
    explicit FcfsScheduler(const ControllerConfig& cfg) : Scheduler(cfg) {}

  protected:
    void beginScan(const PcState& s, uint64_t now, bool write) override;
    uint32_t choose(const PcState& s, uint32_t bank, size_t first, uint64_t now, bool write,
                    bool& hit) const override;

  private:
    uint64_t m_oldest = UINT64_MAX; // sequence number of the oldest arrived request
};

} // namespace pilot::hbm
