// SPDX-License-Identifier: MIT
#pragma once
// Refresh policy of a pseudo-channel controller (after DRAMSys's RefreshManagerIF): when a
// refresh is due, which command it needs next (close the banks, then refresh), and which host
// requests must wait for it. Implementations are registered by name in refresh_registry.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/hbm/memspec.h"
#include "models/hbm/pc_state.h"
#include "models/hbm/timing_table.h"

namespace pilot::hbm {

class RefreshManager {
  public:
    virtual ~RefreshManager() = default;

    // The refresh's next row command into `rowCmd` when it may issue at `now`; otherwise lowers
    // `next` to the cycle at which it may (or becomes due). `allBankWork`: the pseudo-channel runs
    // all-bank PIM commands, which need every bank at once.
    virtual void propose(const PcState& s, const TimingState& timing, uint64_t now, uint64_t rowBusFree,
                         bool allBankWork, Candidate& rowCmd, uint64_t& next) = 0;
    // Host requests to `bank` wait while a refresh of it is pending.
    virtual bool blocksBank(uint32_t bank) const = 0;
    // Nothing but the refresh may issue while it is pending (all-bank refresh).
    virtual bool blocksAll() const = 0;
    // A REFAB / REFPB was issued: the next refresh is scheduled.
    virtual void onRefresh(Command cmd) = 0;
    bool pending() const { return m_pending; }
    // Before the next refresh falls due there is nothing to propose: lowers `next` to its due
    // cycle and returns true, without a call through the policy (this runs at every proposal).
    bool idleUntilDue(uint64_t now, uint64_t& next) const {
        if (m_pending || now >= m_due)
            return false;
        next = next < m_due ? next : m_due;
        return true;
    }

  protected:
    bool m_pending = false;
    uint64_t m_due = kNever; // the cycle the next refresh falls due (kNever: none ever)
};

// The refresh manager registered under `name` ("all-bank", "per-bank", "none") for global
// pseudo-channel `pcIndex` (pseudo-channels of a stack refresh staggered across the interval).
std::unique_ptr<RefreshManager> makeRefreshManager(const std::string& name, const Memspec& spec,
                                                   uint32_t pcIndex);
std::vector<std::string> refreshNames();

} // namespace pilot::hbm
