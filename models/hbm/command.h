// SPDX-License-Identifier: MIT
#pragma once
// DRAM commands as they appear on a pseudo-channel's row and column command buses.
#include <cstdint>
#include <string_view>

namespace pilot::hbm {

enum class Command : uint8_t {
    ACT,   // activate a row (row bus)
    PRE,   // precharge one bank (row bus)
    PREA,  // precharge all banks of the pseudo-channel (row bus)
    RD,    // column read (column bus)
    WR,    // column write (column bus)
    RDA,   // read with auto-precharge
    WRA,   // write with auto-precharge
    REFAB, // all-bank refresh (row bus)
    REFPB, // per-bank refresh (row bus)
    // PIM commands (all-bank: every bank of the pseudo-channel in lockstep).
    ACTAB, // activate the same row in every bank (row bus)
    MRD,   // PLT_MOV in: one column of every bank's open row into its PE's SRAM (column bus, no DQ)
    MWR,   // PLT_MOV out / PLT_OUT: one column from every PE's SRAM into its bank's open row
    PEOP,  // a PE / bank-group-accumulator operation (PLT_CFG/MAC/EXP/ACC/SFM): command bus only
    SMRD,  // single-bank PLT_MOV in: one column of one bank's open row into its PE's buffer
    SMWR,  // single-bank PLT_MOV out: one column from one PE's buffer into its bank's open row
    kCount
};
inline constexpr size_t kCommandCount = size_t(Command::kCount);

constexpr std::string_view commandName(Command c) {
    constexpr std::string_view names[] = {"ACT",   "PRE",   "PREA", "RD",  "WR",   "RDA",  "WRA", "REFAB",
                                          "REFPB", "ACTAB", "MRD",  "MWR", "PEOP", "SMRD", "SMWR"};
    return names[size_t(c)];
}
constexpr bool isRead(Command c) {
    return c == Command::RD || c == Command::RDA;
}
constexpr bool isWrite(Command c) {
    return c == Command::WR || c == Command::WRA;
}
constexpr bool isColumn(Command c) {
    return isRead(c) || isWrite(c) || c == Command::MRD || c == Command::MWR || c == Command::PEOP ||
           c == Command::SMRD || c == Command::SMWR;
}
constexpr bool isPim(Command c) {
    return c >= Command::ACTAB && c < Command::kCount;
}
constexpr bool isRowBus(Command c) {
    return !isColumn(c);
}

// Strong index types: a bank is never passed as a row (STYLE.md, after DRAMSys).
enum class BankId : uint32_t {};      // flat bank index inside a pseudo-channel
enum class BankGroupId : uint32_t {}; // flat bank-group index inside a pseudo-channel (sid x groups)
constexpr uint32_t idx(BankId b) {
    return uint32_t(b);
}
constexpr uint32_t idx(BankGroupId g) {
    return uint32_t(g);
}

// One command issued by a controller, as observers (checker, stats, VCD, traces) see it.
struct CommandRecord {
    uint64_t cycle; // command-clock cycle of issue
    Command cmd;
    uint32_t pc; // global pseudo-channel index
    BankId bank; // ignored for PREA / REFAB
    BankGroupId group;
    uint32_t row;    // ACT / column commands
    uint32_t column; // column commands
};

class CommandObserver {
  public:
    virtual ~CommandObserver() = default;
    virtual void onCommand(const CommandRecord& rec) = 0;
};

} // namespace pilot::hbm
