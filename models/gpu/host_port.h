// SPDX-License-Identifier: MIT
#pragma once
// The GPU host's port into the memory system for software that runs on the host (the PIM
// runtime): a TLM initiator, the PIM interrupt lines, and a thread that runs the installed
// host program. Two ways to access memory:
//   - access(): loosely timed, one burst after another, each waited for (registers, small reads);
//   - post() / postRead() + fence(): the GPU's way, AT base protocol with many bursts in flight
//     per lane (a lane per pseudo-channel: the controller's own back-pressure, END_REQ, is the
//     only limit, so a lane streams at what the memory accepts), completed in any order. A
//     lane sends its streams' bursts in turn, one burst each (a stream per bank group, say: the
//     GPU's threads writing different banks at once), each stream's in order.
// parallel() runs several host threads at once (a GPU writes and submits to every channel
// concurrently, not one blocking thread walking the channels).
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace pilot::gpu {

class HostPort : public sc_core::sc_module, public tlm::tlm_mm_interface {
  public:
    tlm_utils::simple_initiator_socket<HostPort> iSocket;
    std::vector<std::unique_ptr<sc_core::sc_in<bool>>> irq_i; // one per PIM channel

    // `lanes`: posting lanes (one per pseudo-channel); `irqDelay`: how long an interrupt takes
    // to reach the host after its line rises (at least a cycle: the line is then high for at
    // least that long, visible in a waveform).
    HostPort(sc_core::sc_module_name name, uint32_t irqLines, uint32_t burstBytes, uint32_t lanes,
             sc_core::sc_time irqDelay);

    void setProgram(std::function<void()> program) { m_program = std::move(program); }
    bool finished() const { return m_finished; }

    // For the program (in this module's thread, or in a thread parallel() started).
    void access(uint64_t addr, uint8_t* data, uint32_t len, bool write);      // timed, burst by burst
    void debugAccess(uint64_t addr, uint8_t* data, uint64_t len, bool write); // untimed
    // Posted write on `stream` of `lane`: the data is copied at once (src == nullptr: zeros, for
    // timing-only runs); waits only while the stream's backlog of bursts not yet sent is full.
    void post(uint32_t lane, uint32_t stream, uint64_t addr, const uint8_t* src, uint32_t len);
    // Posted read: dst (nullptr: discarded) holds the data once fence(lane) returned.
    void postRead(uint32_t lane, uint32_t stream, uint64_t addr, uint8_t* dst, uint32_t len);
    // Until every access posted on `lane` completed (throws if one failed).
    void fence(uint32_t lane);
    // Whether fence(lane) would return at once (nothing posted is pending or still to respond).
    bool laneQuiet(uint32_t lane) const {
        const Lane& l = m_lanes.at(lane);
        return !l.backlog && !l.inFlight && l.lastReadyPs <= uint64_t(sc_core::sc_time_stamp().value());
    }
    // Runs the tasks at once, each in a host thread of its own; returns when all finished (the
    // first exception a task threw is rethrown here).
    void parallel(std::vector<std::function<void()>> tasks);
    void waitIrq();              // until any line is (or becomes) high
    void waitIrq(uint32_t line); // until this line is (or becomes) high
    bool irqLevel(uint32_t line) const { return irq_i[line]->read(); }
    uint64_t bytesMoved() const { return m_bytes; }
    void free(tlm::tlm_generic_payload* gp) override;

  private:
    struct Payload : tlm::tlm_generic_payload {
        std::vector<uint8_t> buf;
        uint8_t* dst = nullptr; // posted read: where the data goes
        uint32_t lane = 0;
    };
    struct Lane {
        struct Stream {
            std::deque<Payload*> bursts; // posted, not yet sent
            sc_core::sc_event drained;   // its backlog fell to half
        };
        std::vector<std::unique_ptr<Stream>> streams;
        size_t backlog = 0;                     // bursts of all streams
        size_t next = 0;                        // the stream whose turn it is
        const Payload* waitingEndReq = nullptr; // sent, END_REQ not yet seen
        bool sending = false;
        uint32_t inFlight = 0;    // sent, response not yet seen
        uint64_t lastReadyPs = 0; // latest response time seen
        std::string error;        // the first failed access
        sc_core::sc_event idle;   // nothing posted is pending any more
    };
    struct Group; // the tasks of one parallel() call
    struct Worker {
        sc_core::sc_event start;
        std::function<void()> task;
        Group* group = nullptr;
    };

    void thread();
    void workerLoop(Worker& w);
    Payload* alloc(uint32_t lane, uint64_t addr, uint32_t len, bool write);
    void enqueue(Payload* p, uint32_t stream);
    void send(Lane& lane);
    void completed(Payload& p, uint64_t readyPs);
    tlm::tlm_sync_enum nbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& d);

    const uint32_t m_burstBytes;
    const sc_core::sc_time m_irqDelay;
    std::function<void()> m_program;
    sc_core::sc_event_or_list m_anyIrq;
    bool m_finished = false;
    uint64_t m_bytes = 0;
    std::vector<Lane> m_lanes;
    std::vector<std::unique_ptr<Payload>> m_payloads;
    std::vector<Payload*> m_freePayloads;
    std::vector<std::unique_ptr<Worker>> m_workers;
    std::vector<Worker*> m_idleWorkers;
};

} // namespace pilot::gpu
