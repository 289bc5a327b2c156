// SPDX-License-Identifier: MIT
#pragma once
// The memory specification of one HBM stack: organisation and JEDEC timings in command-clock
// cycles. Loaded from workloads/memspecs/*.json (our format) or a DRAMSys memspec; validated
// on load. Every consumer (controller, checker, PIM) reads timings from here only.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "models/hbm/command.h"

namespace pilot::hbm {

struct Organisation {
    uint32_t channels = 0;       // per stack
    uint32_t pseudoChannels = 0; // per channel
    uint32_t sids = 0;           // stack IDs ("ranks") per pseudo-channel
    uint32_t bankGroups = 0;     // per SID
    uint32_t banksPerGroup = 0;
    uint32_t rows = 0;        // per bank
    uint32_t columns = 0;     // access-granularity columns per row
    uint32_t accessBytes = 0; // bytes of one burst (BL x DQ / 8)
    uint32_t dataBusBits = 0; // DQ per pseudo-channel
    uint32_t burstLength = 0;
    double dataRateGbps = 0; // per pin

    uint32_t bankGroupsPerPc() const { return sids * bankGroups; }
    uint32_t banksPerPc() const { return sids * bankGroups * banksPerGroup; }
    uint32_t pcsPerStack() const { return channels * pseudoChannels; }
    uint64_t rowBytes() const { return uint64_t(columns) * accessBytes; }
    uint64_t bytesPerPc() const { return rowBytes() * rows * banksPerPc(); }
    uint64_t bytesPerStack() const { return bytesPerPc() * pcsPerStack(); }
};

// All values in command-clock cycles except tCKps. JEDEC names (STYLE.md).
struct Timing {
    uint32_t tCKps = 0;
    uint32_t nBL = 0; // data-bus cycles of one burst
    uint32_t RL = 0, WL = 0;
    uint32_t RCDRD = 0, RCDWR = 0, RP = 0, RAS = 0, RC = 0;
    uint32_t WR = 0, RTPS = 0, RTPL = 0;
    uint32_t CCDS = 0, CCDL = 0, RRDS = 0, RRDL = 0;
    uint32_t WTRS = 0, WTRL = 0, RTW = 0, FAW = 0;
    uint32_t RFC = 0, RFCPB = 0, REFI = 0, RREFD = 0;
    // PIM command spacing (used by the PIM issue): all-bank and same-bank MAC commands.
    uint32_t CCDAB = 0, CCDSB = 0;
    // Read data arrives DQSCK after RL (the DQS output skew DRAMSys's HBM2 memspec carries).
    uint32_t DQSCK = 0;
};

// The command buses (JESD235 / JESD238 pseudo-channel mode): whether the pseudo-channels of a
// channel share one row and one column command bus, how many clocks each command holds its
// bus, and whether ACT-relative timings count from the ACT's last cycle (DRAMSys's HBM2
// checker adds tCK to them; Ramulator2's HBM models say "ACT happens on its 2nd cycle").
struct CommandBusSpec {
    CommandBusSpec() { cycles.fill(1); }
    bool sharedByPseudoChannels = false;
    std::array<uint32_t, kCommandCount> cycles{}; // every command >= 1
    bool actTimingFromLastCycle = false;
    // Cycles from an ACT's (or ACTAB's) first bus cycle to the cycle its timings count from.
    uint32_t actLag() const { return actTimingFromLastCycle ? cycles[size_t(Command::ACT)] - 1 : 0; }
};

struct Memspec {
    std::string name;
    std::string standard; // "HBM3", "HBM2"
    std::string sourceFile;
    Organisation org;
    Timing t;
    CommandBusSpec bus;
    // Whether all-bank PIM commands obey the activation power rules (tFAW, tRRD) and CCDAB.
    bool pimAllBankPowerLimit = true;
    // A DRAMSys memspec with tCK in seconds is v5.2 or later; v5.2 still counts columns in
    // data-bus words and banks per stack ID, v5.3+ does not. `org` is the v5.3+ reading; this is
    // the v5.2 one, chosen by loadAddressMapping() when only it fits the address mapping.
    std::optional<Organisation> dramsysV52Org;
    std::string dramsysRelease; // "v5.0", "v5.1", "v5.2+" / "v5.2" / "v5.3+" (empty: our format)

    double tCKns() const { return t.tCKps * 1e-3; }
    // Peak data-bus bandwidth of one pseudo-channel, GB/s (1e9 B/s).
    double peakPcBandwidthGBps() const { return org.dataBusBits * org.dataRateGbps / 8.0; }
    // Per-bank refresh interval: a REFPB every REFI / banks keeps every bank refreshed per REFI.
    uint32_t refiPerBank() const { return t.REFI / org.banksPerPc(); }
    // A host read's data: RL + DQSCK to the first beat, nBL beats.
    uint32_t readDataCycles() const { return t.RL + t.DQSCK + t.nBL; }
    // Read-to-write turnaround on the shared data bus, in cycles (RL + nBL + RTW - WL).
    uint32_t readToWrite() const;
    // Write-to-read on the shared data bus (WL + nBL + WTR_{S,L}).
    uint32_t writeToRead(bool sameBankGroup) const {
        return t.WL + t.nBL + (sameBankGroup ? t.WTRL : t.WTRS);
    }
};

// Loads a memspec: our format, or a DRAMSys memspec (detected by its top-level "memspec" key).
// Throws common::ConfigError listing every problem (file, JSON pointer, reason).
Memspec loadMemspec(const std::string& path);
Memspec parseMemspec(const nlohmann::json& doc, const std::string& file);
// Checks the relations a legal memspec satisfies; throws ConfigError. Shared by both readers:
// `timingPrefix` / `orgPrefix` are the JSON pointers of the timing and organisation objects.
void validateMemspec(const Memspec& m, const std::string& file, const std::string& timingPrefix = "/timing",
                     const std::string& orgPrefix = "/organisation");

} // namespace pilot::hbm
