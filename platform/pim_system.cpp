// SPDX-License-Identifier: MIT
#include "platform/pim_system.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace pilot::platform {

namespace {

// A fast-forward's measurement spans this many refresh intervals: whether it holds one refresh
// more or less moves the pace it measures by at most a refresh's cost over the window
// (docs/fast-forward.md).
constexpr uint64_t kFastForwardWindowRefreshes = 16;

// The host runtime's view of the machine, over the GPU host port.
class PortHostBus : public host::HostBus {
  public:
    PortHostBus(gpu::HostPort& port, const hbm::AddressMapping& map, uint32_t pcs)
        : m_port(port), m_map(map), m_pcsPerChannel(map.spec().org.pseudoChannels), m_pcs(pcs) {
        // encode() ORs each field's bits into address bits of its own: a column's part of an
        // address is the same in every row, so it is worked out once per column.
        for (uint32_t c = 0; c < map.spec().org.columns; ++c) {
            hbm::DramAddress a;
            a.column = c;
            m_columnBits.push_back(map.encode(a));
        }
    }
    void write(uint64_t addr, const void* src, uint32_t len) override {
        m_port.access(addr, static_cast<uint8_t*>(const_cast<void*>(src)), len, true);
    }
    void read(uint64_t addr, void* dst, uint32_t len) override {
        m_port.access(addr, static_cast<uint8_t*>(dst), len, false);
    }
    void load(uint64_t addr, const void* src, uint64_t len) override {
        m_port.debugAccess(addr, static_cast<uint8_t*>(const_cast<void*>(src)), len, true);
    }
    void store(uint64_t addr, void* dst, uint64_t len) override {
        m_port.debugAccess(addr, static_cast<uint8_t*>(dst), len, false);
    }
    // Posted accesses go on the lane of their pseudo-channel; a channel's fence covers its lanes.
    void post(uint32_t ch, uint32_t stream, uint64_t addr, const void* src, uint32_t len) override {
        if (m_placement && !m_placement->admit(ch, stream))
            return; // a write of a period fast-forwarded
        m_port.post(lane(ch, addr), stream, addr, static_cast<const uint8_t*>(src), len);
        if (m_placement)
            m_placement->posted(ch, stream);
    }
    void placementBegin(uint32_t ch, const std::vector<uint32_t>& streams, uint64_t periods,
                        uint32_t burstsPerPeriod) override {
        if (m_placement)
            m_placement->begin(ch, streams, periods, burstsPerPeriod);
    }
    void placementStreamDone(uint32_t ch, uint32_t stream) override {
        if (m_placement)
            m_placement->done(ch, stream);
    }
    void setPlacementFastForward(PlacementFastForward* p) { m_placement = p; }
    void postRead(uint32_t ch, uint32_t stream, uint64_t addr, void* dst, uint32_t len) override {
        if (!dst && m_placement && !m_placement->admit(ch, stream))
            return; // a read of a period fast-forwarded (its data discarded anyway)
        m_port.postRead(lane(ch, addr), stream, addr, static_cast<uint8_t*>(dst), len);
        if (!dst && m_placement)
            m_placement->posted(ch, stream);
    }
    void fence(uint32_t ch) override {
        for (uint32_t pc = 0; pc < m_pcsPerChannel; ++pc)
            m_port.fence(std::min(ch * m_pcsPerChannel + pc, m_pcs - 1));
    }
    void parallel(std::vector<std::function<void()>> tasks) override { m_port.parallel(std::move(tasks)); }
    void writeReg(uint32_t ch, uint32_t offset, uint32_t value) override {
        m_port.access(contract::kMmioBase + uint64_t(ch) * contract::kRegWindowBytes + offset,
                      reinterpret_cast<uint8_t*>(&value), 4, true);
    }
    uint32_t readReg(uint32_t ch, uint32_t offset) override {
        uint32_t v = 0;
        m_port.access(contract::kMmioBase + uint64_t(ch) * contract::kRegWindowBytes + offset,
                      reinterpret_cast<uint8_t*>(&v), 4, false);
        return v;
    }
    void waitIrq() override { m_port.waitIrq(); }
    void waitIrq(uint32_t ch) override { m_port.waitIrq(ch); }
    bool irqLevel(uint32_t ch) override { return m_port.irqLevel(ch); }
    uint64_t nowPs() override { return sc_core::sc_time_stamp().value(); }
    uint64_t columnAddress(uint32_t ch, uint32_t group, uint32_t bank, uint32_t row,
                           uint32_t column) override {
        const auto& org = m_map.spec().org;
        hbm::DramAddress a;
        a.stack = ch / org.channels;
        a.channel = ch % org.channels;
        a.pseudoChannel = group / org.bankGroupsPerPc();
        const uint32_t g = group % org.bankGroupsPerPc();
        a.sid = g / org.bankGroups;
        a.bankGroup = g % org.bankGroups;
        a.bank = bank;
        a.row = row;
        if (column >= m_columnBits.size()) {
            a.column = column;
            return m_map.encode(a); // out of range: as encoded (the router refuses it)
        }
        // The host writes a row column by column, several rows side by side (a thread each):
        // the row's part of the address is kept for the last rows seen.
        const uint64_t key = ((uint64_t(ch) * 64 + group) * 256 + bank) << 32 | row;
        RowBase& slot = m_rowBase[(key ^ key >> 29) % kRowBaseSlots];
        if (!slot.valid || slot.key != key)
            slot = {key, m_map.encode(a), true};
        return slot.addr | m_columnBits[column];
    }

  private:
    // The lane of the address's pseudo-channel (an address outside the instantiated ones goes
    // on the channel's first lane: the router answers it with an error).
    uint32_t lane(uint32_t ch, uint64_t addr) const {
        const uint32_t pc = addr < m_map.capacity() ? m_map.pcIndexOf(addr) : m_pcs;
        return pc < m_pcs ? pc : std::min(ch * m_pcsPerChannel, m_pcs - 1);
    }
    gpu::HostPort& m_port;
    PlacementFastForward* m_placement = nullptr;
    const hbm::AddressMapping& m_map;
    const uint32_t m_pcsPerChannel, m_pcs;
    std::vector<uint64_t> m_columnBits; // by column
    struct RowBase {
        uint64_t key = 0, addr = 0;
        bool valid = false;
    };
    static constexpr size_t kRowBaseSlots = 64;
    std::array<RowBase, kRowBaseSlots> m_rowBase{};
};

} // namespace

host::PimGeometry pimGeometry(const hbm::Memspec& spec, uint32_t channels) {
    const auto& org = spec.org;
    host::PimGeometry g;
    g.channels = channels;
    g.pcsPerChannel = org.pseudoChannels;
    g.groupsPerPc = org.bankGroupsPerPc();
    g.banksPerGroup = org.banksPerGroup;
    g.rows = org.rows;
    g.rowBytes = uint32_t(org.rowBytes());
    g.columnBytes = org.accessBytes;
    return g;
}

PimSystem::PimSystem(sc_core::sc_module_name name, const Scenario& s, uint32_t pcs)
    : sc_module(name), m_refiPs(uint64_t(s.memspec.t.REFI) * s.memspec.t.tCKps), m_tckPs(s.memspec.t.tCKps),
      m_pimKeepsChannel(hbm::pimKeepsChannel(s.controller.hostPim)),
      m_pcsPerChannel(s.memspec.org.pseudoChannels),
      m_hbm("hbm", s.memspec, *s.mapping, s.controller, pcs, s.protocolCheck),
      // An interrupt reaches the host one register access after its line rises (at least a
      // memory clock): the line is high at least that long.
      m_host("host", pcs / s.memspec.org.pseudoChannels, s.memspec.org.accessBytes, pcs,
             std::max(sc_core::sc_time(s.registers.mmioNs, sc_core::SC_NS),
                      sc_core::sc_time(double(s.memspec.t.tCKps), sc_core::SC_PS))) {
    const auto& org = s.memspec.org;
    const uint32_t channels = pcs / org.pseudoChannels;
    for (uint32_t pc = 0; pc < pcs; ++pc) {
        m_pes.push_back(std::make_unique<pim::PeArray>(s.pe, *s.mapping, m_hbm.store(), pc));
        m_hbm.controllers()[pc]->setPimUnit(m_pes.back().get());
    }
    pim::PimCapabilities caps;
    caps.pes = org.banksPerPc() * org.pseudoChannels;
    caps.macLanes = s.pe.macLanes;
    caps.sramBytes = s.pe.sramBytes;
    caps.bankGroups = org.bankGroupsPerPc() * org.pseudoChannels;
    caps.peMHz = uint32_t(std::lround(s.pe.clockMHz));
    caps.pcs = org.pseudoChannels;
    caps.rows = org.rows;
    caps.rowBytes = uint32_t(org.rowBytes());
    caps.columnBytes = org.accessBytes;
    caps.banksPerGroup = org.banksPerGroup;
    m_host.iSocket.bind(m_hbm.router().tSocket);
    for (uint32_t c = 0; c < channels; ++c) {
        const std::string n = "pimctl" + std::to_string(c);
        m_ctrls.push_back(std::make_unique<pim::PimController>(
            n.c_str(), c, caps, sc_core::sc_time(s.registers.mmioNs, sc_core::SC_NS)));
        pim::PimController& ctl = *m_ctrls.back();
        ctl.iSocket.bind(m_hbm.router().tSocket);
        m_hbm.router().bindMmio(ctl.tSocket);
        (*m_host.irq_i[c])(ctl.irq_o);
        m_hals.push_back(std::make_unique<TlmHal>(ctl, *s.mapping,
                                                  sc_core::sc_time(s.registers.firmwareNs, sc_core::SC_NS)));
        m_fw.push_back(std::make_unique<fw::PimFirmware>(*m_hals.back()));
        fw::PimFirmware* f = m_fw.back().get();
        ctl.setFirmware([f] { f->run(); });
    }
    m_bus = std::make_unique<PortHostBus>(m_host, *s.mapping, pcs);
}

void PimSystem::enableFastForward(std::function<bool()> exclusive, std::function<uint64_t()> otherActivity) {
    const uint32_t per = m_pcsPerChannel;
    for (uint32_t c = 0; c < channels(); ++c) {
        common::CounterSet counters;
        std::vector<hbm::PseudoChannelController*> pcs;
        for (uint32_t pc = c * per; pc < (c + 1) * per; ++pc) {
            m_hbm.controllers()[pc]->listPimCounters(counters);
            m_pes[pc]->listCounters(counters);
            pcs.push_back(m_hbm.controllers()[pc].get());
        }
        pim::FastForwardConfig cfg;
        cfg.enabled = true;
        cfg.minWindowPs = m_refiPs * kFastForwardWindowRefreshes;
        cfg.exclusive = exclusive;
        cfg.pimKeepsChannel = m_pimKeepsChannel;
        cfg.reserve = [pcs, tck = m_tckPs](uint64_t untilPs) {
            for (auto* pc : pcs)
                pc->reserveForPim((untilPs + tck - 1) / tck);
        };
        cfg.hostActivity = [pcs] {
            uint64_t n = 0;
            for (const auto* pc : pcs)
                n += pc->stats().reads + pc->stats().writes;
            return n;
        };
        m_ctrls[c]->setFastForward(std::move(cfg), std::move(counters));
    }
    enablePlacementFastForward(std::move(exclusive), std::move(otherActivity));
}

void PimSystem::enablePlacementFastForward(std::function<bool()> exclusive,
                                           std::function<uint64_t()> otherActivity) {
    std::vector<common::CounterSet> counters(channels());
    for (uint32_t c = 0; c < channels(); ++c)
        listCounters(counters[c], c * m_pcsPerChannel, (c + 1) * m_pcsPerChannel);
    PlacementFastForward::Config cfg;
    cfg.minWindowPs = m_refiPs * kFastForwardWindowRefreshes;
    cfg.exclusive = std::move(exclusive);
    cfg.otherActivity = std::move(otherActivity);
    cfg.drain = [this](uint32_t c) { m_bus->fence(c); };
    cfg.quiet = [this](uint32_t c) {
        for (uint32_t pc = c * m_pcsPerChannel;
             pc < (c + 1) * m_pcsPerChannel && pc < m_hbm.controllers().size(); ++pc)
            if (!m_host.laneQuiet(pc))
                return false;
        return true;
    };
    m_placement = std::make_unique<PlacementFastForward>(std::move(cfg), std::move(counters));
    static_cast<PortHostBus&>(*m_bus).setPlacementFastForward(m_placement.get());
}

void PimSystem::listCounters(common::CounterSet& set, size_t fromPc, size_t toPc) {
    for (size_t pc = fromPc; pc < std::min(toPc, m_hbm.controllers().size()); ++pc) {
        m_hbm.controllers()[pc]->listPimCounters(set);
        m_hbm.controllers()[pc]->listHostCounters(set);
        if (pc < m_pes.size())
            m_pes[pc]->listCounters(set);
    }
}

pim::FastForwardStats PimSystem::fastForwardStats() const {
    pim::FastForwardStats sum;
    for (const auto& c : m_ctrls)
        sum += c->fastForwardStats();
    return sum;
}

pim::FastForwardStats PimSystem::placementFastForwardStats() const {
    return m_placement ? m_placement->stats() : pim::FastForwardStats{};
}

void PimSystem::trace(sc_core::sc_trace_file* tf) const {
    m_hbm.trace(tf);
    for (const auto& c : m_ctrls)
        c->trace(tf);
}

} // namespace pilot::platform
