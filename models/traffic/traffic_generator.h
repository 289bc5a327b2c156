// SPDX-License-Identifier: MIT
#pragma once
// A TLM-2.0 AT initiator that plays a RequestSource: each request no earlier than its time
// stamp, at most `maxOutstanding` requests and kMaxBurstsInFlight bursts in flight (a long
// request must not put all its bursts in flight at once: memory would grow with its length),
// each split into transactions of at most `transactionBytes` (aligned blocks that one target
// serves whole: the platform's pseudo-channel block) that the source keeps contiguous in
// physical space, at most kMaxTransactionBytes. Completion times come from the responses'
// annotated delays, so a saturating stream runs as fast as the memory accepts it without an
// event per transaction.
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/common/latency_histogram.h"
#include "models/traffic/request_source.h"

namespace pilot::traffic {

struct GeneratorStats {
    uint64_t requests = 0, reads = 0, writes = 0, bursts = 0, bytes = 0;
    uint64_t completed = 0;
    uint64_t errors = 0;
    std::string firstError;
    uint64_t firstSendPs = UINT64_MAX, lastReadyPs = 0;
    common::LatencyHistogram latencyPs; // per request: send to its last burst's data, picoseconds
};

class TrafficGenerator : public sc_core::sc_module, public tlm::tlm_mm_interface {
  public:
    static constexpr uint32_t kMaxBurstsInFlight = 1u << 16;
    static constexpr uint32_t kMaxTransactionBytes = 256;
    // A request is sent this long before its time at most, with an annotated delay (no event
    // for each).
    static constexpr uint64_t kSendAheadPs = 100000;

    tlm_utils::simple_initiator_socket<TrafficGenerator> iSocket;

    // transactionBytes: 0 for one burst per transaction.
    TrafficGenerator(sc_core::sc_module_name name, std::unique_ptr<RequestSource> source, uint32_t burstBytes,
                     uint32_t maxOutstanding, uint64_t transactionBytes = 0);

    bool done() const { return m_sourceDone && !m_haveCur && m_inflight == 0; }
    const GeneratorStats& stats() const { return m_stats; }
    double progress() const { return m_source->progress(); }
    void free(tlm::tlm_generic_payload* gp) override;

  private:
    // A pooled transaction with its data buffer, the request it belongs to and its bursts.
    struct Payload : tlm::tlm_generic_payload {
        uint8_t data[kMaxTransactionBytes];
        uint32_t request = 0;
        uint32_t bursts = 0;
    };
    struct InFlight {
        uint32_t transactionsLeft = 0;
        uint64_t readyPs = 0;
        uint64_t sendPs = 0;
    };

    void pump();
    bool acquireSlot(uint64_t nowPs);
    void sendTransaction(uint64_t nowPs);
    void transactionDone(uint64_t readyPs, const Payload& p);
    tlm::tlm_sync_enum nbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& d);
    Payload* allocPayload();

    std::unique_ptr<RequestSource> m_source;
    const uint32_t m_burstBytes;
    const uint32_t m_transactionBytes; // a power of two, at least m_burstBytes
    const uint32_t m_maxOutstanding;

    TrafficRequest m_cur;
    bool m_haveCur = false, m_curHasSlot = false, m_sourceDone = false;
    uint64_t m_curSendPs = 0, m_curOffset = 0;
    uint32_t m_curId = 0;
    bool m_inPump = false;
    // The transaction sent last, while its request phase lasts (the target had no room): the
    // next waits for it, as an initiator that sends one request at a time does.
    const tlm::tlm_generic_payload* m_waitingEndReq = nullptr;

    uint32_t m_inflight = 0;       // requests whose completion is not yet known
    uint32_t m_burstsInFlight = 0; // bursts sent whose response is not yet seen
    std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>>
        m_freeAt; // known future slot frees
    std::vector<InFlight> m_requests;
    std::vector<uint32_t> m_freeRequests;
    std::vector<std::unique_ptr<Payload>> m_payloads;
    std::vector<Payload*> m_freePayloads;

    sc_core::sc_event m_wake;
    GeneratorStats m_stats;
};

} // namespace pilot::traffic
