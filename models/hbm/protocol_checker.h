// SPDX-License-Identifier: MIT
#pragma once
// Independent DRAM protocol checker. It observes every command a controller issues and reports
// each one that breaks a JEDEC rule. It is written from the memspec values on purpose, apart
// from the controller's timing table (STYLE.md "Timing rules as data"): one cannot hide the
// other's mistake. Each rule is an explicit check against the last issue cycles kept per bank,
// per bank group and per pseudo-channel, so a command costs O(1) (PREA, REFAB and ACTAB visit
// the banks of their pseudo-channel; they are rare). The PIM column commands MRD and MWR, the hot
// path of a PIM run, act on every bank yet stay O(1): they are checked against pseudo-channel
// wide issue cycles, and "every bank is open at this row" is remembered from the last ACTAB (or
// the last full scan) until a bank changes state. The single-bank PIM column commands SMRD and
// SMWR are per-bank column commands (target bank open at the row, tRCD, tRTP / tWR of that bank)
// spaced like MRD / MWR from every other column command, at pseudo-channel scope; only the
// all-bank pairs MRD->MRD and MWR->MWR take tCCDAB under the power limit. The checker never
// reads the simulation time: the cycle comes with each command, and finish() takes the end cycle.
//
// A command that acts on every bank (PREA, REFAB, ACTAB, MRD, MWR) breaks each rule at most once:
// the violation names the one offending bank, or kAllBanks when several are (the detail then
// names the binding bank and how many there are).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/hbm/command.h"
#include "models/hbm/memspec.h"

namespace pilot::hbm {

// Violation::bank of a rule broken by an all-bank command (PREA, REFAB, ACTAB, MRD, MWR, PEOP) as a
// whole, or by several of its banks, rather than by one bank.
inline constexpr uint32_t kAllBanks = ~0u;
// Violation::cmd of the checks finish() makes: no command was issued, one was missing.
inline constexpr Command kEndOfSimulation = Command::kCount;

struct Violation {
    uint64_t cycle; // command-clock cycle of the offending command (or of finish())
    Command cmd;
    uint32_t pc;        // global pseudo-channel index
    uint32_t bank;      // flat bank index within the pseudo-channel, or kAllBanks
    std::string rule;   // "tRCD", "bank-state", "command-bus", ...
    std::string detail; // "12 cycles after ACT, needs 19"
    uint32_t tCKps = 0; // lets line() give the time in ns; 0 leaves it out
    // "pc 3 bank 5 cycle 1234 (948.9 ns): RD violates tRCD: 12 cycles after ACT, needs 19"
    std::string line() const;
};

class ProtocolChecker : public CommandObserver {
  public:
    static constexpr size_t kKeptViolations = 1000;

    ProtocolChecker(const Memspec& spec, uint32_t pcCount);

    // Checks rec against the history of its pseudo-channel, then records it (also when it broke
    // a rule, so one mistake is reported once and not again by every later command). An ACT or
    // ACTAB is checked against the bus at its first cycle and against the timing rules at the
    // cycle it takes effect (its last bus cycle when the memspec says so): its violations of
    // timing rules name that cycle.
    void onCommand(const CommandRecord& rec) override;
    // End of simulation: every bank must have been refreshed within the last 9 x REFI.
    void finish(uint64_t cycle);

    const std::vector<Violation>& violations() const { return m_violations; } // the first 1000
    uint64_t violationCount() const { return m_violationCount; }              // all of them
    uint64_t commandsChecked() const { return m_commandsChecked; }

  private:
    // Signed, so that "never" and an auto-precharge still in the future compare naturally.
    // "Never" lies so far in the past that every rule has long passed since (t - kNever does not
    // overflow): the rules need no separate test for it (tooSoon, on every command).
    using Cycle = int64_t;
    static constexpr Cycle kNever = INT64_MIN / 4;

    // The latest event per key for the two most recent distinct keys: answers "when did this
    // happen last to any bank (group) other than k" in O(1). Events arrive in cycle order.
    struct LatestByKey {
        struct Event {
            Cycle cycle = kNever;
            uint32_t key = ~0u;
        };
        std::array<Event, 2> e;
        void record(Cycle t, uint32_t k);
        Event latestOther(uint32_t k) const { return e[0].key != k ? e[0] : e[1]; }
        Event latestEvent() const { return e[0]; }
        Cycle latest() const { return e[0].cycle; }
    };

    // One spacing rule of a column command against several earlier commands (RD, MRD, SMRD, ...):
    // of those too close, the binding one (the latest earliest-legal cycle), so that the rule is
    // reported once. No string is built unless it is broken.
    struct Spacing {
        Cycle t;
        Cycle since = kNever;
        uint64_t need = 0;
        const char* after = nullptr;
        void add(Cycle event, uint64_t n, const char* name) {
            if (!tooSoon(t, event, n))
                return;
            if (after == nullptr || event + Cycle(n) > since + Cycle(need))
                since = event, need = n, after = name;
        }
    };

    // One timing rule of a command over several banks (PREA, REFAB, ACTAB): how many banks break
    // it, and the binding one (the latest event), so that the rule is reported once.
    struct Tally {
        uint64_t need;
        Cycle since = kNever;
        uint32_t bank = 0;
        uint32_t count = 0;
        void add(Cycle t, Cycle event, uint32_t b) {
            if (!tooSoon(t, event, need))
                return;
            if (count++ == 0 || event > since)
                since = event, bank = b;
        }
    };

    struct BankState {
        uint32_t group = 0; // its bank group (fixed)
        bool open = false;
        uint32_t row = 0;
        Cycle act = kNever; // last ACT or ACTAB
        // Start of the last precharge: PRE, PREA, or the internal auto-precharge of RDA/WRA,
        // which may lie in the future of the command that scheduled it.
        Cycle precharge = kNever;
        bool autoPrecharge = false; // the last precharge was an auto-precharge (for messages)
        Cycle read = kNever;        // last RD (tRTP)
        Cycle write = kNever;       // last WR (tWR)
        Cycle smrd = kNever;        // last SMRD of this bank (tRTP)
        Cycle smwr = kNever;        // last SMWR of this bank (tWR)
        Cycle refpb = kNever;
        Cycle refreshed = 0; // last REFAB/REFPB; the tREFI count starts at cycle 0
    };
    struct GroupState {
        Cycle read = kNever, write = kNever; // last RD/RDA and WR/WRA to any bank of the group
        LatestByKey actByBank;
    };
    struct PcState {
        std::vector<BankState> banks;
        std::vector<GroupState> groups;
        uint32_t bus = 0; // index into m_buses (fixed)
        Cycle lastCycle = kNever, lastRowBus = kNever, lastColumnBus = kNever;
        LatestByKey actByBank, actByGroup, readByGroup, writeByGroup, refpbByBank;
        std::array<Cycle, 4> actRing{kNever, kNever, kNever, kNever}; // last 4 ACTs (tFAW)
        uint32_t actRingNext = 0;                                     // the oldest of them
        Cycle refab = kNever;
        // PIM all-bank commands: the last ACTAB (its cycle is also every bank's `act`), MRD, MWR.
        Cycle actab = kNever, mrd = kNever, mwr = kNever;
        // PIM single-bank column commands: the last SMRD and SMWR to any bank.
        Cycle smrd = kNever, smwr = kNever;
        // Some MRD, MWR, SMRD or SMWR was issued: until then the host column commands' spacings
        // from them cannot bind, and are not looked at.
        bool pimColumns = false;
        // When true, every bank is open at uniformRow: MRD/MWR skip the scan of the banks. Set by
        // ACTAB and by a scan that found it so; cleared whenever a bank opens or closes.
        bool uniformKnown = false;
        uint32_t uniformRow = 0;
    };

    // The row and column command buses: one per channel when its pseudo-channels share them
    // (Memspec::bus), else one per pseudo-channel. A command holds its bus for its cycles.
    struct BusState {
        // The command that holds (or last held) the bus, from `start` for `cycles`.
        struct Holder {
            Cycle start = kNever;
            uint32_t cycles = 1;
            Command cmd = Command::kCount;
            uint32_t pc = 0;
        };
        Holder lane[2]; // [0] row bus, [1] column bus
    };
    // `bank`: the record's bank, or kAllBanks for an all-bank command.
    void checkCommandBus(const CommandRecord& rec, PcState& pc, uint32_t bank);
    void checkTiming(const CommandRecord& rec, PcState& pc, uint32_t bank);
    void onActivate(const CommandRecord& rec, PcState& pc, uint32_t bank);
    void onActivateAll(const CommandRecord& rec, PcState& pc);
    // PRE of bank `first` (last = first + 1) or PREA (all banks).
    void onPrecharge(const CommandRecord& rec, PcState& pc, uint32_t first, uint32_t last);
    void onRead(const CommandRecord& rec, PcState& pc, uint32_t bank);
    void onWrite(const CommandRecord& rec, PcState& pc, uint32_t bank);
    void onRefreshAll(const CommandRecord& rec, PcState& pc);
    void onRefreshBank(const CommandRecord& rec, PcState& pc, uint32_t bank);
    void onAllBankColumn(const CommandRecord& rec, PcState& pc);                // MRD, MWR
    void onBankPimColumn(const CommandRecord& rec, PcState& pc, uint32_t bank); // SMRD, SMWR
    // tCCD / tWTR of a PIM column command (MRD, MWR, SMRD, SMWR) against every other column
    // command, each rule reported once on `bank` (kAllBanks for MRD / MWR).
    void checkColumnSpacing(const CommandRecord& rec, const PcState& pc, uint32_t bank);
    void checkAllBanksOpen(const CommandRecord& rec, PcState& pc);
    // The banks of an all-bank row command that are open: one bank-state violation.
    void reportOpenBanks(const CommandRecord& rec, const PcState& pc, uint32_t count, uint32_t first);
    void checkRefreshDeadline(const CommandRecord& rec, BankState& b, uint32_t bank);
    void checkColumnTarget(const CommandRecord& rec, const PcState& pc, uint32_t bank, uint32_t rcd);

    // True when `need` cycles have not passed since `since` (false if it never happened).
    static bool tooSoon(Cycle t, Cycle since, uint64_t need) { return t - since < Cycle(need); }
    void report(uint64_t cycle, Command cmd, uint32_t pc, uint32_t bank, const char* rule,
                std::string detail);
    void reportGap(const CommandRecord& rec, uint32_t bank, const char* rule, Cycle since, uint64_t need,
                   const std::string& after);
    // A broken Spacing, once (nothing when it holds).
    void reportSpacing(const CommandRecord& rec, uint32_t bank, const char* rule, const Spacing& s) {
        if (s.after != nullptr)
            reportGap(rec, bank, rule, s.since, s.need, s.after);
    }
    // A Tally with count > 0, once: on its bank when it is the only one, else on kAllBanks.
    void reportTally(const CommandRecord& rec, const char* rule, const Tally& g, const std::string& after);
    // "ACTAB" when the bank's last activation was the pseudo-channel's last ACTAB, else "ACT".
    static const char* activation(const PcState& pc, uint32_t bank) {
        return pc.banks[bank].act == pc.actab ? "ACTAB" : "ACT";
    }

    const Memspec m_spec;
    const uint64_t m_refreshDeadline; // 9 x REFI: JEDEC lets 8 refreshes be postponed
    // Under the all-bank power limit an ACTAB uses the whole four-activate window: the next ACT
    // or ACTAB waits max(RC, FAW). tRC already covers RC, so this is FAW when FAW > RC, else 0.
    const uint64_t m_actabFaw;
    // MRD->MRD and MWR->MWR spacing: CCDL, or max(CCDAB, CCDL) under the power limit (not the
    // single-bank SMRD->SMRD / SMWR->SMWR, nor mixed pairs: those are CCDL).
    const uint64_t m_allBankCcd;
    std::vector<PcState> m_pcs;
    std::vector<BusState> m_buses;
    // Cycles from an ACT's first bus cycle to the cycle its timings count from (Memspec::bus).
    const uint32_t m_actLag;
    // Memspec::writeToRead (same / other bank group) and readToWrite, worked out once.
    const uint32_t m_wtrSameGroup, m_wtrOtherGroup, m_readToWrite;
    std::vector<Violation> m_violations;
    uint64_t m_violationCount = 0;
    uint64_t m_commandsChecked = 0;
};

} // namespace pilot::hbm
