// SPDX-License-Identifier: MIT
#include "models/hbm/address_mapping.h"

#include <algorithm>

#include "models/common/json_reader.h"
#include "models/hbm/dramsys_formats.h"

namespace pilot::hbm {

using common::IssueList;

const char* fieldKey(Field f) {
    static const char* keys[] = {"byte", "column",     "channel", "pseudo_channel",
                                 "sid",  "bank_group", "bank",    "row"};
    return keys[size_t(f)];
}

bool DramAddress::operator==(const DramAddress& o) const {
    return stack == o.stack && channel == o.channel && pseudoChannel == o.pseudoChannel && sid == o.sid &&
           bankGroup == o.bankGroup && bank == o.bank && row == o.row && column == o.column && byte == o.byte;
}

static uint32_t log2Exact(uint64_t v) {
    uint32_t n = 0;
    while ((uint64_t(1) << n) < v)
        ++n;
    return n;
}

AddressMapping::AddressMapping(std::array<std::vector<uint32_t>, kFieldCount> bits, const Memspec& spec,
                               uint32_t stacks, const std::string& file, const std::string& bitsPointer)
    : m_bits(std::move(bits)), m_spec(spec), m_stacks(stacks), m_stackBytes(spec.org.bytesPerStack()) {
    IssueList issues(file);
    const auto& g = spec.org;
    const uint64_t counts[kFieldCount] = {g.accessBytes, g.columns,    g.channels,      g.pseudoChannels,
                                          g.sids,        g.bankGroups, g.banksPerGroup, g.rows};
    m_stackShift = log2Exact(m_stackBytes);
    std::vector<int> owner(m_stackShift, -1);
    for (size_t f = 0; f < kFieldCount; ++f) {
        // A DRAMSys mapping names its fields its own way (BURST_BIT / BYTE_BIT for our "byte").
        static constexpr const char* kDramsysKeys[kFieldCount] = {
            "BYTE_BIT",  "COLUMN_BIT",    "CHANNEL_BIT", "PSEUDOCHANNEL_BIT",
            "STACK_BIT", "BANKGROUP_BIT", "BANK_BIT",    "ROW_BIT"};
        const bool dramsys = bitsPointer == "/addressmapping";
        const std::string ptr = bitsPointer + "/" + (dramsys ? kDramsysKeys[f] : fieldKey(Field(f)));
        uint32_t want = log2Exact(counts[f]);
        if (m_bits[f].size() != want)
            issues.add(ptr, "needs " + std::to_string(want) + " bits for " + std::to_string(counts[f]) + " " +
                                fieldKey(Field(f)) + " values of the memspec (got " +
                                std::to_string(m_bits[f].size()) + ")");
        for (uint32_t b : m_bits[f]) {
            if (b >= m_stackShift) {
                issues.add(ptr, "bit " + std::to_string(b) + " is beyond the stack's " +
                                    std::to_string(m_stackShift) + " address bits");
            } else if (owner[b] >= 0) {
                issues.add(ptr, "bit " + std::to_string(b) + " is already used by \"" +
                                    fieldKey(Field(owner[b])) + "\"");
            } else {
                owner[b] = int(f);
            }
        }
    }
    if (m_stacks == 0 || (m_stacks & (m_stacks - 1)))
        issues.add("", "stack count must be a power of two");
    issues.throwIfAny();
    for (size_t f = 0; f < kFieldCount; ++f) {
        const auto& bits = m_bits[f];
        for (size_t i = 0; i < bits.size();) {
            size_t j = i + 1;
            while (j < bits.size() && bits[j] == bits[j - 1] + 1)
                ++j;
            m_runs[f].push_back({uint8_t(bits[i]), uint8_t(j - i), uint8_t(i)});
            i = j;
        }
    }
    // The packed word: field f's bit i at m_packedShift[f] + i; the byte tables place each address
    // bit there.
    uint32_t packed = 0;
    std::vector<uint32_t> placeOf(m_stackShift);
    for (size_t f = 0; f < kFieldCount; ++f) {
        m_packedShift[f] = uint8_t(packed);
        m_fieldMask[f] = uint32_t((uint64_t(1) << m_bits[f].size()) - 1);
        for (size_t i = 0; i < m_bits[f].size(); ++i)
            placeOf[m_bits[f][i]] = packed + uint32_t(i);
        packed += uint32_t(m_bits[f].size());
    }
    m_byteTables.resize((m_stackShift + 7) / 8);
    for (size_t k = 0; k < m_byteTables.size(); ++k)
        for (uint32_t v = 0; v < 256; ++v) {
            uint64_t word = 0;
            for (uint32_t b = 0; b < 8; ++b)
                if (((v >> b) & 1) && 8 * k + b < m_stackShift)
                    word |= uint64_t(1) << placeOf[8 * k + b];
            m_byteTables[k][v] = word;
        }
}

DramAddress AddressMapping::decode(uint64_t addr) const {
    uint64_t word = 0;
    for (size_t k = 0; k < m_byteTables.size(); ++k)
        word |= m_byteTables[k][(addr >> (8 * k)) & 0xff];
    const auto field = [&](Field f) {
        return uint32_t(word >> m_packedShift[size_t(f)]) & m_fieldMask[size_t(f)];
    };
    DramAddress a;
    a.stack = uint32_t(addr >> m_stackShift);
    a.byte = field(Field::Byte);
    a.column = field(Field::Column);
    a.channel = field(Field::Channel);
    a.pseudoChannel = field(Field::PseudoChannel);
    a.sid = field(Field::Sid);
    a.bankGroup = field(Field::BankGroup);
    a.bank = field(Field::Bank);
    a.row = field(Field::Row);
    return a;
}

uint64_t AddressMapping::encode(const DramAddress& a) const {
    uint64_t addr = uint64_t(a.stack) << m_stackShift;
    auto scatter = [&](Field f, uint32_t v) {
        const auto& bits = m_bits[size_t(f)];
        for (size_t i = 0; i < bits.size(); ++i)
            addr |= uint64_t((v >> i) & 1u) << bits[i];
    };
    scatter(Field::Byte, a.byte);
    scatter(Field::Column, a.column);
    scatter(Field::Channel, a.channel);
    scatter(Field::PseudoChannel, a.pseudoChannel);
    scatter(Field::Sid, a.sid);
    scatter(Field::BankGroup, a.bankGroup);
    scatter(Field::Bank, a.bank);
    scatter(Field::Row, a.row);
    return addr;
}

uint32_t AddressMapping::pcIndex(const DramAddress& a) const {
    return (a.stack * m_spec.org.channels + a.channel) * m_spec.org.pseudoChannels + a.pseudoChannel;
}

uint32_t AddressMapping::bankGroupIndex(const DramAddress& a) const {
    return a.sid * m_spec.org.bankGroups + a.bankGroup;
}

uint32_t AddressMapping::bankIndex(const DramAddress& a) const {
    return bankGroupIndex(a) * m_spec.org.banksPerGroup + a.bank;
}

uint64_t AddressMapping::depositBits(uint64_t value, const std::vector<uint32_t>& bits) {
    uint64_t addr = 0;
    for (size_t i = 0; i < bits.size() && (value >> i); ++i)
        addr |= ((value >> i) & 1u) << bits[i];
    return addr;
}

uint64_t AddressMapping::pcBlockBytes() const {
    uint32_t lowest = m_stackShift;
    for (Field f : {Field::Channel, Field::PseudoChannel})
        for (uint32_t b : m_bits[size_t(f)])
            lowest = std::min(lowest, b);
    return uint64_t(1) << lowest;
}

std::vector<AddressMapping::DepositRun> AddressMapping::depositRuns(const std::vector<uint32_t>& bits) {
    std::vector<DepositRun> runs;
    for (size_t i = 0; i < bits.size();) {
        size_t j = i + 1;
        while (j < bits.size() && bits[j] == bits[j - 1] + 1)
            ++j;
        runs.push_back({uint8_t(i), uint8_t(j - i), uint8_t(bits[i])});
        i = j;
    }
    return runs;
}

std::vector<uint32_t> AddressMapping::regionBits(uint32_t pcs) const {
    // Free bits: every in-stack bit that does not select a pseudo-channel, in address order...
    std::vector<uint32_t> selectors; // pc, channel, then stack bits: lowest flat-index bits first
    for (uint32_t b : m_bits[size_t(Field::PseudoChannel)])
        selectors.push_back(b);
    for (uint32_t b : m_bits[size_t(Field::Channel)])
        selectors.push_back(b);
    for (uint32_t s = 0; (1u << s) < m_stacks; ++s)
        selectors.push_back(m_stackShift + s);
    const uint32_t freeSelectors = log2Exact(pcs);
    std::vector<bool> isSelector(m_stackShift + 32, false);
    for (uint32_t b : selectors)
        isSelector[b] = true;
    // ...plus the lowest log2(pcs) selector bits, placed where the address has them.
    std::vector<bool> isFree(m_stackShift + 32, false);
    for (uint32_t b = 0; b < m_stackShift; ++b)
        isFree[b] = !isSelector[b];
    for (uint32_t i = 0; i < freeSelectors && i < selectors.size(); ++i)
        isFree[selectors[i]] = true;
    std::vector<uint32_t> out;
    for (uint32_t b = 0; b < isFree.size(); ++b)
        if (isFree[b])
            out.push_back(b);
    return out;
}

AddressMapping loadAddressMapping(const std::string& path, Memspec& spec, uint32_t stacks) {
    try {
        return readAddressMapping(path, spec, stacks);
    } catch (const common::ConfigError&) {
        // A DRAMSys v5.2+ memspec was read with v5.3+ counts; its v5.2 reading may be the one
        // the mapping's bit counts fit (they must, in every release).
        if (!spec.dramsysV52Org)
            throw;
        Memspec v52 = spec;
        v52.org = *spec.dramsysV52Org;
        v52.dramsysV52Org.reset();
        v52.dramsysRelease = "v5.2";
        try {
            AddressMapping map = readAddressMapping(path, v52, stacks);
            spec = v52;
            return map;
        } catch (const common::ConfigError&) {
        }
        throw;
    }
}

AddressMapping readAddressMapping(const std::string& path, const Memspec& spec, uint32_t stacks) {
    nlohmann::json doc = common::readJsonFile(path);
    if (doc.is_object() && doc.contains("addressmapping"))
        return AddressMapping(parseDramsysMappingBits(doc, path, spec.org.accessBytes), spec, stacks, path,
                              "/addressmapping");
    IssueList issues(path);
    common::JsonObject root(doc, "", issues);
    root.string("name");
    root.optString("notes");
    common::JsonObject bits = root.object("bits");
    std::array<std::vector<uint32_t>, kFieldCount> out;
    for (size_t f = 0; f < kFieldCount; ++f)
        out[f] = bits.u32List(fieldKey(Field(f)), 63);
    bits.rejectUnknownKeys();
    root.rejectUnknownKeys();
    issues.throwIfAny();
    return AddressMapping(std::move(out), spec, stacks, path, "/bits");
}

} // namespace pilot::hbm
