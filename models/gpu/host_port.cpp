// SPDX-License-Identifier: MIT
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn: the host threads of parallel()
#include "models/gpu/host_port.h"

#include "models/common/burst_access.h"
#include "models/common/run_ahead.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace pilot::gpu {

namespace {

// Bursts a stream holds before they are sent; post() waits beyond, until half are sent (memory
// stays bounded however much a program posts, and a thread wakes once per half backlog).
constexpr size_t kMaxBacklog = 16;

uint64_t nowPs() {
    return sc_core::sc_time_stamp().value();
}

std::string failure(bool write, uint64_t addr) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(addr));
    return std::string(write ? "write" : "read") + " at " + hex + " failed";
}

} // namespace

struct HostPort::Group {
    size_t left = 0;
    sc_core::sc_event done;
    std::exception_ptr error;
};

HostPort::HostPort(sc_core::sc_module_name name, uint32_t irqLines, uint32_t burstBytes, uint32_t lanes,
                   sc_core::sc_time irqDelay)
    : sc_module(name), iSocket("iSocket"), m_burstBytes(burstBytes), m_irqDelay(irqDelay), m_lanes(lanes) {
    for (uint32_t i = 0; i < irqLines; ++i)
        irq_i.push_back(std::make_unique<sc_core::sc_in<bool>>(("irq_i" + std::to_string(i)).c_str()));
    iSocket.register_nb_transport_bw(this, &HostPort::nbTransportBw);
    SC_HAS_PROCESS(HostPort);
    SC_THREAD(thread);
}

void HostPort::thread() {
    for (auto& p : irq_i)
        m_anyIrq |= (*p)->posedge_event();
    if (m_program)
        m_program();
    m_finished = true;
    common::RunAhead::pause(); // hand control back to the run loop
}

void HostPort::access(uint64_t addr, uint8_t* data, uint32_t len, bool write) {
    const uint64_t failed = common::burstAccess(iSocket, addr, data, len, write, m_burstBytes);
    if (failed != UINT64_MAX)
        throw std::runtime_error(failure(write, failed));
    m_bytes += len;
}

void HostPort::debugAccess(uint64_t addr, uint8_t* data, uint64_t len, bool write) {
    tlm::tlm_generic_payload t;
    t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    t.set_address(addr);
    t.set_data_ptr(data);
    t.set_data_length(uint32_t(len));
    if (iSocket->transport_dbg(t) != len)
        throw std::runtime_error("debug access failed at 0x" + std::to_string(addr));
}

// ---------------------------------------------------------------- posted accesses

HostPort::Payload* HostPort::alloc(uint32_t lane, uint64_t addr, uint32_t len, bool write) {
    if (m_freePayloads.empty()) {
        m_payloads.push_back(std::make_unique<Payload>());
        Payload* p = m_payloads.back().get();
        p->set_mm(this);
        p->buf.resize(m_burstBytes);
        m_freePayloads.push_back(p);
    }
    Payload* p = m_freePayloads.back();
    m_freePayloads.pop_back();
    p->set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    p->set_address(addr);
    p->set_data_ptr(p->buf.data());
    p->set_data_length(len);
    p->set_streaming_width(len);
    p->set_byte_enable_ptr(nullptr);
    p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    p->lane = lane;
    p->dst = nullptr;
    p->acquire();
    return p;
}

void HostPort::free(tlm::tlm_generic_payload* gp) {
    m_freePayloads.push_back(static_cast<Payload*>(gp));
}

void HostPort::enqueue(Payload* p, uint32_t stream) {
    Lane& l = m_lanes.at(p->lane);
    while (l.streams.size() <= stream)
        l.streams.push_back(std::make_unique<Lane::Stream>());
    Lane::Stream& q = *l.streams[stream];
    q.bursts.push_back(p);
    ++l.backlog;
    send(l);
    if (q.bursts.size() >= kMaxBacklog)
        while (q.bursts.size() > kMaxBacklog / 2)
            sc_core::wait(q.drained);
}

void HostPort::post(uint32_t lane, uint32_t stream, uint64_t addr, const uint8_t* src, uint32_t len) {
    while (len) {
        const uint32_t n = std::min<uint32_t>(len, m_burstBytes - uint32_t(addr % m_burstBytes));
        Payload* p = alloc(lane, addr, n, true);
        if (src)
            std::memcpy(p->buf.data(), src, n);
        else
            std::memset(p->buf.data(), 0, n);
        m_bytes += n;
        enqueue(p, stream);
        addr += n;
        src = src ? src + n : nullptr;
        len -= n;
    }
}

void HostPort::postRead(uint32_t lane, uint32_t stream, uint64_t addr, uint8_t* dst, uint32_t len) {
    while (len) {
        const uint32_t n = std::min<uint32_t>(len, m_burstBytes - uint32_t(addr % m_burstBytes));
        Payload* p = alloc(lane, addr, n, false);
        p->dst = dst;
        m_bytes += n;
        enqueue(p, stream);
        addr += n;
        dst = dst ? dst + n : nullptr;
        len -= n;
    }
}

void HostPort::send(Lane& l) {
    if (l.sending)
        return; // the outer call goes on
    l.sending = true;
    while (!l.waitingEndReq && l.backlog) {
        while (l.streams[l.next % l.streams.size()]->bursts.empty())
            ++l.next;
        Lane::Stream& q = *l.streams[l.next++ % l.streams.size()];
        Payload* p = q.bursts.front();
        q.bursts.pop_front();
        --l.backlog;
        if (q.bursts.size() == kMaxBacklog / 2)
            q.drained.notify(sc_core::SC_ZERO_TIME);
        ++l.inFlight;
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        const tlm::tlm_sync_enum r = iSocket->nb_transport_fw(*p, ph, d);
        if (r == tlm::TLM_ACCEPTED)
            l.waitingEndReq = p; // END_REQ (or BEGIN_RESP) comes on the backward path
        else if (r == tlm::TLM_COMPLETED || ph == tlm::BEGIN_RESP)
            completed(*p, nowPs() + d.value()); // an error, or a target that finished at once
    }
    l.sending = false;
}

void HostPort::completed(Payload& p, uint64_t readyPs) {
    Lane& l = m_lanes[p.lane];
    if (p.is_response_error()) {
        if (l.error.empty())
            l.error = failure(p.is_write(), p.get_address());
    } else if (p.is_read() && p.dst) {
        std::memcpy(p.dst, p.buf.data(), p.get_data_length());
    }
    --l.inFlight;
    l.lastReadyPs = std::max(l.lastReadyPs, readyPs);
    if (!l.inFlight && !l.backlog)
        l.idle.notify(sc_core::SC_ZERO_TIME);
    p.release();
}

tlm::tlm_sync_enum HostPort::nbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph,
                                           sc_core::sc_time& d) {
    Payload& p = static_cast<Payload&>(gp);
    Lane& l = m_lanes[p.lane];
    if (ph == tlm::END_REQ) {
        if (l.waitingEndReq == &p)
            l.waitingEndReq = nullptr;
        send(l);
        return tlm::TLM_ACCEPTED;
    }
    if (ph != tlm::BEGIN_RESP)
        SC_REPORT_ERROR(name(), "nb_transport_bw: illegal phase");
    if (l.waitingEndReq == &p)
        l.waitingEndReq = nullptr; // BEGIN_RESP ends the request phase too
    completed(p, nowPs() + d.value());
    send(l);
    return tlm::TLM_COMPLETED;
}

void HostPort::fence(uint32_t lane) {
    Lane& l = m_lanes.at(lane);
    while (l.backlog || l.inFlight)
        sc_core::wait(l.idle);
    const uint64_t now = nowPs();
    if (l.lastReadyPs > now)
        sc_core::wait(sc_core::sc_time::from_value(l.lastReadyPs - now));
    if (!l.error.empty()) {
        const std::string e = l.error;
        l.error.clear();
        throw std::runtime_error(e);
    }
}

// ---------------------------------------------------------------- host threads

void HostPort::workerLoop(Worker& w) {
    for (;;) {
        while (!w.task)
            sc_core::wait(w.start);
        Group& g = *w.group;
        try {
            w.task();
        } catch (...) {
            if (!g.error)
                g.error = std::current_exception();
        }
        w.task = nullptr;
        w.group = nullptr;
        m_idleWorkers.push_back(&w);
        if (--g.left == 0)
            g.done.notify(sc_core::SC_ZERO_TIME);
    }
}

void HostPort::parallel(std::vector<std::function<void()>> tasks) {
    if (tasks.empty())
        return;
    if (tasks.size() == 1)
        return tasks[0]();
    Group g;
    g.left = tasks.size();
    for (auto& t : tasks) {
        Worker* w;
        if (m_idleWorkers.empty()) {
            m_workers.push_back(std::make_unique<Worker>());
            w = m_workers.back().get();
            w->task = std::move(t);
            w->group = &g;
            // A new thread starts by running its task (it sees it set before its first wait).
            sc_core::sc_spawn([this, w] { workerLoop(*w); },
                              ("lane" + std::to_string(m_workers.size())).c_str());
            continue;
        }
        w = m_idleWorkers.back();
        m_idleWorkers.pop_back();
        w->task = std::move(t);
        w->group = &g;
        w->start.notify(sc_core::SC_ZERO_TIME);
    }
    while (g.left)
        sc_core::wait(g.done);
    if (g.error)
        std::rethrow_exception(g.error);
}

// ---------------------------------------------------------------- interrupts

void HostPort::waitIrq() {
    sc_core::wait(m_anyIrq);
    sc_core::wait(m_irqDelay);
}

void HostPort::waitIrq(uint32_t line) {
    if (irq_i[line]->read())
        return; // raised while the host was busy: delivered already
    while (!irq_i[line]->read())
        sc_core::wait(irq_i[line]->posedge_event());
    sc_core::wait(m_irqDelay);
}

} // namespace pilot::gpu
