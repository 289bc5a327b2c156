// SPDX-License-Identifier: MIT
#include "models/hbm/dramsys_formats.h"

#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"

namespace pilot::hbm {

using common::IssueList;
using common::JsonObject;
using nlohmann::json;

namespace {

bool isPow2(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

uint32_t log2Floor(uint64_t v) {
    uint32_t n = 0;
    while (v >>= 1)
        ++n;
    return n;
}

// The clock, and the DRAMSys release line its field tells: clkMhz (v5.0), tCK as an integer
// number of picoseconds (v5.1), tCK in seconds (v5.2 and later). Empty when unreadable.
std::string readClock(JsonObject& t, uint32_t& tCKps, IssueList& issues) {
    const std::string ptr = t.pointer();
    if (!t.valid())
        return "";
    if (t.has("clkMhz")) {
        const double mhz = t.number("clkMhz", 10.0, 10000.0);
        if (t.has("tCK"))
            issues.add(ptr + "/tCK",
                       "cannot be given with clkMhz (clkMhz is DRAMSys v5.0's clock, tCK that of v5.1 "
                       "and later)");
        tCKps = uint32_t(std::lround(1e6 / mhz));
        return "v5.0";
    }
    t.allow("tCK");
    if (!t.has("tCK")) {
        issues.add(ptr + "/tCK",
                   "missing: the clock period (tCK in seconds from DRAMSys v5.2, in integer picoseconds "
                   "in v5.1; clkMhz in v5.0)");
        return "";
    }
    const json& v = t.raw().at("tCK");
    if (!v.is_number() || v.get<double>() <= 0) {
        issues.add(ptr + "/tCK", "must be a positive number (got " + v.dump() + ")");
        return "";
    }
    const double x = v.get<double>();
    const bool seconds = x < 1.0;
    if (!seconds && x != std::floor(x)) {
        issues.add(ptr + "/tCK",
                   "must be seconds (DRAMSys v5.2+) or an integer number of picoseconds (v5.1) (got " +
                       v.dump() + ")");
        return "";
    }
    const double ps = seconds ? x * 1e12 : x;
    if (ps < 100 || ps > 100000) {
        issues.add(ptr + "/tCK", "must be a clock period between 100 ps and 100 ns (got " + v.dump() +
                                     (seconds ? " s" : " ps") + ")");
        return "";
    }
    tCKps = uint32_t(std::lround(ps));
    return seconds ? "v5.2+" : "v5.1";
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Memspec
// ---------------------------------------------------------------------------------------------
//
// How each of our Memspec fields is obtained from a DRAMSys memspec (HBM2 field names; HBM3,
// as DRAMUtils describes it, names the per-bank refresh RFCPB / REFIPB):
//
// DRAMSys changed its conventions between releases; the file itself tells which it follows:
//   v5.0    the clock as memtimingspec.clkMhz; no nbrOfStacks (one stack ID)
//   v5.1    tCK an integer number of picoseconds
//   v5.2+   tCK in seconds
//   before v5.3, nbrOfColumns counts data-bus words of a row (a burst is burstLength words) and
//   nbrOfBanks / nbrOfBankGroups count one pseudo-channel at one stack ID; from v5.3 columns
//   count bursts and banks / bank groups count across the stack IDs. A v5.2 file and a v5.3+
//   file differ only in those counts: both readings are kept and the address mapping (whose bit
//   counts must fit, as DRAMSys's own AddressDecoder checks) picks one (loadAddressMapping).
//
//   org.channels        nbrOfChannels
//   org.pseudoChannels  nbrOfPseudoChannels
//   org.sids            nbrOfStacks (1 when absent, v5.0)
//   org.bankGroups      nbrOfBankGroups / nbrOfStacks   (v5.3+: DRAMSys counts groups over all SIDs;
//                       before v5.3: nbrOfBankGroups)
//   org.banksPerGroup   nbrOfBanks / nbrOfBankGroups    (as MemSpecHBM2 computes banksPerGroup)
//   org.rows            nbrOfRows
//   org.columns         nbrOfColumns (v5.3+, bursts) or nbrOfColumns / burstLength (before, words)
//   org.dataBusBits     width x nbrOfDevices            (devices side by side form one bus)
//   org.burstLength     burstLength                     (maxBurstLength, if given, must match)
//   org.accessBytes     dataBusBits x burstLength / 8
//   org.dataRateGbps    dataRate / tCK[ns]              (dataRate = beats per clock)
//   t.tCKps             tCK (v5.2+: seconds; v5.1: integer picoseconds) or 1e6 / clkMhz (v5.0)
//   t.nBL               burstLength / dataRate          (DRAMSys tBURST)
//   t.RTPS = t.RTPL     RTP                             (DRAMSys has a single RD-to-PRE time)
//   t.RFCPB             RFCSB (HBM2) / RFCPB (HBM3)
//   t.RTW               RTW - (RL + nBL - WL)           (DRAMSys RTW is the whole RD-to-WR
//                                                        spacing; ours is readToWrite() minus
//                                                        the data-bus part RL + nBL - WL)
//   t.CCDAB = t.CCDSB   CCDL                            (DRAMSys has no PIM; a bank streams one
//                                                        column per tCCD_L, so that is the
//                                                        spacing of MAC commands without a
//                                                        power-limit penalty)
//   pimAllBankPowerLimit  true                          (all-bank PIM commands keep tFAW/tRRD:
//                                                        the conservative choice)
//   the rest            same name, in cycles
//
//   t.DQSCK             DQSCK                           (read data at RL + DQSCK, as DRAMSys)
//   bus                 shared by the pseudo-channels, ACT / ACTAB 2 row-bus cycles, ACT-relative
//                       timings from the ACT's second cycle (DRAMSys: one checker per channel
//                       holding both buses; MemSpecHBM2 makes ACT two cycles long and
//                       CheckerHBM2 adds tCK to ACT->RD/WR/PRE/REF)
//
// Read, checked, and not used: PL (parity latency; DRAMSys uses it only for power-down timing), CCDR, XP,
// CKE, XS, REFISB / REFIPB (we refresh each bank every REFI / banks: DRAMSys's HBM2.json has REFISB = 244 =
// REFI / 16 from its older 16-bank layout), PPD and RAA* (HBM3).

namespace {

struct DramsysArch {
    uint32_t channels = 0, pcs = 0, stacks = 0, groups = 0, banks = 0, rows = 0, columns = 0;
    uint32_t bl = 0, dataRate = 0, width = 0, devices = 0;
    std::string pointer;
};

// memarchitecturespec, checked under DRAMSys's names.
DramsysArch readDramsysArchitecture(JsonObject& ms, bool hbm3, IssueList& issues) {
    DramsysArch d;
    JsonObject a = ms.object("memarchitecturespec");
    d.channels = a.u32("nbrOfChannels", 1, 64);
    d.pcs = a.u32("nbrOfPseudoChannels", 1, 4);
    // v5.0 (its clock is clkMhz) has no stack IDs; every later release requires nbrOfStacks.
    const json& timing = ms.raw().contains("memtimingspec") ? ms.raw()["memtimingspec"] : json();
    const bool v50 = timing.is_object() && timing.contains("clkMhz");
    d.stacks = v50 && !a.has("nbrOfStacks") ? 1 : a.u32("nbrOfStacks", 1, 16);
    d.groups = a.u32("nbrOfBankGroups", 1, 256);
    d.banks = a.u32("nbrOfBanks", 1, 1024);
    d.rows = a.u32("nbrOfRows", 1, 1u << 20);
    d.columns = a.u32("nbrOfColumns", 1, 1u << 12);
    d.bl = a.u32("burstLength", 1, 64);
    const std::optional<uint64_t> maxBl = a.optU64("maxBurstLength", 1, 64);
    d.dataRate = a.u32("dataRate", 1, 16);
    d.width = a.u32("width", 1, 1024);
    d.devices = a.u32("nbrOfDevices", 1, 16);
    if (hbm3) {
        // Refresh-management thresholds (RFM); PILOT-VP does not model RFM.
        for (const char* k : {"RAAIMT", "RAAMMT", "RAADEC"})
            a.u64(k);
    }
    a.rejectUnknownKeys();
    d.pointer = a.pointer();
    auto issue = [&](const char* key, const std::string& reason) {
        issues.add(d.pointer + "/" + key, reason);
    };
    if (d.banks % d.groups != 0)
        issue("nbrOfBanks", "must be a multiple of nbrOfBankGroups (" + std::to_string(d.groups) + ") (got " +
                                std::to_string(d.banks) + ")");
    if (maxBl && *maxBl != d.bl)
        issue("maxBurstLength", "must equal burstLength (" + std::to_string(d.bl) +
                                    "): PILOT-VP models one burst length (got " + std::to_string(*maxBl) +
                                    ")");
    if (d.bl % d.dataRate != 0)
        issue("burstLength", "must be a multiple of dataRate (" + std::to_string(d.dataRate) +
                                 ") so that a burst takes whole clocks (got " + std::to_string(d.bl) + ")");
    if ((uint64_t(d.width) * d.devices * d.bl) % 8 != 0)
        issue("width", "width x nbrOfDevices x burstLength must be whole bytes");
    // Powers of two, reported under DRAMSys's names (validateMemspec would use ours).
    const std::pair<const char*, uint64_t> pow2[] = {
        {"nbrOfChannels", d.channels},
        {"nbrOfPseudoChannels", d.pcs},
        {"nbrOfStacks", d.stacks},
        {"nbrOfBankGroups", d.groups},
        {"nbrOfBanks", d.banks},
        {"nbrOfRows", d.rows},
        {"nbrOfColumns", d.columns},
        {"burstLength", d.bl},
        {"width", uint64_t(d.width) * d.devices},
    };
    for (const auto& [key, v] : pow2)
        if (!isPow2(v))
            issue(key, "must be a power of two (got " + std::to_string(v) + ")");
    return d;
}

// The organisation as v5.3+ counts it (columns in bursts, bank groups over every stack ID) or, with
// `before53`, as earlier releases do (columns in data-bus words, bank groups per stack ID).
Organisation dramsysOrganisation(const DramsysArch& d, bool before53) {
    Organisation g;
    g.channels = d.channels;
    g.pseudoChannels = d.pcs;
    g.sids = d.stacks;
    g.rows = d.rows;
    g.dataBusBits = d.width * d.devices;
    g.burstLength = d.bl;
    g.accessBytes = uint32_t(uint64_t(g.dataBusBits) * d.bl / 8);
    g.columns = before53 ? std::max<uint32_t>(1, d.columns / d.bl) : d.columns;
    g.bankGroups = before53 ? d.groups : std::max<uint32_t>(1, d.groups / d.stacks);
    g.banksPerGroup = std::max<uint32_t>(1, d.banks / d.groups);
    return g;
}

// memtimingspec: the clock (and the release line it tells) and the timings in cycles. DRAMSys's
// RTW (the whole RD-to-WR spacing) comes back raw: it is converted once nBL is known.
std::string readDramsysTiming(JsonObject& ms, bool hbm3, Timing& c, std::optional<uint64_t>& rtw,
                              IssueList& issues) {
    JsonObject t = ms.object("memtimingspec");
    const std::string tp = t.pointer();
    const std::string release = readClock(t, c.tCKps, issues);
    struct Entry {
        const char* key;
        uint32_t* dst;
        uint32_t min;
    };
    const Entry entries[] = {
        {"RL", &c.RL, 1},       {"WL", &c.WL, 1},
        {"RCDRD", &c.RCDRD, 1}, {"RCDWR", &c.RCDWR, 1},
        {"RP", &c.RP, 1},       {"RAS", &c.RAS, 1},
        {"RC", &c.RC, 1},       {"WR", &c.WR, 1},
        {"RTP", &c.RTPL, 1},    {"CCDS", &c.CCDS, 1},
        {"CCDL", &c.CCDL, 1},   {"RRDS", &c.RRDS, 1},
        {"RRDL", &c.RRDL, 1},   {"WTRS", &c.WTRS, 1},
        {"WTRL", &c.WTRL, 1},   {"FAW", &c.FAW, 1},
        {"RFC", &c.RFC, 1},     {"REFI", &c.REFI, 1},
        {"RREFD", &c.RREFD, 1}, {hbm3 ? "RFCPB" : "RFCSB", &c.RFCPB, 1},
    };
    for (const auto& e : entries)
        *e.dst = t.u32(e.key, e.min, 1u << 20);
    rtw = t.optU64("RTW", 0, 1u << 20);
    if (t.valid() && !t.has("RTW"))
        issues.add(tp + "/RTW", "missing required field");
    c.DQSCK = t.u32("DQSCK", 0, 1u << 20);
    // Required by DRAMSys, not used here (see the table above).
    for (const char* k : {"PL", "CCDR", "XP", "CKE", "XS"})
        t.u32(k, 0, 1u << 20);
    if (hbm3) {
        t.u32("REFIPB", 0, 1u << 20);
        t.u32("PPD", 0, 1u << 20);
    } else {
        t.u32("REFISB", 0, 1u << 20);
    }
    t.rejectUnknownKeys();
    return release;
}

} // namespace

Memspec parseDramsysMemspec(const json& doc, const std::string& file) {
    IssueList issues(file);
    JsonObject root(doc, "", issues);
    JsonObject ms = root.object("memspec");
    root.rejectUnknownKeys();

    Memspec m;
    m.sourceFile = file;
    m.standard = ms.oneOf("memoryType", {"HBM2", "HBM3"});
    m.name = ms.string("memoryId");
    const bool hbm3 = m.standard == "HBM3";
    // DRAMPower's sections may sit in the same file; they describe power, not timing.
    ms.allow("mempowerspec");
    ms.allow("memimpedancespec");

    const DramsysArch d = readDramsysArchitecture(ms, hbm3, issues);
    auto& c = m.t;
    std::optional<uint64_t> rtw;
    const std::string release = readDramsysTiming(ms, hbm3, c, rtw, issues);
    m.dramsysRelease = release;
    ms.rejectUnknownKeys();
    const std::string tp = "/memspec/memtimingspec";

    c.RTPS = c.RTPL;
    c.nBL = std::max<uint32_t>(1, d.bl / d.dataRate);
    const int64_t busPart = int64_t(c.RL) + c.nBL - int64_t(c.WL);
    if (rtw && int64_t(*rtw) < busPart)
        issues.add(tp + "/RTW",
                   "must be >= RL + burst - WL = " + std::to_string(busPart) +
                       " (DRAMSys RTW is the whole RD-to-WR spacing; less lets read and write data "
                       "overlap on the bus) (got " +
                       std::to_string(*rtw) + ")");
    else if (rtw)
        c.RTW = uint32_t(*rtw - busPart);
    c.CCDAB = c.CCDL;
    c.CCDSB = c.CCDL;
    m.pimAllBankPowerLimit = true;
    m.bus.sharedByPseudoChannels = true;
    m.bus.cycles[size_t(Command::ACT)] = m.bus.cycles[size_t(Command::ACTAB)] = 2;
    m.bus.actTimingFromLastCycle = true;
    // v5.3+ counts bank groups over every stack ID: a count that does not divide is v5.2's.
    const bool fitsV53 = d.groups % d.stacks == 0;
    const bool before53 = release != "v5.2+" || !fitsV53;
    m.org = dramsysOrganisation(d, before53);
    if (release == "v5.2+" && fitsV53) {
        m.dramsysV52Org = dramsysOrganisation(d, true);
        m.dramsysRelease = "v5.3+";
    } else if (release == "v5.2+") {
        m.dramsysRelease = "v5.2";
    }
    if (before53 && !release.empty() && d.columns % d.bl != 0)
        issues.add(d.pointer + "/nbrOfColumns",
                   "must be a multiple of burstLength (" + std::to_string(d.bl) +
                       "): before DRAMSys v5.3 it counts data-bus words, burstLength "
                       "of them per burst (got " +
                       std::to_string(d.columns) + ")");
    if (c.tCKps > 0) {
        m.org.dataRateGbps = d.dataRate / (c.tCKps * 1e-3);
        if (m.dramsysV52Org)
            m.dramsysV52Org->dataRateGbps = m.org.dataRateGbps;
    }

    issues.throwIfAny();
    validateMemspec(m, file, "/memspec/memtimingspec", "/memspec/memarchitecturespec");
    return m;
}

// ---------------------------------------------------------------------------------------------
// Address mapping
// ---------------------------------------------------------------------------------------------

// One DRAMSys bit list: each entry is a bit number, or a list of bits XORed together.
static std::vector<uint32_t> readBitList(JsonObject& am, const char* key, bool required, IssueList& issues) {
    std::vector<uint32_t> out;
    am.allow(key);
    if (!am.valid())
        return out;
    const std::string ptr = am.pointerOf(key);
    if (!am.has(key)) {
        if (required)
            issues.add(ptr, "missing required field");
        return out;
    }
    const json& j = am.raw()[key];
    if (!j.is_array()) {
        issues.add(ptr, "must be an array of address bit numbers (got " + std::string(j.type_name()) + ")");
        return out;
    }
    for (size_t i = 0; i < j.size(); ++i) {
        const json* e = &j[i];
        const std::string ep = ptr + "/" + std::to_string(i);
        if (e->is_array()) {
            if (e->size() != 1) {
                issues.add(ep, "an XOR of address bits (" + e->dump() +
                                   ") is not supported: PILOT-VP maps each field to plain address bits");
                continue;
            }
            e = &(*e)[0];
        }
        // Non-negative integers of either JSON kind (a document built in code holds signed ones).
        if (!e->is_number_integer() || e->get<int64_t>() < 0 || e->get<int64_t>() > 63) {
            issues.add(ep, "must be an address bit number in [0, 63] (got " + e->dump() + ")");
            continue;
        }
        out.push_back(e->get<uint32_t>());
    }
    return out;
}

std::array<std::vector<uint32_t>, kFieldCount>
parseDramsysMappingBits(const json& doc, const std::string& file, uint32_t accessBytes) {
    IssueList issues(file);
    JsonObject root(doc, "", issues);
    JsonObject am = root.object("addressmapping");
    root.rejectUnknownKeys();

    auto bitList = [&](const char* key, bool required) { return readBitList(am, key, required, issues); };

    std::vector<uint32_t> byteBits = bitList("BYTE_BIT", false);
    std::vector<uint32_t> burstBits = bitList("BURST_BIT", false);
    std::vector<uint32_t> column = bitList("COLUMN_BIT", true);
    std::vector<uint32_t> row = bitList("ROW_BIT", true);
    std::vector<uint32_t> bank = bitList("BANK_BIT", false);
    std::vector<uint32_t> group = bitList("BANKGROUP_BIT", false);
    std::vector<uint32_t> rank = bitList("RANK_BIT", false);
    std::vector<uint32_t> stack = bitList("STACK_BIT", false);
    std::vector<uint32_t> pc = bitList("PSEUDOCHANNEL_BIT", false);
    std::vector<uint32_t> channel = bitList("CHANNEL_BIT", false);
    am.rejectUnknownKeys();

    if (am.has("BYTE_BIT") && am.has("BURST_BIT"))
        issues.add(am.pointerOf("BURST_BIT"),
                   "cannot be used together with BYTE_BIT (give the bytes of one burst "
                   "as BURST_BIT, or the bytes of one beat as BYTE_BIT)");
    if (am.has("RANK_BIT") && am.has("PSEUDOCHANNEL_BIT"))
        issues.add(am.pointerOf("RANK_BIT"),
                   "cannot be used together with PSEUDOCHANNEL_BIT: DRAMSys models HBM "
                   "pseudo-channels as ranks, so both would select the pseudo-channel");

    std::vector<uint32_t> byte = burstBits.empty() ? byteBits : burstBits;
    if (accessBytes != 0 && isPow2(accessBytes) && issues.empty()) {
        // BYTE_BIT style: the column bits just above the byte bits select the beat of a burst.
        // Move them to Byte, lowest first, until Byte covers one access.
        const uint32_t want = log2Floor(accessBytes);
        while (byte.size() < want) {
            uint32_t next = 0;
            for (uint32_t b : byte)
                next = std::max(next, b + 1);
            if (column.empty() || column.front() != next) {
                issues.add(am.pointerOf("COLUMN_BIT"),
                           "must start with address bit " + std::to_string(next) + ": with " +
                               std::to_string(byte.size()) +
                               " byte bits, the lowest column bits select the beat " + "inside one " +
                               std::to_string(accessBytes) + "-byte access");
                break;
            }
            byte.push_back(column.front());
            column.erase(column.begin());
        }
    }
    issues.throwIfAny();

    std::array<std::vector<uint32_t>, kFieldCount> out;
    out[size_t(Field::Byte)] = std::move(byte);
    out[size_t(Field::Column)] = std::move(column);
    out[size_t(Field::Channel)] = std::move(channel);
    out[size_t(Field::PseudoChannel)] = pc.empty() ? std::move(rank) : std::move(pc);
    out[size_t(Field::Sid)] = std::move(stack);
    out[size_t(Field::BankGroup)] = std::move(group);
    out[size_t(Field::Bank)] = std::move(bank);
    out[size_t(Field::Row)] = std::move(row);
    return out;
}

} // namespace pilot::hbm
