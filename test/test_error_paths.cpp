// SPDX-License-Identifier: MIT
// Errors raised inside SystemC processes after the simulation started: the exception leaves
// sc_start with its message, and the process can go on to report (the state stays readable).
// These run in the sanitizer build too (tools/setup/test-all.sh --asan), where an exception
// unwinding a SystemC coroutine stack must not be mistaken for a memory error.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include <systemc>

#include "firmware/host/pim_runtime.h"
#include "firmware/include/pilot/contract.h"
#include "models/hbm/pc_controller.h"
#include "models/hbm/protocol_checker.h"
#include "platform/pim_system.h"
#include "platform/scenario.h"

using namespace pilot;

namespace {

// Runs `program` as the host program; returns the message of the exception that left
// sc_start ("" when none did).
std::string runAndCatch(platform::PimSystem& sys, const std::function<void()>& program) {
    sys.host().setProgram(program);
    try {
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
        while (!sys.host().finished() && sc_core::sc_pending_activity())
            sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

platform::Scenario tiny() {
    return platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json",
                                  {"/workload/mode=\"functional\""});
}

} // namespace

TEST_CASE("Error path: a host read beyond the memory leaves the simulation as an exception naming the access",
          "[error][sanitizer]") {
    const platform::Scenario s = tiny();
    platform::PimSystem sys("system", s, s.pseudoChannels);
    uint8_t buf[64] = {};
    uint32_t before = 0;
    const std::string what = runAndCatch(sys, [&] {
        // Some ordinary work first, so the exception unwinds a stack that has been used.
        for (uint32_t i = 0; i < 16; ++i)
            sys.hostBus().write(sys.hostBus().columnAddress(0, i % 16, 0, 100 + i, 0), buf, 32);
        before = 16;
        sys.hostBus().read(uint64_t(1) << 50, buf, 64);
    });
    CHECK(before == 16);
    CHECK_THAT(what, Catch::Contains("read at") && Catch::Contains("failed"));
    // The system is still readable after the error: its statistics and its checker.
    CHECK(sys.hbm().checker()->violationCount() == 0);
    uint64_t writes = 0;
    for (const auto& pc : sys.hbm().controllers())
        writes += pc->stats().writes;
    CHECK(writes >= 16);
}

TEST_CASE("Error path: an unaligned write to a PIM controller register leaves the simulation as an exception",
          "[error][sanitizer]") {
    const platform::Scenario s = tiny();
    platform::PimSystem sys("system", s, s.pseudoChannels);
    const std::string what = runAndCatch(sys, [&] {
        host::PimGeometry geo = platform::pimGeometry(s.memspec, sys.channels());
        host::PimRuntime rt(sys.hostBus(), geo);
        rt.init();
        sys.hostBus().writeReg(0, 2, 1); // registers are 32-bit and aligned
    });
    CHECK_THAT(what, Catch::Contains("write at") && Catch::Contains("failed"));
}
