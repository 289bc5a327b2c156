// SPDX-License-Identifier: MIT
// A property of the memory controller under mixed work: random host reads and writes from
// several concurrent host threads, interleaved with PIM decode kernels on random bank groups,
// with all-bank or per-bank refresh. Whatever the mix (seeded, so each case is reproducible):
// the protocol checker sees no violation, every host request completes and reads back what was
// written, every descriptor completes with E_OK, and refreshes happen. One process per case.
#define SC_INCLUDE_DYNAMIC_PROCESSES // sc_spawn: the host threads
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include <systemc>

#include "firmware/host/decode_offload.h"
#include "firmware/host/pim_runtime.h"
#include "firmware/include/pilot/contract.h"
#include "models/hbm/pc_controller.h"
#include "models/hbm/protocol_checker.h"
#include "platform/pim_system.h"
#include "platform/scenario.h"

using namespace pilot;

namespace {

struct MixedRun {
    uint64_t hostIssued = 0, hostCompleted = 0, hostMismatches = 0;
    size_t descriptors = 0, completedOk = 0, completions = 0;
    uint64_t violations = 0, refreshes = 0;
    std::string firstViolation;
    bool finished = false;
};

MixedRun runMixed(const std::string& refresh, uint64_t seed) {
    constexpr uint32_t kHostThreads = 3, kRequestsPerThread = 120, kKernels = 10;
    platform::Scenario s =
        platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json",
                               {"/workload/mode=\"functional\"", "/controller/refresh=\"" + refresh + "\""});
    platform::PimSystem sys("system", s, s.pseudoChannels);
    const host::PimGeometry geo = platform::pimGeometry(s.memspec, sys.channels());
    host::PimRuntime rt(sys.hostBus(), geo);
    host::HostBus& bus = sys.hostBus();
    const uint32_t ctxMax = 256;
    const host::DecodeLayout lay = host::decodeLayout(geo, ctxMax, 64, 1);
    MixedRun out;
    uint32_t threadsDone = 0;
    sc_core::sc_event threadDone;

    // A host thread: random 32- or 64-byte writes, each read back later, in the upper half of
    // the rows (the PIM layout uses the lowest rows), addresses distinct per thread.
    auto hostTraffic = [&](uint32_t t) {
        std::mt19937_64 rng(seed * 1000 + t);
        std::vector<std::pair<uint64_t, std::vector<uint8_t>>> written;
        for (uint32_t i = 0; i < kRequestsPerThread; ++i) {
            const bool readBack = !written.empty() && rng() % 3 == 0;
            if (readBack) {
                const auto& [addr, data] = written[rng() % written.size()];
                std::vector<uint8_t> got(data.size());
                ++out.hostIssued;
                bus.read(addr, got.data(), uint32_t(got.size()));
                ++out.hostCompleted;
                out.hostMismatches += got != data;
            } else {
                const uint32_t group = uint32_t(rng() % geo.groupsPerChannel());
                const uint32_t bank = uint32_t(rng() % geo.banksPerGroup);
                // rows of this thread: the upper half, interleaved by thread so no two threads share one
                const uint32_t row =
                    geo.rows / 2 + uint32_t(rng() % (geo.rows / 2 / kHostThreads)) * kHostThreads + t;
                const uint32_t column = uint32_t(rng() % (geo.rowBytes / geo.columnBytes / 2)) * 2;
                const uint32_t len = rng() % 2 ? 32 : 64;
                std::vector<uint8_t> data(len);
                for (auto& b : data)
                    b = uint8_t(rng());
                const uint64_t addr = bus.columnAddress(0, group, bank, row, column);
                ++out.hostIssued;
                bus.write(addr, data.data(), len);
                ++out.hostCompleted;
                written.emplace_back(addr, std::move(data));
            }
            if (rng() % 4 == 0)
                sc_core::wait(sc_core::sc_time(double(rng() % 400), sc_core::SC_NS));
        }
        ++threadsDone;
        threadDone.notify();
    };

    sys.host().setProgram([&] {
        rt.init();
        for (uint32_t t = 0; t < kHostThreads; ++t)
            sc_core::sc_spawn([&, t] { hostTraffic(t); }, ("host_traffic_" + std::to_string(t)).c_str());
        std::mt19937_64 rng(seed);
        for (uint32_t k = 0; k < kKernels; ++k) {
            contract::Descriptor d{};
            d.opcode =
                uint16_t(rng() % 2 ? contract::Opcode::DecodeAttn : contract::Opcode::DecodeAttnSparse);
            d.version = contract::kVersion;
            d.tag = k + 1;
            d.bankGroupMask = uint16_t(1 + rng() % ((1u << geo.groupsPerChannel()) - 1));
            d.headDim = 64;
            d.queries = 1;
            d.ctxLen = uint32_t(16 + rng() % (ctxMax - 15));
            if (d.opcode == uint16_t(contract::Opcode::DecodeAttnSparse)) {
                d.sinkTokens = 4;
                d.windowTokens = uint32_t(8 + rng() % 64);
            }
            // The operands' addresses name the lowest bank group of the mask (the contract).
            const uint32_t low = uint32_t(__builtin_ctz(d.bankGroupMask));
            d.qAddr = bus.columnAddress(0, low, 0, lay.qRow, 0);
            d.kvAddr = bus.columnAddress(0, low, 0, lay.kvRow, 0);
            d.outAddr = bus.columnAddress(0, low, 0, lay.outRow, 0);
            rt.submit(0, d);
            ++out.descriptors;
            sc_core::wait(sc_core::sc_time(double(rng() % 2000), sc_core::SC_NS));
        }
        const auto done = rt.waitAll();
        out.completions = done.size();
        for (const auto& c : done)
            out.completedOk += contract::Error(c.error) == contract::Error::Ok;
        while (threadsDone < kHostThreads)
            sc_core::wait(threadDone);
    });
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    // A generous bound: the mix needs well under a millisecond of simulated time.
    while (!sys.host().finished() && sc_core::sc_pending_activity() &&
           sc_core::sc_time_stamp() < sc_core::sc_time(5, sc_core::SC_MS))
        sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
    sys.hbm().finish();
    out.finished = sys.host().finished();
    const hbm::ProtocolChecker* chk = sys.hbm().checker();
    out.violations = chk->violationCount();
    if (!chk->violations().empty())
        out.firstViolation = chk->violations().front().line();
    for (const auto& pc : sys.hbm().controllers())
        out.refreshes += pc->stats().refreshes;
    return out;
}

void checkMixed(const std::string& refresh, uint64_t seed) {
    const MixedRun r = runMixed(refresh, seed);
    INFO(refresh << " refresh, seed " << seed << ": host " << r.hostCompleted << "/" << r.hostIssued
                 << " requests, " << r.completions << "/" << r.descriptors << " descriptors; "
                 << r.firstViolation);
    REQUIRE(r.finished);
    CHECK(r.violations == 0);
    CHECK(r.hostIssued == 3 * 120);
    CHECK(r.hostCompleted == r.hostIssued);
    CHECK(r.hostMismatches == 0);
    CHECK(r.completions == r.descriptors);
    CHECK(r.completedOk == r.descriptors);
    CHECK(r.refreshes > 0);
}

} // namespace

TEST_CASE("Controller property: random host traffic and PIM kernels with all-bank refresh, seed 1",
          "[hbm][controller][property]") {
    checkMixed("all-bank", 1);
}
TEST_CASE("Controller property: random host traffic and PIM kernels with all-bank refresh, seed 2",
          "[hbm][controller][property]") {
    checkMixed("all-bank", 2);
}
TEST_CASE("Controller property: random host traffic and PIM kernels with per-bank refresh, seed 1",
          "[hbm][controller][property]") {
    checkMixed("per-bank", 1);
}
TEST_CASE("Controller property: random host traffic and PIM kernels with per-bank refresh, seed 2",
          "[hbm][controller][property]") {
    checkMixed("per-bank", 2);
}
