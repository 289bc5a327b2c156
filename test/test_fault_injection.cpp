// SPDX-License-Identifier: MIT
// The checks bite: each test injects one fault through the test seams (PeArray and
// PseudoChannelController::injectFaultForTest, reached through RunOptions::beforePimRunForTest;
// no scenario field or command-line option can switch them on) and expects the check that
// guards against it to fail. A check that still passed would prove nothing. One process per case.
#include <catch2/catch.hpp>

#include <string>

#include "models/hbm/pc_controller.h"
#include "models/pim/pe_array.h"
#include "platform/decode_runner.h"
#include "platform/pim_system.h"
#include "platform/prefill_runner.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

using namespace pilot;
using nlohmann::json;
using PeFault = pim::PeArray::FaultForTest;

namespace {

platform::Scenario scenario(const std::string& file, const std::vector<std::string>& sets) {
    return platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/" + file, sets);
}

platform::RunOptions withPeFault(const PeFault& f) {
    platform::RunOptions opt;
    opt.beforePimRunForTest = [f](platform::PimSystem& sys) {
        for (const auto& pe : sys.peArrays())
            pe->injectFaultForTest(f);
    };
    return opt;
}

// Whether every kernel's output check ran and passed; the errors joined for the log.
bool checksPass(const json& r, std::string& errors) {
    bool pass = true;
    for (const auto& k : r["kernels"]) {
        REQUIRE(k.contains("check"));
        pass = pass && k["check"]["passed"].get<bool>();
    }
    for (const auto& e : r["errors"])
        errors += e.get<std::string>() + "\n";
    return pass;
}

const std::vector<std::string> kDecode64 = {"/workload/context=64", "/workload/mode=\"functional\""};

} // namespace

TEST_CASE("Fault injection: decode without a fault passes its output check (the control)",
          "[fault][decode]") {
    const json r = platform::runDecode(scenario("decode-tiny.json", kDecode64), withPeFault({}));
    std::string errors;
    CHECK(checksPass(r, errors));
    CHECK(errors.empty());
}

TEST_CASE("Fault injection: a key dropped by the mask unit fails the decode output check",
          "[fault][decode]") {
    PeFault f;
    f.kind = PeFault::Kind::MaskDropKey;
    f.key = 37;
    const json r = platform::runDecode(scenario("decode-tiny.json", kDecode64), withPeFault(f));
    std::string errors;
    CHECK_FALSE(checksPass(r, errors));
    CHECK_THAT(errors, Catch::Contains("outputs differ from the"));
}

TEST_CASE("Fault injection: a key the mask unit should block fails the decode output check",
          "[fault][decode]") {
    PeFault f;
    f.kind = PeFault::Kind::MaskExtraKey; // 62 keys over 4 banks: two slots of padding to let through
    const json r = platform::runDecode(
        scenario("decode-tiny.json", {"/workload/context=62", "/workload/mode=\"functional\""}),
        withPeFault(f));
    std::string errors;
    CHECK_FALSE(checksPass(r, errors));
}

TEST_CASE("Fault injection: moves into the buffer one element off fail the decode output check",
          "[fault][decode]") {
    PeFault f;
    f.kind = PeFault::Kind::TileOffset;
    f.offsetBytes = 2;
    const json r = platform::runDecode(scenario("decode-tiny.json", kDecode64), withPeFault(f));
    std::string errors;
    CHECK_FALSE(checksPass(r, errors));
}

TEST_CASE("Fault injection: a global key dropped by the mask unit fails the prefill output check",
          "[fault][prefill]") {
    PeFault f;
    f.kind = PeFault::Kind::MaskDropKey;
    f.key = 0; // a global column: every row attends it
    const json r = platform::runPrefill(
        scenario(
            "prefill-bigbird-small.json",
            {"/workload/context=203",
             "/workload/"
             "pattern={\"kind\":\"bigbird\",\"window\":24,\"global\":8,\"random_blocks\":2,\"block\":8}"}),
        withPeFault(f));
    std::string errors;
    CHECK_FALSE(checksPass(r, errors));
}

TEST_CASE("Fault injection: refresh commands lost on their way fail the protocol checker", "[fault][hbm]") {
    platform::RunOptions opt;
    opt.beforePimRunForTest = [](platform::PimSystem& sys) {
        for (const auto& pc : sys.hbm().controllers())
            pc->injectFaultForTest({true});
    };
    const platform::Scenario s =
        scenario("decode-tiny.json", {"/workload/mode=\"timing\"", "/workload/batch=64"});
    const json r = platform::runDecode(s, opt);
    // Long enough for the checker's deadline (9 x tREFI) to pass with no refresh.
    REQUIRE(r["sim_time_ns"].get<double>() > 10.0 * s.memspec.t.REFI * s.memspec.tCKns());
    CHECK(r["memory"]["checker_violations"].get<uint64_t>() > 0);
    std::string errors;
    for (const auto& e : r["errors"])
        errors += e.get<std::string>() + "\n";
    CHECK_THAT(errors, Catch::Contains("tREFI"));
}

TEST_CASE("Fault injection: one key of 256 dropped is caught by the PE-faithful reference",
          "[fault][decode]") {
    // The bit-exact comparison notices it on its own (here the FP64 check does too: 9.1e-3
    // against decode's budget of 1.9e-3; prefill's budget of 9.7e-3 would not).
    PeFault f;
    f.kind = PeFault::Kind::MaskDropKey;
    f.key = 101;
    const json r =
        platform::runDecode(scenario("decode-tiny.json", {"/workload/mode=\"functional\""}), withPeFault(f));
    std::string errors;
    CHECK_FALSE(checksPass(r, errors));
    for (const auto& k : r["kernels"]) {
        INFO("FP64 error " << k["check"]["max_abs_error"] << ", tolerance " << k["check"]["tolerance"]);
        CHECK(k["check"]["pe_reference_mismatches"].get<uint64_t>() > 0);
    }
    CHECK_THAT(errors, Catch::Contains("PE-faithful reference"));
}
