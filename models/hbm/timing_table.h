// SPDX-License-Identifier: MIT
#pragma once
// The controller's timing rules as data (after Ramulator2): rows of {scope, preceding command,
// following command, cycles, source}. TimingState applies them: each issued command raises
// the earliest legal cycle of the commands it constrains, per bank, bank group or
// pseudo-channel, so the controller's "when may X issue" is a max of three numbers.
// The protocol checker does NOT use this file: it re-derives the rules on its own.
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "models/hbm/command.h"
#include "models/hbm/memspec.h"

namespace pilot::hbm {

enum class Scope : uint8_t { Bank, BankGroup, PseudoChannel };
inline constexpr size_t kScopeCount = 3;

struct TimingRule {
    Scope scope;
    Command prev;
    Command next;
    uint32_t cycles;
    const char* source; // the memspec parameters the latency is made of
};

std::vector<TimingRule> buildTimingTable(const Memspec& spec);

class TimingState {
  public:
    TimingState(const Memspec& spec, uint32_t banks, uint32_t groups);

    // Earliest cycle at which `cmd` may issue to (bank, group), from the rules alone. The rules
    // hold between the cycles commands take effect: an ACT's timings count from its last bus
    // cycle (lag), so an ACT may start lag cycles before its rules allow it to take effect. The
    // slots hold start cycles, the lag already taken off (record()): this is asked for every bank
    // a walk looks at, far more often than a command is recorded.
    uint64_t earliest(Command cmd, uint32_t bank, uint32_t group) const {
        // (Pairwise: GCC makes a loop with branches of an initializer list's max.)
        return std::max(std::max(m_bank[bank][size_t(cmd)], m_group[group][size_t(cmd)]),
                        earliestAnyBank(cmd));
    }
    // A lower bound of earliest(cmd, b, g) for every bank b and group g: the pseudo-channel's rules
    // alone (tRRD, tFAW, tCCD, turnarounds), which bind every bank alike.
    uint64_t earliestAnyBank(Command cmd) const {
        uint64_t e = m_pc[size_t(cmd)];
        if (cmd == Command::ACT)
            e = std::max(e, m_actWindow[m_actHead]); // 4th-previous ACT + tFAW
        return e;
    }
    // The same for any column command (RD, RDA, WR, WRA).
    uint64_t earliestAnyColumn() const {
        return std::min(std::min(m_pc[size_t(Command::RD)], m_pc[size_t(Command::RDA)]),
                        std::min(m_pc[size_t(Command::WR)], m_pc[size_t(Command::WRA)]));
    }
    // `cmd` issued (its first bus cycle) at `cycle`.
    void record(Command cmd, uint32_t bank, uint32_t group, uint64_t cycle);
    // Stops keeping the earliest cycles of PIM commands, for a pseudo-channel without PEs (which
    // never issues them): record() then raises fewer slots for every command. earliest() of a
    // PIM command is meaningless afterwards.
    void dropPimTargets();
    uint32_t groupOf(uint32_t bank) const { return bank / m_banksPerGroup; }
    // Bumped by every record(): a caller may keep what it derived from earliest() until then.
    uint64_t version() const { return m_version; }
    const std::vector<TimingRule>& rules() const { return m_rules; }

  private:
    using Row = std::array<uint64_t, kCommandCount>;
    uint32_t lagOf(Command c) const { return c == Command::ACT || c == Command::ACTAB ? m_actLag : 0; }

    // A rule as record() applies it: `next` may start `offset` cycles after the preceding command
    // started (its cycles, plus the preceding command's lag, less the following one's; a start
    // before cycle 0 is cycle 0).
    struct Effect {
        Scope scope;
        Command next;
        int64_t offset;
    };

    std::vector<TimingRule> m_rules;
    std::array<std::vector<Effect>, kCommandCount> m_byPrev; // [prev]
    std::vector<Row> m_bank, m_group;
    Row m_pc{};
    std::array<uint64_t, 4> m_actWindow{}; // last four ACTs' start + tFAW (ring, head = oldest)
    uint32_t m_actHead = 0;
    uint64_t m_version = 0;
    uint64_t m_faw;
    uint32_t m_banksPerGroup;
    uint32_t m_actLag;
};

} // namespace pilot::hbm
