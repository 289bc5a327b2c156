// SPDX-License-Identifier: MIT
#include "models/hbm/protocol_checker.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace pilot::hbm {

std::string Violation::line() const {
    std::string s = "pc " + std::to_string(pc) + (bank == kAllBanks ? " all banks" : " bank " + std::to_string(bank)) +
                    " cycle " + std::to_string(cycle);
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
    if (k != e[0].key) e[1] = e[0];
    e[0] = {t, k};
}

ProtocolChecker::ProtocolChecker(const Memspec& spec, uint32_t pcCount)
    : m_spec(spec), m_refreshDeadline(9ull * spec.t.REFI) {
    PcState proto;
    proto.banks.resize(spec.org.banksPerPc());
    proto.groups.resize(spec.org.bankGroupsPerPc());
    m_pcs.assign(pcCount, proto);
}

void ProtocolChecker::report(uint64_t cycle, Command cmd, uint32_t pc, uint32_t bank, const char* rule,
                             std::string detail) {
    ++m_violationCount;
    if (m_violations.size() < kKeptViolations)
        m_violations.push_back({cycle, cmd, pc, bank, rule, std::move(detail), m_spec.t.tCKps});
}

void ProtocolChecker::reportGap(const CommandRecord& rec, uint32_t bank, const char* rule, Cycle since, uint64_t need,
                                const std::string& after) {
    report(rec.cycle, rec.cmd, rec.pc, bank, rule,
           std::to_string(Cycle(rec.cycle) - since) + " cycles after " + after + ", needs " + std::to_string(need));
}

void ProtocolChecker::onCommand(const CommandRecord& rec) {
    if (rec.pc >= m_pcs.size())
        throw std::out_of_range("ProtocolChecker: pseudo-channel " + std::to_string(rec.pc) + " of a " +
                                std::to_string(m_pcs.size()) + "-pc checker");
    PcState& pc = m_pcs[rec.pc];
    const bool perBank = rec.cmd != Command::PREA && rec.cmd != Command::REFAB;
    const uint32_t bank = perBank ? idx(rec.bank) : kAllBanks;
    if (perBank && bank >= pc.banks.size())
        throw std::out_of_range("ProtocolChecker: bank " + std::to_string(bank) + " of a " +
                                std::to_string(pc.banks.size()) + "-bank pseudo-channel");
    ++m_commandsChecked;
    checkCommandBus(rec, pc);
    switch (rec.cmd) {
    case Command::ACT: onActivate(rec, pc, bank); break;
    case Command::PRE: onPrecharge(rec, pc, bank, Cycle(rec.cycle)); break;
    case Command::PREA:
        for (uint32_t b = 0; b < pc.banks.size(); ++b) onPrecharge(rec, pc, b, Cycle(rec.cycle));
        break;
    case Command::RD:
    case Command::RDA: onRead(rec, pc, bank); break;
    case Command::WR:
    case Command::WRA: onWrite(rec, pc, bank); break;
    case Command::REFAB: onRefreshAll(rec, pc); break;
    case Command::REFPB: onRefreshBank(rec, pc, bank); break;
    case Command::kCount: throw std::invalid_argument("ProtocolChecker: Command::kCount is not a command");
    }
}

// One row and one column command per cycle, in cycle order: the two buses of a pseudo-channel.
void ProtocolChecker::checkCommandBus(const CommandRecord& rec, PcState& pc) {
    const Cycle t = Cycle(rec.cycle);
    const uint32_t bank = rec.cmd == Command::PREA || rec.cmd == Command::REFAB ? kAllBanks : idx(rec.bank);
    if (pc.lastCycle != kNever && t < pc.lastCycle)
        report(rec.cycle, rec.cmd, rec.pc, bank, "command-bus",
               "issued after a command at cycle " + std::to_string(pc.lastCycle) + " (out of order)");
    Cycle& bus = isColumn(rec.cmd) ? pc.lastColumnBus : pc.lastRowBus;
    if (bus == t)
        report(rec.cycle, rec.cmd, rec.pc, bank, "command-bus",
               std::string("second ") + (isColumn(rec.cmd) ? "column" : "row") + " command in the same cycle");
    bus = t;
    pc.lastCycle = std::max(pc.lastCycle, t);
}

void ProtocolChecker::onActivate(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const uint32_t group = bank / m_spec.org.banksPerGroup;
    BankState& b = pc.banks[bank];
    GroupState& g = pc.groups[group];

    if (b.open)
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state", "bank is open (row " + std::to_string(b.row) + ")");
    if (tooSoon(t, b.precharge, T.RP))
        reportGap(rec, bank, "tRP", b.precharge, T.RP, b.autoPrecharge ? "auto-precharge" : "PRE");
    if (tooSoon(t, b.act, T.RC)) reportGap(rec, bank, "tRC", b.act, T.RC, "ACT");
    if (auto o = g.actByBank.latestOther(bank); tooSoon(t, o.cycle, T.RRDL))
        reportGap(rec, bank, "tRRD", o.cycle, T.RRDL, "ACT to bank " + std::to_string(o.key) + " (same bank group)");
    if (auto o = pc.actByGroup.latestOther(group); tooSoon(t, o.cycle, T.RRDS))
        reportGap(rec, bank, "tRRD", o.cycle, T.RRDS, "ACT in bank group " + std::to_string(o.key));
    // The ring holds the last four ACTs; the slot about to be overwritten is the 4th-previous.
    if (Cycle fourth = pc.actRing[pc.actRingNext]; tooSoon(t, fourth, T.FAW))
        reportGap(rec, bank, "tFAW", fourth, T.FAW, "the 4th-previous ACT");
    if (tooSoon(t, pc.refab, T.RFC)) reportGap(rec, bank, "tRFC", pc.refab, T.RFC, "REFAB");
    if (tooSoon(t, b.refpb, T.RFCPB)) reportGap(rec, bank, "tRFCpb", b.refpb, T.RFCPB, "REFPB");
    if (auto o = pc.refpbByBank.latestOther(bank); tooSoon(t, o.cycle, T.RREFD))
        reportGap(rec, bank, "tRREFD", o.cycle, T.RREFD, "REFPB to bank " + std::to_string(o.key));

    b.open = true;
    b.row = rec.row;
    b.act = t;
    g.actByBank.record(t, bank);
    pc.actByBank.record(t, bank);
    pc.actByGroup.record(t, group);
    pc.actRing[pc.actRingNext] = t;
    pc.actRingNext = (pc.actRingNext + 1) % pc.actRing.size();
}

// PRE, or PREA for one bank. JEDEC: a precharge to a bank with no open row (idle, or already
// precharging after RDA/WRA) is a no-op, so it is neither checked nor recorded.
void ProtocolChecker::onPrecharge(const CommandRecord& rec, PcState& pc, uint32_t bank, Cycle t) {
    const auto& T = m_spec.t;
    BankState& b = pc.banks[bank];
    if (!b.open) return;
    if (tooSoon(t, b.act, T.RAS)) reportGap(rec, bank, "tRAS", b.act, T.RAS, "ACT");
    // RD/WR before this bank's ACT cannot be too close (ACT itself waited for their precharge),
    // so the last RD/WR of the bank is enough.
    if (tooSoon(t, b.read, T.RTPL)) reportGap(rec, bank, "tRTP", b.read, T.RTPL, "RD");
    const uint64_t writeRecovery = uint64_t(T.WL) + T.nBL + T.WR;
    if (tooSoon(t, b.write, writeRecovery)) reportGap(rec, bank, "tWR", b.write, writeRecovery, "WR");
    b.open = false;
    b.precharge = t;
    b.autoPrecharge = false;
}

// The target bank of a column command must be open at the addressed row, tRCD after its ACT.
void ProtocolChecker::checkColumnTarget(const CommandRecord& rec, const BankState& b, uint32_t bank, uint32_t rcd) {
    if (!b.open) {
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state", "bank is closed");
        return;   // tRCD has no ACT to count from
    }
    if (b.row != rec.row)
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state",
               "row " + std::to_string(rec.row) + " is not the open row " + std::to_string(b.row));
    if (tooSoon(Cycle(rec.cycle), b.act, rcd)) reportGap(rec, bank, "tRCD", b.act, rcd, "ACT");
}

void ProtocolChecker::onRead(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const uint32_t group = bank / m_spec.org.banksPerGroup;
    BankState& b = pc.banks[bank];
    GroupState& g = pc.groups[group];

    checkColumnTarget(rec, b, bank, T.RCDRD);
    if (tooSoon(t, g.read, T.CCDL)) reportGap(rec, bank, "tCCD", g.read, T.CCDL, "RD in the same bank group");
    if (auto o = pc.readByGroup.latestOther(group); tooSoon(t, o.cycle, T.CCDS))
        reportGap(rec, bank, "tCCD", o.cycle, T.CCDS, "RD in bank group " + std::to_string(o.key));
    if (tooSoon(t, g.write, m_spec.writeToRead(true)))
        reportGap(rec, bank, "tWTR", g.write, m_spec.writeToRead(true), "WR in the same bank group");
    if (auto o = pc.writeByGroup.latestOther(group); tooSoon(t, o.cycle, m_spec.writeToRead(false)))
        reportGap(rec, bank, "tWTR", o.cycle, m_spec.writeToRead(false), "WR in bank group " + std::to_string(o.key));

    g.read = t;
    pc.readByGroup.record(t, group);
    b.read = t;
    if (rec.cmd == Command::RDA && b.open) {
        // The internal precharge starts once both tRTP after the read and tRAS after the ACT
        // have passed; the bank accepts no command until it is activated again.
        b.open = false;
        b.precharge = std::max<Cycle>(t + T.RTPL, b.act + T.RAS);
        b.autoPrecharge = true;
    }
}

void ProtocolChecker::onWrite(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const uint32_t group = bank / m_spec.org.banksPerGroup;
    BankState& b = pc.banks[bank];
    GroupState& g = pc.groups[group];

    checkColumnTarget(rec, b, bank, T.RCDWR);
    if (tooSoon(t, g.write, T.CCDL)) reportGap(rec, bank, "tCCD", g.write, T.CCDL, "WR in the same bank group");
    if (auto o = pc.writeByGroup.latestOther(group); tooSoon(t, o.cycle, T.CCDS))
        reportGap(rec, bank, "tCCD", o.cycle, T.CCDS, "WR in bank group " + std::to_string(o.key));
    if (Cycle r = pc.readByGroup.latest(); tooSoon(t, r, m_spec.readToWrite()))
        reportGap(rec, bank, "tRTW", r, m_spec.readToWrite(), "RD");

    g.write = t;
    pc.writeByGroup.record(t, group);
    b.write = t;
    if (rec.cmd == Command::WRA && b.open) {
        // Write recovery (WL + nBL + WR after the command) and tRAS, as for RDA.
        b.open = false;
        b.precharge = std::max<Cycle>(t + T.WL + T.nBL + T.WR, b.act + T.RAS);
        b.autoPrecharge = true;
    }
}

// Checked lazily, when the bank is refreshed (and by finish()), not on every command.
void ProtocolChecker::checkRefreshDeadline(const CommandRecord& rec, BankState& b, uint32_t bank) {
    const Cycle t = Cycle(rec.cycle);
    if (t - b.refreshed > Cycle(m_refreshDeadline))
        report(rec.cycle, rec.cmd, rec.pc, bank, "tREFI",
               std::to_string(t - b.refreshed) + " cycles since the last refresh at cycle " +
                   std::to_string(b.refreshed) + ", allowed " + std::to_string(m_refreshDeadline) + " (9 x REFI)");
    b.refreshed = std::max(b.refreshed, t);
}

void ProtocolChecker::onRefreshAll(const CommandRecord& rec, PcState& pc) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    if (tooSoon(t, pc.refab, T.RFC)) reportGap(rec, kAllBanks, "tRFC", pc.refab, T.RFC, "REFAB");
    // REFAB is rare (once per REFI at most), so visiting every bank costs little and names the
    // offending bank in each message.
    for (uint32_t bank = 0; bank < pc.banks.size(); ++bank) {
        BankState& b = pc.banks[bank];
        if (b.open)
            report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state", "bank is open (row " + std::to_string(b.row) + ")");
        if (tooSoon(t, b.precharge, T.RP))
            reportGap(rec, bank, "tRP", b.precharge, T.RP, b.autoPrecharge ? "auto-precharge" : "PRE");
        // REFAB refreshes this bank too: a per-bank refresh still running blocks it.
        if (tooSoon(t, b.refpb, T.RFCPB)) reportGap(rec, bank, "tRFCpb", b.refpb, T.RFCPB, "REFPB");
        checkRefreshDeadline(rec, b, bank);
    }
    pc.refab = t;
}

void ProtocolChecker::onRefreshBank(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    BankState& b = pc.banks[bank];
    if (b.open)
        report(rec.cycle, rec.cmd, rec.pc, bank, "bank-state", "bank is open (row " + std::to_string(b.row) + ")");
    if (tooSoon(t, b.precharge, T.RP))
        reportGap(rec, bank, "tRP", b.precharge, T.RP, b.autoPrecharge ? "auto-precharge" : "PRE");
    if (tooSoon(t, pc.refab, T.RFC)) reportGap(rec, bank, "tRFC", pc.refab, T.RFC, "REFAB");
    if (tooSoon(t, b.refpb, T.RFCPB)) reportGap(rec, bank, "tRFCpb", b.refpb, T.RFCPB, "REFPB");
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

}  // namespace pilot::hbm
