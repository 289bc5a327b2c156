// SPDX-License-Identifier: MIT
#pragma once
// Assembly of a GPU-PILOT memory system: the HBM system, a PE array beside every
// pseudo-channel, a PIM controller per channel running its firmware through a HAL, and the
// GPU host port that runs the host runtime, all on one router.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "firmware/host/host_bus.h"
#include "firmware/host/pim_runtime.h"
#include "firmware/pim/pim_firmware.h"
#include "models/gpu/host_port.h"
#include "models/pim/pe_array.h"
#include "models/pim/pim_controller.h"
#include "platform/hbm_system.h"
#include "platform/placement_fast_forward.h"
#include "platform/scenario.h"
#include "platform/tlm_hal.h"

namespace pilot::platform {

// The runtime's view of `channels` PIM channels of this memspec.
host::PimGeometry pimGeometry(const hbm::Memspec& spec, uint32_t channels);

class PimSystem : public sc_core::sc_module {
  public:
    // Builds the first `pseudoChannels` pseudo-channels of the scenario's system (whole channels).
    PimSystem(sc_core::sc_module_name name, const Scenario& s, uint32_t pseudoChannels);

    HbmSystem& hbm() { return m_hbm; }
    gpu::HostPort& host() { return m_host; }
    host::HostBus& hostBus() { return *m_bus; }
    uint32_t channels() const { return uint32_t(m_ctrls.size()); }
    const std::vector<std::unique_ptr<pim::PeArray>>& peArrays() const { return m_pes; }
    const std::vector<std::unique_ptr<pim::PimController>>& controllers() const { return m_ctrls; }
    const std::vector<std::unique_ptr<fw::PimFirmware>>& firmware() const { return m_fw; }
    void trace(sc_core::sc_trace_file* tf) const;
    // Lets every channel's firmware fast-forward repeating stretches of its micro-ops
    // (docs/fast-forward.md), while `exclusive()` says nothing else will use the memory (the
    // platform knows its other initiators), or always under a policy that keeps the channel for
    // the PIM while it has work (pim-first). Timing-only runs: skipped periods compute nothing.
    // The host's placements too (placement_fast_forward.h), while exclusive() and
    // otherActivity() (what other initiators issued; none if empty) stays put.
    void enableFastForward(std::function<bool()> exclusive, std::function<uint64_t()> otherActivity = {});
    // Summed over the channels: the PIM's stretches, the host's placements.
    pim::FastForwardStats fastForwardStats() const;
    pim::FastForwardStats placementFastForwardStats() const;
    uint64_t placementPeriodsSkippedBesideCompanion() const {
        return m_placement ? m_placement->periodsSkippedBesideCompanion() : 0;
    }
    // Another initiator the placements may be fast-forwarded beside (after enableFastForward).
    void setPlacementCompanion(PlacementFastForward::Companion c) {
        if (m_placement)
            m_placement->setCompanion(std::move(c));
    }
    // Every counter the memory's and the PEs' statistics report but refreshes (which go on by
    // the clock), for a fast-forward of the whole system (docs/cosim.md).
    // Those of pseudo-channels [fromPc, toPc) only: a channel's, say.
    void listCounters(common::CounterSet& set, size_t fromPc = 0, size_t toPc = SIZE_MAX);

  private:
    void enablePlacementFastForward(std::function<bool()> exclusive, std::function<uint64_t()> otherActivity);
    const uint64_t m_refiPs, m_tckPs; // the refresh interval, the command clock
    const bool m_pimKeepsChannel;     // the controllers' host/PIM policy (hbm::pimKeepsChannel)
    const uint32_t m_pcsPerChannel;
    HbmSystem m_hbm;
    std::vector<std::unique_ptr<pim::PeArray>> m_pes;
    std::vector<std::unique_ptr<pim::PimController>> m_ctrls;
    std::vector<std::unique_ptr<TlmHal>> m_hals;
    std::vector<std::unique_ptr<fw::PimFirmware>> m_fw;
    gpu::HostPort m_host;
    std::unique_ptr<host::HostBus> m_bus;
    std::unique_ptr<PlacementFastForward> m_placement;
};

} // namespace pilot::platform
