// SPDX-License-Identifier: MIT
#include "models/hbm/pim_sequencer.h"

#include <algorithm>
#include <cmath>

#include "models/hbm/pc_controller.h"

namespace pilot::hbm {

using K = contract::MicroOpKind;

namespace {
bool isMove(const contract::MicroOp& op) {
    return op.kind == K::MovIn || op.kind == K::MovOut;
}
// Ops of the buffer die's softmax unit (AttAcc): a unit of its own beside the bank PEs.
bool isBufferOp(const contract::MicroOp& op) {
    return op.kind == K::BufSfm || op.kind == K::BufOut;
}
// Whether two ops use common buffer bytes (either range of b; empty ranges touch nothing).
bool overlaps(const contract::MicroOp& a, const contract::MicroOp& b) {
    return (b.busyLo < b.busyHi && a.touches(b.busyLo, b.busyHi)) ||
           (b.busyLo2 < b.busyHi2 && a.touches(b.busyLo2, b.busyHi2)) ||
           (b.busyLo3 < b.busyHi3 && a.touches(b.busyLo3, b.busyHi3));
}
} // namespace

PimSequencer::PimSequencer(const Memspec& spec, const PcState& state, const TimingState& timing, Port& port,
                           ControllerStats& stats, uint32_t capacity)
    : m_spec(spec), m_state(state), m_timing(timing), m_port(port), m_stats(stats), m_capacity(capacity) {}

void PimSequencer::trace(sc_core::sc_trace_file* tf, const std::string& base) {
    sc_core::sc_trace(tf, m_tracePeBusy, base + ".pe_busy");
    sc_core::sc_trace(tf, m_traceSramInUse, base + ".sram_bytes_in_use");
    sc_core::sc_trace(tf, m_traceQueue, base + ".pim_queue_occupancy");
    m_tracing = true;
}

bool PimSequencer::accept(tlm::tlm_generic_payload& t, const contract::MicroOp& op, uint64_t arrival) {
    if (m_queue.size() >= m_capacity)
        return false;
    if (t.has_mm())
        t.acquire();
    m_queue.push_back({&t, op, arrival, op.column});
    m_traceQueue = uint32_t(m_queue.size());
    return true;
}

uint64_t PimSequencer::propose(uint64_t now, uint64_t rowBusFree, uint64_t colBusFree, Candidate& rowCmd,
                               Candidate& colCmd) {
    const Entry& e = m_queue.front();
    if (e.arrival > now)
        return e.arrival;
    // While a PE op waits at the head, open the row the next move needs: the banks are idle.
    uint64_t prepared = kNever;
    if (!isMove(e.op)) {
        for (size_t i = 1; i < m_queue.size(); ++i) {
            const Entry& n = m_queue[i];
            if (n.arrival > now || !isMove(n.op))
                continue;
            if (!n.op.singleBank && !(m_allOpen && m_allRow == n.op.row))
                prepared = prepareRow(now, rowBusFree, rowCmd, n);
            break;
        }
    }
    Candidate c;
    c.age = e.arrival;
    uint64_t t = 0;
    if (isMove(e.op)) {
        if (!e.op.singleBank && !(m_allOpen && m_allRow == e.op.row))
            return prepareRow(now, rowBusFree, rowCmd, e);
        t = proposeMove(e, rowBusFree, colBusFree, c);
    } else {
        // A PE op runs once the previous one on its unit finished, the other unit's running op
        // no longer uses its bytes, and the data it consumes has landed.
        c.cmd = Command::PEOP;
        if (isBufferOp(e.op))
            t = std::max({colBusFree, m_bufFree, overlaps(e.op, m_peOp) ? m_peFree : uint64_t(0)});
        else
            t = std::max({colBusFree, m_peFree, overlaps(e.op, m_bufOp) ? m_bufFree : uint64_t(0)});
        for (const Landing& l : m_landing)
            if (e.op.touches(l.lo, l.hi))
                t = std::max(t, l.ready);
    }
    if (t > now)
        return std::min(t, prepared);
    (isRowBus(c.cmd) ? rowCmd : colCmd) = c;
    return prepared;
}

uint64_t PimSequencer::proposeMove(const Entry& e, uint64_t rowBusFree, uint64_t colBusFree, Candidate& c) {
    uint64_t t;
    if (e.op.singleBank) {
        // Single-bank form: that bank alone opens the row (PRE / ACT) and moves (SMRD / SMWR).
        const uint32_t b = e.op.bank, g = m_timing.groupOf(b);
        const BankState& bk = m_state.banks[b];
        c.bank = b;
        if (bk.open && bk.row == e.op.row) {
            c.cmd = e.op.kind == K::MovIn ? Command::SMRD : Command::SMWR;
            t = std::max(m_timing.earliest(c.cmd, b, g), colBusFree);
        } else {
            c.cmd = bk.open ? Command::PRE : Command::ACT;
            t = std::max(m_timing.earliest(c.cmd, b, g), rowBusFree);
        }
    } else {
        c.cmd = e.op.kind == K::MovIn ? Command::MRD : Command::MWR;
        t = std::max(m_timing.earliest(c.cmd, 0, 0), colBusFree);
    }
    // A move into or out of buffer bytes the running PE op uses waits for it.
    const uint32_t lo = e.op.sramOffset, hi = lo + e.op.columns * m_spec.org.accessBytes;
    if (m_peOp.touches(lo, hi))
        t = std::max(t, m_peFree);
    if (m_bufOp.touches(lo, hi))
        t = std::max(t, m_bufFree);
    return t;
}

uint64_t PimSequencer::prepareRow(uint64_t now, uint64_t rowBusFree, Candidate& rowCmd, const Entry& move) {
    // The move's row: close whatever is open (PREA), then open it in every bank (ACTAB).
    const uint64_t open = m_state.openBanks;
    Candidate c;
    c.cmd = open ? Command::PREA : Command::ACTAB;
    c.bank = move.op.row; // ACTAB: the row travels in `bank` (no bank of its own)
    c.age = m_queue.front().arrival;
    if (m_timing.version() != m_rowBoundVersion || open != m_rowBoundOpen) {
        uint64_t bound = 0;
        for (uint32_t b = 0; b < m_state.banks.size(); ++b)
            if (!open || ((open >> b) & 1u))
                bound = std::max(bound, m_timing.earliest(c.cmd, b, m_timing.groupOf(b)));
        m_rowBoundVersion = m_timing.version();
        m_rowBoundOpen = open;
        m_rowBound = bound;
    }
    const uint64_t t = std::max(rowBusFree, m_rowBound);
    if (t > now)
        return t;
    rowCmd = c;
    return kNever;
}

void PimSequencer::issue(const Candidate& c, uint64_t now) {
    Entry& e = m_queue.front(); // for MRD / MWR / PEOP: the head; ACTAB may prepare a later move
    if (m_stats.pimFirstCycle == UINT64_MAX)
        m_stats.pimFirstCycle = now;
    switch (c.cmd) {
    case Command::ACTAB: {
        const uint32_t row = c.bank; // the row of the move it prepares (see prepareRow)
        for (uint32_t b = 0; b < m_state.banks.size(); ++b)
            m_port.openBank(b, row);
        m_allOpen = true;
        m_allRow = row;
        m_port.record(Command::ACTAB, 0, row, 0, now);
        break;
    }
    case Command::ACT: // single-bank move: open its bank's row
        m_port.openBank(c.bank, e.op.row);
        m_allOpen = false;
        m_port.record(Command::ACT, c.bank, e.op.row, 0, now);
        break;
    case Command::MRD:
    case Command::MWR:
    case Command::SMRD:
    case Command::SMWR:
        issueMove(c.cmd, e, now);
        break;
    case Command::PEOP:
        issuePeOp(e, now);
        break;
    default:
        break;
    }
}

void PimSequencer::issueMove(Command cmd, Entry& e, uint64_t now) {
    const uint32_t col = e.nextColumn++;
    e.started = std::min(e.started, now);
    m_port.record(cmd, e.op.singleBank ? e.op.bank : 0, e.op.row, col, now);
    // The banks this command moves a column in (the all-bank forms: every bank of the groups
    // of this pseudo-channel the op's mask names), counted from the command stream on its own
    // so the PE arrays' byte counters can be checked against it.
    const uint32_t groupsHere = uint32_t(m_state.banks.size()) / m_spec.org.banksPerGroup;
    const uint32_t mask =
        groupsHere >= 32 ? e.op.bankGroupMask : e.op.bankGroupMask & ((1u << groupsHere) - 1);
    m_stats.pimBankColumns +=
        e.op.singleBank ? 1 : uint64_t(__builtin_popcount(mask)) * m_spec.org.banksPerGroup;
    if (m_tracing)
        m_traceSramInUse =
            std::max(m_traceSramInUse, e.op.sramOffset + (col - e.op.column + 1) * m_spec.org.accessBytes);
    const bool read = cmd == Command::MRD || cmd == Command::SMRD;
    if (read) {
        m_unit->moveIn(e.op, col);
        const uint32_t lo = e.op.sramOffset, hi = lo + e.op.columns * m_spec.org.accessBytes;
        // Internal moves do not cross the DQ pins: no DQSCK.
        const uint64_t ready = now + m_spec.t.RL + m_spec.t.nBL;
        // Forget moves that have landed; extend this op's entry column by column.
        m_landing.erase(std::remove_if(m_landing.begin(), m_landing.end(),
                                       [&](const Landing& l) { return l.ready <= now; }),
                        m_landing.end());
        if (col != e.op.column || m_landing.empty() || m_landing.back().lo != lo)
            m_landing.push_back({lo, hi, ready});
        else
            m_landing.back().ready = ready;
    } else {
        m_unit->moveOut(e.op, col);
    }
    if (e.nextColumn == uint32_t(e.op.column) + e.op.columns)
        complete(now + (read ? m_spec.t.RL : m_spec.t.WL) + m_spec.t.nBL);
}

void PimSequencer::issuePeOp(Entry& e, uint64_t now) {
    e.started = now;
    m_port.record(Command::PEOP, 0, 0, 0, now);
    const uint64_t peCycles = m_unit->execute(e.op);
    // PE cycles at the PE clock, rounded up to whole command-clock cycles.
    const double ns = double(peCycles) * 1e3 / m_unit->peClockMHz();
    const uint64_t dur = std::max<uint64_t>(1, uint64_t(std::ceil(ns * 1e3 / m_spec.t.tCKps - 1e-9)));
    if (isBufferOp(e.op)) {
        m_bufFree = now + dur;
        m_bufOp = e.op;
        complete(m_bufFree);
        return;
    }
    m_peFree = now + dur;
    m_peOp = e.op;
    if (m_tracing) {
        m_tracePeBusy = true;
        if (e.op.kind == K::Cfg)
            m_traceSramInUse = 0;
        m_traceSramInUse = std::max({m_traceSramInUse, e.op.busyHi, e.op.busyHi2, e.op.busyHi3});
        m_peDone.notify(sc_core::sc_time::from_value(m_spec.t.tCKps) * double(dur));
    }
    complete(m_peFree);
}

void PimSequencer::complete(uint64_t readyCycle) {
    const Entry& e = m_queue.front();
    if (m_observer)
        m_observer->onMicroOp(m_observerPc, e.op, e.started, readyCycle);
    tlm::tlm_generic_payload* t = e.trans;
    m_queue.pop_front();
    m_traceQueue = uint32_t(m_queue.size());
    ++m_stats.pimOps;
    m_stats.pimLastCycle = std::max(m_stats.pimLastCycle, readyCycle);
    m_port.pimCompleted(t, readyCycle);
}

} // namespace pilot::hbm
