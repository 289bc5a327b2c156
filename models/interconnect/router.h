// SPDX-License-Identifier: MIT
#pragma once
// Address-decoding router: sends each transaction to the pseudo-channel controller that owns
// its address (through the address map) and routes responses back to the initiator that sent
// it. Addresses beyond the modelled memory, or in pseudo-channels not instantiated, are
// answered with TLM_ADDRESS_ERROR_RESPONSE.
//
// With channel queues (setChannelQueues) the router holds, per channel, the requests a channel
// cannot take yet: it ends an initiator's request phase at once and passes the requests on in
// order, one request phase open per channel (the END_REQ from the channel's controller lets the
// next through). A channel whose buffers are full then holds back only its own requests, as the
// per-channel queues of a GPU's memory interconnect do; within a channel the requests wait in
// order, as behind one controller. Without them (the default) an initiator's request waits for
// its controller's END_REQ, and so does every later request of that initiator.
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "models/hbm/address_mapping.h"

namespace pilot::interconnect {

class Router : public sc_core::sc_module {
  public:
    tlm_utils::multi_passthrough_target_socket<Router> tSocket;    // from initiators
    tlm_utils::multi_passthrough_initiator_socket<Router> iSocket; // to controllers, in pc order
    // To the PIM controllers' register windows, in channel order (bound only on PIM systems).
    tlm_utils::multi_passthrough_initiator_socket<Router, 32, tlm::tlm_base_protocol_types, 0,
                                                  sc_core::SC_ZERO_OR_MORE_BOUND>
        mmioSocket;

    Router(sc_core::sc_module_name name, const hbm::AddressMapping& map, uint32_t pcsInstantiated);

    uint64_t addressErrors() const { return m_addressErrors; }
    // Holds memory requests per channel of `pcsPerChannel` pseudo-channels (before simulation).
    void setChannelQueues(uint32_t pcsPerChannel);
    // Binds the register window of the next channel's PIM controller.
    template <typename Socket> void bindMmio(Socket& s) {
        mmioSocket.bind(s);
        ++m_mmioWindows;
    }

  private:
    struct Target {
        enum Kind { None, Memory, Mmio } kind = None;
        int index = 0;
        bool pimOp = false; // a PIM micro-op (it names its pseudo-channel)
    };
    // Where a transaction goes: a pseudo-channel controller, a register window, or nowhere.
    Target route(const tlm::tlm_generic_payload& t) const;
    tlm::tlm_fw_transport_if<>* target(const Target& t) {
        return t.kind == Target::Mmio ? static_cast<tlm::tlm_fw_transport_if<>*>(mmioSocket[t.index])
                                      : static_cast<tlm::tlm_fw_transport_if<>*>(iSocket[t.index]);
    }

    tlm::tlm_sync_enum nbFw(int id, tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
    tlm::tlm_sync_enum nbBw(int id, tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);
    void bTransport(int id, tlm::tlm_generic_payload& t, sc_core::sc_time& d);
    unsigned int transportDbg(int id, tlm::tlm_generic_payload& t);
    bool getDmi(int id, tlm::tlm_generic_payload& t, tlm::tlm_dmi& dmi);
    void invalidateDmi(int id, sc_dt::uint64 start, sc_dt::uint64 end);
    // The initiator count is fixed once elaborated: asking the socket costs a walk of its binders.
    void end_of_elaboration() override { m_multiInitiator = tSocket.size() > 1; }

    // setChannelQueues: a channel's request held by the router, and when it arrives (annotated).
    struct Held {
        tlm::tlm_generic_payload* trans;
        uint64_t arrivalPs;
        int pc;
    };
    struct ChannelQueue {
        const tlm::tlm_generic_payload* open = nullptr; // its request phase at the controller
        std::deque<Held> held;
    };
    // Sends `h` to its controller (`q`: its channel's queue, whose request phase it may open).
    void forward(ChannelQueue& q, const Held& h);
    // Passes the channel's held requests on while its controller takes them at once.
    void drain(ChannelQueue& q);
    // `ph` of `t` to the initiator that sent it (its answer; the origin forgotten once it is done).
    tlm::tlm_sync_enum toInitiator(tlm::tlm_generic_payload& t, tlm::tlm_phase& ph, sc_core::sc_time& d);

    const hbm::AddressMapping& m_map;
    const uint32_t m_pcs;
    // Origin of each transaction in flight; only needed with more than one initiator.
    std::unordered_map<const tlm::tlm_generic_payload*, int> m_origin;
    uint64_t m_addressErrors = 0;
    uint32_t m_mmioWindows = 0;
    bool m_multiInitiator = false;
    uint32_t m_pcsPerChannel = 0; // 0: no channel queues
    std::vector<ChannelQueue> m_channels;
};

} // namespace pilot::interconnect
