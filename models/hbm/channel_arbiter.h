// SPDX-License-Identifier: MIT
#pragma once
// The decision process of one HBM channel: each cycle it asks every pseudo-channel controller
// of the channel for its best row- and column-bus command, grants each command bus to one of
// them by the arbitration policy, and issues. With buses that are not shared (Memspec::bus)
// each pseudo-channel has a bus of its own and the arbiter only sequences them. Event-driven
// (after DRAMSys): it computes the earliest cycle anything may issue and sleeps until then.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "models/hbm/command_bus.h"
#include "models/hbm/memspec.h"
#include "models/hbm/pc_state.h"

namespace pilot::hbm {

class PseudoChannelController;

// Which pseudo-channel gets a shared bus when several want it in the same cycle.
enum class BusArbitration : uint8_t {
    OldestFirst, // the command serving the oldest request (refresh: its due cycle), then the lower index
    RoundRobin,  // the pseudo-channel after the last one granted
};
BusArbitration parseBusArbitration(const std::string& name); // "oldest-first" | "round-robin"

// The member whose candidate wins a bus among `cands` (the valid ones), or -1 when none has one.
// `rrNext` is where round robin starts looking; either policy moves it past the member granted.
int grantBus(BusArbitration policy, const std::vector<Candidate>& cands, uint32_t& rrNext);

class ChannelArbiter : public sc_core::sc_module {
  public:
    ChannelArbiter(sc_core::sc_module_name name, const Memspec& spec, BusArbitration policy);
    ~ChannelArbiter() override;

    // Returns the member index of `pc` in this channel.
    uint32_t attach(PseudoChannelController& pc);
    // The bus `pc` (its attach order) issues on.
    CommandBus& busOf(uint32_t member) { return *m_buses[m_shared ? 0 : member]; }
    // Wake the decision process `delay` from now (a request arrived); no-op while it runs,
    // since it rescans after every issue.
    void wake(const sc_core::sc_time& delay) {
        if (!m_inProcess)
            m_wake.notify(delay);
    }
    // Whether the decision process runs now (then wake() does nothing: callers can skip working
    // out the delay, as the requests it admits on every completion do).
    bool deciding() const { return m_inProcess; }
    // The bankwise request buffer's room check (DRAMSys's BufferCounterBankwise counts the
    // banks of the whole channel and looks at the bank of the last request admitted to it).
    void admitted(uint32_t member, uint32_t bank) { m_lastMember = member, m_lastBank = bank; }
    uint32_t lastAdmittedDepth() const;
    // A request left a buffer: with a channel-wide room check every member may admit again.
    void roomFreed();

  private:
    void process();
    // Every pseudo-channel proposes, the buses are granted, the winners issue, until nothing
    // more issues at `now`; returns the earliest cycle anything else may issue.
    uint64_t decide(uint64_t now);

    const Memspec& m_spec;
    const BusArbitration m_policy;
    const bool m_shared;
    std::vector<PseudoChannelController*> m_pcs;
    std::vector<std::unique_ptr<CommandBus>> m_buses;
    std::vector<Candidate> m_row, m_col; // per member, this cycle
    uint32_t m_rrRow = 0, m_rrCol = 0;   // round robin: first member to consider
    uint32_t m_lastMember = 0, m_lastBank = 0;
    bool m_inProcess = false;
    bool m_started = false;     // the first decision has been made
    bool m_alone = false;       // the only channel, without PEs (group bounds; may run ahead)
    static uint32_t s_channels; // channels alive (one simulation per process at a time)
    sc_core::sc_event m_wake;
};

} // namespace pilot::hbm
