// SPDX-License-Identifier: MIT
// The PIM command queue end to end: descriptors written by the host runtime into the ring,
// the doorbell, firmware validation with one error code per fault, completions and the
// interrupt, ring wrap-around and a full ring. The queue keeps serving after every error.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "firmware/host/decode_offload.h"
#include "firmware/host/pim_runtime.h"
#include "firmware/pim/prefill_kernel.h"
#include "platform/pim_system.h"
#include "platform/scenario.h"

using namespace pilot;
using contract::Descriptor;
using contract::Error;
using contract::Opcode;

namespace {

platform::Scenario tinyScenario() {
    return platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json",
                                  {"/workload/mode=\"timing\""});
}

// A valid dense decode descriptor for bank group 0 of channel 0 (data need not be placed:
// the kernel runs on whatever the rows hold).
Descriptor validDecode(host::HostBus& bus, const host::DecodeLayout& lay, uint32_t tag) {
    Descriptor d{};
    d.opcode = uint16_t(Opcode::DecodeAttn);
    d.version = contract::kVersion;
    d.tag = tag;
    d.bankGroupMask = 1;
    d.headDim = 64;
    d.ctxLen = 64;
    d.queries = 1;
    d.qAddr = bus.columnAddress(0, 0, 0, lay.qRow, 0);
    d.kvAddr = bus.columnAddress(0, 0, 0, lay.kvRow, 0);
    d.outAddr = bus.columnAddress(0, 0, 0, lay.outRow, 0);
    return d;
}

// Runs `program` as the host; returns the completions by tag.
std::map<uint32_t, contract::Completion>
runHost(const std::function<void(host::PimRuntime&, host::HostBus&, const host::DecodeLayout&)>& program) {
    platform::Scenario s = tinyScenario();
    platform::PimSystem sys("system", s, s.pseudoChannels);
    host::PimGeometry geo = platform::pimGeometry(s.memspec, sys.channels());
    host::PimRuntime rt(sys.hostBus(), geo);
    const host::DecodeLayout lay = host::decodeLayout(geo, 64, 64, 1);
    std::map<uint32_t, contract::Completion> byTag;
    sys.host().setProgram([&] {
        rt.init();
        program(rt, sys.hostBus(), lay);
        for (const auto& c : rt.waitAll())
            byTag[c.tag] = c;
    });
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    while (!sys.host().finished() && sc_core::sc_pending_activity())
        sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
    REQUIRE(sys.host().finished());
    CHECK(sys.hbm().checker()->violationCount() == 0);
    return byTag;
}

} // namespace

TEST_CASE("Queue: every malformed descriptor completes with its own error code and the next one runs",
          "[pim][queue]") {
    const auto done = runHost([](host::PimRuntime& rt, host::HostBus& bus, const host::DecodeLayout& lay) {
        auto bad = [&](uint32_t tag, auto edit) {
            Descriptor d = validDecode(bus, lay, tag);
            edit(d);
            rt.submit(0, d);
        };
        bad(1, [](Descriptor& d) { d.opcode = 99; });
        bad(2, [](Descriptor& d) { d.version = 7; });
        bad(3, [](Descriptor& d) { d.qAddr += 32; }); // not row-aligned
        bad(4, [&](Descriptor& d) { d.kvAddr = bus.columnAddress(0, 3, 0, lay.kvRow, 0); }); // not group 0
        bad(5, [](Descriptor& d) { d.headDim = 72; });
        bad(6, [](Descriptor& d) { d.ctxLen = 0; });
        bad(7, [](Descriptor& d) { d.bankGroupMask = 0; });
        bad(8, [](Descriptor& d) {
            d.opcode = uint16_t(Opcode::DecodeAttnSparse);
            d.sinkTokens = d.windowTokens = 0;
        });
        bad(9, [](Descriptor& d) { // 8 query heads of d = 256 cannot fit a 2 KB buffer even one at a time
            d.headDim = 256;
            d.queries = 8;
        });
        bad(10, [](Descriptor& d) { d.outAddr = uint64_t(1) << 45; }); // beyond the memory
        bad(11, [](Descriptor& d) { d.opcode = uint16_t(Opcode::Nop); });
        bad(12, [](Descriptor&) {}); // a valid decode
        bad(13, [](Descriptor& d) { d.opcode = uint16_t(Opcode::Fence); });
    });
    REQUIRE(done.size() == 13);
    const std::map<uint32_t, Error> expected = {
        {1, Error::Opcode}, {2, Error::Version},      {3, Error::Align},      {4, Error::Range},
        {5, Error::Shape},  {6, Error::EmptyContext}, {7, Error::BankGroups}, {8, Error::Sparse},
        {9, Error::Shape},  {10, Error::Range},       {11, Error::Ok},        {12, Error::Ok},
        {13, Error::Ok}};
    for (const auto& [tag, err] : expected) {
        INFO("tag " << tag << " completed with " << contract::errorName(Error(done.at(tag).error)));
        CHECK(Error(done.at(tag).error) == err);
    }
    CHECK(done.at(12).cycles > 0); // the decode did work
}

TEST_CASE(
    "Queue: malformed head spreads and AttAcc descriptors complete with their error codes, valid ones run",
    "[pim][queue][attacc]") {
    const auto done = runHost([](host::PimRuntime& rt, host::HostBus& bus, const host::DecodeLayout& lay) {
        auto submit = [&](uint32_t tag, auto edit) {
            Descriptor d = validDecode(bus, lay, tag);
            edit(d);
            rt.submit(0, d);
        };
        submit(1, [](Descriptor& d) { d.headSpread = 3; });  // not a power of two
        submit(2, [](Descriptor& d) { d.headSpread = 16; }); // beyond a pseudo-channel
        submit(3, [](Descriptor& d) { d.bankGroupMask = 0x0001, d.headSpread = 2; }); // half a set
        submit(4, [](Descriptor& d) { d.bankGroupMask = 0x0003, d.headSpread = 2; }); // a whole set
        submit(5, [](Descriptor& d) { // AttAcc serves one query per KV head
            d.opcode = uint16_t(Opcode::DecodeAttnAttAcc);
            d.queries = 2;
        });
        submit(6, [](Descriptor& d) {
            d.opcode = uint16_t(Opcode::DecodeAttnAttAcc);
            d.ctxLen = 0;
        });
        submit(7, [](Descriptor& d) { d.opcode = uint16_t(Opcode::DecodeAttnAttAcc); });
    });
    REQUIRE(done.size() == 7);
    const std::map<uint32_t, Error> expected = {
        {1, Error::BankGroups}, {2, Error::BankGroups},   {3, Error::BankGroups}, {4, Error::Ok},
        {5, Error::Shape},      {6, Error::EmptyContext}, {7, Error::Ok}};
    for (const auto& [tag, err] : expected) {
        INFO("tag " << tag << " completed with " << contract::errorName(Error(done.at(tag).error)));
        CHECK(Error(done.at(tag).error) == err);
    }
    CHECK(done.at(7).cycles > 0);
}

TEST_CASE("Queue: more descriptors than ring entries wrap around the ring and all complete in order",
          "[pim][queue]") {
    const uint32_t n = 21; // the runtime's ring has 8 entries: waits when full, wraps twice
    const auto done = runHost([&](host::PimRuntime& rt, host::HostBus& bus, const host::DecodeLayout& lay) {
        for (uint32_t i = 0; i < n; ++i)
            rt.submit(0, validDecode(bus, lay, 100 + i));
    });
    REQUIRE(done.size() == n);
    for (uint32_t i = 0; i < n; ++i)
        CHECK(Error(done.at(100 + i).error) == Error::Ok);
    // sqHead in each completion advances by one per descriptor, modulo twice the ring size.
    for (uint32_t i = 1; i < n; ++i)
        CHECK(done.at(100 + i).sqHead == (done.at(100 + i - 1).sqHead + 1) % 16);
}

TEST_CASE("Queue: malformed prefill descriptors complete with their error codes and the queue keeps serving",
          "[pim][queue][prefill]") {
    // A small BigBird-like head: N 64, window 16, 4 global tokens, one random block of 16 per
    // block-row; rows allocated in the runtime's order from row 0.
    fw::PrefillKernelShape shape; // on the scenario's HBM3 with a 2 KB buffer
    shape.sramBytes = 2048;
    shape.rowBytes = 1024;
    shape.columnBytes = 32;
    shape.banksPerGroup = 4;
    shape.seqLen = 64;
    shape.headDim = 64;
    shape.window = 16;
    shape.globalTokens = 4;
    shape.randomBlocks = 1;
    shape.blockSize = 16;
    const fw::PrefillKernelPlan plan = fw::planPrefillKernel(shape);
    REQUIRE(plan.error == Error::Ok);
    REQUIRE(plan.globalRows == 4);
    uint32_t next = 0;
    auto take = [&](uint32_t rows) {
        const uint32_t at = next;
        next += rows;
        return at;
    };
    const uint32_t qRow = take(plan.qRows), outRow = take(plan.outRows), bandRow = take(plan.bandRows),
                   auxRow = take(plan.auxRows), scratchRow = take(plan.scratchRows),
                   patternRow = take(plan.patternRows), gqRow = take(plan.globalQRows),
                   splitRow = take(plan.splitKvRows), goutRow = take(plan.globalOutRows);
    const uint32_t badTableRow = take(1);
    const auto done = runHost([&](host::PimRuntime& rt, host::HostBus& bus, const host::DecodeLayout&) {
        const uint32_t good[4] = {1, 2, 3, 0}, bad[4] = {1, 9, 3, 0}; // block 9 of 4
        rt.bankWrite(0, 0, 0, patternRow, 0, reinterpret_cast<const uint8_t*>(good), sizeof good, false);
        rt.bankWrite(0, 0, 0, badTableRow, 0, reinterpret_cast<const uint8_t*>(bad), sizeof bad, false);
        auto at = [&](uint32_t row) { return bus.columnAddress(0, 0, 0, row, 0); };
        auto submit = [&](uint32_t tag, auto edit) {
            Descriptor d{};
            d.opcode = uint16_t(Opcode::PrefillHybridSparse);
            d.version = contract::kVersion;
            d.tag = tag;
            d.bankGroupMask = 1;
            d.headDim = 64;
            d.ctxLen = 64;
            d.windowTokens = 16;
            d.globalTokens = 4;
            d.randomBlocks = 1;
            d.blockSize = 16;
            d.tileRows = plan.a;
            d.qAddr = at(qRow);
            d.outAddr = at(outRow);
            d.kvAddr = at(bandRow);
            d.auxKvAddr = at(auxRow);
            d.scratchAddr = at(scratchRow);
            d.patternAddr = at(patternRow);
            d.globalQAddr = at(gqRow);
            d.splitKvAddr = at(splitRow);
            d.globalOutAddr = at(goutRow);
            edit(d);
            rt.submit(0, d);
        };
        submit(1, [](Descriptor&) {}); // valid
        submit(2, [](Descriptor& d) { d.tileRows = 0; });
        submit(3, [](Descriptor& d) { d.tileRows = 200; });                    // does not fit 2 KB
        submit(4, [](Descriptor& d) { d.windowTokens = d.globalTokens = 0; }); // rows attend nothing
        submit(5, [](Descriptor& d) { d.blockSize = 0; });                     // random blocks without a size
        submit(6, [&](Descriptor& d) { d.patternAddr = at(badTableRow); });    // a block beyond the sequence
        submit(7, [](Descriptor& d) { d.qAddr += 32; });                       // not row-aligned
        submit(8, [&](Descriptor& d) { d.kvAddr = bus.columnAddress(0, 3, 0, bandRow, 0); }); // not group 0
        submit(9, [](Descriptor& d) { d.headDim = 72; });
        submit(10, [](Descriptor& d) { d.ctxLen = 0; });
        submit(11, [](Descriptor& d) { d.globalTokens = 65; }); // more globals than tokens
        submit(12, [](Descriptor&) {});                         // valid again
    });
    REQUIRE(done.size() == 12);
    const std::map<uint32_t, Error> expected = {
        {1, Error::Ok},     {2, Error::Shape},         {3, Error::Shape},   {4, Error::Sparse},
        {5, Error::Sparse}, {6, Error::Sparse},        {7, Error::Align},   {8, Error::Range},
        {9, Error::Shape},  {10, Error::EmptyContext}, {11, Error::Sparse}, {12, Error::Ok}};
    for (const auto& [tag, err] : expected) {
        INFO("tag " << tag << " completed with " << contract::errorName(Error(done.at(tag).error)));
        CHECK(Error(done.at(tag).error) == err);
    }
    CHECK(done.at(1).cycles > 0);
    CHECK(done.at(12).cycles > 0); // ran again after eleven rejected descriptors
}
