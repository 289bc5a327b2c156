// SPDX-License-Identifier: MIT
#include "models/hbm/pc_controller.h"

#include <algorithm>
#include <cmath>

#include "models/hbm/pim_extension.h"

namespace pilot::hbm {

using sc_core::sc_time;
using tlm::tlm_generic_payload;
using tlm::tlm_phase;
using tlm::tlm_sync_enum;

static constexpr uint64_t kNever = UINT64_MAX;

PseudoChannelController::PseudoChannelController(sc_core::sc_module_name name, const Memspec& spec,
                                                 const AddressMapping& map, const ControllerConfig& cfg,
                                                 BackingStore& store, uint32_t pcIndex)
    : sc_module(name),
      tSocket("tSocket"),
      m_spec(spec),
      m_map(map),
      m_cfg(cfg),
      m_store(store),
      m_pc(pcIndex),
      m_tCK(sc_time::from_value(spec.t.tCKps)),
      m_banksPerGroup(spec.org.banksPerGroup),
      m_timing(spec, spec.org.banksPerPc(), spec.org.bankGroupsPerPc()),
      m_banks(spec.org.banksPerPc()),
      m_slots(cfg.readQueue + cfg.writeQueue),
      m_traceOpenRow(spec.org.banksPerPc(), -1) {
    // The request pool never grows: references into it stay valid across reentrant calls.
    for (uint32_t i = uint32_t(m_slots.size()); i-- > 0;) m_freeSlots.push_back(i);
    for (auto& b : m_banks) {
        b.queue[0].reserve(cfg.readQueue);
        b.queue[1].reserve(cfg.writeQueue);
    }
    // Pseudo-channels of a stack refresh staggered across the interval, as controllers do
    // to spread the refresh current, rather than all at once.
    const uint32_t pcs = spec.org.pcsPerStack();
    if (cfg.refresh == RefreshPolicy::AllBank)
        m_nextRefresh = spec.t.REFI + uint64_t(spec.t.REFI) * (pcIndex % pcs) / pcs;
    if (cfg.refresh == RefreshPolicy::PerBank)
        m_nextRefresh = spec.refiPerBank() + uint64_t(spec.refiPerBank()) * (pcIndex % pcs) / pcs;
    tSocket.register_nb_transport_fw(this, &PseudoChannelController::nbTransportFw);
    tSocket.register_b_transport(this, &PseudoChannelController::bTransport);
    tSocket.register_transport_dbg(this, &PseudoChannelController::transportDbg);
    tSocket.register_get_direct_mem_ptr(this, &PseudoChannelController::getDirectMemPtr);
    SC_HAS_PROCESS(PseudoChannelController);
    SC_METHOD(process);
    sensitive << m_wake;
    SC_METHOD(peIdle);
    sensitive << m_peDone;
    dont_initialize();
}

uint64_t PseudoChannelController::nowCycle() const {
    const uint64_t ps = sc_core::sc_time_stamp().value();
    return (ps + m_spec.t.tCKps - 1) / m_spec.t.tCKps;
}

void PseudoChannelController::trace(sc_core::sc_trace_file* tf) const {
    const std::string base = name();
    for (size_t b = 0; b < m_traceOpenRow.size(); ++b)
        sc_core::sc_trace(tf, m_traceOpenRow[b], base + ".bank" + std::to_string(b) + "_open_row");
    sc_core::sc_trace(tf, m_traceQueue, base + ".queue_occupancy");
    sc_core::sc_trace(tf, m_traceLastCmd, base + ".command");
    sc_core::sc_trace(tf, m_traceRefreshing, base + ".refresh_pending");
    sc_core::sc_trace(tf, m_tracePeBusy, base + ".pe_busy");
    sc_core::sc_trace(tf, m_traceSramInUse, base + ".sram_bytes_in_use");
    const_cast<PseudoChannelController*>(this)->m_tracing = true;
}

// ---------------------------------------------------------------- TLM entry points

bool PseudoChannelController::validate(tlm_generic_payload& t, DramAddress& a) {
    const uint64_t addr = t.get_address();
    const uint32_t len = t.get_data_length();
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
    if (t.get_command() == tlm::TLM_IGNORE_COMMAND) {
        status = tlm::TLM_COMMAND_ERROR_RESPONSE;
    } else if (addr >= m_map.capacity() || m_map.pcIndex(a = m_map.decode(addr)) != m_pc) {
        status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
    } else if (len == 0 || (addr % m_spec.org.accessBytes) + len > m_spec.org.accessBytes ||
               t.get_streaming_width() < len) {
        // One transaction is at most one burst and must not cross a burst boundary.
        status = tlm::TLM_BURST_ERROR_RESPONSE;
    } else if (t.get_byte_enable_ptr()) {
        status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    }
    t.set_response_status(status);
    if (status != tlm::TLM_OK_RESPONSE) ++m_stats.errors;
    return status == tlm::TLM_OK_RESPONSE;
}

bool PseudoChannelController::hasRoom(bool write) const {
    return m_queued[write] < (write ? m_cfg.writeQueue : m_cfg.readQueue);
}

uint32_t PseudoChannelController::enqueue(tlm_generic_payload& t, const DramAddress& a, uint64_t arrival,
                                          sc_core::sc_event* done) {
    if (t.has_mm()) t.acquire();
    const uint32_t slot = m_freeSlots.back();
    m_freeSlots.pop_back();
    Request& r = m_slots[slot];
    r = Request{};
    r.trans = &t;
    r.done = done;
    r.seq = m_seq++;
    r.arrival = arrival;
    r.addr = t.get_address();
    r.row = a.row;
    r.column = a.column;
    r.bank = uint16_t(m_map.bankIndex(a));
    r.group = uint16_t(m_map.bankGroupIndex(a));
    r.write = t.is_write();
    Bank& bk = m_banks[r.bank];
    bk.queue[r.write].push_back(slot);
    if (bk.open && bk.row == r.row) ++bk.hits[r.write];
    m_pendingBanks[r.write] |= uint64_t(1) << r.bank;
    m_arrivals.push(arrival);
    ++m_queued[r.write];
    m_stats.firstArrivalCycle = std::min(m_stats.firstArrivalCycle, arrival);
    m_traceQueue = m_queued[0] + m_queued[1];
    // Inside process() the scheduler rescans after every issue; outside, wake it.
    if (!m_inProcess) m_wake.notify(cycles(arrival) - std::min(cycles(arrival), sc_core::sc_time_stamp()));
    return slot;
}

tlm_sync_enum PseudoChannelController::nbTransportFw(tlm_generic_payload& t, tlm_phase& ph, sc_time& d) {
    if (ph == tlm::BEGIN_REQ) {
        const sc_time at = sc_core::sc_time_stamp() + d;
        const uint64_t arrival = (at.value() + m_spec.t.tCKps - 1) / m_spec.t.tCKps;
        if (const auto* pim = t.get_extension<PimOpExtension>()) {
            if (!m_pim) {
                t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
                ++m_stats.errors;
                return tlm::TLM_COMPLETED;
            }
            if (!acceptPim(t, pim->op, arrival)) {
                ++m_stats.backPressureEvents;
                if (t.has_mm()) t.acquire();
                m_blocked.push_back(&t);
                return tlm::TLM_ACCEPTED;
            }
            ph = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
        DramAddress a;
        if (!validate(t, a)) return tlm::TLM_COMPLETED;
        if (m_blocked.empty() && hasRoom(t.is_write())) {
            enqueue(t, a, arrival, nullptr);
            ph = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
        // Back-pressure: END_REQ follows when a queue entry frees (admitBlocked).
        if (t.has_mm()) t.acquire();
        m_blocked.push_back(&t);
        ++m_stats.backPressureEvents;
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::END_RESP) {
        m_respBusy = false;
        if (t.has_mm()) t.release();
        if (!m_responses.empty()) {
            Pending p = m_responses.front();
            m_responses.pop_front();
            sendResponse(p.trans, p.readyCycle);
        }
        return tlm::TLM_COMPLETED;
    }
    SC_REPORT_ERROR(name(), "nb_transport_fw: illegal phase (expected BEGIN_REQ or END_RESP)");
    return tlm::TLM_COMPLETED;
}

void PseudoChannelController::bTransport(tlm_generic_payload& t, sc_time& d) {
    sc_core::wait(d);
    d = sc_core::SC_ZERO_TIME;
    DramAddress a;
    if (!validate(t, a)) return;
    while (!m_blocked.empty() || !hasRoom(t.is_write())) sc_core::wait(m_roomFreed);
    sc_core::sc_event done;
    enqueue(t, a, nowCycle(), &done);
    sc_core::wait(done);
}

unsigned int PseudoChannelController::transportDbg(tlm_generic_payload& t) {
    const uint64_t addr = t.get_address();
    const uint32_t len = t.get_data_length();
    if (addr >= m_map.capacity() || len > m_map.capacity() - addr) {
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    if (t.is_read()) m_store.read(addr, t.get_data_ptr(), len);
    else if (t.is_write()) m_store.write(addr, t.get_data_ptr(), len);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
}

bool PseudoChannelController::getDirectMemPtr(tlm_generic_payload& t, tlm::tlm_dmi& dmi) {
    const uint64_t addr = t.get_address();
    if (addr >= m_map.capacity()) return false;
    // One backing-store page at a time: the store is sparse, pages are not contiguous.
    const uint64_t base = BackingStore::pageBase(addr);
    dmi.set_dmi_ptr(m_store.page(addr));
    dmi.set_start_address(base);
    dmi.set_end_address(std::min(base + BackingStore::kPageBytes, m_map.capacity()) - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(cycles(m_spec.t.RCDRD + m_spec.t.RL + m_spec.t.nBL));
    dmi.set_write_latency(cycles(m_spec.t.RCDWR + m_spec.t.WL + m_spec.t.nBL));
    return true;
}

void PseudoChannelController::admitBlocked() {
    while (!m_blocked.empty()) {
        tlm_generic_payload* t = m_blocked.front();
        if (const auto* pim = t->get_extension<PimOpExtension>()) {
            if (!acceptPim(*t, pim->op, nowCycle())) break;
        } else if (hasRoom(t->is_write())) {
            enqueue(*t, m_map.decode(t->get_address()), nowCycle(), nullptr);
        } else {
            break;
        }
        m_blocked.pop_front();
        if (t->has_mm()) t->release();   // enqueue took its own reference
        tlm_phase ph = tlm::END_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        tSocket->nb_transport_bw(*t, ph, d);
    }
    m_roomFreed.notify(sc_core::SC_ZERO_TIME);
}

void PseudoChannelController::sendResponse(tlm_generic_payload* t, uint64_t readyCycle) {
    if (m_respBusy) {
        m_responses.push_back({t, readyCycle});
        return;
    }
    const uint64_t now = nowCycle();
    tlm_phase ph = tlm::BEGIN_RESP;
    sc_time d = cycles(readyCycle > now ? readyCycle - now : 0);
    tlm_sync_enum r = tSocket->nb_transport_bw(*t, ph, d);
    if (r == tlm::TLM_ACCEPTED) {
        m_respBusy = true;   // END_RESP will come through nb_transport_fw
        return;
    }
    if (t->has_mm()) t->release();
}

// ---------------------------------------------------------------- scheduler

void PseudoChannelController::updateMode() {
    if (!m_writeMode) {
        if (m_queued[1] >= m_cfg.writeHighWatermark || (m_queued[0] == 0 && m_queued[1] > 0)) m_writeMode = true;
    } else if (m_queued[1] == 0 || (m_queued[1] <= m_cfg.writeLowWatermark && m_queued[0] > 0)) {
        m_writeMode = false;
    }
}

bool PseudoChannelController::refreshBlocks(uint32_t bank) const {
    return m_refreshPending && (m_cfg.refresh == RefreshPolicy::AllBank || bank == m_refreshBank);
}

void PseudoChannelController::refreshCandidate(uint64_t now, Candidate& rowCmd, uint64_t& next) {
    if (m_cfg.refresh == RefreshPolicy::None) return;
    if (!m_refreshPending) {
        if (now < m_nextRefresh) {
            next = std::min(next, m_nextRefresh);
            return;
        }
        m_refreshPending = true;
        m_traceRefreshing = true;
    }
    Candidate c;
    uint64_t e = m_lastRowCycle == kNever ? 0 : m_lastRowCycle + 1;
    if (m_cfg.refresh == RefreshPolicy::AllBank) {
        bool anyOpen = false;
        for (uint32_t b = 0; b < m_banks.size(); ++b) anyOpen |= m_banks[b].open;
        c.cmd = anyOpen ? Command::PREA : Command::REFAB;
        for (uint32_t b = 0; b < m_banks.size(); ++b)
            if (!anyOpen || m_banks[b].open) e = std::max(e, m_timing.earliest(c.cmd, b, b / m_banksPerGroup));
    } else {
        const uint32_t b = m_refreshBank;
        c.cmd = m_banks[b].open ? Command::PRE : Command::REFPB;
        c.bank = b;
        e = std::max(e, m_timing.earliest(c.cmd, b, b / m_banksPerGroup));
    }
    if (e <= now) rowCmd = c;
    else next = std::min(next, e);
}

uint64_t PseudoChannelController::scan(uint64_t now, Candidate& rowCmd, Candidate& colCmd) {
    uint64_t next = kNever;
    refreshCandidate(now, rowCmd, next);
    if (m_refreshPending && m_cfg.refresh == RefreshPolicy::AllBank) return next;
    // While PIM micro-ops wait, the pseudo-channel is in PIM mode: host requests wait too.
    if (!m_pimQueue.empty()) return std::min(next, pimCandidate(now, rowCmd, colCmd));
    const bool w = m_writeMode;
    const bool fcfs = m_cfg.scheduler == SchedulerPolicy::Fcfs;
    uint64_t oldest = kNever;
    if (fcfs) {
        for (const Bank& bk : m_banks)
            for (uint32_t s : bk.queue[w])
                if (m_slots[s].arrival <= now) {
                    oldest = std::min(oldest, m_slots[s].seq);
                    break;
                }
    }
    const uint64_t rowBusFree = m_lastRowCycle == kNever ? 0 : m_lastRowCycle + 1;
    const uint64_t colBusFree = m_lastColCycle == kNever ? 0 : m_lastColCycle + 1;
    // Requests queued ahead of their arrival wake the scheduler when they arrive.
    while (!m_arrivals.empty() && m_arrivals.top() <= now) m_arrivals.pop();
    if (!m_arrivals.empty()) next = std::min(next, m_arrivals.top());
    for (uint64_t pending = m_pendingBanks[w]; pending; pending &= pending - 1) {
        const uint32_t b = uint32_t(__builtin_ctzll(pending));
        const Bank& bk = m_banks[b];
        const auto& q = bk.queue[w];
        if (refreshBlocks(b)) continue;
        // The oldest arrived request of the bank...
        size_t first = 0;
        while (first < q.size() && m_slots[q[first]].arrival > now) ++first;
        if (first == q.size()) continue;
        uint32_t chosen = q[first];
        bool hit = false;
        if (fcfs) {
            if (m_slots[chosen].seq != oldest) continue;   // strict arrival order: only the oldest may move
            hit = bk.open && m_slots[chosen].row == bk.row;
        } else if (bk.open && bk.hits[w]) {
            // ...unless FR-FCFS finds an arrived row hit, within the row-hit cap.
            if (m_slots[chosen].row == bk.row) {
                hit = true;
            } else if (m_cfg.rowHitCap == 0 || bk.columnsSinceAct < m_cfg.rowHitCap) {
                for (size_t i = first + 1; i < q.size(); ++i) {
                    const Request& r = m_slots[q[i]];
                    if (r.arrival <= now && r.row == bk.row) {
                        chosen = q[i];
                        hit = true;
                        break;
                    }
                }
            }
        }
        if (chosen == UINT32_MAX) continue;
        const Request& r = m_slots[chosen];
        Command cmd;
        if (hit) {
            const bool autoPre = m_cfg.page == PagePolicy::Closed;
            cmd = r.write ? (autoPre ? Command::WRA : Command::WR) : (autoPre ? Command::RDA : Command::RD);
        } else {
            cmd = bk.open ? Command::PRE : Command::ACT;
        }
        uint64_t e = std::max(m_timing.earliest(cmd, b, r.group), hit ? colBusFree : rowBusFree);
        if (e > now) {
            next = std::min(next, e);
            continue;
        }
        Candidate& slot = hit ? colCmd : rowCmd;
        // Row bus: a refresh command already chosen keeps priority; otherwise oldest first.
        if (!slot.valid() || (slot.slot != UINT32_MAX && r.seq < slot.seq)) {
            slot.cmd = cmd;
            slot.bank = b;
            slot.slot = chosen;
            slot.seq = r.seq;
            slot.hit = hit;
        }
    }
    return next;
}

void PseudoChannelController::openBank(uint32_t b, uint32_t row) {
    Bank& bk = m_banks[b];
    bk.open = true;
    bk.row = row;
    bk.columnsSinceAct = 0;
    for (int w = 0; w < 2; ++w) {
        bk.hits[w] = 0;
        for (uint32_t s : bk.queue[w]) bk.hits[w] += m_slots[s].row == row;
    }
    m_traceOpenRow[b] = int32_t(row);
}

void PseudoChannelController::closeBank(uint32_t b) {
    Bank& bk = m_banks[b];
    bk.open = false;
    bk.hits[0] = bk.hits[1] = 0;
    m_traceOpenRow[b] = -1;
}

void PseudoChannelController::record(Command cmd, uint32_t bank, uint32_t row, uint32_t column, uint64_t now) {
    const uint32_t group = bank / m_banksPerGroup;
    m_timing.record(cmd, bank, group, now);
    ++m_stats.commands[size_t(cmd)];
    if (isRowBus(cmd)) m_lastRowCycle = now;
    else m_lastColCycle = now;
    m_traceLastCmd = uint32_t(cmd) + 1;
    if (!m_observers.empty()) {
        const CommandRecord rec{now, cmd, m_pc, BankId(bank), BankGroupId(group), row, column};
        for (CommandObserver* o : m_observers) o->onCommand(rec);
    }
}

void PseudoChannelController::issue(const Candidate& c, uint64_t now) {
    // PIM commands, and the ACT of a single-bank PIM move (no host request behind it).
    if (isPim(c.cmd) || (c.cmd == Command::ACT && c.slot == UINT32_MAX)) {
        issuePim(c, now);
        return;
    }
    if (isRowBus(c.cmd)) m_allOpen = false;   // the banks no longer share one open row
    Bank& bk = m_banks[c.bank];
    switch (c.cmd) {
        case Command::ACT: {
            Request& r = m_slots[c.slot];
            r.neededAct = true;
            openBank(c.bank, r.row);
            record(c.cmd, c.bank, r.row, 0, now);
            break;
        }
        case Command::PRE:
            if (c.slot != UINT32_MAX) m_slots[c.slot].neededPre = true;
            closeBank(c.bank);
            record(c.cmd, c.bank, bk.row, 0, now);
            break;
        case Command::PREA:
            for (uint32_t b = 0; b < m_banks.size(); ++b) closeBank(b);
            record(c.cmd, 0, 0, 0, now);
            break;
        case Command::REFAB:
        case Command::REFPB:
            record(c.cmd, c.bank, 0, 0, now);
            ++m_stats.refreshes;
            m_refreshPending = false;
            m_traceRefreshing = false;
            if (c.cmd == Command::REFAB) {
                m_nextRefresh += m_spec.t.REFI;
            } else {
                m_nextRefresh += m_spec.refiPerBank();
                m_refreshBank = (m_refreshBank + 1) % uint32_t(m_banks.size());
            }
            break;
        default: {   // column commands
            const Request& r = m_slots[c.slot];
            record(c.cmd, c.bank, r.row, r.column, now);
            ++bk.columnsSinceAct;
            complete(c.slot, now);   // before the auto-precharge closes the bank (hit count)
            if (c.cmd == Command::RDA || c.cmd == Command::WRA) closeBank(c.bank);
            break;
        }
    }
}

void PseudoChannelController::complete(uint32_t slot, uint64_t now) {
    Request& r = m_slots[slot];
    tlm_generic_payload* t = r.trans;
    const uint32_t len = t->get_data_length();
    const uint64_t ready = now + (r.write ? m_spec.t.WL : m_spec.t.RL) + m_spec.t.nBL;
    if (r.write) {
        m_store.write(r.addr, t->get_data_ptr(), len);
        ++m_stats.writes;
        m_stats.writeBytes += len;
    } else {
        m_store.read(r.addr, t->get_data_ptr(), len);
        ++m_stats.reads;
        m_stats.readBytes += len;
    }
    if (r.neededPre) ++m_stats.rowConflicts;
    else if (r.neededAct) ++m_stats.rowMisses;
    else ++m_stats.rowHits;
    m_stats.latency.add(ready - r.arrival);
    m_stats.lastCompletionCycle = std::max(m_stats.lastCompletionCycle, ready);
    t->set_response_status(tlm::TLM_OK_RESPONSE);

    Bank& bk = m_banks[r.bank];
    if (bk.open && bk.row == r.row) --bk.hits[r.write];
    auto& q = bk.queue[r.write];
    q.erase(std::find(q.begin(), q.end(), slot));
    if (q.empty()) m_pendingBanks[r.write] &= ~(uint64_t(1) << r.bank);
    --m_queued[r.write];
    m_traceQueue = m_queued[0] + m_queued[1];
    sc_core::sc_event* done = r.done;
    m_freeSlots.push_back(slot);
    // From here on the slot may be reused by a reentrant BEGIN_REQ: use only copies.
    if (done) {
        done->notify(cycles(ready - now));
        if (t->has_mm()) t->release();
    } else {
        sendResponse(t, ready);
    }
    admitBlocked();
}

void PseudoChannelController::process() {
    const uint64_t now = nowCycle();
    if (cycles(now) != sc_core::sc_time_stamp()) {
        // Woken between clock edges (an arrival): decide at the next edge.
        m_wake.notify(cycles(now) - sc_core::sc_time_stamp());
        return;
    }
    m_inProcess = true;
    uint64_t next = kNever;
    for (;;) {
        updateMode();
        Candidate rowCmd, colCmd;
        next = scan(now, rowCmd, colCmd);
        if (!rowCmd.valid() && !colCmd.valid()) break;
        if (colCmd.valid()) issue(colCmd, now);
        if (rowCmd.valid()) issue(rowCmd, now);
    }
    m_inProcess = false;
    if (next != kNever) m_wake.notify(cycles(next - now));
}

// ---------------------------------------------------------------- PIM micro-ops

bool PseudoChannelController::acceptPim(tlm_generic_payload& t, const contract::MicroOp& op, uint64_t arrival) {
    if (m_pimQueue.size() >= m_cfg.pimQueue) return false;
    if (t.has_mm()) t.acquire();
    m_pimQueue.push_back({&t, op, arrival, op.column});
    if (!m_inProcess) m_wake.notify(cycles(arrival) - std::min(cycles(arrival), sc_core::sc_time_stamp()));
    return true;
}

uint64_t PseudoChannelController::pimCandidate(uint64_t now, Candidate& rowCmd, Candidate& colCmd) {
    using K = contract::MicroOpKind;
    const PimEntry& e = m_pimQueue.front();
    if (e.arrival > now) return e.arrival;
    auto isMove = [](const contract::MicroOp& op) { return op.kind == K::MovIn || op.kind == K::MovOut; };
    // While a PE op waits at the head, open the row the next move needs: the banks are idle.
    uint64_t prepared = kNever;
    if (!isMove(e.op)) {
        for (size_t i = 1; i < m_pimQueue.size(); ++i) {
            const PimEntry& n = m_pimQueue[i];
            if (n.arrival > now || !isMove(n.op)) continue;
            if (!n.op.singleBank && !(m_allOpen && m_allRow == n.op.row)) prepared = prepareRow(now, rowCmd);
            break;
        }
    }
    const uint64_t rowBusFree = m_lastRowCycle == kNever ? 0 : m_lastRowCycle + 1;
    const uint64_t colBusFree = m_lastColCycle == kNever ? 0 : m_lastColCycle + 1;
    Candidate c;
    c.slot = UINT32_MAX;
    uint64_t t = 0;
    if (e.op.kind == K::MovIn || e.op.kind == K::MovOut) {
        if (e.op.singleBank) {
            // Single-bank form: that bank alone opens the row (PRE / ACT) and moves (SMRD / SMWR).
            const uint32_t b = e.op.bank, g = b / m_banksPerGroup;
            const Bank& bk = m_banks[b];
            c.bank = b;
            if (bk.open && bk.row == e.op.row) {
                c.cmd = e.op.kind == K::MovIn ? Command::SMRD : Command::SMWR;
                t = std::max(m_timing.earliest(c.cmd, b, g), colBusFree);
            } else {
                c.cmd = bk.open ? Command::PRE : Command::ACT;
                t = std::max(m_timing.earliest(c.cmd, b, g), rowBusFree);
            }
            const uint32_t lo = e.op.sramOffset, hi = lo + e.op.columns * m_spec.org.accessBytes;
            if (m_peOp.touches(lo, hi)) t = std::max(t, m_peFree);
        } else if (m_allOpen && m_allRow == e.op.row) {
            c.cmd = e.op.kind == K::MovIn ? Command::MRD : Command::MWR;
            t = std::max(m_timing.earliest(c.cmd, 0, 0), colBusFree);
            // A move into or out of buffer bytes the running PE op uses waits for it.
            const uint32_t lo = e.op.sramOffset, hi = lo + e.op.columns * m_spec.org.accessBytes;
            if (m_peOp.touches(lo, hi)) t = std::max(t, m_peFree);
        } else {
            return prepareRow(now, rowCmd);
        }
    } else {
        // A PE op runs once the previous one finished and the data it consumes has landed.
        c.cmd = Command::PEOP;
        t = std::max(colBusFree, m_peFree);
        for (const Landing& l : m_landing)
            if (e.op.touches(l.lo, l.hi)) t = std::max(t, l.ready);
    }
    if (t > now) return std::min(t, prepared);
    (isRowBus(c.cmd) ? rowCmd : colCmd) = c;
    return prepared;
}

uint64_t PseudoChannelController::prepareRow(uint64_t now, Candidate& rowCmd) {
    // The next move's row: close whatever is open (PREA), then open it in every bank (ACTAB).
    const PimEntry* target = nullptr;
    for (const PimEntry& p : m_pimQueue)
        if (p.op.kind == contract::MicroOpKind::MovIn || p.op.kind == contract::MicroOpKind::MovOut) {
            target = &p;
            break;
        }
    bool anyOpen = false;
    for (const Bank& b : m_banks) anyOpen |= b.open;
    Candidate c;
    c.slot = UINT32_MAX;
    c.cmd = anyOpen ? Command::PREA : Command::ACTAB;
    c.bank = target ? target->op.row : 0;   // ACTAB: the row travels in `bank` (no bank of its own)
    uint64_t t = m_lastRowCycle == kNever ? 0 : m_lastRowCycle + 1;
    for (uint32_t b = 0; b < m_banks.size(); ++b)
        if (!anyOpen || m_banks[b].open) t = std::max(t, m_timing.earliest(c.cmd, b, b / m_banksPerGroup));
    if (t > now) return t;
    rowCmd = c;
    return kNever;
}

void PseudoChannelController::issuePim(const Candidate& c, uint64_t now) {
    PimEntry& e = m_pimQueue.front();   // for MRD / MWR / PEOP: the head; ACTAB may prepare a later move
    if (m_stats.pimFirstCycle == UINT64_MAX) m_stats.pimFirstCycle = now;
    switch (c.cmd) {
        case Command::ACTAB: {
            const uint32_t row = c.bank;   // the row of the move it prepares (see prepareRow)
            for (uint32_t b = 0; b < m_banks.size(); ++b) openBank(b, row);
            m_allOpen = true;
            m_allRow = row;
            record(Command::ACTAB, 0, row, 0, now);
            break;
        }
        case Command::ACT: {   // single-bank move: open its bank's row
            openBank(c.bank, e.op.row);
            m_allOpen = false;
            record(Command::ACT, c.bank, e.op.row, 0, now);
            break;
        }
        case Command::MRD:
        case Command::MWR:
        case Command::SMRD:
        case Command::SMWR: {
            const uint32_t col = e.nextColumn++;
            record(c.cmd, e.op.singleBank ? e.op.bank : 0, e.op.row, col, now);
            if (m_tracing)
                m_traceSramInUse = std::max(m_traceSramInUse, e.op.sramOffset + (col - e.op.column + 1) * m_spec.org.accessBytes);
            if (c.cmd == Command::MRD || c.cmd == Command::SMRD) {
                m_pim->moveIn(e.op, col);
                const uint32_t lo = e.op.sramOffset, hi = lo + e.op.columns * m_spec.org.accessBytes;
                const uint64_t ready = now + m_spec.t.RL + m_spec.t.nBL;
                // Forget moves that have landed; extend this op's entry column by column.
                m_landing.erase(std::remove_if(m_landing.begin(), m_landing.end(),
                                               [&](const Landing& l) { return l.ready <= now; }),
                                m_landing.end());
                if (col != e.op.column || m_landing.empty() || m_landing.back().lo != lo) m_landing.push_back({lo, hi, ready});
                else m_landing.back().ready = ready;
            } else {
                m_pim->moveOut(e.op, col);
            }
            if (e.nextColumn == uint32_t(e.op.column) + e.op.columns) {
                const bool read = c.cmd == Command::MRD || c.cmd == Command::SMRD;
                completePim(now + (read ? m_spec.t.RL : m_spec.t.WL) + m_spec.t.nBL);
            }
            break;
        }
        case Command::PEOP: {
            record(Command::PEOP, 0, 0, 0, now);
            const uint64_t peCycles = m_pim->execute(e.op);
            // PE cycles at the PE clock, rounded up to whole command-clock cycles.
            const double ns = double(peCycles) * 1e3 / m_pim->peClockMHz();
            const uint64_t dur = std::max<uint64_t>(1, uint64_t(std::ceil(ns * 1e3 / m_spec.t.tCKps - 1e-9)));
            m_peFree = now + dur;
            m_peOp = e.op;
            if (m_tracing) {
                m_tracePeBusy = true;
                if (e.op.kind == contract::MicroOpKind::Cfg) m_traceSramInUse = 0;
                m_traceSramInUse = std::max({m_traceSramInUse, e.op.busyHi, e.op.busyHi2});
                m_peDone.notify(cycles(dur));
            }
            completePim(m_peFree);
            break;
        }
        default:
            break;
    }
}

void PseudoChannelController::peIdle() {
    if (nowCycle() >= m_peFree) m_tracePeBusy = false;
}

void PseudoChannelController::completePim(uint64_t readyCycle) {
    tlm_generic_payload* t = m_pimQueue.front().trans;
    m_pimQueue.pop_front();
    ++m_stats.pimOps;
    m_stats.pimLastCycle = std::max(m_stats.pimLastCycle, readyCycle);
    t->set_response_status(tlm::TLM_OK_RESPONSE);
    sendResponse(t, readyCycle);
    admitBlocked();
}

}  // namespace pilot::hbm
