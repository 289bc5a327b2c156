// SPDX-License-Identifier: MIT
#pragma once
// One HBM pseudo-channel memory controller: a TLM-2.0 target (AT base protocol with
// back-pressure, b_transport for loosely-timed initiators, transport_dbg and DMI), its request
// queues and bank state, and the policies that decide over them: a Scheduler (FR-FCFS, FCFS),
// a RefreshManager (all-bank, per-bank), the PimSequencer and a HostPimPolicy (who owns the
// pseudo-channel when host requests and micro-ops both wait), each chosen by name from the
// config. The controller proposes commands; its channel's ChannelArbiter grants the command
// buses (shared by the channel's pseudo-channels) and calls issue().
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/counter_set.h"
#include "models/common/latency_histogram.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/backing_store.h"
#include "models/hbm/channel_arbiter.h"
#include "models/hbm/command.h"
#include "models/hbm/controller_config.h"
#include "models/hbm/host_pim_policy.h"
#include "models/hbm/memspec.h"
#include "models/hbm/pc_state.h"
#include "models/hbm/pim_sequencer.h"
#include "models/hbm/pim_unit.h"
#include "models/hbm/refresh_manager.h"
#include "models/hbm/scheduler.h"
#include "models/hbm/timing_table.h"

namespace pilot::hbm {

struct ControllerStats {
    uint64_t reads = 0, writes = 0, readBytes = 0, writeBytes = 0;
    uint64_t rowHits = 0, rowMisses = 0, rowConflicts = 0;
    std::array<uint64_t, kCommandCount> commands{};
    uint64_t refreshes = 0;
    uint64_t backPressureEvents = 0; // BEGIN_REQ answered without END_REQ (queue full)
    uint64_t errors = 0;             // transactions answered with an error response
    uint64_t pimOps = 0;             // micro-ops completed
    uint64_t pimBankColumns = 0;     // PIM column moves x the banks each moved a column in
    uint64_t pimFirstCycle = UINT64_MAX, pimLastCycle = 0;
    // Contention between host requests and micro-ops (docs/host-pim-arbitration.md), cycles:
    // hostStall: the PIM owns the pseudo-channel while an arrived host request is queued;
    // pimStall: the host owns it while an arrived micro-op is queued. ownerSwitches: hand-overs
    // between host and PIM (idle spells in between do not count).
    uint64_t hostStallCycles = 0, pimStallCycles = 0, ownerSwitches = 0;
    common::LatencyHistogram latency; // arrival to last data beat, cycles
    uint64_t firstArrivalCycle = UINT64_MAX, lastCompletionCycle = 0;
};

class PseudoChannelController : public sc_core::sc_module, private PimSequencer::Port {
  public:
    tlm_utils::simple_target_socket<PseudoChannelController> tSocket;

    // `channel` grants the command buses; without one (a lone pseudo-channel, as in unit tests)
    // the controller makes its own.
    PseudoChannelController(sc_core::sc_module_name name, const Memspec& spec, const AddressMapping& map,
                            const ControllerConfig& cfg, BackingStore& store, uint32_t pcIndex,
                            ChannelArbiter* channel = nullptr);

    void addObserver(CommandObserver* o) { m_observers.push_back(o); }
    void setMicroOpObserver(MicroOpObserver* o) { m_pim.setObserver(o, m_pc); }
    // The PEs beside this pseudo-channel's banks; without one, PIM micro-ops are refused.
    void setPimUnit(PimUnit* unit) { m_pim.setUnit(unit); }
    const ControllerStats& stats() const { return m_stats; }
    // The counters PIM micro-ops move (for a fast-forward, models/common/counter_set.h): the
    // commands but refreshes (which go on by the clock while a stretch is skipped) and the
    // micro-op and bank-column counts.
    void listPimCounters(common::CounterSet& set);
    // The counters host requests move, contention's stall cycles included (a fast-forward of
    // the host's and the PIM's work together: docs/cosim.md).
    void listHostCounters(common::CounterSet& set);
    // Until `cycle`, the host/PIM policy sees micro-ops waiting though none is queued: a PIM
    // fast-forward skips its micro-ops, and host requests must fare as they would beside them
    // (docs/fast-forward.md).
    void reserveForPim(uint64_t cycle);
    uint32_t pcIndex() const { return m_pc; }
    void trace(sc_core::sc_trace_file* tf);
    // Cycle of the current simulation time, rounded up to the command clock.
    uint64_t nowCycle() const;
    sc_core::sc_time cycles(uint64_t n) const { return m_tCK * double(n); }

    // Called by the ChannelArbiter. propose(): the best row- and column-bus commands issuable at
    // `now` on `bus`, and the earliest cycle anything else may issue; issue(): carry one out.
    void attachBus(CommandBus& bus) { m_bus = &bus; }
    // Requests queued for `bank` (the bankwise buffer's room check).
    uint32_t bankDepth(uint32_t bank) const { return uint32_t(m_state.banks[bank].queue[0].size()); }
    uint64_t propose(uint64_t now, Candidate& rowCmd, Candidate& colCmd);
    void issue(const Candidate& c, uint64_t now);
    // Admits the transactions waiting for buffer room, as far as there is room.
    void admitBlocked();
    bool hasPimUnit() const { return m_pim.hasUnit(); }
    // Wake-up cycles bounded by command group (Scheduler::useGroupBounds), for a channel where
    // nothing depends on the cycles it wakes at; a request queued from outside the channel's
    // decision then wakes it in its cycle when it changes the owner or the read/write mode, so that
    // these follow the queues as they would if the channel decided every cycle.
    void useGroupBounds(bool on) {
        m_groupBounds = on;
        m_changed = true;
        m_scheduler->useGroupBounds(on);
    }

    // Test seam (test/test_fault_injection.cpp): a fault committed on purpose so a test can
    // prove the protocol checker notices it. Only C++ code reaches it; no scenario field or
    // command-line option does. dropRefreshCommands: a due refresh is taken off the schedule as
    // if issued, but no REFAB / REFPB reaches the banks (or the observers).
    struct FaultForTest {
        bool dropRefreshCommands = false;
    };
    void injectFaultForTest(const FaultForTest& f) { m_fault = f; }

  private:
    struct Pending {
        tlm::tlm_generic_payload* trans;
        uint64_t readyCycle;
    };

    // Without PEs beside it (setPimUnit, during elaboration) the pseudo-channel never issues a
    // PIM command: its timing state need not follow their earliest cycles.
    void start_of_simulation() override {
        if (!m_pim.hasUnit())
            m_timing.dropPimTargets();
    }

    // TLM entry points.
    tlm::tlm_sync_enum nbTransportFw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
    void bTransport(tlm::tlm_generic_payload& t, sc_core::sc_time& d);
    unsigned int transportDbg(tlm::tlm_generic_payload& t);
    bool getDirectMemPtr(tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi);

    // A host transaction being served: each of its bursts queues as a request of its own (as
    // DRAMSys splits a transaction into child transactions); the response goes out once the last
    // has completed, with the latest data. `done`: set for b_transport callers.
    struct HostTransaction {
        tlm::tlm_generic_payload* trans;
        sc_core::sc_event* done;
        uint32_t bursts, burstsLeft;
        uint64_t ready; // the cycle of the latest data so far
    };

    // Returns false (and sets the response status) for a transaction this controller cannot
    // serve; else `a` is its first burst's address.
    bool validate(tlm::tlm_generic_payload& t, DramAddress& a);
    bool hasRoom(bool write) const;
    // Every burst of [addr, addr + len) after the first is in this pseudo-channel.
    bool samePseudoChannel(uint64_t addr, uint32_t len) const;
    // The record of a transaction about to queue (and the controller's reference to it).
    uint32_t openHost(tlm::tlm_generic_payload& t, sc_core::sc_event* done);
    // The address of burst `k` of a transaction starting at `addr`, and the number of bursts.
    uint64_t burstStart(uint64_t addr, uint32_t k) const {
        return k == 0 ? addr
                      : (addr & ~uint64_t(m_spec.org.accessBytes - 1)) + uint64_t(k) * m_spec.org.accessBytes;
    }
    uint32_t burstsOf(uint64_t addr, uint32_t len) const {
        const uint64_t first = addr & ~uint64_t(m_spec.org.accessBytes - 1);
        return uint32_t((addr + len - first + m_spec.org.accessBytes - 1) / m_spec.org.accessBytes);
    }
    // Queues burst `k` (address `a`) of host transaction `host`.
    uint32_t enqueue(uint32_t host, uint32_t k, const DramAddress& a, uint64_t arrival);
    bool acceptPim(tlm::tlm_generic_payload& t, const contract::MicroOp& op, uint64_t arrival);
    void wakeAt(uint64_t cycle);
    uint64_t proposeNow(uint64_t now, Candidate& rowCmd, Candidate& colCmd); // propose(), worked out

    void updateMode();
    bool modeAfterUpdate() const; // the read/write mode updateMode() would set now
    // The host-vs-PIM decision at `now` (its policy's, from the queues); returns the cycle it
    // may change by itself. Without PEs the host owns the pseudo-channel whenever it has work,
    // under every policy, and nothing changes by itself: decideOwnerWithoutPes.
    uint64_t decideOwner(uint64_t now);
    void decideOwnerWithoutPes(uint64_t now);
    void setOwner(Owner o); // and counts the hand-overs
    // Adds the stall time from the last accounted cycle up to `cycle` (the queues and the owner
    // have not changed since: call before every change).
    void accountStalls(uint64_t cycle);
    // The cycle from which an arrived host request waits, counted from `from` (kNever: none).
    uint64_t hostWaitingFrom(uint64_t from);
    void complete(uint32_t slot, uint64_t now);
    void sendResponse(tlm::tlm_generic_payload* t, uint64_t readyCycle);
    void closeBank(uint32_t bank);
    // PimSequencer::Port
    void openBank(uint32_t bank, uint32_t row) override;
    void record(Command cmd, uint32_t bank, uint32_t row, uint32_t column, uint64_t now) override;
    void pimCompleted(tlm::tlm_generic_payload* t, uint64_t readyCycle) override;

    const Memspec& m_spec;
    const AddressMapping& m_map;
    const ControllerConfig m_cfg;
    BackingStore& m_store;
    const uint32_t m_pc;
    const sc_core::sc_time m_tCK;

    TimingState m_timing;
    PcState m_state;
    std::vector<uint32_t> m_freeSlots;
    std::vector<HostTransaction> m_hosts; // grows to the transactions in service at once
    std::vector<uint32_t> m_freeHosts;
    // Arrival cycles of requests queued ahead of their arrival (annotated delays), soonest first.
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> m_arrivals;
    uint64_t m_seq = 0;
    uint32_t m_member = 0; // this pseudo-channel's index in its channel
    bool m_groupBounds = false;
    // What the last propose() found, so that a proposal nothing can have changed is not made
    // again (group bounds only: propose()). m_changed: a request, command or micro-op came or
    // went since; m_lastNext: the wake-up cycle it returned; m_lastBuses: the buses it proposed a
    // command on (row: bit 0, column: bit 1; none: it proposed nothing); m_lastNow: in which cycle.
    bool m_changed = true;
    uint8_t m_lastBuses = 0;
    uint64_t m_lastNext = 0, m_lastNow = kNever;

    std::unique_ptr<Scheduler> m_scheduler;
    std::unique_ptr<RefreshManager> m_refresh;
    std::unique_ptr<HostPimPolicy> m_hostPim;
    Owner m_owner = Owner::Idle;
    Owner m_lastBusyOwner = Owner::Idle; // the last non-idle owner (counts hand-overs)
    uint64_t m_pimReservedUntil = 0;     // reserveForPim
    uint64_t m_accountedTo = 0;          // stall time is accounted up to this cycle
    ControllerStats m_stats;
    FaultForTest m_fault;
    PimSequencer m_pim;

    std::unique_ptr<ChannelArbiter> m_ownChannel; // only for a controller built without a channel
    ChannelArbiter* m_channel;
    CommandBus* m_bus = nullptr;

    // A host BEGIN_REQ waiting for queue room: the first of its bursts not yet queued, with its
    // address decoded, and the cycle the transaction arrives at (its annotated delay).
    struct Blocked {
        uint32_t host;
        uint32_t burst;
        DramAddress addr;
        uint64_t arrival;
    };
    std::deque<Blocked> m_blocked;
    std::deque<tlm::tlm_generic_payload*> m_blockedPim; // micro-ops waiting for PIM queue room, in order
    std::deque<Pending> m_responses;                    // BEGIN_RESP waiting for END_RESP
    bool m_respBusy = false;

    sc_core::sc_event m_roomFreed; // for b_transport callers waiting on a full queue
    uint32_t m_roomWaiters = 0;    // b_transport callers waiting on m_roomFreed
    // The delta cycle of the last m_roomFreed notification skipped for want of waiters: a
    // caller that starts waiting in the same delta cycle makes it up.
    uint64_t m_roomFreedSkipped = UINT64_MAX;
    std::vector<CommandObserver*> m_observers;

    // Waveform state (changes only).
    std::vector<int32_t> m_traceOpenRow; // -1 closed
    uint32_t m_traceQueue = 0;
    uint32_t m_traceLastCmd = 0;
    uint32_t m_traceCommands = 0; // commands issued: changes with every command, a run of
                                  // identical ones included (the last command alone does not)
    bool m_traceRefreshing = false;
    uint32_t m_traceOwner = 0; // Owner: 0 idle, 1 host, 2 PIM
    void peIdle();
};

} // namespace pilot::hbm
