// SPDX-License-Identifier: MIT
#include "models/interconnect/router.h"

#include "firmware/include/pilot/contract.h"
#include "models/common/run_ahead.h"
#include "models/hbm/pim_extension.h"

namespace pilot::interconnect {

Router::Router(sc_core::sc_module_name name, const hbm::AddressMapping& map, uint32_t pcsInstantiated)
    : sc_module(name), tSocket("tSocket"), iSocket("iSocket"), mmioSocket("mmioSocket"), m_map(map),
      m_pcs(pcsInstantiated) {
    tSocket.register_nb_transport_fw(this, &Router::nbFw);
    tSocket.register_b_transport(this, &Router::bTransport);
    tSocket.register_transport_dbg(this, &Router::transportDbg);
    tSocket.register_get_direct_mem_ptr(this, &Router::getDmi);
    iSocket.register_nb_transport_bw(this, &Router::nbBw);
    iSocket.register_invalidate_direct_mem_ptr(this, &Router::invalidateDmi);
    mmioSocket.register_nb_transport_bw(this, &Router::nbBw);
}

void Router::setChannelQueues(uint32_t pcsPerChannel) {
    m_pcsPerChannel = pcsPerChannel;
    m_channels.assign((m_pcs + pcsPerChannel - 1) / pcsPerChannel, ChannelQueue{});
}

Router::Target Router::route(const tlm::tlm_generic_payload& t) const {
    // PIM micro-ops name their pseudo-channel; everything else is decoded from the address.
    if (const auto* pim = t.get_extension<hbm::PimOpExtension>())
        return pim->pcIndex < m_pcs ? Target{Target::Memory, int(pim->pcIndex), true} : Target{};
    const uint64_t addr = t.get_address();
    if (addr >= contract::kMmioBase) {
        const uint64_t ch = (addr - contract::kMmioBase) / contract::kRegWindowBytes;
        return ch < m_mmioWindows ? Target{Target::Mmio, int(ch)} : Target{};
    }
    if (addr >= m_map.capacity())
        return {};
    const uint32_t pc = m_map.pcIndexOf(addr);
    return pc < m_pcs ? Target{Target::Memory, int(pc)} : Target{};
}

tlm::tlm_sync_enum Router::nbFw(int id, tlm::tlm_generic_payload& t, tlm::tlm_phase& ph,
                                sc_core::sc_time& d) {
    const Target target = route(t);
    if (target.kind == Target::None) {
        ++m_addressErrors;
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return tlm::TLM_COMPLETED;
    }
    if (m_multiInitiator) {
        if (ph == tlm::BEGIN_REQ)
            m_origin[&t] = id;
    }
    tlm::tlm_sync_enum r;
    if (m_pcsPerChannel != 0 && ph == tlm::BEGIN_REQ && target.kind == Target::Memory && !target.pimOp) {
        // The router takes the request: it waits here behind the channel's earlier ones, if any,
        // or while its controller has no room (the router holds the request phase open there).
        ChannelQueue& q = m_channels[uint32_t(target.index) / m_pcsPerChannel];
        if (q.open || !q.held.empty()) {
            q.held.push_back({&t, common::RunAhead::nowPs() + d.value(), target.index});
            ph = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
        r = iSocket[target.index]->nb_transport_fw(t, ph, d);
        if (r == tlm::TLM_ACCEPTED) {
            q.open = &t;
            ph = tlm::END_REQ;
            return tlm::TLM_UPDATED;
        }
    } else {
        r = this->target(target)->nb_transport_fw(t, ph, d);
    }
    if (m_multiInitiator && (r == tlm::TLM_COMPLETED || ph == tlm::END_RESP))
        m_origin.erase(&t);
    return r;
}

void Router::forward(ChannelQueue& q, const Held& h) {
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    const uint64_t now = common::RunAhead::nowPs();
    sc_core::sc_time d = sc_core::sc_time::from_value(h.arrivalPs > now ? h.arrivalPs - now : 0);
    const tlm::tlm_sync_enum r = iSocket[h.pc]->nb_transport_fw(*h.trans, ph, d);
    if (r == tlm::TLM_ACCEPTED)
        q.open = h.trans; // its END_REQ (or BEGIN_RESP) comes on the backward path
    else if (r == tlm::TLM_COMPLETED || ph == tlm::BEGIN_RESP) {
        // Answered at once (an error, or a target that finished): the initiator's request phase
        // ended at the router, so this is its response.
        ph = tlm::BEGIN_RESP;
        toInitiator(*h.trans, ph, d);
    }
}

void Router::drain(ChannelQueue& q) {
    while (!q.open && !q.held.empty()) {
        const Held h = q.held.front();
        q.held.pop_front();
        forward(q, h);
    }
}

tlm::tlm_sync_enum Router::toInitiator(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d) {
    int origin = 0;
    if (m_multiInitiator) {
        auto it = m_origin.find(&t);
        origin = it == m_origin.end() ? 0 : it->second;
    }
    tlm::tlm_sync_enum r = tSocket[origin]->nb_transport_bw(t, ph, d);
    if (m_multiInitiator && (r == tlm::TLM_COMPLETED || (ph == tlm::BEGIN_RESP && r == tlm::TLM_UPDATED)))
        m_origin.erase(&t);
    return r;
}

tlm::tlm_sync_enum Router::nbBw(int id, tlm::tlm_generic_payload& t, tlm::tlm_phase& ph,
                                sc_core::sc_time& d) {
    if (m_pcsPerChannel != 0) {
        ChannelQueue& q = m_channels[uint32_t(id) / m_pcsPerChannel]; // (a register window's id: no match)
        if (q.open == &t) {
            // The channel took the request whose phase the router held open: the next may go.
            q.open = nullptr;
            if (ph != tlm::BEGIN_RESP) {
                drain(q);
                return tlm::TLM_ACCEPTED; // (END_REQ: the initiator had it from the router)
            }
            const tlm::tlm_sync_enum r = toInitiator(t, ph, d);
            drain(q);
            return r;
        }
    }
    return toInitiator(t, ph, d);
}

void Router::bTransport(int, tlm::tlm_generic_payload& t, sc_core::sc_time& d) {
    const Target target = route(t);
    if (target.kind == Target::None) {
        ++m_addressErrors;
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    this->target(target)->b_transport(t, d);
}

unsigned int Router::transportDbg(int, tlm::tlm_generic_payload& t) {
    const Target target = route(t);
    if (target.kind == Target::None) {
        t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return 0;
    }
    return this->target(target)->transport_dbg(t);
}

bool Router::getDmi(int, tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi) {
    const Target target = route(t);
    return target.kind == Target::Memory && iSocket[target.index]->get_direct_mem_ptr(t, dmi);
}

void Router::invalidateDmi(int, sc_dt::uint64 start, sc_dt::uint64 end) {
    for (unsigned i = 0; i < tSocket.size(); ++i)
        tSocket[i]->invalidate_direct_mem_ptr(start, end);
}

} // namespace pilot::interconnect
