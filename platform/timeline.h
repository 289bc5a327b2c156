// SPDX-License-Identifier: MIT
#pragma once
// The Perfetto / Chrome trace-event timeline of a PIM run (`pilot run --trace`). One process
// per channel; in it, tracks for:
//   firmware            each descriptor: its fetch, its kernel (opcode, tag, status, micro-ops)
//                       and the completion interrupt
//   host                the host runtime at the register window: doorbells, IRQ raised, cleared
//   pcN moves           micro-ops that move data: MOV (bank -> buffer), OUT (buffer -> bank)
//   pcN PE ops          micro-ops on the PEs: CFG, MAC, EXP, ACC, SFM, CLR
//   pcN bgG PE          when the PEs of bank group G run an op (ops whose group mask holds G)
//   counters            DRAM commands per pseudo-channel by class (activate, read/write, PIM
//                       move, PE op, precharge/refresh), counted in bins of equal width
// A window (simulated ns) and a channel list keep a paper-scale run's trace a readable size.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/hbm/command.h"
#include "models/hbm/memspec.h"
#include "models/hbm/pim_sequencer.h"

namespace pilot::platform {

class PimSystem;

struct TimelineScope {
    double fromNs = 0;                                     // events ending before are left out
    double toNs = std::numeric_limits<double>::infinity(); // events starting after are left out
    std::vector<uint32_t> channels;                        // empty: all
    bool holds(uint32_t channel) const;
};

class TimelineRecorder final : public hbm::CommandObserver, public hbm::MicroOpObserver {
  public:
    // Attaches itself to every controller of `sys` (before the simulation starts).
    TimelineRecorder(PimSystem& sys, const hbm::Memspec& spec, TimelineScope scope);

    void onCommand(const hbm::CommandRecord& r) override;
    void onMicroOp(uint32_t pc, const contract::MicroOp& op, uint64_t startCycle, uint64_t endCycle) override;

    // Events of other parts of the run (the GPU's kernels: platform/cosim_system.cpp), appended
    // to document()'s, in its units (us) and within the window.
    void addEvents(const nlohmann::json& events);
    // The trace-event JSON document (after the simulation).
    nlohmann::json document() const;
    // Writes document() to `path`; throws std::runtime_error naming the path when it cannot.
    void write(const std::string& path) const;

  private:
    static constexpr size_t kCommandClasses = 5;
    static constexpr size_t kMaxBins = 2048; // per pseudo-channel; bins widen to stay under it
    struct Span {
        uint64_t start, end; // cycles
        uint8_t kind;        // contract::MicroOpKind
        uint16_t groups;     // PE ops: bank-group mask
    };
    struct PcTrack {
        std::vector<Span> moves, peOps;
        std::vector<std::array<uint32_t, kCommandClasses>> bins;
        uint64_t binCycles = 64;
    };
    bool inWindow(uint64_t startCycle, uint64_t endCycle) const;
    // The events of one channel's tracks (document()).
    void addFirmware(uint32_t channel, nlohmann::json& events) const;
    void addHost(uint32_t channel, nlohmann::json& events) const;
    void addSpans(uint32_t channel, int tid, const std::vector<Span>& spans, nlohmann::json& events) const;
    void addGroupBusy(uint32_t channel, uint32_t pcLocal, const PcTrack& t, nlohmann::json& events) const;
    void addCounters(uint32_t channel, uint32_t pcLocal, const PcTrack& t, nlohmann::json& events) const;
    double us(uint64_t cycle) const { return double(cycle) * double(m_tckPs) * 1e-6; }

    PimSystem& m_sys;
    const uint64_t m_tckPs;
    const uint32_t m_pcsPerChannel, m_bankGroups;
    const TimelineScope m_scope;
    std::vector<PcTrack> m_pcs;
    nlohmann::json m_extra = nlohmann::json::array();
};

} // namespace pilot::platform
