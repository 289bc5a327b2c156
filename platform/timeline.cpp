// SPDX-License-Identifier: MIT
#include "platform/timeline.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "firmware/pim/pim_firmware.h"
#include "models/common/output_file.h"
#include "platform/pim_system.h"

namespace pilot::platform {

using contract::MicroOpKind;
using nlohmann::json;

namespace {

// Track ids inside a channel's process.
constexpr int kFirmwareTid = 1, kHostTid = 2;
int movesTid(uint32_t pcLocal) {
    return 100 + int(pcLocal) * 100;
}
int peOpsTid(uint32_t pcLocal) {
    return movesTid(pcLocal) + 1;
}
int groupTid(uint32_t pcLocal, uint32_t group) {
    return movesTid(pcLocal) + 10 + int(group);
}

const char* kindName(uint8_t kind) {
    switch (MicroOpKind(kind)) {
    case MicroOpKind::MovIn:
        return "MOV";
    case MicroOpKind::MovOut:
        return "OUT";
    case MicroOpKind::Cfg:
        return "CFG";
    case MicroOpKind::MacScores:
    case MicroOpKind::MacPV:
        return "MAC";
    case MicroOpKind::Exp:
    case MicroOpKind::Stat:
    case MicroOpKind::Prob:
        return "EXP";
    case MicroOpKind::Acc:
        return "ACC";
    case MicroOpKind::Sfm:
        return "SFM";
    case MicroOpKind::Clear:
        return "CLR";
    case MicroOpKind::BufSfm: // AttAcc's buffer-die softmax unit
        return "BSFM";
    case MicroOpKind::BufOut:
        return "BOUT";
    }
    return "?";
}

// The counter classes of DRAM commands.
size_t commandClass(hbm::Command c) {
    using hbm::Command;
    switch (c) {
    case Command::ACT:
    case Command::ACTAB:
        return 0;
    case Command::RD:
    case Command::WR:
    case Command::RDA:
    case Command::WRA:
        return 1;
    case Command::MRD:
    case Command::MWR:
    case Command::SMRD:
    case Command::SMWR:
        return 2;
    case Command::PEOP:
        return 3;
    default: // PRE, PREA, REFAB, REFPB
        return 4;
    }
}
const char* const kClassNames[] = {"activate", "read/write", "PIM move", "PE op", "precharge/refresh"};

json meta(const char* what, uint32_t pid, int tid, const std::string& name) {
    json e = {{"name", what}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}};
    if (tid >= 0)
        e["tid"] = tid;
    return e;
}

json span(const std::string& name, uint32_t pid, int tid, double ts, double dur) {
    return {{"name", name}, {"ph", "X"}, {"pid", pid}, {"tid", tid}, {"ts", ts}, {"dur", dur}};
}

} // namespace

bool TimelineScope::holds(uint32_t channel) const {
    return channels.empty() || std::find(channels.begin(), channels.end(), channel) != channels.end();
}

TimelineRecorder::TimelineRecorder(PimSystem& sys, const hbm::Memspec& spec, TimelineScope scope)
    : m_sys(sys), m_tckPs(spec.t.tCKps), m_pcsPerChannel(spec.org.pseudoChannels),
      m_bankGroups(spec.org.bankGroupsPerPc()), m_scope(std::move(scope)) {
    const auto& pcs = sys.hbm().controllers();
    m_pcs.resize(pcs.size());
    for (const auto& pc : pcs) {
        pc->addObserver(this);
        pc->setMicroOpObserver(this);
    }
    for (const auto& c : sys.controllers())
        c->recordHostEvents();
}

bool TimelineRecorder::inWindow(uint64_t startCycle, uint64_t endCycle) const {
    const double from = us(startCycle) * 1e3, to = us(endCycle) * 1e3;
    return to >= m_scope.fromNs && from <= m_scope.toNs;
}

void TimelineRecorder::onCommand(const hbm::CommandRecord& r) {
    if (r.pc >= m_pcs.size() || !m_scope.holds(r.pc / m_pcsPerChannel) || !inWindow(r.cycle, r.cycle))
        return;
    PcTrack& t = m_pcs[r.pc];
    // Bins start at the window's first cycle would shift with the window; they start at 0.
    size_t bin = size_t(r.cycle / t.binCycles);
    while (bin >= kMaxBins) {
        // Twice as wide: merge pairs, so a long run keeps kMaxBins bins per pseudo-channel.
        for (size_t i = 0; i < t.bins.size(); ++i) {
            auto& into = t.bins[i / 2];
            if (i % 2 == 0)
                into = t.bins[i];
            else
                for (size_t k = 0; k < kCommandClasses; ++k)
                    into[k] += t.bins[i][k];
        }
        t.bins.resize((t.bins.size() + 1) / 2);
        t.binCycles *= 2;
        bin = size_t(r.cycle / t.binCycles);
    }
    if (t.bins.size() <= bin)
        t.bins.resize(bin + 1, {});
    ++t.bins[bin][commandClass(r.cmd)];
}

void TimelineRecorder::onMicroOp(uint32_t pc, const contract::MicroOp& op, uint64_t startCycle,
                                 uint64_t endCycle) {
    if (startCycle == UINT64_MAX) // an op without a command of its own (nothing to move)
        startCycle = endCycle;
    if (pc >= m_pcs.size() || !m_scope.holds(pc / m_pcsPerChannel) || !inWindow(startCycle, endCycle))
        return;
    const bool move = op.kind == MicroOpKind::MovIn || op.kind == MicroOpKind::MovOut;
    (move ? m_pcs[pc].moves : m_pcs[pc].peOps)
        .push_back({startCycle, endCycle, uint8_t(op.kind), op.bankGroupMask});
}

void TimelineRecorder::addFirmware(uint32_t c, json& events) const {
    for (const auto& rec : m_sys.firmware()[c]->stats().log) {
        if (!inWindow(rec.fetchPs / m_tckPs, rec.endPs / m_tckPs))
            continue;
        const double fetch = double(rec.fetchPs) * 1e-6, start = double(rec.startPs) * 1e-6,
                     end = double(rec.endPs) * 1e-6;
        const char* name = contract::opcodeName(rec.opcode);
        const std::string what = name ? name : "opcode " + std::to_string(rec.opcode);
        // Each piece only where it overlaps the window (a kernel may span it, its fetch not).
        if (inWindow(rec.fetchPs / m_tckPs, rec.startPs / m_tckPs))
            events.push_back(span("fetch", c, kFirmwareTid, fetch, start - fetch));
        if (inWindow(rec.startPs / m_tckPs, rec.endPs / m_tckPs)) {
            json k = span(what + " #" + std::to_string(rec.tag), c, kFirmwareTid, start, end - start);
            k["args"] = {{"error", contract::errorName(contract::Error(rec.error))},
                         {"micro_ops", rec.microOps}};
            events.push_back(std::move(k));
        }
        if (inWindow(rec.endPs / m_tckPs, rec.endPs / m_tckPs))
            events.push_back(
                {{"name", "IRQ"}, {"ph", "i"}, {"s", "t"}, {"pid", c}, {"tid", kFirmwareTid}, {"ts", end}});
    }
}

void TimelineRecorder::addHost(uint32_t c, json& events) const {
    for (const auto& e : m_sys.controllers()[c]->hostEvents()) {
        if (!inWindow(e.ps / m_tckPs, e.ps / m_tckPs))
            continue;
        using K = pim::PimController::HostEvent;
        const char* name = e.kind == K::Doorbell    ? "doorbell"
                           : e.kind == K::IrqRaised ? "IRQ raised"
                                                    : "IRQ cleared";
        json ev = {{"name", name}, {"ph", "i"},       {"s", "t"},
                   {"pid", c},     {"tid", kHostTid}, {"ts", double(e.ps) * 1e-6}};
        if (e.kind == K::Doorbell)
            ev["args"] = {{"sq_tail", e.value}};
        events.push_back(std::move(ev));
    }
}

void TimelineRecorder::addSpans(uint32_t c, int tid, const std::vector<Span>& spans, json& events) const {
    // Spans on one track must not overlap to be drawn as a row: a move whose first column issues
    // before the previous move's data landed starts there on the track; args keep the exact cycles.
    uint64_t lastEnd = 0;
    for (const Span& s : spans) {
        const uint64_t from = std::max(s.start, lastEnd);
        json e = span(kindName(s.kind), c, tid, us(from), us(std::max(s.end, from)) - us(from));
        e["args"] = {{"start_cycle", s.start}, {"end_cycle", s.end}};
        events.push_back(std::move(e));
        lastEnd = std::max(lastEnd, s.end);
    }
}

void TimelineRecorder::addGroupBusy(uint32_t c, uint32_t local, const PcTrack& t, json& events) const {
    // PE busy per bank group: consecutive ops of a group merge into one span.
    for (uint32_t g = 0; g < m_bankGroups; ++g) {
        bool any = false;
        uint64_t from = 0, to = 0;
        auto flush = [&] {
            if (any)
                events.push_back(span("busy", c, groupTid(local, g), us(from), us(to) - us(from)));
        };
        for (const Span& s : t.peOps) {
            if (!(s.groups >> g & 1u))
                continue;
            if (any && s.start <= to) {
                to = std::max(to, s.end);
                continue;
            }
            flush();
            any = true;
            from = s.start;
            to = s.end;
        }
        flush();
        if (any)
            events.push_back(meta("thread_name", c, groupTid(local, g),
                                  "pc" + std::to_string(local) + " bg" + std::to_string(g) + " PE"));
    }
}

void TimelineRecorder::addCounters(uint32_t c, uint32_t local, const PcTrack& t, json& events) const {
    const std::string name =
        "pc" + std::to_string(local) + " commands per " + std::to_string(t.binCycles) + " cycles";
    for (size_t b = 0; b < t.bins.size(); ++b) {
        if (!inWindow(b * t.binCycles, (b + 1) * t.binCycles))
            continue;
        json args = json::object();
        for (size_t k = 0; k < kCommandClasses; ++k)
            args[kClassNames[k]] = t.bins[b][k];
        events.push_back({{"name", name},
                          {"ph", "C"},
                          {"pid", c},
                          {"ts", us(b * t.binCycles)},
                          {"args", std::move(args)}});
    }
}

json TimelineRecorder::document() const {
    json events = json::array();
    for (uint32_t c = 0; c < m_sys.channels(); ++c) {
        if (!m_scope.holds(c))
            continue;
        events.push_back(meta("process_name", c, -1, "channel " + std::to_string(c)));
        events.push_back(meta("thread_name", c, kFirmwareTid, "firmware"));
        events.push_back(meta("thread_name", c, kHostTid, "host runtime"));
        addFirmware(c, events);
        addHost(c, events);
        for (uint32_t local = 0; local < m_pcsPerChannel && c * m_pcsPerChannel + local < m_pcs.size();
             ++local) {
            const PcTrack& t = m_pcs[c * m_pcsPerChannel + local];
            const std::string pcName = "pc" + std::to_string(local);
            events.push_back(meta("thread_name", c, movesTid(local), pcName + " moves"));
            events.push_back(meta("thread_name", c, peOpsTid(local), pcName + " PE ops"));
            addSpans(c, movesTid(local), t.moves, events);
            addSpans(c, peOpsTid(local), t.peOps, events);
            addGroupBusy(c, local, t, events);
            addCounters(c, local, t, events);
        }
    }
    for (const json& e : m_extra)
        events.push_back(e);
    return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ns"}};
}

void TimelineRecorder::addEvents(const json& events) {
    for (const json& e : events) {
        const double ts = e.value("ts", 0.0), dur = e.value("dur", 0.0);
        if (e.value("ph", "") == "M" || (ts + dur >= m_scope.fromNs * 1e-3 && ts <= m_scope.toNs * 1e-3))
            m_extra.push_back(e);
    }
}

void TimelineRecorder::write(const std::string& path) const {
    common::writeTextFile(path, document().dump() + "\n"); // every write checked (a full disk fails the run)
}

} // namespace pilot::platform
