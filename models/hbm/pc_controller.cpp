// SPDX-License-Identifier: MIT
#include "models/hbm/pc_controller.h"

#include <algorithm>

#include "models/common/run_ahead.h"
#include "models/hbm/pim_extension.h"

namespace pilot::hbm {

using sc_core::sc_time;
using tlm::tlm_generic_payload;
using tlm::tlm_phase;
using tlm::tlm_sync_enum;

PseudoChannelController::PseudoChannelController(sc_core::sc_module_name name, const Memspec& spec,
                                                 const AddressMapping& map, const ControllerConfig& cfg,
                                                 BackingStore& store, uint32_t pcIndex,
                                                 ChannelArbiter* channel)
    : sc_module(name), tSocket("tSocket"), m_spec(spec), m_map(map), m_cfg(cfg), m_store(store),
      m_pc(pcIndex), m_tCK(sc_time::from_value(spec.t.tCKps)),
      m_timing(spec, spec.org.banksPerPc(), spec.org.bankGroupsPerPc()),
      m_scheduler(makeScheduler(cfg.scheduler, cfg)),
      m_refresh(makeRefreshManager(cfg.refresh, spec, pcIndex)),
      m_hostPim(makeHostPimPolicy(cfg.hostPim, spec.t.tCKps)),
      m_pim(spec, m_state, m_timing, *this, m_stats, cfg.pimQueue), m_channel(channel),
      m_traceOpenRow(spec.org.banksPerPc(), -1) {
    m_state.banks.resize(spec.org.banksPerPc());
    // The request pool never grows: references into it stay valid across reentrant calls.
    m_state.slots.resize(requestSlots(cfg, spec.org.banksPerPc()));
    m_state.unified = cfg.buffer != BufferPolicy::ReadWrite;
    for (uint32_t i = uint32_t(m_state.slots.size()); i-- > 0;)
        m_freeSlots.push_back(i);
    for (auto& b : m_state.banks) {
        b.queue[0].reserve(m_state.unified ? m_state.slots.size() : cfg.readQueue);
        b.queue[1].reserve(m_state.unified ? 0 : cfg.writeQueue);
    }
    if (!m_channel) {
        m_ownChannel = std::make_unique<ChannelArbiter>("channel", spec, cfg.busArbitration);
        m_channel = m_ownChannel.get();
    }
    m_member = m_channel->attach(*this);
    tSocket.register_nb_transport_fw(this, &PseudoChannelController::nbTransportFw);
    tSocket.register_b_transport(this, &PseudoChannelController::bTransport);
    tSocket.register_transport_dbg(this, &PseudoChannelController::transportDbg);
    tSocket.register_get_direct_mem_ptr(this, &PseudoChannelController::getDirectMemPtr);
    SC_HAS_PROCESS(PseudoChannelController);
    SC_METHOD(peIdle);
    sensitive << m_pim.peDoneEvent();
    dont_initialize();
}

uint64_t PseudoChannelController::nowCycle() const {
    const uint64_t ps = common::RunAhead::nowPs();
    return (ps + m_spec.t.tCKps - 1) / m_spec.t.tCKps;
}

void PseudoChannelController::trace(sc_core::sc_trace_file* tf) {
    const std::string base = name();
    for (size_t b = 0; b < m_traceOpenRow.size(); ++b)
        sc_core::sc_trace(tf, m_traceOpenRow[b], base + ".bank" + std::to_string(b) + "_open_row");
    sc_core::sc_trace(tf, m_traceQueue, base + ".queue_occupancy");
    sc_core::sc_trace(tf, m_traceLastCmd, base + ".command");
    sc_core::sc_trace(tf, m_traceCommands, base + ".commands_issued");
    sc_core::sc_trace(tf, m_traceRefreshing, base + ".refresh_pending");
    sc_core::sc_trace(tf, m_traceOwner, base + ".owner"); // 0 idle, 1 host, 2 PIM
    m_pim.trace(tf, base);
}

void PseudoChannelController::listPimCounters(common::CounterSet& set) {
    for (size_t c = 0; c < kCommandCount; ++c)
        if (Command(c) != Command::REFAB && Command(c) != Command::REFPB)
            set.add(m_stats.commands[c], true);
    set.add(m_stats.pimOps);
    set.add(m_stats.pimBankColumns);
}

void PseudoChannelController::listHostCounters(common::CounterSet& set) {
    for (uint64_t* c :
         {&m_stats.reads, &m_stats.writes, &m_stats.readBytes, &m_stats.writeBytes, &m_stats.rowHits,
          &m_stats.rowMisses, &m_stats.rowConflicts, &m_stats.backPressureEvents, &m_stats.hostStallCycles,
          &m_stats.pimStallCycles, &m_stats.ownerSwitches})
        set.add(*c);
}

void PseudoChannelController::reserveForPim(uint64_t cycle) {
    m_pimReservedUntil = cycle;
    m_changed = true;
    wakeAt(nowCycle()); // decide again: the owner may change now
}

void PseudoChannelController::peIdle() {
    m_changed = true;
    m_pim.peIdle(nowCycle());
}

void PseudoChannelController::wakeAt(uint64_t cycle) {
    if (m_channel->deciding())
        return;
    const sc_time kernel = sc_time::from_value(common::RunAhead::kernelPs());
    m_channel->wake(cycles(cycle) - std::min(cycles(cycle), kernel));
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
    } else if (len == 0 || len > m_map.capacity() - addr || t.get_streaming_width() < len ||
               !samePseudoChannel(addr, len)) {
        // A transaction of several bursts must lie in this pseudo-channel (the router sends it by
        // its first byte).
        status = tlm::TLM_BURST_ERROR_RESPONSE;
    } else if (t.get_byte_enable_ptr()) {
        status = tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    }
    t.set_response_status(status);
    if (status != tlm::TLM_OK_RESPONSE)
        ++m_stats.errors;
    return status == tlm::TLM_OK_RESPONSE;
}

bool PseudoChannelController::hasRoom(bool write) const {
    switch (m_cfg.buffer) {
    case BufferPolicy::Shared:
        return m_state.queued[0] + m_state.queued[1] < m_cfg.requestBuffer;
    case BufferPolicy::Bankwise:
        return m_channel->lastAdmittedDepth() < m_cfg.requestBuffer;
    default:
        return m_state.queued[write] < (write ? m_cfg.writeQueue : m_cfg.readQueue);
    }
}

bool PseudoChannelController::samePseudoChannel(uint64_t addr, uint32_t len) const {
    const uint32_t bursts = burstsOf(addr, len);
    for (uint32_t k = 1; k < bursts; ++k)
        if (m_map.pcIndexOf(burstStart(addr, k)) != m_pc)
            return false;
    return true;
}

uint32_t PseudoChannelController::openHost(tlm_generic_payload& t, sc_core::sc_event* done) {
    if (t.has_mm())
        t.acquire();
    if (m_freeHosts.empty()) {
        m_hosts.emplace_back();
        m_freeHosts.push_back(uint32_t(m_hosts.size() - 1));
    }
    const uint32_t h = m_freeHosts.back();
    m_freeHosts.pop_back();
    const uint32_t bursts = burstsOf(t.get_address(), t.get_data_length());
    m_hosts[h] = {&t, done, bursts, bursts, 0};
    return h;
}

uint32_t PseudoChannelController::enqueue(uint32_t host, uint32_t k, const DramAddress& a, uint64_t arrival) {
    const uint64_t now = nowCycle();
    accountStalls(now);
    m_changed = true;
    const uint32_t slot = m_freeSlots.back();
    m_freeSlots.pop_back();
    tlm_generic_payload& t = *m_hosts[host].trans;
    const uint64_t start = burstStart(t.get_address(), k);
    const uint64_t end = std::min<uint64_t>(t.get_address() + t.get_data_length(),
                                            (start | uint64_t(m_spec.org.accessBytes - 1)) + 1);
    Request& r = m_state.slots[slot];
    r.host = host;
    r.offset = uint32_t(start - t.get_address());
    r.length = uint32_t(end - start);
    r.seq = m_seq++;
    r.arrival = arrival;
    r.addr = start;
    r.row = a.row;
    r.column = a.column;
    r.bank = uint16_t(m_map.bankIndex(a));
    r.group = uint16_t(m_map.bankGroupIndex(a));
    r.write = t.is_write();
    r.neededAct = r.neededPre = false;
    BankState& bk = m_state.banks[r.bank];
    const int qi = m_state.queueOf(r.write);
    bk.queue[qi].push_back(slot);
    m_scheduler->bankChanged(r.bank);
    bk.latestArrival = std::max(bk.latestArrival, arrival);
    if (bk.open && bk.row == r.row)
        ++bk.hits[qi];
    m_state.syncMasks(r.bank);
    if (bk.latestArrival > now)
        m_state.lateBanks |= uint64_t(1) << r.bank;
    m_state.pendingBanks[qi] |= uint64_t(1) << r.bank;
    m_channel->admitted(m_member, r.bank);
    // Only arrivals still to come: one at or before `now` would be dropped by the next look
    // (hostWaitingFrom from m_accountedTo, just raised to now, or from a later cycle) unread.
    if (arrival > now)
        m_arrivals.push(arrival);
    ++m_state.queued[r.write];
    m_stats.firstArrivalCycle = std::min(m_stats.firstArrivalCycle, arrival);
    m_traceQueue = m_state.queued[0] + m_state.queued[1];
    // With group bounds the channel may sleep through this cycle: wake it now if the owner (the
    // first request queued) or the read/write mode would change, as a decision every cycle would.
    if (m_groupBounds &&
        (m_state.queued[0] + m_state.queued[1] == 1 || modeAfterUpdate() != m_state.writeMode))
        wakeAt(now); // (and at the arrival: propose() wakes for requests still to arrive)
    wakeAt(arrival);
    return slot;
}

bool PseudoChannelController::acceptPim(tlm_generic_payload& t, const contract::MicroOp& op,
                                        uint64_t arrival) {
    accountStalls(nowCycle());
    if (!m_pim.accept(t, op, arrival))
        return false;
    m_changed = true;
    wakeAt(arrival);
    return true;
}

tlm_sync_enum PseudoChannelController::nbTransportFw(tlm_generic_payload& t, tlm_phase& ph, sc_time& d) {
    if (ph == tlm::BEGIN_REQ) {
        const uint64_t at = common::RunAhead::nowPs() + d.value();
        const uint64_t arrival = (at + m_spec.t.tCKps - 1) / m_spec.t.tCKps;
        if (const auto* pim = t.get_extension<PimOpExtension>()) {
            if (!m_pim.hasUnit()) {
                t.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
                ++m_stats.errors;
                return tlm::TLM_COMPLETED;
            }
            // Behind the micro-ops already waiting: micro-ops run in the order they were sent.
            if (!m_blockedPim.empty() || !acceptPim(t, pim->op, arrival)) {
                ++m_stats.backPressureEvents;
                if (t.has_mm())
                    t.acquire();
                m_blockedPim.push_back(&t);
                return tlm::TLM_ACCEPTED;
            }
            ph = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
        DramAddress a;
        if (!validate(t, a))
            return tlm::TLM_COMPLETED;
        const uint32_t host = openHost(t, nullptr);
        const uint32_t bursts = m_hosts[host].bursts;
        // The bursts queue in order while there is room and nothing waits before them.
        uint32_t k = 0;
        while (m_blocked.empty() && hasRoom(t.is_write())) {
            enqueue(host, k, a, arrival);
            if (++k == bursts) {
                ph = tlm::END_REQ;
                return tlm::TLM_UPDATED;
            }
            a = m_map.decode(burstStart(t.get_address(), k));
        }
        // Back-pressure: END_REQ follows once every burst is queued (admitBlocked).
        m_blocked.push_back({host, k, a, arrival});
        if (t.has_mm())
            t.acquire();
        ++m_stats.backPressureEvents;
        return tlm::TLM_ACCEPTED;
    }
    if (ph == tlm::END_RESP) {
        m_respBusy = false;
        if (t.has_mm())
            t.release();
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
    if (!validate(t, a))
        return;
    sc_core::sc_event done;
    const uint32_t host = openHost(t, &done);
    const uint32_t bursts = m_hosts[host].bursts;
    for (uint32_t k = 0; k < bursts; ++k) {
        if (k > 0)
            a = m_map.decode(burstStart(t.get_address(), k));
        while (!m_blocked.empty() || !m_blockedPim.empty() || !hasRoom(t.is_write())) {
            // A notification admitBlocked() skipped in this delta cycle would have woken us.
            if (m_roomWaiters == 0 && m_roomFreedSkipped == sc_core::sc_delta_count())
                m_roomFreed.notify(sc_core::SC_ZERO_TIME);
            ++m_roomWaiters;
            sc_core::wait(m_roomFreed);
            --m_roomWaiters;
        }
        enqueue(host, k, a, nowCycle());
    }
    sc_core::wait(done);
}

unsigned int PseudoChannelController::transportDbg(tlm_generic_payload& t) {
    const uint64_t addr = t.get_address();
    const uint32_t len = t.get_data_length();
    if (addr >= m_map.capacity() || len > m_map.capacity() - addr) {
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    if (t.is_read())
        m_store.read(addr, t.get_data_ptr(), len);
    else if (t.is_write())
        m_store.write(addr, t.get_data_ptr(), len);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
}

bool PseudoChannelController::getDirectMemPtr(tlm_generic_payload& t, tlm::tlm_dmi& dmi) {
    const uint64_t addr = t.get_address();
    if (addr >= m_map.capacity() || !m_store.keepsData()) // nothing kept: no memory to point into
        return false;
    // One backing-store page at a time: the store is sparse, pages are not contiguous.
    const uint64_t base = BackingStore::pageBase(addr);
    dmi.set_dmi_ptr(m_store.page(addr));
    dmi.set_start_address(base);
    dmi.set_end_address(std::min(base + BackingStore::kPageBytes, m_map.capacity()) - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(cycles(m_spec.t.RCDRD + m_spec.readDataCycles()));
    dmi.set_write_latency(cycles(m_spec.t.RCDWR + m_spec.t.WL + m_spec.t.nBL));
    return true;
}

void PseudoChannelController::admitBlocked() {
    // Micro-ops wait apart from host requests: a host request waiting for room in a full host
    // queue (while the PIM owns the pseudo-channel) must not hold a micro-op back, and a later
    // micro-op must not overtake it (the PIM controller may send the next one on an earlier one's
    // response).
    while (!m_blockedPim.empty()) {
        tlm_generic_payload* t = m_blockedPim.front();
        if (!acceptPim(*t, t->get_extension<PimOpExtension>()->op, nowCycle()))
            break;
        m_blockedPim.pop_front();
        if (t->has_mm())
            t->release(); // accept took its own reference
        tlm_phase ph = tlm::END_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        tSocket->nb_transport_bw(*t, ph, d);
    }
    while (!m_blocked.empty()) {
        Blocked& b = m_blocked.front();
        tlm_generic_payload* t = m_hosts[b.host].trans;
        const uint32_t bursts = m_hosts[b.host].bursts;
        // The burst the transaction waits at arrives when admitted, as the controller takes a
        // waiting request's arrival (its annotated delay is not kept); the bursts after it no
        // earlier than the transaction's arrival, as if the initiator sent each on the previous
        // one's END_REQ with its own delay.
        for (bool waitedAt = true; b.burst < bursts && hasRoom(t->is_write()); waitedAt = false) {
            enqueue(b.host, b.burst, b.addr, waitedAt ? nowCycle() : std::max(nowCycle(), b.arrival));
            if (++b.burst < bursts)
                b.addr = m_map.decode(burstStart(t->get_address(), b.burst));
        }
        if (b.burst < bursts)
            break;
        m_blocked.pop_front();
        if (t->has_mm())
            t->release(); // openHost took its own reference
        tlm_phase ph = tlm::END_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        tSocket->nb_transport_bw(*t, ph, d);
    }
    // A delta notification costs a kernel round even when nobody waits (every completion
    // calls this): only b_transport callers wait on it.
    if (m_roomWaiters != 0)
        common::RunAhead::notifyAt(m_roomFreed, common::RunAhead::kernelPs()); // (a delta notification)
    else
        m_roomFreedSkipped = sc_core::sc_delta_count();
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
        m_respBusy = true; // END_RESP will come through nb_transport_fw
        return;
    }
    if (t->has_mm())
        t->release();
}

// ---------------------------------------------------------------- decisions

void PseudoChannelController::updateMode() {
    m_state.writeMode = modeAfterUpdate();
}

bool PseudoChannelController::modeAfterUpdate() const {
    const bool w = m_state.writeMode;
    if (m_state.unified)
        return w; // one queue: reads and writes are scheduled together
    const uint32_t reads = m_state.queued[0], writes = m_state.queued[1];
    if (!w)
        return writes >= m_cfg.writeHighWatermark || (reads == 0 && writes > 0);
    return !(writes == 0 || (writes <= m_cfg.writeLowWatermark && reads > 0));
}

uint64_t PseudoChannelController::hostWaitingFrom(uint64_t from) {
    // m_arrivals holds the arrival of every queued request that had not arrived when last
    // looked at; a request cannot complete before it arrives, so the queued requests beyond
    // those still to arrive have arrived.
    while (!m_arrivals.empty() && m_arrivals.top() <= from)
        m_arrivals.pop();
    if (m_state.queued[0] + m_state.queued[1] > m_arrivals.size())
        return from;
    return m_arrivals.empty() ? kNever : m_arrivals.top();
}

void PseudoChannelController::accountStalls(uint64_t cycle) {
    if (cycle <= m_accountedTo)
        return;
    const uint64_t from = m_accountedTo;
    m_accountedTo = cycle;
    if (m_owner == Owner::Pim) {
        const uint64_t waiting = hostWaitingFrom(from);
        if (waiting < cycle)
            m_stats.hostStallCycles += cycle - waiting;
    } else if (m_owner == Owner::Host && !m_pim.empty()) {
        const uint64_t waiting = std::max(from, m_pim.headArrival());
        if (waiting < cycle)
            m_stats.pimStallCycles += cycle - waiting;
    }
}

void PseudoChannelController::setOwner(Owner o) {
    if (o != Owner::Idle) {
        if (m_lastBusyOwner != Owner::Idle && o != m_lastBusyOwner)
            ++m_stats.ownerSwitches;
        m_lastBusyOwner = o;
    }
    m_owner = o;
    m_traceOwner = uint32_t(o);
}

inline void PseudoChannelController::decideOwnerWithoutPes(uint64_t now) {
    // No PEs beside this pseudo-channel: micro-ops are refused and none is ever reserved, so
    // every policy gives it to the host whenever a request is queued, and nothing stalls.
    // (Arrived requests still leave m_arrivals: propose wakes at the earliest still to come.)
    while (!m_arrivals.empty() && m_arrivals.top() <= now)
        m_arrivals.pop();
    setOwner(m_state.queued[0] + m_state.queued[1] > 0 ? Owner::Host : Owner::Idle);
}

uint64_t PseudoChannelController::decideOwner(uint64_t now) {
    uint64_t next = kNever;
    accountStalls(now);
    ArbitrationView v;
    v.now = now;
    v.hostQueued = m_state.queued[0] + m_state.queued[1] > 0;
    const uint64_t hostFrom = hostWaitingFrom(now);
    v.hostWaiting = hostFrom <= now;
    v.nextHostArrival = v.hostWaiting ? kNever : hostFrom;
    const bool reserved = now < m_pimReservedUntil;
    v.pimQueued = reserved || !m_pim.empty();
    v.pimWaiting = reserved || (v.pimQueued && m_pim.headArrival() <= now);
    v.pimAtBoundary = m_pim.atOpBoundary();
    v.pimOpsDone = m_stats.pimOps;
    v.hostDone = m_stats.reads + m_stats.writes;
    if (reserved)
        next = m_pimReservedUntil;
    const Owner o = m_hostPim->decide(v, next);
    setOwner(o);
    return next;
}

uint64_t PseudoChannelController::propose(uint64_t now, Candidate& rowCmd, Candidate& colCmd) {
    // With group bounds a wake-up cycle is a lower bound: nothing may issue before it. If nothing
    // came or went since the last proposal and it proposed nothing, every bank's earliest cycle,
    // the refresh's due cycle and the next arrival are still at or after the cycle it returned
    // (timings and bus occupancy only move later), so before that cycle the answer is the same:
    // nothing, and the same wake-up cycle (a lower bound still).
    if (m_groupBounds && !m_changed && m_lastBuses == 0 && now < m_lastNext)
        return m_lastNext;
    // It proposed in this very cycle and nothing changed since: none of its commands issued (an
    // issue changes it), so another pseudo-channel's took each bus it asked for, which is now
    // taken. Its other banks stand as they were (their wake-up cycle), and those whose command
    // could issue now wait for that bus: nothing to propose, and the earlier of the two.
    if (m_groupBounds && !m_changed && m_lastBuses != 0 && now == m_lastNow) {
        if (m_lastBuses & 1)
            m_lastNext = std::min(m_lastNext, m_bus->rowFree());
        if (m_lastBuses & 2)
            m_lastNext = std::min(m_lastNext, m_bus->columnFree());
        m_lastBuses = 0;
        return m_lastNext;
    }
    m_changed = false;
    m_lastNow = now;
    m_lastNext = proposeNow(now, rowCmd, colCmd);
    m_lastBuses = uint8_t((rowCmd.valid() ? 1 : 0) | (colCmd.valid() ? 2 : 0));
    return m_lastNext;
}

uint64_t PseudoChannelController::proposeNow(uint64_t now, Candidate& rowCmd, Candidate& colCmd) {
    updateMode();
    uint64_t next = kNever;
    if (m_pim.hasUnit())
        next = decideOwner(now);
    else
        decideOwnerWithoutPes(now);
    const bool pimMode = m_owner == Owner::Pim;
    const uint64_t rowFree = m_bus->rowFree(), colFree = m_bus->columnFree();
    if (!m_refresh->idleUntilDue(now, next))
        m_refresh->propose(m_state, m_timing, now, rowFree, pimMode, rowCmd, next);
    m_traceRefreshing = m_refresh->pending();
    if (m_refresh->pending() && m_refresh->blocksAll()) // (only a pending refresh blocks)
        return next;
    // While the PIM owns the pseudo-channel (the host/PIM policy says when), host requests wait.
    // A pending refresh goes first (a per-bank one too: the PIM's all-bank activations would keep
    // reopening its bank); the PIM reopens its row once the refresh is done.
    if (pimMode) {
        if (m_refresh->pending() || m_pim.empty()) // empty: reserved (reserveForPim)
            return next;
        return std::min(next, m_pim.propose(now, rowFree, colFree, rowCmd, colCmd));
    }
    // Requests queued ahead of their arrival wake the scheduler when they arrive (decideOwner
    // dropped those that have arrived).
    if (!m_arrivals.empty())
        next = std::min(next, m_arrivals.top());
    for (uint64_t late = m_state.lateBanks; late; late &= late - 1) {
        const uint32_t b = uint32_t(__builtin_ctzll(late));
        if (m_state.banks[b].latestArrival <= now)
            m_state.lateBanks &= ~(uint64_t(1) << b);
    }
    return std::min(
        next, m_scheduler->propose(m_state, m_timing, *m_refresh, now, rowFree, colFree, rowCmd, colCmd));
}

void PseudoChannelController::openBank(uint32_t b, uint32_t row) {
    BankState& bk = m_state.banks[b];
    bk.open = true;
    bk.row = row;
    bk.columnsSinceAct = 0;
    m_scheduler->bankChanged(b);
    for (int w = 0; w < 2; ++w) {
        bk.hits[w] = 0;
        for (uint32_t s : bk.queue[w])
            bk.hits[w] += m_state.slots[s].row == row;
    }
    m_state.syncMasks(b);
    m_traceOpenRow[b] = int32_t(row);
}

void PseudoChannelController::closeBank(uint32_t b) {
    BankState& bk = m_state.banks[b];
    bk.open = false;
    bk.hits[0] = bk.hits[1] = 0;
    m_scheduler->bankChanged(b);
    m_state.syncMasks(b);
    m_traceOpenRow[b] = -1;
}

void PseudoChannelController::record(Command cmd, uint32_t bank, uint32_t row, uint32_t column,
                                     uint64_t now) {
    const uint32_t group = m_timing.groupOf(bank);
    m_timing.record(cmd, bank, group, now);
    m_bus->occupy(cmd, now);
    ++m_stats.commands[size_t(cmd)];
    m_traceLastCmd = uint32_t(cmd) + 1;
    ++m_traceCommands;
    if (!m_observers.empty()) {
        const CommandRecord rec{now, cmd, m_pc, BankId(bank), BankGroupId(group), row, column};
        for (CommandObserver* o : m_observers)
            o->onCommand(rec);
    }
}

void PseudoChannelController::issue(const Candidate& c, uint64_t now) {
    m_changed = true;
    // PIM commands, and the ACT of a single-bank PIM move (no host request behind it).
    if (isPim(c.cmd) || (c.cmd == Command::ACT && c.slot == kNoSlot)) {
        m_pim.issue(c, now);
        return;
    }
    if (isRowBus(c.cmd))
        m_pim.onRowCommand();
    BankState& bk = m_state.banks[c.bank];
    switch (c.cmd) {
    case Command::ACT: {
        Request& r = m_state.slots[c.slot];
        r.neededAct = true;
        openBank(c.bank, r.row);
        record(c.cmd, c.bank, r.row, 0, now);
        break;
    }
    case Command::PRE:
        if (c.slot != kNoSlot)
            m_state.slots[c.slot].neededPre = true;
        closeBank(c.bank);
        record(c.cmd, c.bank, bk.row, 0, now);
        break;
    case Command::PREA:
        for (uint32_t b = 0; b < m_state.banks.size(); ++b)
            closeBank(b);
        record(c.cmd, 0, 0, 0, now);
        break;
    case Command::REFAB:
    case Command::REFPB:
        if (m_fault.dropRefreshCommands) { // test seam: the refresh is lost on its way
            m_refresh->onRefresh(c.cmd);
            m_traceRefreshing = false;
            break;
        }
        record(c.cmd, c.bank, 0, 0, now);
        ++m_stats.refreshes;
        m_refresh->onRefresh(c.cmd);
        m_traceRefreshing = false;
        break;
    default: { // column commands
        const Request& r = m_state.slots[c.slot];
        record(c.cmd, c.bank, r.row, r.column, now);
        ++bk.columnsSinceAct;
        complete(c.slot, now); // before the auto-precharge closes the bank (hit count)
        if (c.cmd == Command::RDA || c.cmd == Command::WRA) {
            closeBank(c.bank);
            m_pim.onRowCommand(); // the auto-precharge closes a bank the PIM may think open
        }
        break;
    }
    }
}

void PseudoChannelController::complete(uint32_t slot, uint64_t now) {
    Request& r = m_state.slots[slot];
    tlm_generic_payload* t = m_hosts[r.host].trans;
    const uint32_t len = r.length;
    uint8_t* data = t->get_data_ptr() + r.offset;
    const uint64_t ready = now + (r.write ? m_spec.t.WL + m_spec.t.nBL : m_spec.readDataCycles());
    if (r.write) {
        m_store.write(r.addr, data, len);
        ++m_stats.writes;
        m_stats.writeBytes += len;
    } else {
        m_store.read(r.addr, data, len);
        ++m_stats.reads;
        m_stats.readBytes += len;
    }
    if (r.neededPre)
        ++m_stats.rowConflicts;
    else if (r.neededAct)
        ++m_stats.rowMisses;
    else
        ++m_stats.rowHits;
    m_stats.latency.add(ready - r.arrival);
    m_stats.lastCompletionCycle = std::max(m_stats.lastCompletionCycle, ready);
    HostTransaction& host = m_hosts[r.host];
    host.ready = std::max(host.ready, ready);
    const bool last = --host.burstsLeft == 0;
    const uint64_t hostReady = host.ready;
    sc_core::sc_event* done = host.done;
    if (last) {
        t->set_response_status(tlm::TLM_OK_RESPONSE);
        m_freeHosts.push_back(r.host);
    }

    BankState& bk = m_state.banks[r.bank];
    const int qi = m_state.queueOf(r.write);
    if (bk.open && bk.row == r.row)
        --bk.hits[qi];
    m_state.syncMasks(r.bank);
    auto& q = bk.queue[qi];
    q.erase(std::find(q.begin(), q.end(), slot));
    m_scheduler->bankChanged(r.bank);
    if (q.empty())
        m_state.pendingBanks[qi] &= ~(uint64_t(1) << r.bank);
    --m_state.queued[r.write];
    m_traceQueue = m_state.queued[0] + m_state.queued[1];
    m_freeSlots.push_back(slot);
    // From here on the slot and the host record may be reused by a reentrant BEGIN_REQ: use only
    // copies.
    if (last && done) {
        // (an event counts from the kernel's time, which may be behind: common/run_ahead.h)
        common::RunAhead::notifyAt(*done, hostReady * m_spec.t.tCKps);
        if (t->has_mm())
            t->release();
    } else if (last) {
        sendResponse(t, hostReady);
    }
    // The bankwise buffer's room check looks across the channel: every member may admit now.
    if (m_cfg.buffer == BufferPolicy::Bankwise)
        m_channel->roomFreed();
    else
        admitBlocked();
}

void PseudoChannelController::pimCompleted(tlm_generic_payload* t, uint64_t readyCycle) {
    t->set_response_status(tlm::TLM_OK_RESPONSE);
    sendResponse(t, readyCycle);
    admitBlocked();
}

} // namespace pilot::hbm
