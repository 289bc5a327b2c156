// SPDX-License-Identifier: MIT
#include "models/hbm/channel_arbiter.h"

#include <stdexcept>

#include "models/common/run_ahead.h"
#include "models/hbm/pc_controller.h"

namespace pilot::hbm {

BusArbitration parseBusArbitration(const std::string& name) {
    if (name == "oldest-first")
        return BusArbitration::OldestFirst;
    if (name == "round-robin")
        return BusArbitration::RoundRobin;
    throw std::invalid_argument("unknown command-bus arbitration \"" + name +
                                "\" (known: oldest-first, round-robin)");
}

ChannelArbiter::ChannelArbiter(sc_core::sc_module_name name, const Memspec& spec, BusArbitration policy)
    : sc_module(name), m_spec(spec), m_policy(policy), m_shared(spec.bus.sharedByPseudoChannels) {
    ++s_channels;
    SC_HAS_PROCESS(ChannelArbiter);
    SC_METHOD(process);
    sensitive << m_wake;
}

uint32_t ChannelArbiter::s_channels = 0;

ChannelArbiter::~ChannelArbiter() {
    --s_channels;
}

uint32_t ChannelArbiter::lastAdmittedDepth() const {
    return m_pcs[m_lastMember]->bankDepth(m_lastBank);
}

void ChannelArbiter::roomFreed() {
    for (PseudoChannelController* pc : m_pcs)
        pc->admitBlocked();
}

uint32_t ChannelArbiter::attach(PseudoChannelController& pc) {
    m_pcs.push_back(&pc);
    if (!m_shared || m_buses.empty())
        m_buses.push_back(std::make_unique<CommandBus>(m_spec));
    pc.attachBus(*m_buses.back());
    m_row.resize(m_pcs.size());
    m_col.resize(m_pcs.size());
    return uint32_t(m_pcs.size() - 1);
}

int grantBus(BusArbitration policy, const std::vector<Candidate>& cands, uint32_t& rrNext) {
    const uint32_t n = uint32_t(cands.size());
    const auto after = [n](uint32_t i) { return i + 1 == n ? 0 : i + 1; }; // (no division per grant)
    int granted = -1;
    if (policy == BusArbitration::RoundRobin) {
        // The first member with a command, from the one after the last granted.
        for (uint32_t k = 0, i = rrNext; k < n && granted < 0; ++k, i = after(i))
            if (cands[i].valid())
                granted = int(i);
    } else {
        // Oldest first; ties go to the lower index.
        for (uint32_t i = 0; i < n; ++i)
            if (cands[i].valid() && (granted < 0 || cands[i].age < cands[granted].age))
                granted = int(i);
    }
    if (granted >= 0)
        rrNext = after(uint32_t(granted));
    return granted;
}

void ChannelArbiter::process() {
    const uint64_t tck = m_spec.t.tCKps;
    const uint64_t ps = sc_core::sc_time_stamp().value();
    const uint64_t now = (ps + tck - 1) / tck;
    if (now * tck != ps) {
        // Woken between clock edges (an arrival): decide at the next edge.
        m_wake.notify(sc_core::sc_time::from_value(now * tck - ps));
        return;
    }
    if (!m_started) {
        // Elaboration is over: the PEs are attached and every channel is built. Where the channel
        // is the only one and has no PEs, no result depends on the cycles it wakes at, so it may
        // sleep until a command could issue (Scheduler::useGroupBounds). With PEs the stall
        // accounts and host/PIM policies do; with other channels, requests one channel's
        // completion lets the initiator send to another in the same cycle meet that channel
        // before or after its decision, by the order the kernel runs the two (a within-cycle race
        // that fewer wake-ups would resolve differently: hbm3-stack-seq-read moves by 3 PREs).
        m_started = true;
        m_alone = s_channels == 1;
        for (PseudoChannelController* pc : m_pcs)
            m_alone &= !pc->hasPimUnit();
        for (PseudoChannelController* pc : m_pcs)
            pc->useGroupBounds(m_alone);
    }
    m_inProcess = true;
    uint64_t next;
    {
        const common::RunAhead::Decision decision(ps);
        next = decide(now);
        // Alone, the channel may decide its next cycle at once where the platform allows it and
        // nothing else is pending before then (common/run_ahead.h): as if woken then, the same
        // decisions, one kernel step fewer.
        if (m_alone) {
            while (next != kNever && common::RunAhead::mayRunTo(ps, next * tck)) {
                common::RunAhead::runTo(next * tck);
                next = decide(next);
            }
        }
    }
    m_inProcess = false;
    if (next != kNever)
        m_wake.notify(sc_core::sc_time::from_value(next * tck - ps));
}

uint64_t ChannelArbiter::decide(uint64_t now) {
    const uint32_t n = uint32_t(m_pcs.size());
    uint64_t next = kNever;
    for (;;) {
        next = kNever;
        bool proposed = false;
        for (uint32_t i = 0; i < n; ++i) {
            // (Emptied by the command alone, Candidate's contract: this runs for every proposal.)
            m_row[i].cmd = Command::kCount;
            m_col[i].cmd = Command::kCount;
            next = std::min(next, m_pcs[i]->propose(now, m_row[i], m_col[i]));
            proposed |= m_row[i].valid() || m_col[i].valid();
        }
        if (!proposed)
            break; // (most rounds after an issue: nothing to grant)
        bool issued = false;
        if (m_shared) {
            // One command per bus: the winner issues, the others propose again and find it busy.
            const int c = grantBus(m_policy, m_col, m_rrCol), r = grantBus(m_policy, m_row, m_rrRow);
            if (c >= 0)
                m_pcs[c]->issue(m_col[c], now);
            if (r >= 0)
                m_pcs[r]->issue(m_row[r], now);
            issued = c >= 0 || r >= 0;
        } else {
            for (uint32_t i = 0; i < n; ++i) {
                if (m_col[i].valid())
                    m_pcs[i]->issue(m_col[i], now);
                if (m_row[i].valid())
                    m_pcs[i]->issue(m_row[i], now);
                issued |= m_col[i].valid() || m_row[i].valid();
            }
        }
        if (!issued)
            break;
    }
    return next;
}

} // namespace pilot::hbm
