// SPDX-License-Identifier: MIT
#include "models/gpu/gpu_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace pilot::gpu {

using sc_core::sc_time;

namespace {

uint64_t nowPs() {
    return sc_core::sc_time_stamp().value();
}
sc_time ps(uint64_t v) {
    return sc_time::from_value(v);
}
// Bursts sent with an annotated delay rather than an event each, within this window.
constexpr uint64_t kHorizonPs = 100000;

} // namespace

GpuEngine::GpuEngine(sc_core::sc_module_name name, GpuEngineConfig cfg)
    : sc_module(name), iSocket("iSocket"), m_cfg(std::move(cfg)) {
    if (m_cfg.burstBytes == 0 || m_cfg.burstBytes > 64 || m_cfg.maxOutstanding == 0 || m_cfg.tileBytes == 0 ||
        m_cfg.lookaheadTiles == 0 || m_cfg.stableTiles == 0 || m_cfg.regionBytes < 2ull * m_cfg.burstBytes ||
        !m_cfg.physical || m_cfg.pseudoChannels == 0 || (m_cfg.pseudoChannels > 1 && !m_cfg.pcOf))
        throw std::invalid_argument("GPU engine: bad configuration");
    m_ports.resize(m_cfg.pseudoChannels);
    iSocket.register_nb_transport_bw(this, &GpuEngine::nbTransportBw);
    SC_HAS_PROCESS(GpuEngine);
    SC_THREAD(kernelThread);
    SC_METHOD(pump);
    sensitive << m_wake;
    dont_initialize();
}

void GpuEngine::launch(const GpuKernelLaunch& k) {
    m_queue.push_back(k);
    m_launchEv.notify(sc_core::SC_ZERO_TIME);
}

void GpuEngine::synchronize() {
    while (!idle())
        sc_core::wait(m_idleEv);
}

void GpuEngine::setExclusive(bool exclusive) {
    // Every change starts an epoch: a steady state measured while something else worked on the
    // memory (tiles completed during the PIM's kernel, before it ended) must not be extrapolated
    // once the engine is alone.
    if (exclusive != m_exclusive)
        ++m_exclusiveEpoch;
    m_exclusive = exclusive;
}

void GpuEngine::kernelThread() {
    for (;;) {
        while (m_queue.empty())
            sc_core::wait(m_launchEv);
        m_running = true;
        ++m_kernelSerial;
        const GpuKernelLaunch k = m_queue.front();
        m_queue.pop_front();
        GpuKernelRecord rec;
        rec.name = k.name;
        rec.phase = k.phase;
        rec.startPs = nowPs();
        rec.readBytes = k.readBytes;
        rec.writeBytes = k.writeBytes;
        rec.computeNs = k.computeNs;
        rec.memoryFloorNs = k.memoryFloorNs;
        runKernel(k, rec);
        rec.endPs = nowPs();
        m_records.push_back(rec);
        m_running = false;
        if (m_queue.empty())
            m_idleEv.notify();
    }
}

void GpuEngine::planTiles(const GpuKernelLaunch& k) {
    const uint64_t b = m_cfg.burstBytes;
    const uint64_t readBursts = (k.readBytes + b - 1) / b, writeBursts = (k.writeBytes + b - 1) / b;
    const uint64_t n =
        std::max<uint64_t>(1, (k.readBytes + k.writeBytes + m_cfg.tileBytes - 1) / m_cfg.tileBytes);
    m_tiles.assign(n, Tile{});
    for (uint64_t i = 0; i < n; ++i) { // even split, the remainder spread over the tiles
        m_tiles[i].readBursts = uint32_t(readBursts * (i + 1) / n - readBursts * i / n);
        m_tiles[i].writeBursts = uint32_t(writeBursts * (i + 1) / n - writeBursts * i / n);
    }
    const uint64_t bursts = readBursts + writeBursts;
    m_burstsPerTile = double(bursts) / double(n);
    m_kernelDone = 0;
    m_paceIntervalPs = bursts ? uint64_t(k.memoryFloorNs * 1e3 / double(bursts)) : 0;
    m_nextIssuePs = nowPs();
    m_genTile = m_computed = 0;
    m_writesToSend = m_writesPending = m_readsInFlight = 0;
    m_lastWritePs = 0;
    m_kernelIssued = 0;
    m_stopIssuing = false;
}

bool GpuEngine::stableSince(uint32_t i) const {
    const uint32_t K = m_cfg.stableTiles;
    if (i < 2 * K)
        return false;
    const double a = double(m_tiles[i].donePs - m_tiles[i - K].donePs);
    const double b = double(m_tiles[i - K].donePs - m_tiles[i - 2 * K].donePs);
    return b > 0 && std::fabs(a - b) <= m_cfg.stableTolerance * b;
}

void GpuEngine::drain() {
    while (m_readsInFlight || m_writesToSend || m_writesPending)
        sc_core::wait(m_progressEv);
    const uint64_t now = nowPs();
    if (m_lastWritePs > now)
        sc_core::wait(ps(m_lastWritePs - now));
}

void GpuEngine::runKernel(const GpuKernelLaunch& k, GpuKernelRecord& rec) {
    if (k.launchNs > 0)
        sc_core::wait(sc_time(k.launchNs, sc_core::SC_NS));
    planTiles(k);
    const uint32_t planned = uint32_t(m_tiles.size());
    rec.tiles = planned;
    const uint64_t computePs = uint64_t(std::llround(k.computeNs * 1e3 / planned));
    std::vector<uint64_t> epochAt(planned);
    m_wake.notify(sc_core::SC_ZERO_TIME);
    // m_tiles may shrink meanwhile (skipTiles).
    for (uint32_t i = 0; i < m_tiles.size(); ++i) {
        Tile& t = m_tiles[i];
        while (t.readsSent < t.readBursts || t.readsPending)
            sc_core::wait(m_progressEv);
        const uint64_t start = std::max(nowPs(), t.readyPs);
        if (start + computePs > nowPs())
            sc_core::wait(ps(start + computePs - nowPs()));
        t.donePs = nowPs();
        epochAt[i] = m_exclusiveEpoch;
        m_computed = i + 1;
        m_writesToSend += t.writeBursts;
        m_wake.notify(sc_core::SC_ZERO_TIME);
        const uint32_t n = uint32_t(m_tiles.size()), K = m_cfg.stableTiles;
        if (m_cfg.fastForward && i + 1 < n && m_exclusive && i >= 2 * K && epochAt[i - 2 * K] == epochAt[i] &&
            stableSince(i)) {
            // The remaining tiles at the measured steady-state interval; what is in flight
            // (the next tiles' reads, this tile's writes) still completes.
            const uint64_t interval = (t.donePs - m_tiles[i - K].donePs) / K;
            const uint64_t endPs = t.donePs + uint64_t(n - 1 - i) * interval;
            m_stopIssuing = true;
            drain();
            if (endPs > nowPs())
                sc_core::wait(ps(endPs - nowPs()));
            rec.tilesSimulated = i + 1;
            rec.bytesIssued = m_kernelIssued;
            return;
        }
    }
    drain();
    rec.tilesSimulated = uint32_t(m_tiles.size());
    rec.bytesIssued = m_kernelIssued;
}

void GpuEngine::pause() {
    m_paused = true;
    auto inFlight = [this] {
        for (const PcPort& port : m_ports)
            if (port.inflight)
                return true;
        return false;
    };
    while (inFlight())
        sc_core::wait(m_progressEv);
}

void GpuEngine::skipTiles(uint32_t tiles) {
    if (!m_running || tiles > tilesNotStarted())
        throw std::logic_error("GPU engine: skipTiles beyond the running kernel's tiles not started");
    // The tiles after the skip go to the addresses they would have had (the same rows open).
    // Their bursts count as completed: the kernel's progress, which a skip of whole rounds
    // measures across a skip of a placement's periods (placement_fast_forward.h).
    for (size_t i = m_tiles.size() - tiles; i < m_tiles.size(); ++i) {
        m_readCursor += uint64_t(m_tiles[i].readBursts) * m_cfg.burstBytes;
        m_writeCursor += uint64_t(m_tiles[i].writeBursts) * m_cfg.burstBytes;
        m_kernelDone += m_tiles[i].readBursts + m_tiles[i].writeBursts;
    }
    m_tiles.resize(m_tiles.size() - tiles);
}

void GpuEngine::resume() {
    m_paused = false;
    m_wake.notify(sc_core::SC_ZERO_TIME);
}

// ---------------------------------------------------------------- transport

GpuEngine::Payload* GpuEngine::allocPayload() {
    if (m_freePayloads.empty()) {
        m_payloads.push_back(std::make_unique<Payload>());
        Payload* p = m_payloads.back().get();
        p->set_mm(this);
        p->set_data_ptr(p->data);
        std::fill(std::begin(p->data), std::end(p->data), uint8_t(0));
        m_freePayloads.push_back(p);
    }
    Payload* p = m_freePayloads.back();
    m_freePayloads.pop_back();
    return p;
}

void GpuEngine::free(tlm::tlm_generic_payload* gp) {
    m_freePayloads.push_back(static_cast<Payload*>(gp));
}

bool GpuEngine::acquireSlot(uint32_t pc, uint64_t now, uint64_t& sendPs) {
    PcPort& port = m_ports[pc];
    while (!port.freeAt.empty() && port.freeAt.top() <= now)
        port.freeAt.pop();
    uint64_t slotPs = now;
    if (port.inflight + port.freeAt.size() >= m_cfg.maxOutstanding) {
        if (port.freeAt.empty())
            return false; // every slot waits on a response not yet seen
        slotPs = port.freeAt.top();
        port.freeAt.pop();
    }
    sendPs = std::max({slotPs, m_nextIssuePs, now});
    m_nextIssuePs = sendPs + m_paceIntervalPs;
    return true;
}

void GpuEngine::generate() {
    const uint64_t half = m_cfg.regionBytes / 2 / m_cfg.burstBytes * m_cfg.burstBytes;
    auto add = [&](bool write, uint32_t tile) {
        uint64_t& cursor = write ? m_writeCursor : m_readCursor;
        const uint64_t addr = m_cfg.physical(m_cfg.regionBase + (write ? half : 0) + cursor % half);
        cursor += m_cfg.burstBytes;
        m_ports[m_cfg.pseudoChannels > 1 ? m_cfg.pcOf(addr) : 0].queue.push_back({addr, tile, write});
    };
    for (; m_writesToSend > 0; --m_writesToSend) {
        add(true, 0);
        ++m_writesPending;
    }
    while (!m_stopIssuing && !m_paused && m_genTile < m_tiles.size() &&
           m_genTile < m_computed + m_cfg.lookaheadTiles) {
        Tile& t = m_tiles[m_genTile];
        for (; t.readsSent < t.readBursts; ++t.readsSent) {
            add(false, m_genTile);
            ++t.readsPending;
            ++m_readsInFlight;
        }
        ++m_genTile;
    }
}

void GpuEngine::send(uint32_t pc, uint64_t now, uint64_t sendPs) {
    PcPort& port = m_ports[pc];
    const Burst b = port.queue.front();
    port.queue.pop_front();
    Payload* p = allocPayload();
    tlm::tlm_generic_payload& gp = *p;
    gp.set_command(b.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(b.addr);
    gp.set_data_length(m_cfg.burstBytes);
    gp.set_streaming_width(m_cfg.burstBytes);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    p->tile = b.tile;
    p->pc = pc;
    p->write = b.write;
    gp.acquire();
    ++port.inflight;
    m_bytesIssued += m_cfg.burstBytes;
    m_kernelIssued += m_cfg.burstBytes;
    tlm::tlm_phase ph = tlm::BEGIN_REQ;
    sc_time d = ps(sendPs - now);
    const tlm::tlm_sync_enum r = iSocket->nb_transport_fw(gp, ph, d);
    if (r == tlm::TLM_ACCEPTED) {
        port.waitingEndReq = true;
    } else if (r == tlm::TLM_COMPLETED || ph == tlm::BEGIN_RESP) {
        burstDone(*p, now + d.value());
        gp.release();
    }
}

void GpuEngine::burstDone(Payload& p, uint64_t readyPs) {
    if (p.is_response_error()) {
        if (!m_errors) {
            char buf[160];
            std::snprintf(buf, sizeof buf, "GPU %s at address 0x%llx: %s", p.write ? "write" : "read",
                          static_cast<unsigned long long>(p.get_address()), p.get_response_string().c_str());
            m_firstError = buf;
        }
        ++m_errors;
    }
    PcPort& port = m_ports[p.pc];
    --port.inflight;
    ++m_kernelDone;
    port.freeAt.push(readyPs);
    if (p.write) {
        --m_writesPending;
        m_lastWritePs = std::max(m_lastWritePs, readyPs);
    } else {
        Tile& t = m_tiles[p.tile];
        --t.readsPending;
        --m_readsInFlight;
        t.readyPs = std::max(t.readyPs, readyPs);
    }
    m_progressEv.notify(sc_core::SC_ZERO_TIME);
}

tlm::tlm_sync_enum GpuEngine::nbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) {
    Payload& p = static_cast<Payload&>(gp);
    if (ph == tlm::END_REQ) {
        m_ports[p.pc].waitingEndReq = false;
    } else if (ph == tlm::BEGIN_RESP) {
        m_ports[p.pc].waitingEndReq = false; // BEGIN_RESP also ends the request phase
        burstDone(p, nowPs() + d.value());
        gp.release();
    } else {
        SC_REPORT_ERROR(name(), "nb_transport_bw: illegal phase");
    }
    if (!m_inPump)
        pump();
    return ph == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
}

void GpuEngine::issue(uint32_t pc, uint64_t now) {
    PcPort& port = m_ports[pc];
    while (!m_paused && !port.waitingEndReq && !port.queue.empty()) {
        if (m_nextIssuePs > now + kHorizonPs) {
            m_wake.notify(ps(m_nextIssuePs - now));
            return;
        }
        uint64_t sendPs = 0;
        if (!acquireSlot(pc, now, sendPs))
            return; // a response calls pump()
        send(pc, now, sendPs);
    }
}

void GpuEngine::pump() {
    m_inPump = true;
    const uint64_t now = nowPs();
    generate();
    for (uint32_t pc = 0; pc < m_ports.size(); ++pc)
        issue(pc, now);
    m_inPump = false;
}

} // namespace pilot::gpu
