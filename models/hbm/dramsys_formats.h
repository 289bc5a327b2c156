// SPDX-License-Identifier: MIT
#pragma once
// Readers for DRAMSys (tukl-msd/DRAMSys) configuration files, mapped onto our own types:
// the HBM2/HBM3 memspec ({"memspec": {"memoryType", "memoryId", "memarchitecturespec",
// "memtimingspec"}}) and the address mapping ({"addressmapping": {"BYTE_BIT": [...], ...}}).
// Errors are collected and thrown as common::ConfigError naming the JSON pointer of the
// DRAMSys field ("/memspec/memtimingspec/RCDRD").
//
// What the DRAMSys fields mean, as DRAMSys itself uses them (read from its sources, v5.3+:
// src/DRAMSys/configuration/memspec/MemSpecHBM2.cpp, controller/checker/CheckerHBM2.cpp,
// simulation/AddressDecoder.cpp; field lists in tukl-msd/DRAMUtils MemSpecHBM2.h / HBM3.h):
//  - nbrOfPseudoChannels are DRAMSys "ranks"; nbrOfStacks are the stack IDs (SIDs) of one
//    pseudo-channel; nbrOfBanks and nbrOfBankGroups count all banks / bank groups of one
//    pseudo-channel across its SIDs (configs/memspec/HBM2.json: 32 banks, 8 groups, 2 stacks).
//  - nbrOfColumns counts bursts of one row (deviceSizeBytes = banks x rows x columns x
//    bytes per burst).
//  - All timings are in clock cycles; tCK is in seconds (older releases: picoseconds, or
//    "clkMhz").
//  - RTW is the whole RD-to-WR command spacing on a pseudo-channel (checker: (RD,WR) tRTW);
//    ours is the extra turnaround on top of RL + nBL - WL.
//  - RTP is one value (RD to PRE); HBM2 has no short/long split.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/hbm/address_mapping.h"
#include "models/hbm/memspec.h"

namespace pilot::hbm {

// Maps a DRAMSys HBM2 or HBM3 memspec document onto our Memspec and validates it.
Memspec parseDramsysMemspec(const nlohmann::json& doc, const std::string& file);

// Maps a DRAMSys address mapping onto our per-Field bit lists (least significant bit first).
//  - BURST_BIT (bytes of one burst) or BYTE_BIT (bytes of one bus beat) -> Byte.
//  - COLUMN_BIT -> Column. With BYTE_BIT, DRAMSys's lowest column bits select the beat inside
//    a burst; given `accessBytes` (Memspec::org.accessBytes), the column bits just above the
//    byte bits are moved to Byte until Byte covers one access, so that Column counts accesses
//    as our Memspec does. With accessBytes = 0 the lists are returned as DRAMSys splits them.
//  - BANK_BIT -> Bank: DRAMSys's bank bits already number the bank inside its group (the
//    decoder forms bank = bank + group << |BANK_BIT|), which is our Bank.
//  - BANKGROUP_BIT -> BankGroup, ROW_BIT -> Row, CHANNEL_BIT -> Channel, STACK_BIT -> Sid.
//  - PSEUDOCHANNEL_BIT or RANK_BIT -> PseudoChannel: DRAMSys models HBM pseudo-channels as
//    ranks (older HBM2 maps name them RANK_BIT); a file with both is rejected.
//  - An entry that is a list of bits ([13, 25]) is an XOR of those bits in DRAMSys; our map
//    has no XOR, so such an entry is an error unless it holds a single bit.
std::array<std::vector<uint32_t>, kFieldCount>
parseDramsysMappingBits(const nlohmann::json& doc, const std::string& file, uint32_t accessBytes = 0);

} // namespace pilot::hbm
