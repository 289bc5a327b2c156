// SPDX-License-Identifier: MIT
// The traffic generator against scripted TLM targets: how it splits requests into transactions,
// and the base protocol's rule that an initiator has one request phase open at a time.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/traffic/request_source.h"
#include "models/traffic/traffic_generator.h"

using namespace pilot;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

// Plays a fixed list of requests; `contiguous`: RequestSource::contiguousBytes.
class ListSource : public traffic::RequestSource {
  public:
    ListSource(std::vector<traffic::TrafficRequest> list, uint64_t contiguous)
        : m_list(std::move(list)), m_contiguous(contiguous) {}
    bool next(traffic::TrafficRequest& out) override {
        if (m_next == m_list.size())
            return false;
        out = m_list[m_next++];
        return true;
    }
    double progress() const override { return double(m_next) / double(m_list.size()); }
    uint64_t contiguousBytes() const override { return m_contiguous; }

  private:
    std::vector<traffic::TrafficRequest> m_list;
    size_t m_next = 0;
    uint64_t m_contiguous;
};

traffic::TrafficRequest request(uint64_t addr, uint32_t bytes, bool write = false) {
    traffic::TrafficRequest r;
    r.addr = addr;
    r.bytes = bytes;
    r.write = write;
    return r;
}

// A target that takes every transaction at once and answers it at once, recording it.
struct Seen {
    uint64_t addr;
    uint32_t len;
    bool write;
    std::vector<uint8_t> data;
    sc_time sentAt, arrivesAt; // BEGIN_REQ's time and that plus its annotated delay
};
class RecordingTarget : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<RecordingTarget> tSocket;
    std::vector<Seen> seen;

    explicit RecordingTarget(sc_core::sc_module_name n) : sc_module(n), tSocket("tSocket") {
        tSocket.register_nb_transport_fw(this, &RecordingTarget::nbFw);
    }

  private:
    tlm::tlm_sync_enum nbFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase&, sc_time& d) {
        const uint8_t* p = gp.get_data_ptr();
        seen.push_back({gp.get_address(), gp.get_data_length(), gp.is_write(),
                        std::vector<uint8_t>(p, p + gp.get_data_length()), sc_core::sc_time_stamp(),
                        sc_core::sc_time_stamp() + d});
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return tlm::TLM_COMPLETED;
    }
};

// A generator (bursts of 32 bytes, at most 8 requests in flight) playing `list` into a
// RecordingTarget, simulated for `runFor`.
struct Played {
    traffic::TrafficGenerator gen;
    RecordingTarget target;
    Played(std::vector<traffic::TrafficRequest> list, uint64_t contiguous, uint64_t transactionBytes,
           sc_time runFor)
        : gen("gen", std::make_unique<ListSource>(std::move(list), contiguous), 32, 8, transactionBytes),
          target("target") {
        gen.iSocket.bind(target.tSocket);
        sc_core::sc_start(runFor);
    }
};

} // namespace

TEST_CASE("Traffic generator: a request goes out as one transaction per aligned block, at most what the "
          "platform and the source allow, and a write carries its address pattern",
          "[traffic]") {
    // Bursts of 32 bytes, blocks of 64: a 64-byte write at 0 is one transaction; a 96-byte read
    // at 96 is two (96-127, then the block 128-191).
    Played p({request(0, 64, true), request(96, 96)}, UINT64_MAX, 64, sc_time(1, sc_core::SC_US));
    const RecordingTarget& target = p.target;
    const traffic::TrafficGenerator& gen = p.gen;

    REQUIRE(target.seen.size() == 3);
    CHECK(target.seen[0].addr == 0);
    CHECK(target.seen[0].len == 64);
    CHECK(target.seen[0].write);
    for (uint32_t i = 0; i < 64; ++i) {
        INFO("byte " << i);
        CHECK(target.seen[0].data[i] == uint8_t(i * 131u + 7u));
    }
    CHECK(target.seen[1].addr == 96);
    CHECK(target.seen[1].len == 32);
    CHECK(target.seen[2].addr == 128);
    CHECK(target.seen[2].len == 64);
    CHECK(gen.done());
    CHECK(gen.stats().requests == 2);
    CHECK(gen.stats().completed == 2);
    CHECK(gen.stats().bursts == 2 + 1 + 2);
    CHECK(gen.stats().bytes == 64 + 96);
}

TEST_CASE("Traffic generator: a source whose bursts are not contiguous gets one transaction per burst",
          "[traffic]") {
    Played p({request(0, 64)}, 32, 4096, sc_time(1, sc_core::SC_US));
    const RecordingTarget& target = p.target;
    const traffic::TrafficGenerator& gen = p.gen;

    REQUIRE(target.seen.size() == 2);
    CHECK(target.seen[0].len == 32);
    CHECK(target.seen[1].addr == 32);
    CHECK(gen.stats().bursts == 2);
}

TEST_CASE("Traffic generator: a request due later goes out as soon as it enters the send-ahead window, "
          "annotated to arrive at its time",
          "[traffic]") {
    // Due at 500 ns and 700 ns (the second 200 ns after the first: outside its window then).
    std::vector<traffic::TrafficRequest> list{request(0, 32), request(32, 32)};
    list[0].timePs = 500000;
    list[1].timePs = 700000;
    Played p(list, UINT64_MAX, 0, sc_time(2, sc_core::SC_US));
    const RecordingTarget& target = p.target;

    const sc_time ahead = sc_time::from_value(traffic::TrafficGenerator::kSendAheadPs);
    REQUIRE(target.seen.size() == 2);
    CHECK(target.seen[0].sentAt == sc_time(500, SC_NS) - ahead);
    CHECK(target.seen[0].arrivesAt == sc_time(500, SC_NS));
    CHECK(target.seen[1].sentAt == sc_time(700, SC_NS) - ahead);
    CHECK(target.seen[1].arrivesAt == sc_time(700, SC_NS));
}

namespace {

// Takes the first transaction at once, holds the second's request phase open (no room) until
// 20 ns, and answers the first at 10 ns, before that END_REQ: a BEGIN_REQ while the second's
// request phase is open breaks the base protocol's exclusion rule.
class HoldingTarget : public sc_core::sc_module {
  public:
    tlm_utils::simple_target_socket<HoldingTarget> tSocket;
    uint32_t received = 0, beginReqWhileOpen = 0, responded = 0;

    explicit HoldingTarget(sc_core::sc_module_name n) : sc_module(n), tSocket("tSocket") {
        tSocket.register_nb_transport_fw(this, &HoldingTarget::nbFw);
        SC_HAS_PROCESS(HoldingTarget);
        SC_THREAD(script);
    }

  private:
    tlm::tlm_sync_enum nbFw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time&) {
        if (ph != tlm::BEGIN_REQ)
            return tlm::TLM_COMPLETED; // END_RESP: not used (responses complete at once)
        ++received;
        if (m_open)
            ++beginReqWhileOpen;
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        if (received == 2) {
            m_held = &gp;
            m_open = true;
            return tlm::TLM_ACCEPTED;
        }
        m_answer.push_back(&gp);
        ph = tlm::END_REQ;
        return tlm::TLM_UPDATED;
    }
    void respond(tlm::tlm_generic_payload* gp) {
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        sc_time d = sc_core::SC_ZERO_TIME;
        tSocket->nb_transport_bw(*gp, ph, d);
        ++responded;
    }
    void script() {
        sc_core::wait(10, SC_NS);
        if (m_answer.empty())
            return;           // (the checks after the run fail)
        respond(m_answer[0]); // the first: the second's request phase is still open
        sc_core::wait(10, SC_NS);
        m_open = false;
        tlm::tlm_phase ph = tlm::END_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        tSocket->nb_transport_bw(*m_held, ph, d);
        respond(m_held);
        sc_core::wait(10, SC_NS);
        for (size_t i = 1; i < m_answer.size(); ++i)
            respond(m_answer[i]);
    }

    bool m_open = false;
    tlm::tlm_generic_payload* m_held = nullptr;
    std::vector<tlm::tlm_generic_payload*> m_answer;
};

} // namespace

TEST_CASE("Traffic generator: a response to another transaction does not end the request phase of the one "
          "waiting for END_REQ",
          "[traffic]") {
    auto source =
        std::make_unique<ListSource>(std::vector<traffic::TrafficRequest>{request(0, 32), request(32, 32),
                                                                          request(64, 32), request(96, 32)},
                                     UINT64_MAX);
    traffic::TrafficGenerator gen("gen", std::move(source), 32, 8);
    HoldingTarget target("target");
    gen.iSocket.bind(target.tSocket);
    sc_core::sc_start(sc_time(1, sc_core::SC_US));

    CHECK(target.beginReqWhileOpen == 0);
    CHECK(target.received == 4);
    CHECK(target.responded == 4);
    CHECK(gen.done());
}
