// SPDX-License-Identifier: MIT
#pragma once
// Bit-field map from a physical address to (stack, channel, pseudo-channel, sid, bank group,
// bank, row, column). The map file covers one stack; the stack index is the address divided
// by the stack's capacity (the bits above the map). Loaded from workloads/mappings/*.json or
// a DRAMSys address-mapping file.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/hbm/memspec.h"

namespace pilot::hbm {

enum class Field : uint8_t { Byte, Column, Channel, PseudoChannel, Sid, BankGroup, Bank, Row, kCount };
inline constexpr size_t kFieldCount = size_t(Field::kCount);
const char* fieldKey(Field f); // JSON key: "byte", "column", ...

struct DramAddress {
    uint32_t stack = 0, channel = 0, pseudoChannel = 0, sid = 0, bankGroup = 0, bank = 0, row = 0, column = 0;
    uint32_t byte = 0; // offset inside the access
    bool operator==(const DramAddress& o) const;
};

class AddressMapping {
  public:
    // bits[f] lists the physical address bits of field f, least significant first.
    AddressMapping(std::array<std::vector<uint32_t>, kFieldCount> bits, const Memspec& spec, uint32_t stacks,
                   const std::string& file, const std::string& bitsPointer = "/bits");

    DramAddress decode(uint64_t addr) const;
    uint64_t encode(const DramAddress& a) const;

    uint32_t stacks() const { return m_stacks; }
    uint64_t capacity() const { return m_stackBytes * m_stacks; }
    uint64_t stackBytes() const { return m_stackBytes; }
    const std::vector<uint32_t>& bits(Field f) const { return m_bits[size_t(f)]; }
    const Memspec& spec() const { return m_spec; }

    // Global pseudo-channel index: (stack x channels + channel) x pseudoChannels + pc.
    uint32_t pcIndex(const DramAddress& a) const;
    // The same from a physical address, gathering only the selecting fields (the router's hot path).
    uint32_t pcIndexOf(uint64_t addr) const {
        const auto& o = m_spec.org;
        return (uint32_t(addr >> m_stackShift) * o.channels + gather(Field::Channel, addr)) *
                   o.pseudoChannels +
               gather(Field::PseudoChannel, addr);
    }
    uint32_t pcCount() const { return m_spec.org.pcsPerStack() * m_stacks; }
    // Aligned blocks of this many bytes lie in one pseudo-channel: 2 to the lowest address bit
    // that selects the channel, the pseudo-channel or the stack.
    uint64_t pcBlockBytes() const;
    // Flat bank index and bank-group index inside a pseudo-channel.
    uint32_t bankIndex(const DramAddress& a) const;
    uint32_t bankGroupIndex(const DramAddress& a) const;

    // The address of the `offset`-th byte of the region served by the first `pcs` pseudo-
    // channels (a power of two), in physical-address order: lets a traffic generator walk
    // "sequentially" inside a sub-system. Bits: every map bit but the pseudo-channel-selecting
    // ones, plus the lowest log2(pcs) of those (pc, then channel, then stack).
    uint64_t regionAddress(uint64_t offset, uint32_t pcs) const {
        return depositBits(offset, regionBits(pcs));
    }
    // The physical bits of that region in offset order (least significant first); hot paths
    // compute it once and call depositBits.
    std::vector<uint32_t> regionBits(uint32_t pcs) const;
    static uint64_t depositBits(uint64_t value, const std::vector<uint32_t>& bits);
    // A bit list as runs of consecutive bits {value shift, width, address shift}: deposits a
    // run at a time (the traffic generator's hot path).
    struct DepositRun {
        uint8_t valueShift, width, addrShift;
    };
    static std::vector<DepositRun> depositRuns(const std::vector<uint32_t>& bits);
    static uint64_t deposit(uint64_t value, const std::vector<DepositRun>& runs) {
        uint64_t addr = 0;
        for (const DepositRun& r : runs)
            addr |= ((value >> r.valueShift) & ((uint64_t(1) << r.width) - 1)) << r.addrShift;
        return addr;
    }
    uint64_t regionBytes(uint32_t pcs) const { return m_spec.org.bytesPerPc() * pcs; }

  private:
    // A field's bits as runs of consecutive address bits: decode and encode move a run at once.
    struct Run {
        uint8_t addrShift, width, fieldShift;
    };
    uint32_t gather(Field f, uint64_t addr) const {
        uint32_t v = 0;
        for (const Run& r : m_runs[size_t(f)])
            v |= uint32_t((addr >> r.addrShift) & ((uint64_t(1) << r.width) - 1)) << r.fieldShift;
        return v;
    }

    // decode() (once per burst: the controller's check of each request) goes a byte of
    // the address at a time: m_byteTables[k][v] holds the field bits that byte value v at byte k
    // of the address gives, each field at its place in one packed word (every address bit below
    // the stack belongs to exactly one field, so the fields' widths add up to m_stackShift, at
    // most 64). A run-by-run loop carried each field through memory from one run to the next.
    std::vector<std::array<uint64_t, 256>> m_byteTables;
    std::array<uint8_t, kFieldCount> m_packedShift{}; // where each field starts in the packed word
    std::array<uint32_t, kFieldCount> m_fieldMask{};  // its width as a mask

    std::array<std::vector<uint32_t>, kFieldCount> m_bits;
    std::array<std::vector<Run>, kFieldCount> m_runs;
    Memspec m_spec;
    uint32_t m_stacks;
    uint64_t m_stackBytes;
    uint32_t m_stackShift;
};

// Loads our mapping format or a DRAMSys address mapping (detected by "addressmapping").
// Reads our mapping format or a DRAMSys addressmapping for `spec`. A DRAMSys v5.2+ memspec
// (Memspec::dramsysV52Org) switches to its v5.2 reading when only that one fits the mapping.
AddressMapping loadAddressMapping(const std::string& path, Memspec& spec, uint32_t stacks);
// The same, for exactly `spec`.
AddressMapping readAddressMapping(const std::string& path, const Memspec& spec, uint32_t stacks);

} // namespace pilot::hbm
