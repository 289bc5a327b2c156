// SPDX-License-Identifier: MIT
#pragma once
// The PIM side of a pseudo-channel controller: the queue of PIM micro-ops (in order, ahead of
// host requests while any are queued: the pseudo-channel is then in PIM mode), and the DRAM and
// PE commands each needs: PREA + ACTAB to open a row in every bank, MRD / MWR per column, the
// single-bank forms (PRE / ACT, SMRD / SMWR), and PEOP once the PE is free and the bytes its op
// reads have landed. The buffer die's softmax unit (AttAcc's BufSfm / BufOut) is a second unit:
// its ops run beside the bank PEs' unless the two use common buffer bytes. It decides WHEN; the PimUnit does
// WHAT (data and arithmetic).
#include <cstdint>
#include <deque>
#include <vector>

#include <systemc>
#include <tlm>

#include "firmware/include/pilot/micro_op.h"
#include "models/hbm/memspec.h"
#include "models/hbm/pc_state.h"
#include "models/hbm/pim_unit.h"
#include "models/hbm/timing_table.h"

namespace pilot::hbm {

struct ControllerStats;

// Sees every micro-op a pseudo-channel completes, with the cycle of its first command and the
// cycle its result is ready (timelines).
class MicroOpObserver {
  public:
    virtual ~MicroOpObserver() = default;
    virtual void onMicroOp(uint32_t pc, const contract::MicroOp& op, uint64_t startCycle,
                           uint64_t endCycle) = 0;
};

class PimSequencer {
  public:
    // What the sequencer asks of its controller.
    class Port {
      public:
        virtual ~Port() = default;
        virtual void openBank(uint32_t bank, uint32_t row) = 0;
        virtual void record(Command cmd, uint32_t bank, uint32_t row, uint32_t column, uint64_t now) = 0;
        // The micro-op of `t` is done; its response is due at `readyCycle`.
        virtual void pimCompleted(tlm::tlm_generic_payload* t, uint64_t readyCycle) = 0;
    };

    PimSequencer(const Memspec& spec, const PcState& state, const TimingState& timing, Port& port,
                 ControllerStats& stats, uint32_t capacity);

    void setUnit(PimUnit* unit) { m_unit = unit; }
    void setObserver(MicroOpObserver* o, uint32_t pc) { m_observer = o, m_observerPc = pc; }
    bool hasUnit() const { return m_unit != nullptr; }
    bool empty() const { return m_queue.empty(); }
    // The head micro-op's arrival cycle (queue not empty).
    uint64_t headArrival() const { return m_queue.front().arrival; }
    // No micro-op is half issued (no column of a move has been issued yet): the host may take
    // the pseudo-channel over without splitting one.
    bool atOpBoundary() const {
        return m_queue.empty() || m_queue.front().nextColumn == uint32_t(m_queue.front().op.column);
    }
    // Queues the micro-op of `t` (false: the queue is full).
    bool accept(tlm::tlm_generic_payload& t, const contract::MicroOp& op, uint64_t arrival);
    // The next PIM command issuable at `now` into rowCmd / colCmd; returns the earliest cycle a
    // command not issuable now may issue.
    uint64_t propose(uint64_t now, uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd,
                     Candidate& colCmd);
    // Issues a PIM command (or the ACT of a single-bank move) proposed above.
    void issue(const Candidate& c, uint64_t now);
    // A host or refresh row command changed bank state: the banks no longer share one open row.
    void onRowCommand() { m_allOpen = false; }

    // Waveform: PE busy and buffer bytes in use (changes only).
    void trace(sc_core::sc_trace_file* tf, const std::string& base);
    sc_core::sc_event& peDoneEvent() { return m_peDone; }
    void peIdle(uint64_t now) {
        if (now >= m_peFree)
            m_tracePeBusy = false;
    }

  private:
    struct Entry {
        tlm::tlm_generic_payload* trans;
        contract::MicroOp op;
        uint64_t arrival;
        uint32_t nextColumn;           // MovIn / MovOut progress
        uint64_t started = UINT64_MAX; // cycle of its first command
    };
    // Buffer ranges still being filled by MRDs, and when their data will have landed: a PE op
    // waits only for the moves into the bytes it uses.
    struct Landing {
        uint32_t lo, hi;
        uint64_t ready;
    };

    uint64_t proposeMove(const Entry& e, uint64_t rowBusFree, uint64_t colBusFree, Candidate& c);
    uint64_t prepareRow(uint64_t now, uint64_t rowBusFree, Candidate& rowCmd, const Entry& move);
    void issueMove(Command cmd, Entry& e, uint64_t now);
    void issuePeOp(Entry& e, uint64_t now);
    void complete(uint64_t readyCycle);

    const Memspec& m_spec;
    const PcState& m_state;
    const TimingState& m_timing;
    Port& m_port;
    ControllerStats& m_stats;
    const uint32_t m_capacity;
    PimUnit* m_unit = nullptr;
    MicroOpObserver* m_observer = nullptr;
    uint32_t m_observerPc = 0;
    std::deque<Entry> m_queue;
    bool m_allOpen = false; // every bank open at m_allRow (after ACTAB)
    uint32_t m_allRow = 0;
    uint64_t m_peFree = 0;    // cycle the PEs finish their current op
    contract::MicroOp m_peOp; // the running (or last) PE op: the SRAM bytes it uses
    uint64_t m_bufFree = 0;   // the same for the buffer die's softmax unit (BufSfm, BufOut)
    contract::MicroOp m_bufOp;
    std::vector<Landing> m_landing;
    // prepareRow's bound from the banks' timings, kept while they and the open banks stay put
    // (it runs at every decision while a PE op waits at the head).
    uint64_t m_rowBoundVersion = UINT64_MAX, m_rowBoundOpen = 0, m_rowBound = 0;

    bool m_tracing = false;
    bool m_tracePeBusy = false;    // the PEs of this pseudo-channel run an op
    uint32_t m_traceSramInUse = 0; // highest buffer byte the current kernel has touched
    uint32_t m_traceQueue = 0;     // micro-ops queued (the PIM queue's depth)
    sc_core::sc_event m_peDone;    // only notified while tracing
};

} // namespace pilot::hbm
