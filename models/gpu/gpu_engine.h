// SPDX-License-Identifier: MIT
#pragma once
// The GPU's kernel engine (issue 13): an SC_MODULE that executes a stream of kernels, each with
// compute work and memory traffic. The traffic goes out as TLM-2.0 AT transactions through the
// same router, into the same pseudo-channel controllers the PIM uses, so a memory-bound
// kernel's time comes from the simulated memory, contention with PIM work included.
//
// A kernel is cut into tiles (tileBytes of traffic each; its compute split evenly over them):
//   - a tile's reads go out once the tile is at most `lookaheadTiles` ahead of the tile being
//     computed (the SMs' double buffering), with at most `maxOutstanding` bursts in flight
//     (the GPU's memory-level parallelism on the simulated channels) and no faster than the
//     kernel's memory floor (`memoryFloorNs`: the bandwidth fraction the kernel reaches on real
//     hardware, so an uncontended kernel runs as its published efficiency says);
//   - a tile computes once its last read returned and the previous tile computed;
//   - its writes go out after it computed; the kernel ends when its last tile computed and its
//     last write returned.
// Fast-forward: once the last 2 x stableTiles tiles ran while the engine had the memory to
// itself (setExclusive) and their completion intervals agree within stableTolerance, the rest
// of the kernel takes that interval per tile, without its traffic (steady-state sampling: a
// long kernel's tiles are identical). The record says how many tiles were simulated.
// Beside a PIM kernel whose rounds repeat, the host program may skip rounds and the tiles the
// engine computes meanwhile together (pause, skipTiles, resume: docs/cosim.md).
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

namespace pilot::gpu {

struct GpuKernelLaunch {
    std::string name;
    std::string phase;        // the schedule's phase it belongs to (for records only)
    double computeNs = 0;     // the whole kernel's FLOPs at its compute efficiency
    double memoryFloorNs = 0; // its traffic at the kernel's memory efficiency: issue is paced to it
    double launchNs = 0;      // before the first tile
    uint64_t readBytes = 0;   // traffic on the simulated channels
    uint64_t writeBytes = 0;
};

struct GpuKernelRecord {
    std::string name, phase;
    uint64_t startPs = 0, endPs = 0;
    uint64_t tiles = 0, tilesSimulated = 0;
    uint64_t readBytes = 0, writeBytes = 0; // the kernel's traffic (simulated channels)
    uint64_t bytesIssued = 0;               // of which went out as transactions
    double computeNs = 0, memoryFloorNs = 0;
    double durationNs() const { return double(endPs - startPs) * 1e-3; }
};

struct GpuEngineConfig {
    uint32_t burstBytes = 32;
    uint32_t maxOutstanding = 128; // bursts in flight per pseudo-channel
    uint64_t tileBytes = 65536;
    uint32_t lookaheadTiles = 2;
    bool fastForward = true;
    uint32_t stableTiles = 8;
    double stableTolerance = 0.01;
    // Where the engine's data lives: offsets [regionBase, regionBase + regionBytes) of the
    // simulated channels' region, mapped to physical addresses by `physical`. Reads walk the
    // first half, writes the second, each wrapping around (the GPU's data is not computed).
    uint64_t regionBase = 0, regionBytes = 0;
    std::function<uint64_t(uint64_t offset)> physical;
    // The pseudo-channel (0 .. pseudoChannels - 1) of a physical address: each has its own
    // queue, as a GPU's memory partitions do, so one that pushes back holds up no other.
    uint32_t pseudoChannels = 1;
    std::function<uint32_t(uint64_t addr)> pcOf;
};

class GpuEngine : public sc_core::sc_module, public tlm::tlm_mm_interface {
  public:
    tlm_utils::simple_initiator_socket<GpuEngine> iSocket;

    GpuEngine(sc_core::sc_module_name name, GpuEngineConfig cfg);

    // Queues a kernel; kernels run one after another in launch order (one stream).
    void launch(const GpuKernelLaunch& k);
    // From a thread: waits until every launched kernel finished.
    void synchronize();
    void run(const GpuKernelLaunch& k) {
        launch(k);
        synchronize();
    }
    bool idle() const { return m_queue.empty() && !m_running; }
    // Whether the engine has the simulated memory to itself (nothing else issues there): only
    // then may a kernel fast-forward. Any time it is false marks the tiles around it contended.
    void setExclusive(bool exclusive);
    // Fast-forward on or off from the next kernel on (GpuEngineConfig::fastForward).
    void setFastForward(bool on) { m_cfg.fastForward = on; }

    // A joint fast-forward with the PIM (docs/cosim.md). pause(), from a thread: no burst goes
    // out any more, and it returns once those in flight completed. skipTiles(n): the running
    // kernel ends n tiles earlier (their time is the caller's to wait; only tiles whose reads
    // are not generated yet go). resume(): bursts go out again.
    void pause();
    void skipTiles(uint32_t tiles);
    void resume();
    // The running kernel: which one (kernels started so far; launched: queued too), bursts
    // completed (those of tiles skipped included), tiles whose reads are not generated yet, and
    // bursts per tile on average.
    uint64_t kernelSerial() const { return m_kernelSerial; }
    uint64_t kernelsLaunched() const { return m_kernelSerial + m_queue.size(); }
    uint64_t burstsCompleted() const { return m_kernelDone; }
    uint32_t tilesNotStarted() const {
        const size_t first = std::max<size_t>(m_genTile, m_computed + 1);
        return m_running && m_tiles.size() > first ? uint32_t(m_tiles.size() - first) : 0;
    }
    double burstsPerTile() const { return m_burstsPerTile; }

    const std::vector<GpuKernelRecord>& records() const { return m_records; }
    uint64_t bytesIssued() const { return m_bytesIssued; }
    uint64_t transactionErrors() const { return m_errors; }
    const std::string& firstError() const { return m_firstError; }
    void free(tlm::tlm_generic_payload* gp) override;

  private:
    struct Payload : tlm::tlm_generic_payload {
        uint8_t data[64];
        uint32_t tile = 0, pc = 0;
        bool write = false;
    };
    struct Burst {
        uint64_t addr;
        uint32_t tile;
        bool write;
    };
    // One pseudo-channel's side of the transport: its queue, handshake and slots.
    struct PcPort {
        std::deque<Burst> queue;
        bool waitingEndReq = false;
        uint32_t inflight = 0;
        std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>>
            freeAt; // known future frees
    };
    struct Tile {
        uint32_t readBursts = 0, writeBursts = 0;
        uint32_t readsSent = 0, readsPending = 0;
        uint64_t readyPs = 0; // the last read's data
        uint64_t donePs = 0;  // computed
    };

    void kernelThread();
    void runKernel(const GpuKernelLaunch& k, GpuKernelRecord& rec);
    void planTiles(const GpuKernelLaunch& k);
    bool stableSince(uint32_t i) const;
    void drain();
    void pump();
    // Bursts of computed tiles' writes and of the reads within the lookahead, into their
    // pseudo-channels' queues.
    void generate();
    void issue(uint32_t pc, uint64_t now);
    bool acquireSlot(uint32_t pc, uint64_t now, uint64_t& sendPs);
    void send(uint32_t pc, uint64_t now, uint64_t sendPs);
    void burstDone(Payload& p, uint64_t readyPs);
    tlm::tlm_sync_enum nbTransportBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_core::sc_time& d);
    Payload* allocPayload();

    GpuEngineConfig m_cfg;
    std::deque<GpuKernelLaunch> m_queue;
    bool m_running = false;
    sc_core::sc_event m_launchEv, m_idleEv, m_progressEv, m_wake;
    std::vector<GpuKernelRecord> m_records;

    // The kernel in flight.
    std::vector<Tile> m_tiles;
    uint32_t m_issueTile = 0;     // the tile whose reads go out
    uint32_t m_computed = 0;      // tiles computed
    uint64_t m_writesToSend = 0;  // bursts of computed tiles not yet sent
    uint64_t m_writesPending = 0; // sent, response not seen
    uint64_t m_lastWritePs = 0;
    uint64_t m_readsInFlight = 0;
    bool m_stopIssuing = false;
    uint64_t m_paceIntervalPs = 0, m_nextIssuePs = 0;
    uint64_t m_kernelIssued = 0;
    uint64_t m_kernelSerial = 0, m_kernelDone = 0;
    double m_burstsPerTile = 0;
    bool m_paused = false;
    uint64_t m_exclusiveEpoch = 0; // bumped whenever exclusivity changes
    bool m_exclusive = true;

    // Transport: per pseudo-channel queues and slots, pooled payloads.
    std::vector<PcPort> m_ports;
    bool m_inPump = false;
    uint32_t m_genTile = 0; // the tile whose reads are generated next
    std::vector<std::unique_ptr<Payload>> m_payloads;
    std::vector<Payload*> m_freePayloads;
    uint64_t m_readCursor = 0, m_writeCursor = 0;
    uint64_t m_bytesIssued = 0, m_errors = 0;
    std::string m_firstError;
};

} // namespace pilot::gpu
