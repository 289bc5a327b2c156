// SPDX-License-Identifier: MIT
#include "models/traffic/traffic_generator.h"

#include <algorithm>

#include "models/common/run_ahead.h"

namespace pilot::traffic {

using sc_core::sc_time;

static uint64_t nowPs() {
    return common::RunAhead::nowPs(); // (the channel may be deciding ahead of the kernel)
}
static sc_time ps(uint64_t v) {
    return sc_time::from_value(v);
}

// The largest power of two no larger than each limit, and no smaller than a burst.
static uint32_t transactionSize(uint32_t burstBytes, uint64_t platformBytes, uint64_t sourceBytes) {
    uint64_t limit = std::min({platformBytes, sourceBytes, uint64_t(TrafficGenerator::kMaxTransactionBytes)});
    uint32_t size = burstBytes;
    while (uint64_t(size) * 2 <= limit)
        size *= 2;
    return size;
}

TrafficGenerator::TrafficGenerator(sc_core::sc_module_name name, std::unique_ptr<RequestSource> source,
                                   uint32_t burstBytes, uint32_t maxOutstanding, uint64_t transactionBytes)
    : sc_module(name), iSocket("iSocket"), m_source(std::move(source)), m_burstBytes(burstBytes),
      m_transactionBytes(transactionSize(burstBytes, transactionBytes, m_source->contiguousBytes())),
      m_maxOutstanding(maxOutstanding) {
    iSocket.register_nb_transport_bw(this, &TrafficGenerator::nbTransportBw);
    SC_HAS_PROCESS(TrafficGenerator);
    SC_METHOD(pump);
    sensitive << m_wake;
}

TrafficGenerator::Payload* TrafficGenerator::allocPayload() {
    if (m_freePayloads.empty()) {
        m_payloads.push_back(std::make_unique<Payload>());
        Payload* p = m_payloads.back().get();
        p->set_mm(this);
        p->set_data_ptr(p->data);
        m_freePayloads.push_back(p);
    }
    Payload* p = m_freePayloads.back();
    m_freePayloads.pop_back();
    return p;
}

void TrafficGenerator::free(tlm::tlm_generic_payload* gp) {
    m_freePayloads.push_back(static_cast<Payload*>(gp));
}

bool TrafficGenerator::acquireSlot(uint64_t now) {
    while (!m_freeAt.empty() && m_freeAt.top() <= now)
        m_freeAt.pop();
    uint64_t slotPs = now;
    if (m_inflight + m_freeAt.size() >= m_maxOutstanding) {
        if (m_freeAt.empty())
            return false; // every slot waits on a response not yet seen
        slotPs = m_freeAt.top();
        m_freeAt.pop();
    }
    m_curSendPs = std::max(m_cur.timePs, slotPs);
    if (m_freeRequests.empty()) {
        m_requests.emplace_back();
        m_freeRequests.push_back(uint32_t(m_requests.size() - 1));
    }
    m_curId = m_freeRequests.back();
    m_freeRequests.pop_back();
    const uint64_t first = m_cur.addr & ~uint64_t(m_transactionBytes - 1);
    const uint64_t transactions =
        (m_cur.addr + m_cur.bytes - first + m_transactionBytes - 1) / m_transactionBytes;
    m_requests[m_curId] = {uint32_t(transactions), 0, m_curSendPs};
    ++m_inflight;
    ++m_stats.requests;
    ++(m_cur.write ? m_stats.writes : m_stats.reads);
    m_stats.firstSendPs = std::min(m_stats.firstSendPs, m_curSendPs);
    m_curHasSlot = true;
    m_curOffset = 0;
    return true;
}

void TrafficGenerator::sendTransaction(uint64_t now) {
    // The piece of the request inside one aligned block of m_transactionBytes.
    const uint64_t start = m_cur.addr + m_curOffset;
    const uint64_t blockEnd = (start / m_transactionBytes + 1) * m_transactionBytes;
    const uint32_t len = uint32_t(std::min<uint64_t>(blockEnd, m_cur.addr + m_cur.bytes) - start);
    const uint64_t firstBurst = start & ~uint64_t(m_burstBytes - 1);
    const uint32_t bursts = uint32_t((start + len - firstBurst + m_burstBytes - 1) / m_burstBytes);
    Payload* p = allocPayload();
    tlm::tlm_generic_payload& gp = *p;
    const uint64_t addr = m_source->physical(start);
    gp.set_command(m_cur.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    p->request = m_curId;
    p->bursts = bursts;
    // Writes carry a pattern derived from the address, so reads can be checked against it: byte
    // i is (addr + i) x 131 + 7, modulo 256, built by adding 131 byte by byte.
    if (m_cur.write) {
        uint8_t v = uint8_t(addr * 131u + 7u);
        for (uint32_t i = 0; i < len; ++i, v = uint8_t(v + 131u))
            p->data[i] = v;
    }
    gp.acquire();
    m_burstsInFlight += bursts;
    m_curOffset += len;
    m_stats.bursts += bursts;
    m_stats.bytes += len;
    if (m_curOffset >= m_cur.bytes)
        m_haveCur = false;

    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_time d = ps(m_curSendPs > now ? m_curSendPs - now : 0);
    tlm::tlm_sync_enum r = iSocket->nb_transport_fw(gp, ph, d);
    if (r == tlm::TLM_ACCEPTED) {
        m_waitingEndReq = &gp; // its END_REQ (or BEGIN_RESP) comes on the backward path
    } else if (r == tlm::TLM_COMPLETED) {
        transactionDone(now + d.value(), *p); // an error response, or a target that finished at once
        gp.release();
    } else if (ph == tlm::BEGIN_RESP) {
        transactionDone(now + d.value(), *p);
        gp.release();
    }
}

void TrafficGenerator::transactionDone(uint64_t readyPs, const Payload& gp) {
    if (gp.is_response_error()) {
        if (!m_stats.errors) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "%s of %u bytes at address 0x%llx: %s",
                          gp.is_write() ? "write" : "read", gp.get_data_length(),
                          static_cast<unsigned long long>(gp.get_address()),
                          gp.get_response_string().c_str());
            m_stats.firstError = buf;
        }
        m_stats.errors += gp.bursts; // (errors count bursts)
    }
    m_burstsInFlight -= gp.bursts;
    const uint32_t request = gp.request;
    InFlight& r = m_requests[request];
    r.readyPs = std::max(r.readyPs, readyPs);
    if (--r.transactionsLeft == 0) {
        --m_inflight;
        ++m_stats.completed;
        m_freeAt.push(r.readyPs);
        m_stats.lastReadyPs = std::max(m_stats.lastReadyPs, r.readyPs);
        m_stats.latencyPs.add(r.readyPs - std::min(r.readyPs, r.sendPs));
        m_freeRequests.push_back(request);
        // The run loop simulates in slices; return to it as soon as the work is done, so
        // nothing (refresh) runs past the end into the statistics.
        if (m_sourceDone && !m_haveCur && m_inflight == 0)
            common::RunAhead::pause();
    }
}

tlm::tlm_sync_enum TrafficGenerator::nbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                                   sc_time& d) {
    if (ph == tlm::END_REQ) {
        m_waitingEndReq = nullptr;
    } else if (ph == tlm::BEGIN_RESP) {
        // BEGIN_RESP also ends the request phase of its transaction if END_REQ was skipped (the
        // response to another transaction does not: the one sent last still waits for room).
        if (&gp == m_waitingEndReq)
            m_waitingEndReq = nullptr;
        transactionDone(nowPs() + d.value(), static_cast<Payload&>(gp));
        gp.release();
    } else {
        SC_REPORT_ERROR(name(), "nb_transport_bw: illegal phase");
    }
    // Resume at once: new requests go out with annotated delays, not an event each.
    if (!m_inPump)
        pump();
    return ph == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
}

void TrafficGenerator::pump() {
    m_inPump = true;
    const uint64_t now = nowPs();
    while (!m_waitingEndReq) {
        if (!m_haveCur) {
            if (m_sourceDone || !m_source->next(m_cur)) {
                m_sourceDone = true;
                if (m_inflight == 0)
                    common::RunAhead::pause();
                break;
            }
            if (m_cur.bytes == 0)
                m_cur.bytes = m_burstBytes;
            m_haveCur = true;
            m_curHasSlot = false;
        }
        if (!m_curHasSlot && !acquireSlot(now))
            break; // a response will call pump()
        if (m_curSendPs > now + kSendAheadPs) {
            // Wake when it enters the window, not later: a request goes out as soon as both the
            // window and the memory allow, whatever else calls pump() in between (a response per
            // transaction), so that when it reaches the memory does not depend on how many
            // transactions a request takes. (The event counts from the kernel's time.)
            common::RunAhead::notifyAt(m_wake, m_curSendPs - kSendAheadPs);
            break;
        }
        if (m_burstsInFlight >= kMaxBurstsInFlight)
            break; // a response will call pump()
        sendTransaction(now);
    }
    m_inPump = false;
}

} // namespace pilot::traffic
