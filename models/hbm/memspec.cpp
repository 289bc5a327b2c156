// SPDX-License-Identifier: MIT
#include "models/hbm/memspec.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "models/common/json_reader.h"
#include "models/hbm/dramsys_formats.h"

namespace pilot::hbm {

using common::IssueList;
using common::JsonObject;

uint32_t Memspec::readToWrite() const {
    int64_t v = int64_t(t.RL) + t.nBL + t.RTW - int64_t(t.WL);
    return uint32_t(std::max<int64_t>(v, t.CCDS));
}

Memspec loadMemspec(const std::string& path) {
    nlohmann::json doc = common::readJsonFile(path);
    if (doc.is_object() && doc.contains("memspec"))
        return parseDramsysMemspec(doc, path);
    return parseMemspec(doc, path);
}

static CommandBusSpec parseCommandBus(JsonObject b) {
    CommandBusSpec bus;
    bus.sharedByPseudoChannels = b.boolean("shared_by_pseudo_channels");
    bus.actTimingFromLastCycle = b.boolean("act_timing_from_last_cycle");
    // Commands that hold their bus for more than one clock; every other command takes one.
    if (std::optional<JsonObject> multi = b.optObject("multi_cycle_commands")) {
        for (size_t c = 0; c < kCommandCount; ++c) {
            const std::string name(commandName(Command(c)));
            if (multi->has(name))
                bus.cycles[c] = multi->u32(name, 1, 16);
        }
        multi->rejectUnknownKeys();
    }
    if (bus.cycles[size_t(Command::ACT)] != bus.cycles[size_t(Command::ACTAB)])
        b.issues().add(b.pointerOf("multi_cycle_commands"),
                       "ACT and ACTAB must take the same number of cycles "
                       "(an all-bank activation is an ACT to every bank)");
    b.rejectUnknownKeys();
    return bus;
}

Memspec parseMemspec(const nlohmann::json& doc, const std::string& file) {
    IssueList issues(file);
    JsonObject root(doc, "", issues);
    Memspec m;
    m.sourceFile = file;
    m.name = root.string("name");
    m.standard = root.oneOf("standard", {"HBM3", "HBM2"});
    root.allow("source");
    root.optString("notes");

    JsonObject o = root.object("organisation");
    auto& g = m.org;
    g.channels = o.u32("channels", 1, 64);
    g.pseudoChannels = o.u32("pseudo_channels", 1, 4);
    g.sids = o.u32("sids", 1, 4);
    g.bankGroups = o.u32("bank_groups", 1, 16);
    g.banksPerGroup = o.u32("banks_per_group", 1, 16);
    g.rows = o.u32("rows", 1, 1u << 20);
    g.columns = o.u32("columns", 1, 1u << 12);
    g.accessBytes = o.u32("access_bytes", 1, 1024);
    g.dataBusBits = o.u32("data_bus_bits", 1, 1024);
    g.burstLength = o.u32("burst_length", 1, 64);
    g.dataRateGbps = o.number("data_rate_gbps", 0.1, 100.0);
    o.rejectUnknownKeys();

    JsonObject t = root.object("timing");
    auto& c = m.t;
    c.tCKps = t.u32("tCK_ps", 100, 100000);
    struct Entry {
        const char* key;
        uint32_t* dst;
        uint32_t min;
    };
    const Entry entries[] = {
        {"nBL", &c.nBL, 1},     {"RL", &c.RL, 1},       {"WL", &c.WL, 1},       {"RCDRD", &c.RCDRD, 1},
        {"RCDWR", &c.RCDWR, 1}, {"RP", &c.RP, 1},       {"RAS", &c.RAS, 1},     {"RC", &c.RC, 1},
        {"WR", &c.WR, 1},       {"RTPS", &c.RTPS, 1},   {"RTPL", &c.RTPL, 1},   {"CCDS", &c.CCDS, 1},
        {"CCDL", &c.CCDL, 1},   {"RRDS", &c.RRDS, 1},   {"RRDL", &c.RRDL, 1},   {"WTRS", &c.WTRS, 1},
        {"WTRL", &c.WTRL, 1},   {"RTW", &c.RTW, 0},     {"FAW", &c.FAW, 1},     {"RFC", &c.RFC, 1},
        {"RFCPB", &c.RFCPB, 1}, {"REFI", &c.REFI, 1},   {"RREFD", &c.RREFD, 1}, {"CCDAB", &c.CCDAB, 1},
        {"CCDSB", &c.CCDSB, 1}, {"DQSCK", &c.DQSCK, 0},
    };
    for (const auto& e : entries)
        *e.dst = t.u32(e.key, e.min, 1u << 20);
    t.rejectUnknownKeys();

    m.bus = parseCommandBus(root.object("command_bus"));

    JsonObject p = root.object("pim");
    m.pimAllBankPowerLimit = p.boolean("all_bank_power_limit");
    p.rejectUnknownKeys();
    root.rejectUnknownKeys();
    issues.throwIfAny();
    validateMemspec(m, file);
    return m;
}

void validateMemspec(const Memspec& m, const std::string& file, const std::string& tp,
                     const std::string& op) {
    IssueList issues(file);
    const auto& t = m.t;
    const auto& g = m.org;
    auto rel = [&](bool ok, const std::string& field, const std::string& what, uint64_t a, uint64_t b) {
        if (!ok)
            issues.add(tp + "/" + field,
                       what + " (got " + std::to_string(a) + " vs " + std::to_string(b) + ")");
    };
    rel(t.RC >= t.RAS + t.RP, "RC", "must be >= RAS + RP", t.RC, uint64_t(t.RAS) + t.RP);
    rel(t.RAS >= t.RCDRD, "RAS", "must be >= RCDRD", t.RAS, t.RCDRD);
    rel(t.CCDL >= t.CCDS, "CCDL", "must be >= CCDS", t.CCDL, t.CCDS);
    rel(t.RRDL >= t.RRDS, "RRDL", "must be >= RRDS", t.RRDL, t.RRDS);
    rel(t.WTRL >= t.WTRS, "WTRL", "must be >= WTRS", t.WTRL, t.WTRS);
    rel(t.RTPL >= t.RTPS, "RTPL", "must be >= RTPS", t.RTPL, t.RTPS);
    rel(t.CCDS >= t.nBL, "CCDS", "must be >= nBL (one burst occupies the data bus nBL cycles)", t.CCDS,
        t.nBL);
    rel(t.FAW >= t.RRDS, "FAW", "must be >= RRDS", t.FAW, t.RRDS);
    rel(t.REFI > t.RFC, "REFI", "must be > RFC", t.REFI, t.RFC);
    rel(t.RFC >= t.RFCPB, "RFC", "must be >= RFCPB", t.RFC, t.RFCPB);
    // A refresh interval must hold a refresh and one whole row cycle (activate, the access, its
    // recovery, precharge): a due refresh closes every row, so a longer cycle never completes
    // (the write waiting out tRCDWR is closed before it issues, for good) or keeps the refresh
    // waiting past the 8 that JEDEC lets be postponed (the checker's tREFI).
    const uint64_t readCycle = uint64_t(t.RCDRD) + t.RTPL + t.RP;
    const uint64_t writeCycle = uint64_t(t.RCDWR) + t.WL + t.nBL + t.WR + t.RP;
    const uint64_t rowCycle = std::max({uint64_t(t.RC), readCycle, writeCycle});
    if (uint64_t(t.RFC) + rowCycle > t.REFI)
        issues.add(tp + "/REFI",
                   "must hold a refresh and one row cycle: REFI >= RFC + max(RC, RCDRD + RTPL + "
                   "RP, RCDWR + WL + nBL + WR + RP) (got " +
                       std::to_string(t.REFI) + " vs " + std::to_string(t.RFC) + " + " +
                       std::to_string(rowCycle) + ")");
    // Column and activation spacings likewise: one of them longer than the interval holds the
    // next access (and a refresh behind it) past the refresh after.
    const struct {
        const char* key;
        uint64_t value;
    } spacings[] = {{"CCDL", t.CCDL},         {"RRDL", t.RRDL},
                    {"FAW", t.FAW},           {"WTRL", uint64_t(t.WL) + t.nBL + t.WTRL},
                    {"RTW", m.readToWrite()}, {"CCDAB", t.CCDAB},
                    {"CCDSB", t.CCDSB},       {"RL", uint64_t(t.RL) + t.DQSCK + t.nBL}};
    for (const auto& sp : spacings)
        if (uint64_t(t.RFC) + sp.value > t.REFI)
            issues.add(tp + "/" + sp.key, "the spacing it sets (" + std::to_string(sp.value) +
                                              " cycles) and a refresh (RFC " + std::to_string(t.RFC) +
                                              ") must fit one refresh interval (REFI " +
                                              std::to_string(t.REFI) + ")");
    rel(t.REFI >= uint64_t(g.banksPerPc()) * t.RREFD, "REFI",
        "must leave room for one REFPB per bank (REFI >= banks x RREFD)", t.REFI,
        uint64_t(g.banksPerPc()) * t.RREFD);
    if (g.accessBytes * 8ull != uint64_t(g.dataBusBits) * g.burstLength)
        issues.add(op + "/access_bytes",
                   "must equal data_bus_bits x burst_length / 8 (got " + std::to_string(g.accessBytes) +
                       " vs " + std::to_string(uint64_t(g.dataBusBits) * g.burstLength / 8) + ")");
    // One burst of BL beats at the pin rate must fit the nBL clocks the timing says it takes.
    if (g.dataRateGbps > 0 && t.tCKps > 0) {
        double burstNs = g.burstLength / g.dataRateGbps;
        double busNs = t.nBL * t.tCKps * 1e-3;
        if (std::fabs(burstNs - busNs) > 0.02 * burstNs)
            issues.add(tp + "/nBL", "burst of " + std::to_string(g.burstLength) +
                                        " beats at the data rate takes " + std::to_string(burstNs) +
                                        " ns, but nBL x tCK is " + std::to_string(busNs) + " ns");
    }
    auto pow2 = [&](uint32_t v, const char* field) {
        if (v == 0 || (v & (v - 1)))
            issues.add(op + "/" + field, "must be a power of two (got " + std::to_string(v) + ")");
    };
    if (g.banksPerPc() > 64)
        issues.add(op + "/banks_per_group", "at most 64 banks per pseudo-channel are supported (got " +
                                                std::to_string(g.banksPerPc()) + ")");
    pow2(g.channels, "channels");
    pow2(g.pseudoChannels, "pseudo_channels");
    pow2(g.sids, "sids");
    pow2(g.bankGroups, "bank_groups");
    pow2(g.banksPerGroup, "banks_per_group");
    pow2(g.columns, "columns");
    pow2(g.rows, "rows");
    pow2(g.accessBytes, "access_bytes");
    issues.throwIfAny();
}

} // namespace pilot::hbm
