// SPDX-License-Identifier: MIT
#include "models/hbm/protocol_checker.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace pilot::hbm {

namespace {
// Commands whose CommandRecord::bank is ignored: they act on every bank of the pseudo-channel
// (PEOP on none, but it names no bank either).
constexpr bool allBank(Command c) {
    return c == Command::PREA || c == Command::REFAB || c == Command::ACTAB || c == Command::MRD ||
           c == Command::MWR || c == Command::PEOP;
}
} // namespace

std::string Violation::line() const {
    std::string s = "pc " + std::to_string(pc) +
                    (bank == kAllBanks ? " all banks" : " bank " + std::to_string(bank)) + " cycle " +
                    std::to_string(cycle);
    if (tCKps != 0) {
        char ns[48];
        std::snprintf(ns, sizeof ns, " (%.1f ns)", double(cycle) * tCKps * 1e-3);
        s += ns;
    }
    s += ": ";
    s += cmd == kEndOfSimulation ? std::string("end of simulation") : std::string(commandName(cmd));
    return s + " violates " + rule + ": " + detail;
}

void ProtocolChecker::LatestByKey::record(Cycle t, uint32_t k) {
    // A new key pushes the previous latest key down; it is then the latest event of any key
    // other than k, which is all latestOther() needs.
    if (k != e[0].key)
        e[1] = e[0];
    e[0] = {t, k};
}

ProtocolChecker::ProtocolChecker(const Memspec& spec, uint32_t pcCount)
    : m_spec(spec), m_refreshDeadline(9ull * spec.t.REFI),
      m_actabFaw(spec.pimAllBankPowerLimit && spec.t.FAW > spec.t.RC ? spec.t.FAW : 0),
      m_allBankCcd(spec.pimAllBankPowerLimit ? std::max(spec.t.CCDAB, spec.t.CCDL) : spec.t.CCDL),
      m_actLag(spec.bus.actTimingFromLastCycle ? spec.bus.cycles[size_t(Command::ACT)] - 1 : 0),
      m_wtrSameGroup(spec.writeToRead(true)), m_wtrOtherGroup(spec.writeToRead(false)),
      m_readToWrite(spec.readToWrite()) {
    m_buses.resize(spec.bus.sharedByPseudoChannels
                       ? (pcCount + spec.org.pseudoChannels - 1) / spec.org.pseudoChannels
                       : pcCount);
    PcState proto;
    proto.banks.resize(spec.org.banksPerPc());
    proto.groups.resize(spec.org.bankGroupsPerPc());
    for (uint32_t b = 0; b < proto.banks.size(); ++b)
        proto.banks[b].group = b / spec.org.banksPerGroup;
    m_pcs.assign(pcCount, proto);
    for (uint32_t p = 0; p < pcCount; ++p)
        m_pcs[p].bus = spec.bus.sharedByPseudoChannels ? p / spec.org.pseudoChannels : p;
}

void ProtocolChecker::report(uint64_t cycle, Command cmd, uint32_t pc, uint32_t bank, const char* rule,
                             std::string detail) {
    ++m_violationCount;
    if (m_violations.size() < kKeptViolations)
        m_violations.push_back({cycle, cmd, pc, bank, rule, std::move(detail), m_spec.t.tCKps});
}

void ProtocolChecker::reportGap(const CommandRecord& rec, uint32_t bank, const char* rule, Cycle since,
                                uint64_t need, const std::string& after) {
    report(rec.cycle, rec.cmd, rec.pc, bank, rule,
           std::to_string(Cycle(rec.cycle) - since) + " cycles after " + after + ", needs " +
               std::to_string(need));
}

void ProtocolChecker::reportTally(const CommandRecord& rec, const char* rule, const Tally& g,
                                  const std::string& after) {
    if (g.count == 0)
        return;
    if (g.count == 1)
        return reportGap(rec, g.bank, rule, g.since, g.need, after);
    report(rec.cycle, rec.cmd, rec.pc, kAllBanks, rule,
           std::to_string(Cycle(rec.cycle) - g.since) + " cycles after " + after + ", needs " +
               std::to_string(g.need) + " (" + std::to_string(g.count) + " banks; the latest is bank " +
               std::to_string(g.bank) + ")");
}

void ProtocolChecker::reportOpenBanks(const CommandRecord& rec, const PcState& pc, uint32_t count,
                                      uint32_t first) {
    if (count == 0)
        return;
    const std::string row = std::to_string(pc.banks[first].row);
    if (count == 1)
        report(rec.cycle, rec.cmd, rec.pc, first, "bank-state", "bank is open (row " + row + ")");
    else
        report(rec.cycle, rec.cmd, rec.pc, kAllBanks, "bank-state",
               std::to_string(count) + " banks are open (the first is bank " + std::to_string(first) +
                   ", row " + row + ")");
}

void ProtocolChecker::onCommand(const CommandRecord& rec) {
    if (rec.pc >= m_pcs.size())
        throw std::out_of_range("ProtocolChecker: pseudo-channel " + std::to_string(rec.pc) + " of a " +
                                std::to_string(m_pcs.size()) + "-pc checker");
    PcState& pc = m_pcs[rec.pc];
    const bool perBank = !allBank(rec.cmd);
    const uint32_t bank = perBank ? idx(rec.bank) : kAllBanks;
    if (perBank && bank >= pc.banks.size())
        throw std::out_of_range("ProtocolChecker: bank " + std::to_string(bank) + " of a " +
                                std::to_string(pc.banks.size()) + "-bank pseudo-channel");
    ++m_commandsChecked;
    checkCommandBus(rec, pc, bank);
    if ((rec.cmd == Command::ACT || rec.cmd == Command::ACTAB) && m_actLag != 0) {
        CommandRecord effective = rec;
        effective.cycle += m_actLag;
        return checkTiming(effective, pc, bank);
    }
    checkTiming(rec, pc, bank);
}

void ProtocolChecker::checkTiming(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    switch (rec.cmd) {
    case Command::ACT:
        onActivate(rec, pc, bank);
        break;
    case Command::PRE:
        onPrecharge(rec, pc, bank, bank + 1);
        break;
    case Command::PREA:
        onPrecharge(rec, pc, 0, uint32_t(pc.banks.size()));
        break;
    case Command::RD:
    case Command::RDA:
        onRead(rec, pc, bank);
        break;
    case Command::WR:
    case Command::WRA:
        onWrite(rec, pc, bank);
        break;
    case Command::REFAB:
        onRefreshAll(rec, pc);
        break;
    case Command::REFPB:
        onRefreshBank(rec, pc, bank);
        break;
    case Command::ACTAB:
        onActivateAll(rec, pc);
        break;
    case Command::MRD:
    case Command::MWR:
        onAllBankColumn(rec, pc);
        break;
    case Command::SMRD:
    case Command::SMWR:
        onBankPimColumn(rec, pc, bank);
        break;
    case Command::PEOP:
        break; // no DRAM rule: the column-bus check above is all
    case Command::kCount:
        throw std::invalid_argument("ProtocolChecker: Command::kCount is not a command");
    }
}

// In cycle order per pseudo-channel; on each command bus, a command only once the previous one
// (of either pseudo-channel when they share it) has released it.
void ProtocolChecker::checkCommandBus(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const Cycle t = Cycle(rec.cycle);
    if (t < pc.lastCycle)
        report(rec.cycle, rec.cmd, rec.pc, bank, "command-bus",
               "issued after a command at cycle " + std::to_string(pc.lastCycle) + " (out of order)");
    pc.lastCycle = std::max(pc.lastCycle, t);
    const bool column = isColumn(rec.cmd);
    BusState::Holder& h = m_buses[pc.bus].lane[column];
    if (t < h.start + Cycle(h.cycles))
        report(rec.cycle, rec.cmd, rec.pc, bank, "command-bus",
               std::string(column ? "column" : "row") + " bus held by " + std::string(commandName(h.cmd)) +
                   " of pc " + std::to_string(h.pc) + " from cycle " + std::to_string(h.start) + " for " +
                   std::to_string(h.cycles) + " cycle(s)");
    if (t >= h.start)
        h = {t, m_spec.bus.cycles[size_t(rec.cmd)], rec.cmd, rec.pc};
}

void ProtocolChecker::onActivate(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    BankState& b = pc.banks[bank];
    const uint32_t group = b.group;
    GroupState& g = pc.groups[group];

    if (b.open)
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state",
               "bank is open (row " + std::to_string(b.row) + ")");
    if (tooSoon(t, b.precharge, T.RP))
        reportGap(rec, bank, "tRP", b.precharge, T.RP, b.autoPrecharge ? "auto-precharge" : "PRE");
    if (tooSoon(t, b.act, T.RC))
        reportGap(rec, bank, "tRC", b.act, T.RC, activation(pc, bank));
    if (tooSoon(t, pc.actab, m_actabFaw))
        reportGap(rec, bank, "tFAW", pc.actab, m_actabFaw, "ACTAB (all-bank power limit)");
    if (auto o = g.actByBank.latestOther(bank); tooSoon(t, o.cycle, T.RRDL))
        reportGap(rec, bank, "tRRD", o.cycle, T.RRDL,
                  "ACT to bank " + std::to_string(o.key) + " (same bank group)");
    if (auto o = pc.actByGroup.latestOther(group); tooSoon(t, o.cycle, T.RRDS))
        reportGap(rec, bank, "tRRD", o.cycle, T.RRDS, "ACT in bank group " + std::to_string(o.key));
    // The ring holds the last four ACTs; the slot about to be overwritten is the 4th-previous.
    if (Cycle fourth = pc.actRing[pc.actRingNext]; tooSoon(t, fourth, T.FAW))
        reportGap(rec, bank, "tFAW", fourth, T.FAW, "the 4th-previous ACT");
    if (tooSoon(t, pc.refab, T.RFC))
        reportGap(rec, bank, "tRFC", pc.refab, T.RFC, "REFAB");
    if (tooSoon(t, b.refpb, T.RFCPB))
        reportGap(rec, bank, "tRFCpb", b.refpb, T.RFCPB, "REFPB");
    if (auto o = pc.refpbByBank.latestOther(bank); tooSoon(t, o.cycle, T.RREFD))
        reportGap(rec, bank, "tRREFD", o.cycle, T.RREFD, "REFPB to bank " + std::to_string(o.key));

    b.open = true;
    b.row = rec.row;
    b.act = t;
    pc.uniformKnown = false;
    g.actByBank.record(t, bank);
    pc.actByBank.record(t, bank);
    pc.actByGroup.record(t, group);
    pc.actRing[pc.actRingNext] = t;
    pc.actRingNext = (pc.actRingNext + 1) % pc.actRing.size();
}

// PRE (first..last is one bank) or PREA (every bank). JEDEC: a precharge to a bank with no open
// row (idle, or already precharging after RDA/WRA) is a no-op, so it is neither checked nor
// recorded. Each rule is reported once per command, on the binding bank.
void ProtocolChecker::onPrecharge(const CommandRecord& rec, PcState& pc, uint32_t first, uint32_t last) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const uint64_t writeRecovery = uint64_t(T.WL) + T.nBL + T.WR;
    Tally ras{T.RAS}, rtp{T.RTPL}, wr{writeRecovery};
    for (uint32_t bank = first; bank < last; ++bank) {
        BankState& b = pc.banks[bank];
        if (!b.open)
            continue;
        ras.add(t, b.act, bank);
        // RD/WR before this bank's ACT cannot be too close (ACT itself waited for their
        // precharge), so the last RD/WR (SMRD/SMWR) of the bank is enough. MRD/MWR read or wrote
        // every open bank, this one included.
        rtp.add(t, std::max(std::max(b.read, b.smrd), pc.mrd), bank);
        wr.add(t, std::max(std::max(b.write, b.smwr), pc.mwr), bank);
        b.open = false;
        b.precharge = t;
        b.autoPrecharge = false;
        pc.uniformKnown = false;
    }
    if (ras.count)
        reportTally(rec, "tRAS", ras, activation(pc, ras.bank));
    if (rtp.count)
        reportTally(rec, "tRTP", rtp,
                    rtp.since == pc.mrd                    ? "MRD"
                    : rtp.since == pc.banks[rtp.bank].smrd ? "SMRD"
                                                           : "RD");
    if (wr.count)
        reportTally(rec, "tWR", wr,
                    wr.since == pc.mwr                   ? "MWR"
                    : wr.since == pc.banks[wr.bank].smwr ? "SMWR"
                                                         : "WR");
}

// The target bank of a column command must be open at the addressed row, tRCD after its ACT.
void ProtocolChecker::checkColumnTarget(const CommandRecord& rec, const PcState& pc, uint32_t bank,
                                        uint32_t rcd) {
    const BankState& b = pc.banks[bank];
    if (!b.open) {
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state", "bank is closed");
        return; // tRCD has no ACT to count from
    }
    if (b.row != rec.row)
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state",
               "row " + std::to_string(rec.row) + " is not the open row " + std::to_string(b.row));
    if (tooSoon(Cycle(rec.cycle), b.act, rcd))
        reportGap(rec, bank, "tRCD", b.act, rcd, activation(pc, bank));
}

void ProtocolChecker::onRead(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    BankState& b = pc.banks[bank];
    const uint32_t group = b.group;
    GroupState& g = pc.groups[group];

    checkColumnTarget(rec, pc, bank, T.RCDRD);
    if (tooSoon(t, g.read, T.CCDL))
        reportGap(rec, bank, "tCCD", g.read, T.CCDL, "RD in the same bank group");
    if (auto o = pc.readByGroup.latestOther(group); tooSoon(t, o.cycle, T.CCDS))
        reportGap(rec, bank, "tCCD", o.cycle, T.CCDS, "RD in bank group " + std::to_string(o.key));
    if (tooSoon(t, g.write, m_wtrSameGroup))
        reportGap(rec, bank, "tWTR", g.write, m_wtrSameGroup, "WR in the same bank group");
    if (auto o = pc.writeByGroup.latestOther(group); tooSoon(t, o.cycle, m_wtrOtherGroup))
        reportGap(rec, bank, "tWTR", o.cycle, m_wtrOtherGroup, "WR in bank group " + std::to_string(o.key));
    // MRD and MWR touch every bank group, SMRD and SMWR are spaced like them: the same-group
    // spacings apply.
    if (pc.pimColumns) {
        Spacing ccd{t}, wtr{t};
        ccd.add(pc.mrd, T.CCDL, "MRD");
        ccd.add(pc.smrd, T.CCDL, "SMRD");
        wtr.add(pc.mwr, m_wtrSameGroup, "MWR");
        wtr.add(pc.smwr, m_wtrSameGroup, "SMWR");
        reportSpacing(rec, bank, "tCCD", ccd);
        reportSpacing(rec, bank, "tWTR", wtr);
    }

    g.read = t;
    pc.readByGroup.record(t, group);
    b.read = t;
    if (rec.cmd == Command::RDA && b.open) {
        // The internal precharge starts once both tRTP after the read and tRAS after the ACT
        // have passed; the bank accepts no command until it is activated again. It is a
        // precharge all the same: the bank's last write must have recovered (tWR) by then.
        b.open = false;
        b.precharge = std::max<Cycle>(t + T.RTPL, b.act + T.RAS);
        const Cycle lastWrite = std::max(std::max(b.write, b.smwr), pc.mwr);
        const Cycle recovery = Cycle(T.WL) + T.nBL + T.WR;
        if (lastWrite != kNever && b.precharge < lastWrite + recovery)
            reportGap(rec, bank, "tWR", lastWrite, uint32_t(recovery - (b.precharge - t)),
                      "a write (auto-precharge)");
        b.autoPrecharge = true;
        pc.uniformKnown = false;
    }
}

void ProtocolChecker::onWrite(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    BankState& b = pc.banks[bank];
    const uint32_t group = b.group;
    GroupState& g = pc.groups[group];

    checkColumnTarget(rec, pc, bank, T.RCDWR);
    if (tooSoon(t, g.write, T.CCDL))
        reportGap(rec, bank, "tCCD", g.write, T.CCDL, "WR in the same bank group");
    if (auto o = pc.writeByGroup.latestOther(group); tooSoon(t, o.cycle, T.CCDS))
        reportGap(rec, bank, "tCCD", o.cycle, T.CCDS, "WR in bank group " + std::to_string(o.key));
    if (Cycle r = pc.readByGroup.latest(); tooSoon(t, r, m_readToWrite))
        reportGap(rec, bank, "tRTW", r, m_readToWrite, "RD");
    if (pc.pimColumns) {
        Spacing ccd{t};
        ccd.add(pc.mrd, T.CCDL, "MRD");
        ccd.add(pc.mwr, T.CCDL, "MWR");
        ccd.add(pc.smrd, T.CCDL, "SMRD");
        ccd.add(pc.smwr, T.CCDL, "SMWR");
        reportSpacing(rec, bank, "tCCD", ccd);
    }

    g.write = t;
    pc.writeByGroup.record(t, group);
    b.write = t;
    if (rec.cmd == Command::WRA && b.open) {
        // Write recovery (WL + nBL + WR after the command) and tRAS, as for RDA.
        b.open = false;
        b.precharge = std::max<Cycle>(t + T.WL + T.nBL + T.WR, b.act + T.RAS);
        b.autoPrecharge = true;
        pc.uniformKnown = false;
    }
}

// Checked lazily, when the bank is refreshed (and by finish()), not on every command.
void ProtocolChecker::checkRefreshDeadline(const CommandRecord& rec, BankState& b, uint32_t bank) {
    const Cycle t = Cycle(rec.cycle);
    if (t - b.refreshed > Cycle(m_refreshDeadline))
        report(rec.cycle, rec.cmd, rec.pc, bank, "tREFI",
               std::to_string(t - b.refreshed) + " cycles since the last refresh at cycle " +
                   std::to_string(b.refreshed) + ", allowed " + std::to_string(m_refreshDeadline) +
                   " (9 x REFI)");
    b.refreshed = std::max(b.refreshed, t);
}

void ProtocolChecker::onRefreshAll(const CommandRecord& rec, PcState& pc) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    if (tooSoon(t, pc.refab, T.RFC))
        reportGap(rec, kAllBanks, "tRFC", pc.refab, T.RFC, "REFAB");
    // REFAB is rare (once per REFI at most), so it visits every bank; each rule is reported once,
    // on the binding bank.
    Tally rp{T.RP}, rc{T.RC}, rfcpb{T.RFCPB};
    uint32_t open = 0, firstOpen = 0;
    for (uint32_t bank = 0; bank < pc.banks.size(); ++bank) {
        BankState& b = pc.banks[bank];
        if (b.open && open++ == 0)
            firstOpen = bank;
        rp.add(t, b.precharge, bank);
        rc.add(t, b.act, bank); // a refresh waits the whole row cycle of the last ACT
        // REFAB refreshes this bank too: a per-bank refresh still running blocks it.
        rfcpb.add(t, b.refpb, bank);
        checkRefreshDeadline(rec, b, bank);
    }
    reportOpenBanks(rec, pc, open, firstOpen);
    if (rp.count)
        reportTally(rec, "tRP", rp, pc.banks[rp.bank].autoPrecharge ? "auto-precharge" : "PRE");
    if (rc.count)
        reportTally(rec, "tRC", rc, activation(pc, rc.bank));
    reportTally(rec, "tRFCpb", rfcpb, "REFPB");
    pc.refab = t;
}

void ProtocolChecker::onRefreshBank(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    BankState& b = pc.banks[bank];
    if (b.open)
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state",
               "bank is open (row " + std::to_string(b.row) + ")");
    if (tooSoon(t, b.precharge, T.RP))
        reportGap(rec, bank, "tRP", b.precharge, T.RP, b.autoPrecharge ? "auto-precharge" : "PRE");
    if (tooSoon(t, b.act, T.RC))
        reportGap(rec, bank, "tRC", b.act, T.RC, activation(pc, bank));
    if (tooSoon(t, pc.refab, T.RFC))
        reportGap(rec, bank, "tRFC", pc.refab, T.RFC, "REFAB");
    if (tooSoon(t, b.refpb, T.RFCPB))
        reportGap(rec, bank, "tRFCpb", b.refpb, T.RFCPB, "REFPB");
    if (auto o = pc.refpbByBank.latestOther(bank); tooSoon(t, o.cycle, T.RREFD))
        reportGap(rec, bank, "tRREFD", o.cycle, T.RREFD, "REFPB to bank " + std::to_string(o.key));
    if (auto o = pc.actByBank.latestOther(bank); tooSoon(t, o.cycle, T.RRDS))
        reportGap(rec, bank, "tRREFD", o.cycle, T.RRDS, "ACT to bank " + std::to_string(o.key));
    checkRefreshDeadline(rec, b, bank);
    b.refpb = t;
    pc.refpbByBank.record(t, bank);
}

void ProtocolChecker::finish(uint64_t cycle) {
    const Cycle t = Cycle(cycle);
    for (uint32_t p = 0; p < m_pcs.size(); ++p)
        for (uint32_t bank = 0; bank < m_pcs[p].banks.size(); ++bank) {
            const BankState& b = m_pcs[p].banks[bank];
            if (t - b.refreshed > Cycle(m_refreshDeadline))
                report(cycle, kEndOfSimulation, p, bank, "tREFI",
                       "not refreshed since cycle " + std::to_string(b.refreshed) + " (" +
                           std::to_string(t - b.refreshed) + " cycles), allowed " +
                           std::to_string(m_refreshDeadline) + " (9 x REFI)");
        }
}

} // namespace pilot::hbm
