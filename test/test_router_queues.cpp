// SPDX-License-Identifier: MIT
// The router's channel queues (interconnect/router.h) against scripted controllers: a channel
// whose controller has no room holds back its own requests only, in order, and passes them on
// once its controller takes the one it holds.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn: a controller answers each request in its own time
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/interconnect/router.h"
#include "platform/scenario.h"

using namespace pilot;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

// A controller that refuses room to its first request (TLM_ACCEPTED) until 50 ns, and takes
// every other at once; it answers each request 10 ns after it took it.
class ScriptedController : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<ScriptedController> tSocket;
    std::vector<std::pair<uint64_t, sc_time>> taken; // address, when taken

    ScriptedController(sc_core::sc_module_name n, bool refuseFirst)
        : sc_module(n), tSocket("tSocket"), m_refuse(refuseFirst) {
        tSocket.register_nb_transport_fw(this, &ScriptedController::nbFw);
        SC_HAS_PROCESS(ScriptedController);
        SC_THREAD(script);
    }

  private:
    tlm::tlm_sync_enum nbFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time&) {
        if (ph != tlm::BEGIN_REQ)
            return tlm::TLM_COMPLETED;
        if (m_held)
            ++beginReqWhileOpen;
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        if (m_refuse) {
            m_refuse = false;
            m_held = &gp;
            return tlm::TLM_ACCEPTED;
        }
        take(gp);
        ph = tlm::END_REQ;
        return tlm::TLM_UPDATED;
    }
    void take(tlm::tlm_generic_payload& gp) {
        taken.push_back({gp.get_address(), sc_core::sc_time_stamp()});
        m_answer.notify(&gp, sc_time(10, SC_NS));
    }
    void script() {
        sc_core::wait(50, SC_NS);
        if (m_held) {
            tlm::tlm_generic_payload* gp = m_held;
            take(*gp);
            m_held = nullptr;
            tlm::tlm_phase ph = tlm::END_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            tSocket->nb_transport_bw(*gp, ph, d);
        }
    }
    // Answers each taken request in its own time.
    class Answers {
      public:
        explicit Answers(ScriptedController& c) : m_c(c) {}
        void notify(tlm::tlm_generic_payload* gp, sc_time d) {
            sc_core::sc_spawn_options o;
            sc_core::sc_spawn(
                [this, gp, d] {
                    sc_core::wait(d);
                    tlm::tlm_phase ph = tlm::BEGIN_RESP;
                    sc_time z = sc_core::SC_ZERO_TIME;
                    m_c.tSocket->nb_transport_bw(*gp, ph, z);
                },
                nullptr, &o);
        }

      private:
        ScriptedController& m_c;
    };

  public:
    uint32_t beginReqWhileOpen = 0;

  private:
    bool m_refuse;
    tlm::tlm_generic_payload* m_held = nullptr;
    Answers m_answer{*this};
};

// Sends requests back to back at time 0, one request phase at a time (it waits for END_REQ).
class Sender : public sc_core::sc_module {
  public:
    tlm_utils::simple_initiator_socket<Sender> iSocket;
    std::vector<uint64_t> addrs;
    std::vector<sc_time> endReqAt;
    uint32_t responses = 0;

    Sender(sc_core::sc_module_name n, std::vector<uint64_t> a) : sc_module(n), iSocket("iSocket"), addrs(a) {
        iSocket.register_nb_transport_bw(this, &Sender::nbBw);
        for (size_t k = 0; k < addrs.size(); ++k)
            m_gps.push_back(std::make_unique<tlm::tlm_generic_payload>());
        endReqAt.resize(addrs.size());
        SC_HAS_PROCESS(Sender);
        SC_THREAD(run);
    }

  private:
    void run() {
        for (size_t k = 0; k < addrs.size(); ++k) {
            tlm::tlm_generic_payload& gp = *m_gps[k];
            gp.set_command(tlm::TLM_READ_COMMAND);
            gp.set_address(addrs[k]);
            gp.set_data_ptr(m_data);
            gp.set_data_length(32);
            gp.set_streaming_width(32);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            m_waiting = &gp;
            if (iSocket->nb_transport_fw(gp, ph, d) == tlm::TLM_UPDATED && ph == tlm::END_REQ)
                m_waiting = nullptr;
            while (m_waiting)
                sc_core::wait(m_endReq);
            endReqAt[k] = sc_core::sc_time_stamp();
        }
    }
    tlm::tlm_sync_enum nbBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time&) {
        if (ph == tlm::BEGIN_RESP)
            ++responses;
        if (&gp == m_waiting) {
            m_waiting = nullptr;
            m_endReq.notify(sc_core::SC_ZERO_TIME);
        }
        return ph == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
    }

    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> m_gps;
    uint8_t m_data[32] = {};
    tlm::tlm_generic_payload* m_waiting = nullptr;
    sc_core::sc_event m_endReq;
};

} // namespace

TEST_CASE("Router: with channel queues, a channel without room holds back only its own requests, in order",
          "[interconnect]") {
    // Two channels of the HBM3 map; channel 0's controller (pseudo-channel 0) refuses room to
    // its first request until 50 ns, channel 1's (pseudo-channel 2) takes everything at once.
    const platform::Scenario s =
        platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/hbm3-seq-read.json",
                               {"/system/pseudo_channels=4"});
    const hbm::AddressMapping& map = *s.mapping;
    const uint32_t pcsPerChannel = s.memspec.org.pseudoChannels;
    REQUIRE(pcsPerChannel == 2);
    auto addressOf = [&](uint32_t channel, uint32_t column) {
        hbm::DramAddress a{};
        a.channel = channel;
        a.column = column;
        return map.encode(a);
    };
    const uint64_t a0 = addressOf(0, 0), a1 = addressOf(0, 1), b0 = addressOf(1, 0), a2 = addressOf(0, 2);
    REQUIRE(map.pcIndexOf(a0) == 0);
    REQUIRE(map.pcIndexOf(b0) == 2);

    interconnect::Router router("router", map, 4);
    ScriptedController pc0("pc0", true), pc1("pc1", false), pc2("pc2", false), pc3("pc3", false);
    for (ScriptedController* c : {&pc0, &pc1, &pc2, &pc3})
        router.iSocket.bind(c->tSocket);
    Sender sender("sender", {a0, a1, b0, a2});
    sender.iSocket.bind(router.tSocket);
    router.setChannelQueues(pcsPerChannel);
    sc_core::sc_start(sc_time(1, sc_core::SC_US));

    // The router ended every request phase at once: channel 1's request went out at time 0.
    for (size_t k = 0; k < 4; ++k)
        CHECK(sender.endReqAt[k] == sc_core::SC_ZERO_TIME);
    REQUIRE(pc2.taken.size() == 1);
    CHECK(pc2.taken[0].first == b0);
    CHECK(pc2.taken[0].second == sc_core::SC_ZERO_TIME);
    // Channel 0 took its three in order, the held one at 50 ns and the two behind it then, one
    // request phase open there at a time.
    REQUIRE(pc0.taken.size() == 3);
    CHECK(pc0.taken[0].first == a0);
    CHECK(pc0.taken[1].first == a1);
    CHECK(pc0.taken[2].first == a2);
    for (const auto& t : pc0.taken)
        CHECK(t.second == sc_time(50, SC_NS));
    CHECK(pc0.beginReqWhileOpen == 0);
    CHECK(sender.responses == 4);
}
