// SPDX-License-Identifier: MIT
// The protocol checker's rules for the PIM commands: ACTAB (an activation of every bank), the
// all-bank column commands MRD / MWR, the single-bank SMRD / SMWR, and their spacing against
// every other column command. The DRAM commands' rules are in protocol_checker.cpp.
#include <algorithm>
#include <string>

#include "models/hbm/protocol_checker.h"

namespace pilot::hbm {

// ACTAB: an ACT to every bank at once. Each bank must be closed and past its own tRP, tRC and
// tRFCpb; the pseudo-channel-wide rules (tRFC, tRREFD, tRRD, the power-limit tFAW) are checked
// once. ACTAB is not one of the four ACTs of the tFAW window nor an ACT for tRRD: the next ACT
// waits tRC after it (every bank's `act`), and max(RC, FAW) under the power limit.
void ProtocolChecker::onActivateAll(const CommandRecord& rec, PcState& pc) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    Tally rp{T.RP}, rc{T.RC}, rfcpb{T.RFCPB};
    uint32_t open = 0, firstOpen = 0;
    for (uint32_t bank = 0; bank < pc.banks.size(); ++bank) {
        const BankState& b = pc.banks[bank];
        if (b.open && open++ == 0)
            firstOpen = bank;
        rp.add(t, b.precharge, bank);
        rc.add(t, b.act, bank);
        rfcpb.add(t, b.refpb, bank);
    }
    reportOpenBanks(rec, pc, open, firstOpen);
    if (rp.count)
        reportTally(rec, "tRP", rp, pc.banks[rp.bank].autoPrecharge ? "auto-precharge" : "PRE");
    if (rc.count)
        reportTally(rec, "tRC", rc, activation(pc, rc.bank));
    if (tooSoon(t, pc.actab, m_actabFaw))
        reportGap(rec, kAllBanks, "tFAW", pc.actab, m_actabFaw, "ACTAB (all-bank power limit)");
    if (tooSoon(t, pc.refab, T.RFC))
        reportGap(rec, kAllBanks, "tRFC", pc.refab, T.RFC, "REFAB");
    reportTally(rec, "tRFCpb", rfcpb, "REFPB");
    if (auto o = pc.refpbByBank.latestEvent(); tooSoon(t, o.cycle, T.RREFD))
        reportGap(rec, kAllBanks, "tRREFD", o.cycle, T.RREFD, "REFPB to bank " + std::to_string(o.key));
    if (auto o = pc.actByBank.latestEvent(); tooSoon(t, o.cycle, T.RRDL))
        reportGap(rec, kAllBanks, "tRRD", o.cycle, T.RRDL, "ACT to bank " + std::to_string(o.key));

    for (BankState& b : pc.banks) {
        b.open = true;
        b.row = rec.row;
        b.act = t;
    }
    pc.actab = t;
    pc.uniformKnown = true;
    pc.uniformRow = rec.row;
}

// MRD and MWR: every bank must be open at the row (remembered, so O(1) until a bank changes).
void ProtocolChecker::checkAllBanksOpen(const CommandRecord& rec, PcState& pc) {
    if (pc.uniformKnown && pc.uniformRow == rec.row)
        return;
    uint32_t wrong = 0, first = 0;
    for (uint32_t bank = 0; bank < pc.banks.size(); ++bank) {
        const BankState& b = pc.banks[bank];
        if ((!b.open || b.row != rec.row) && wrong++ == 0)
            first = bank;
    }
    if (wrong == 0) {
        pc.uniformKnown = true;
        pc.uniformRow = rec.row;
        return;
    }
    const BankState& b = pc.banks[first];
    std::string why =
        !b.open ? "closed" : "open at row " + std::to_string(b.row) + ", not row " + std::to_string(rec.row);
    if (wrong == 1)
        report(rec.cycle, rec.cmd, rec.pc, first, "bank-state", "bank is " + why);
    else
        report(rec.cycle, rec.cmd, rec.pc, kAllBanks, "bank-state",
               std::to_string(wrong) + " banks are not open at row " + std::to_string(rec.row) +
                   " (the first, bank " + std::to_string(first) + ", is " + why + ")");
}

// MRD (every bank's open row into its PE) and MWR (back): column commands of every bank at once
// that use no data bus. O(1): every rule is against pseudo-channel-wide issue cycles.
void ProtocolChecker::onAllBankColumn(const CommandRecord& rec, PcState& pc) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const bool in = rec.cmd == Command::MRD;
    checkAllBanksOpen(rec, pc);
    // tRCD from the latest activation of any bank: with every bank open, that one binds.
    const auto act = pc.actByBank.latestEvent();
    const uint64_t rcd = in ? T.RCDRD : T.RCDWR;
    if (pc.actab >= act.cycle) {
        if (tooSoon(t, pc.actab, rcd))
            reportGap(rec, kAllBanks, "tRCD", pc.actab, rcd, "ACTAB");
    } else if (tooSoon(t, act.cycle, rcd)) {
        reportGap(rec, kAllBanks, "tRCD", act.cycle, rcd, "ACT to bank " + std::to_string(act.key));
    }
    checkColumnSpacing(rec, pc, kAllBanks);
    if (in)
        pc.mrd = t;
    else
        pc.mwr = t;
    pc.pimColumns = true;
}

// SMRD (one column of one bank's open row into its PE's buffer) and SMWR (back): per-bank column
// commands without data bus, spaced like MRD and MWR.
void ProtocolChecker::onBankPimColumn(const CommandRecord& rec, PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const bool in = rec.cmd == Command::SMRD;
    checkColumnTarget(rec, pc, bank, in ? T.RCDRD : T.RCDWR);
    checkColumnSpacing(rec, pc, bank);
    BankState& b = pc.banks[bank];
    if (in)
        b.smrd = pc.smrd = t;
    else
        b.smwr = pc.smwr = t;
    pc.pimColumns = true;
}

// The spacing of the PIM column commands (MRD, MWR, SMRD, SMWR) from every other column command,
// at pseudo-channel scope (an all-bank command touches every bank group; a single-bank one is
// spaced the same way): tCCD_L, and WL + nBL + tWTR_L from any write (WR, WRA, MWR, SMWR) to an
// MRD or SMRD. Only MRD->MRD and MWR->MWR take tCCDAB under the all-bank power limit.
void ProtocolChecker::checkColumnSpacing(const CommandRecord& rec, const PcState& pc, uint32_t bank) {
    const auto& T = m_spec.t;
    const Cycle t = Cycle(rec.cycle);
    const bool in = rec.cmd == Command::MRD || rec.cmd == Command::SMRD;
    const bool allBanks = rec.cmd == Command::MRD || rec.cmd == Command::MWR;
    const Cycle rd = pc.readByGroup.latest(), wr = pc.writeByGroup.latest();
    Spacing ccd{t}, wtr{t};
    ccd.add(rd, T.CCDL, "RD");
    ccd.add(pc.mrd, allBanks && in ? m_allBankCcd : T.CCDL, "MRD");
    ccd.add(pc.smrd, T.CCDL, "SMRD");
    if (in) {
        wtr.add(wr, m_wtrSameGroup, "WR");
        wtr.add(pc.mwr, m_wtrSameGroup, "MWR");
        wtr.add(pc.smwr, m_wtrSameGroup, "SMWR");
    } else {
        ccd.add(wr, T.CCDL, "WR");
        ccd.add(pc.mwr, allBanks ? m_allBankCcd : T.CCDL, "MWR");
        ccd.add(pc.smwr, T.CCDL, "SMWR");
    }
    reportSpacing(rec, bank, "tCCD", ccd);
    reportSpacing(rec, bank, "tWTR", wtr);
}

} // namespace pilot::hbm
