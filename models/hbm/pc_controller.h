// SPDX-License-Identifier: MIT
#pragma once
// One HBM pseudo-channel memory controller: a TLM-2.0 target (AT base protocol with
// back-pressure, b_transport for loosely-timed initiators, transport_dbg and DMI), read and
// write queues, an FR-FCFS or FCFS scheduler, open or closed pages, all-bank or per-bank
// refresh, and the bank state of its banks. Event-driven (after DRAMSys): one SC_METHOD
// computes the earliest cycle at which any command may issue and sleeps until then.
#include <array>
#include <cstdint>
#include <deque>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/common/latency_histogram.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/backing_store.h"
#include "models/hbm/command.h"
#include "models/hbm/controller_config.h"
#include "models/hbm/memspec.h"
#include "models/hbm/pim_unit.h"
#include "models/hbm/timing_table.h"

namespace pilot::hbm {

struct ControllerStats {
    uint64_t reads = 0, writes = 0, readBytes = 0, writeBytes = 0;
    uint64_t rowHits = 0, rowMisses = 0, rowConflicts = 0;
    std::array<uint64_t, kCommandCount> commands{};
    uint64_t refreshes = 0;
    uint64_t backPressureEvents = 0;   // BEGIN_REQ answered without END_REQ (queue full)
    uint64_t errors = 0;               // transactions answered with an error response
    uint64_t pimOps = 0;               // micro-ops completed
    uint64_t pimBusyCycles = 0;        // cycles from the first PIM command to the last completion
    uint64_t pimFirstCycle = UINT64_MAX, pimLastCycle = 0;
    common::LatencyHistogram latency;  // arrival to last data beat, cycles
    uint64_t firstArrivalCycle = UINT64_MAX, lastCompletionCycle = 0;
};

class PseudoChannelController : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<PseudoChannelController> tSocket;

    PseudoChannelController(sc_core::sc_module_name name, const Memspec& spec, const AddressMapping& map,
                            const ControllerConfig& cfg, BackingStore& store, uint32_t pcIndex);

    void addObserver(CommandObserver* o) { m_observers.push_back(o); }
    // The PEs beside this pseudo-channel's banks; without one, PIM micro-ops are refused.
    void setPimUnit(PimUnit* unit) { m_pim = unit; }
    const ControllerStats& stats() const { return m_stats; }
    uint32_t pcIndex() const { return m_pc; }
    void trace(sc_core::sc_trace_file* tf) const;
    // Cycle of the current simulation time, rounded up to the command clock.
    uint64_t nowCycle() const;
    sc_core::sc_time cycles(uint64_t n) const { return m_tCK * double(n); }

private:
    struct Request {
        tlm::tlm_generic_payload* trans = nullptr;
        sc_core::sc_event* done = nullptr;   // set for b_transport callers
        uint64_t seq = 0;                    // arrival order
        uint64_t arrival = 0;                // cycle
        uint64_t addr = 0;
        uint32_t row = 0, column = 0;
        uint16_t bank = 0, group = 0;
        bool write = false;
        bool neededAct = false, neededPre = false;
    };
    struct Bank {
        bool open = false;
        uint32_t row = 0;
        uint32_t columnsSinceAct = 0;   // for the FR-FCFS row-hit cap
        std::vector<uint32_t> queue[2];   // request slots, arrival order; [0] reads, [1] writes
        uint32_t hits[2] = {0, 0};        // queued requests for the open row: the scheduler walks a
                                          // queue for a hit only when there is one
    };
    struct Candidate {
        Command cmd = Command::kCount;
        uint32_t bank = 0;
        uint32_t slot = UINT32_MAX;   // request served (UINT32_MAX for refresh commands)
        uint64_t seq = UINT64_MAX;
        bool hit = false;
        bool valid() const { return cmd != Command::kCount; }
    };
    struct Pending {
        tlm::tlm_generic_payload* trans;
        uint64_t readyCycle;
    };
    struct PimEntry {
        tlm::tlm_generic_payload* trans;
        contract::MicroOp op;
        uint64_t arrival;
        uint32_t nextColumn;   // MovIn / MovOut progress
    };

    // TLM entry points.
    tlm::tlm_sync_enum nbTransportFw(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
    void bTransport(tlm::tlm_generic_payload& t, sc_core::sc_time& d);
    unsigned int transportDbg(tlm::tlm_generic_payload& t);
    bool getDirectMemPtr(tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi);

    // Returns false (and sets the response status) for a transaction this controller cannot serve.
    bool validate(tlm::tlm_generic_payload& t, DramAddress& a);
    bool hasRoom(bool write) const;
    uint32_t enqueue(tlm::tlm_generic_payload& t, const DramAddress& a, uint64_t arrival, sc_core::sc_event* done);
    void admitBlocked();

    // The scheduler.
    void process();
    // Finds the best row-bus and column-bus commands issuable at `now`; returns the earliest
    // cycle at which anything not issuable now could become issuable.
    uint64_t scan(uint64_t now, Candidate& rowCmd, Candidate& colCmd);
    void refreshCandidate(uint64_t now, Candidate& rowCmd, uint64_t& next);
    bool refreshBlocks(uint32_t bank) const;
    void updateMode();
    void issue(const Candidate& c, uint64_t now);
    void complete(uint32_t slot, uint64_t now);
    void sendResponse(tlm::tlm_generic_payload* t, uint64_t readyCycle);
    void record(Command cmd, uint32_t bank, uint32_t row, uint32_t column, uint64_t now);
    void openBank(uint32_t bank, uint32_t row);
    void closeBank(uint32_t bank);
    // PIM micro-ops: in order, ahead of host requests while any are queued.
    bool acceptPim(tlm::tlm_generic_payload& t, const contract::MicroOp& op, uint64_t arrival);
    uint64_t pimCandidate(uint64_t now, Candidate& rowCmd, Candidate& colCmd);
    uint64_t prepareRow(uint64_t now, Candidate& rowCmd);
    void issuePim(const Candidate& c, uint64_t now);
    void completePim(uint64_t readyCycle);

    const Memspec& m_spec;
    const AddressMapping& m_map;
    const ControllerConfig m_cfg;
    BackingStore& m_store;
    const uint32_t m_pc;
    const sc_core::sc_time m_tCK;
    const uint32_t m_banksPerGroup;

    TimingState m_timing;
    std::vector<Bank> m_banks;
    std::vector<Request> m_slots;
    std::vector<uint32_t> m_freeSlots;
    // Arrival cycles of requests queued ahead of their arrival (annotated delays), soonest first.
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> m_arrivals;
    uint32_t m_queued[2] = {0, 0};    // requests queued, reads / writes
    uint64_t m_pendingBanks[2] = {0, 0};   // bit b: bank b has queued reads / writes
    bool m_writeMode = false;
    uint64_t m_seq = 0;
    uint64_t m_lastRowCycle = UINT64_MAX, m_lastColCycle = UINT64_MAX;

    // Refresh: due cycle of the next refresh; pending once due until issued.
    uint64_t m_nextRefresh = 0;
    bool m_refreshPending = false;
    uint32_t m_refreshBank = 0;   // per-bank refresh: the bank whose turn it is

    std::deque<tlm::tlm_generic_payload*> m_blocked;   // BEGIN_REQ waiting for queue room
    std::deque<Pending> m_responses;                   // BEGIN_RESP waiting for END_RESP
    bool m_respBusy = false;
    bool m_inProcess = false;

    PimUnit* m_pim = nullptr;
    std::deque<PimEntry> m_pimQueue;
    bool m_allOpen = false;           // every bank open at m_allRow (after ACTAB)
    uint32_t m_allRow = 0;
    uint64_t m_peFree = 0;            // cycle the PEs finish their current op
    contract::MicroOp m_peOp;                  // the running (or last) PE op: the SRAM bytes it uses
    // Buffer ranges still being filled by MRDs, and when their data will have landed: a PE
    // op waits only for the moves into the bytes it uses.
    struct Landing {
        uint32_t lo, hi;
        uint64_t ready;
    };
    std::vector<Landing> m_landing;

    sc_core::sc_event m_wake;
    sc_core::sc_event m_roomFreed;   // for b_transport callers waiting on a full queue
    std::vector<CommandObserver*> m_observers;
    ControllerStats m_stats;

    // Waveform state (changes only).
    std::vector<int32_t> m_traceOpenRow;   // -1 closed
    uint32_t m_traceQueue = 0;
    uint32_t m_traceLastCmd = 0;
    bool m_traceRefreshing = false;
    bool m_tracing = false;
    bool m_tracePeBusy = false;            // the PEs of this pseudo-channel run an op
    uint32_t m_traceSramInUse = 0;         // highest buffer byte the current kernel has touched
    sc_core::sc_event m_peDone;            // only notified while tracing
    void peIdle();
};

}  // namespace pilot::hbm
