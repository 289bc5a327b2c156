// SPDX-License-Identifier: MIT
#include "models/hbm/timing_table.h"

#include <algorithm>
#include <initializer_list>

namespace pilot::hbm {

namespace {

// The rows of one family of rules: `add` expands {prev...} x {next...} into rows.
class RuleSink {
  public:
    explicit RuleSink(std::vector<TimingRule>& rows) : m_rows(rows) {}
    void operator()(Scope s, std::initializer_list<Command> prev, std::initializer_list<Command> next,
                    uint32_t cycles, const char* src) {
        for (Command p : prev)
            for (Command n : next)
                m_rows.push_back({s, p, n, cycles, src});
    }

  private:
    std::vector<TimingRule>& m_rows;
};

// Write recovery, and the ACT-to-ACT time after an auto-precharge: auto-precharge starts after
// the read-to-precharge (or write recovery) time; tRAS is covered by the ACT->{ACT,REF} tRC rows
// (tRC >= tRAS + tRP is validated in the memspec).
struct RowCycle {
    uint32_t wrRecovery, rdaToAct, wraToAct;
};
RowCycle rowCycleOf(const Timing& t) {
    const uint32_t wrRecovery = t.WL + t.nBL + t.WR;
    return {wrRecovery, t.RTPL + t.RP, wrRecovery + t.RP};
}

// Host commands: row cycle, bank group, pseudo-channel, refresh.
void addHostRules(RuleSink& add, const Memspec& spec) {
    const Timing& t = spec.t;
    using C = Command;
    const auto RDs = {C::RD, C::RDA};
    const auto WRs = {C::WR, C::WRA};
    const auto [wrRecovery, rdaToAct, wraToAct] = rowCycleOf(t);

    // Same bank: row cycle.
    add(Scope::Bank, {C::ACT}, RDs, t.RCDRD, "tRCDRD");
    add(Scope::Bank, {C::ACT}, WRs, t.RCDWR, "tRCDWR");
    add(Scope::Bank, {C::ACT}, {C::PRE, C::PREA}, t.RAS, "tRAS");
    // After RDA/WRA the auto-precharge starts no earlier than ACT + tRAS: a refresh of the
    // bank, like the next ACT, waits the whole row cycle (tRC >= tRAS + tRP).
    add(Scope::Bank, {C::ACT}, {C::ACT, C::REFPB, C::REFAB}, t.RC, "tRC");
    add(Scope::Bank, {C::PRE}, {C::ACT, C::REFPB, C::REFAB}, t.RP, "tRP");
    add(Scope::Bank, {C::RD}, {C::PRE, C::PREA}, t.RTPL, "tRTPL");
    add(Scope::Bank, {C::WR}, {C::PRE, C::PREA}, wrRecovery, "WL + nBL + tWR");
    add(Scope::Bank, {C::RDA}, {C::ACT, C::REFPB, C::REFAB}, rdaToAct, "tRTPL + tRP (auto-precharge)");
    // RDA's auto-precharge starts tRTPL after it and must not cut a write's recovery short.
    if (wrRecovery > t.RTPL) {
        add(Scope::Bank, {C::WR, C::WRA, C::SMWR}, {C::RDA}, wrRecovery - t.RTPL, "WL + nBL + tWR - tRTPL");
        add(Scope::PseudoChannel, {C::MWR}, {C::RDA}, wrRecovery - t.RTPL, "WL + nBL + tWR - tRTPL");
    }
    add(Scope::Bank, {C::WRA}, {C::ACT, C::REFPB, C::REFAB}, wraToAct,
        "WL + nBL + tWR + tRP (auto-precharge)");
    add(Scope::Bank, {C::REFPB}, {C::ACT, C::REFPB}, t.RFCPB, "tRFCpb");
    // Same bank group.
    add(Scope::BankGroup, {C::ACT}, {C::ACT}, t.RRDL, "tRRDL");
    add(Scope::BankGroup, RDs, RDs, t.CCDL, "tCCDL");
    add(Scope::BankGroup, WRs, WRs, t.CCDL, "tCCDL");
    add(Scope::BankGroup, WRs, RDs, spec.writeToRead(true), "WL + nBL + tWTRL");
    // Whole pseudo-channel (shared data bus, power).
    add(Scope::PseudoChannel, {C::ACT}, {C::ACT}, t.RRDS, "tRRDS");
    add(Scope::PseudoChannel, RDs, RDs, t.CCDS, "tCCDS");
    add(Scope::PseudoChannel, WRs, WRs, t.CCDS, "tCCDS");
    add(Scope::PseudoChannel, WRs, RDs, spec.writeToRead(false), "WL + nBL + tWTRS");
    add(Scope::PseudoChannel, RDs, WRs, spec.readToWrite(), "RL + nBL + tRTW - WL");
    add(Scope::PseudoChannel, {C::PREA}, {C::ACT, C::REFAB, C::REFPB}, t.RP, "tRP");
    add(Scope::PseudoChannel, {C::REFAB}, {C::ACT, C::REFAB, C::REFPB}, t.RFC, "tRFC");
    add(Scope::PseudoChannel, {C::REFPB}, {C::ACT, C::REFPB}, t.RREFD, "tRREFD");
    add(Scope::PseudoChannel, {C::REFPB}, {C::REFAB}, t.RFCPB, "tRFCpb");
    add(Scope::PseudoChannel, {C::ACT}, {C::REFPB}, t.RRDS, "tRRDS");
}

// PIM commands: ACTAB, the all-bank and single-bank moves, against each other and host commands.
void addPimRules(RuleSink& add, const Memspec& spec) {
    const Timing& t = spec.t;
    using C = Command;
    const auto RDs = {C::RD, C::RDA};
    const auto WRs = {C::WR, C::WRA};
    const auto [wrRecovery, rdaToAct, wraToAct] = rowCycleOf(t);

    // PIM all-bank commands. ACTAB activates every bank, so its effects are pseudo-channel
    // wide; its own earliest time is the max over banks (PRE/RDA/WRA/REFPB rows above name it).
    const bool limit = spec.pimAllBankPowerLimit;
    const uint32_t colAb = limit ? std::max(t.CCDAB, t.CCDL) : t.CCDL;
    add(Scope::Bank, {C::PRE}, {C::ACTAB}, t.RP, "tRP");
    add(Scope::Bank, {C::RDA}, {C::ACTAB}, rdaToAct, "tRTPL + tRP (auto-precharge)");
    add(Scope::Bank, {C::WRA}, {C::ACTAB}, wraToAct, "WL + nBL + tWR + tRP (auto-precharge)");
    add(Scope::Bank, {C::REFPB}, {C::ACTAB}, t.RFCPB, "tRFCpb");
    add(Scope::Bank, {C::ACT}, {C::ACTAB}, t.RC, "tRC");
    add(Scope::PseudoChannel, {C::PREA}, {C::ACTAB}, t.RP, "tRP");
    add(Scope::PseudoChannel, {C::REFAB}, {C::ACTAB}, t.RFC, "tRFC");
    add(Scope::PseudoChannel, {C::REFPB}, {C::ACTAB}, t.RREFD, "tRREFD");
    add(Scope::PseudoChannel, {C::ACT}, {C::ACTAB}, t.RRDL, "tRRDL");
    add(Scope::PseudoChannel, {C::ACTAB}, {C::ACT, C::ACTAB, C::REFAB, C::REFPB}, t.RC, "tRC (all banks)");
    if (limit) // under the power limit an all-bank activation uses the whole four-activate window
        add(Scope::PseudoChannel, {C::ACTAB}, {C::ACT, C::ACTAB}, std::max(t.RC, t.FAW),
            "tFAW (all-bank power limit)");
    add(Scope::PseudoChannel, {C::ACTAB}, {C::MRD, C::RD, C::RDA}, t.RCDRD, "tRCDRD");
    add(Scope::PseudoChannel, {C::ACTAB}, {C::MWR, C::WR, C::WRA}, t.RCDWR, "tRCDWR");
    add(Scope::PseudoChannel, {C::ACTAB}, {C::PRE, C::PREA}, t.RAS, "tRAS");
    add(Scope::PseudoChannel, {C::MRD}, {C::MRD}, colAb, limit ? "max(tCCDAB, tCCDL)" : "tCCDL");
    add(Scope::PseudoChannel, {C::MWR}, {C::MWR}, colAb, limit ? "max(tCCDAB, tCCDL)" : "tCCDL");
    add(Scope::PseudoChannel, {C::MRD}, {C::MWR, C::RD, C::RDA, C::WR, C::WRA}, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, RDs, {C::MRD, C::MWR}, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::MWR}, {C::MRD, C::RD, C::RDA}, spec.writeToRead(true), "WL + nBL + tWTRL");
    add(Scope::PseudoChannel, WRs, {C::MRD}, spec.writeToRead(true), "WL + nBL + tWTRL");
    add(Scope::PseudoChannel, WRs, {C::MWR}, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::MWR}, {C::WR, C::WRA}, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::MRD}, {C::PRE, C::PREA}, t.RTPL, "tRTPL");
    add(Scope::PseudoChannel, {C::MWR}, {C::PRE, C::PREA}, wrRecovery, "WL + nBL + tWR");

    // Single-bank PIM moves: the per-bank rules of RD / WR for their bank, and the all-bank
    // moves' column spacing (no data bus) at pseudo-channel scope.
    add(Scope::Bank, {C::ACT}, {C::SMRD}, t.RCDRD, "tRCDRD");
    add(Scope::Bank, {C::ACT}, {C::SMWR}, t.RCDWR, "tRCDWR");
    add(Scope::PseudoChannel, {C::ACTAB}, {C::SMRD}, t.RCDRD, "tRCDRD");
    add(Scope::PseudoChannel, {C::ACTAB}, {C::SMWR}, t.RCDWR, "tRCDWR");
    add(Scope::Bank, {C::SMRD}, {C::PRE, C::PREA}, t.RTPL, "tRTPL");
    add(Scope::Bank, {C::SMWR}, {C::PRE, C::PREA}, wrRecovery, "WL + nBL + tWR");
    const auto reads = {C::RD, C::RDA, C::MRD, C::SMRD};
    const auto writes = {C::WR, C::WRA, C::MWR, C::SMWR};
    add(Scope::PseudoChannel, {C::SMRD}, reads, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::SMRD}, writes, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::SMWR}, writes, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::SMWR}, reads, spec.writeToRead(true), "WL + nBL + tWTRL");
    add(Scope::PseudoChannel, {C::RD, C::RDA, C::MRD}, {C::SMRD, C::SMWR}, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::WR, C::WRA, C::MWR}, {C::SMWR}, t.CCDL, "tCCDL");
    add(Scope::PseudoChannel, {C::WR, C::WRA, C::MWR}, {C::SMRD}, spec.writeToRead(true), "WL + nBL + tWTRL");
}

} // namespace

std::vector<TimingRule> buildTimingTable(const Memspec& spec) {
    std::vector<TimingRule> rows;
    RuleSink add(rows);
    addHostRules(add, spec);
    addPimRules(add, spec);
    return rows;
}

TimingState::TimingState(const Memspec& spec, uint32_t banks, uint32_t groups)
    : m_rules(buildTimingTable(spec)), m_bank(banks), m_group(groups), m_faw(spec.t.FAW),
      m_banksPerGroup(spec.org.banksPerGroup), m_actLag(spec.bus.actLag()) {
    for (auto& r : m_bank)
        r.fill(0);
    for (auto& r : m_group)
        r.fill(0);
    // Rules of the same scope, preceding and following command merge into the longest: raising a
    // slot to the max of two bounds is raising it to the larger one.
    for (const auto& r : m_rules) {
        auto& effects = m_byPrev[size_t(r.prev)];
        const int64_t offset = int64_t(r.cycles) + lagOf(r.prev) - int64_t(lagOf(r.next));
        auto same = std::find_if(effects.begin(), effects.end(),
                                 [&](const Effect& e) { return e.scope == r.scope && e.next == r.next; });
        if (same == effects.end())
            effects.push_back({r.scope, r.next, offset});
        else
            same->offset = std::max(same->offset, offset);
    }
}

void TimingState::dropPimTargets() {
    for (auto& effects : m_byPrev)
        effects.erase(
            std::remove_if(effects.begin(), effects.end(), [](const Effect& e) { return isPim(e.next); }),
            effects.end());
}

void TimingState::record(Command cmd, uint32_t bank, uint32_t group, uint64_t issued) {
    ++m_version;
    // One loop over the command's effects (this runs for every command issued); each picks its
    // scope's row by index, without a test.
    Row* const rows[kScopeCount] = {&m_bank[bank], &m_group[group], &m_pc};
    for (const Effect& e : m_byPrev[size_t(cmd)]) {
        uint64_t& slot = (*rows[size_t(e.scope)])[size_t(e.next)];
        const int64_t start = int64_t(issued) + e.offset;
        slot = std::max(slot, uint64_t(std::max<int64_t>(start, 0)));
    }
    if (cmd == Command::ACT) {
        // The ring holds, for each of the last four ACTs, the first cycle an ACT four later may
        // start (both take effect lag cycles after they start); the head is the oldest.
        // Zero-initialised slots leave the first four ACTs free.
        m_actWindow[m_actHead] = issued + m_faw;
        m_actHead = (m_actHead + 1) & 3;
    }
}

} // namespace pilot::hbm
