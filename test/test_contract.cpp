// SPDX-License-Identifier: MIT
// The HW/SW contract: descriptor and completion layouts (little-endian, fixed offsets), field
// helpers, error names. What the host writes into the ring is what the firmware decodes.
#include <catch2/catch.hpp>

#include <cstring>
#include <set>
#include <string>

#include "firmware/include/pilot/contract.h"

using namespace pilot::contract;

namespace {
template <typename T> T readLe(const uint8_t* p) {
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        v |= T(p[i]) << (8 * i);
    return v;
}
} // namespace

TEST_CASE("Contract: a descriptor encoded to bytes decodes to the same fields at the documented offsets",
          "[contract]") {
    Descriptor d{};
    d.opcode = uint16_t(Opcode::DecodeAttnSparse);
    d.version = kVersion;
    d.flags = kFlagNaive | kFlagExactExp;
    d.tag = 0xA1B2C3D4u;
    d.bankGroupMask = 0x8421;
    d.headDim = 128;
    d.ctxLen = 32768;
    d.queries = 4;
    d.qAddr = 0x0000000123456780ull;
    d.kvAddr = 0x00000007FFFFFC00ull;
    d.outAddr = 0x0000000400000000ull;
    d.sinkTokens = 4;
    d.windowTokens = 2044;
    d.scaleBits = 0x3DB504F3u; // 1/sqrt(128) as float bits
    uint8_t bytes[sizeof(Descriptor)];
    std::memcpy(bytes, &d, sizeof d);
    // The layout a host on any machine must produce (little-endian, offsets fixed by version 1).
    CHECK(readLe<uint16_t>(bytes + 0) == uint16_t(Opcode::DecodeAttnSparse));
    CHECK(readLe<uint16_t>(bytes + 2) == kVersion);
    CHECK(readLe<uint32_t>(bytes + 4) == (kFlagNaive | kFlagExactExp));
    CHECK(readLe<uint32_t>(bytes + 8) == 0xA1B2C3D4u);
    CHECK(readLe<uint16_t>(bytes + 12) == 0x8421);
    CHECK(readLe<uint16_t>(bytes + 14) == 128);
    CHECK(readLe<uint32_t>(bytes + 16) == 32768);
    CHECK(readLe<uint16_t>(bytes + 20) == 4);
    CHECK(readLe<uint64_t>(bytes + 24) == 0x0000000123456780ull);
    CHECK(readLe<uint64_t>(bytes + 32) == 0x00000007FFFFFC00ull);
    CHECK(readLe<uint64_t>(bytes + 48) == 0x0000000400000000ull);
    CHECK(readLe<uint32_t>(bytes + 56) == 4);
    CHECK(readLe<uint32_t>(bytes + 60) == 2044);
    CHECK(readLe<uint32_t>(bytes + 64) == 0x3DB504F3u);
    Descriptor back;
    std::memcpy(&back, bytes, sizeof back);
    CHECK(std::memcmp(&back, &d, sizeof d) == 0);
}

TEST_CASE("Contract: a completion entry is 16 bytes with tag, error, phase, head and cycles in order",
          "[contract]") {
    Completion c{};
    c.tag = 77;
    c.error = uint8_t(Error::Range);
    c.phase = 1;
    c.sqHead = 9;
    c.cycles = 123456;
    uint8_t bytes[sizeof(Completion)];
    std::memcpy(bytes, &c, sizeof c);
    CHECK(readLe<uint32_t>(bytes + 0) == 77);
    CHECK(bytes[4] == uint8_t(Error::Range));
    CHECK(bytes[5] == 1);
    CHECK(readLe<uint16_t>(bytes + 6) == 9);
    CHECK(readLe<uint32_t>(bytes + 8) == 123456);
}

TEST_CASE(
    "Contract: register fields set and get without touching their neighbours and every error has a name",
    "[contract]") {
    uint32_t reg = 0xFFFFFFFFu;
    reg = setField(reg, kStatusErr, 0x5A);
    CHECK(getField(reg, kStatusErr) == 0x5A);
    CHECK(getField(reg, kStatusBusy) == 1);
    CHECK((reg & 0xFFFF00FFu) == 0xFFFF00FFu);
    reg = setField(reg, kStatusBusy, 0);
    CHECK(getField(reg, kStatusBusy) == 0);
    CHECK(getField(reg, kStatusErr) == 0x5A);
    std::set<std::string> names;
    for (uint8_t e = 0; e <= uint8_t(Error::Sparse); ++e)
        names.insert(errorName(Error(e)));
    CHECK(names.size() == size_t(uint8_t(Error::Sparse)) + 1); // distinct, none "E_UNKNOWN"
    CHECK(names.count("E_UNKNOWN") == 0);
}
