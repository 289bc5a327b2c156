// SPDX-License-Identifier: MIT
// The host-vs-PIM arbitration: the policies' decisions (no kernel), their configuration, the
// traffic restricted to channels, and the stall accounts of one pseudo-channel controller checked
// against times worked out by hand (one SystemC design per test case; CTest runs each case in
// its own process). Runs of whole mixed scenarios, compared with each other, are in
// test/cli/host_pim_arbitration.sh.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/common/config_error.h"
#include "models/common/json_reader.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/backing_store.h"
#include "models/hbm/host_pim_policy.h"
#include "models/hbm/pc_controller.h"
#include "models/hbm/pim_extension.h"
#include "models/hbm/protocol_checker.h"
#include "models/traffic/request_source.h"
#include "platform/scenario.h"

using namespace pilot;
using hbm::ArbitrationView;
using hbm::Owner;
using sc_core::sc_time;

namespace {

std::string scenarioPath(const std::string& file) {
    return std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/" + file;
}

// The error text of loading a shipped scenario with `sets`, or "" when it loads.
std::string scenarioError(const std::string& file, const std::vector<std::string>& sets) {
    try {
        platform::loadScenario(scenarioPath(file), sets);
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}

// The same for decode-tiny.json with a "traffic" section added to the file (defaults layered
// under it as under any file's sections; --set comes after the layering).
std::string mixedError(const nlohmann::json& traffic, const std::vector<std::string>& sets = {}) {
    nlohmann::json doc = common::readJsonFile(scenarioPath("decode-tiny.json"));
    doc["traffic"] = traffic;
    try {
        platform::parseScenario(doc, "mixed.json", std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios",
                                sets);
    } catch (const common::ConfigError& e) {
        return e.what();
    }
    return "";
}

std::unique_ptr<hbm::HostPimPolicy> policy(const std::string& name, uint32_t pimOps = 0, double pimNs = 0,
                                           uint32_t hostRequests = 1) {
    hbm::HostPimArbitrationConfig c;
    c.policy = name;
    c.slicePimOps = pimOps;
    c.slicePimNs = pimNs;
    c.sliceHostRequests = hostRequests;
    return hbm::makeHostPimPolicy(c, 1000); // 1 ns command clock: cycles are nanoseconds
}

// Both sides have arrived work queued.
ArbitrationView both(uint64_t now) {
    ArbitrationView v;
    v.now = now;
    v.hostQueued = v.hostWaiting = true;
    v.pimQueued = v.pimWaiting = true;
    return v;
}

} // namespace

TEST_CASE(
    "HostPim: pim-first gives queued micro-ops the pseudo-channel, arrived or not, host requests waiting",
    "[hbm][hostpim]") {
    auto p = policy("pim-first");
    uint64_t next = hbm::kNever;
    CHECK(p->decide(both(0), next) == Owner::Pim);
    ArbitrationView v = both(5);
    v.pimWaiting = false; // the head micro-op arrives later: the PIM keeps the pseudo-channel
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimQueued = false;
    CHECK(p->decide(v, next) == Owner::Host);
    v.hostQueued = v.hostWaiting = false;
    CHECK(p->decide(v, next) == Owner::Idle);
    CHECK(next == hbm::kNever); // nothing changes by itself
}

TEST_CASE("HostPim: host-first hands a waiting host request the pseudo-channel only between micro-ops",
          "[hbm][hostpim]") {
    auto p = policy("host-first");
    uint64_t next = hbm::kNever;
    ArbitrationView v = both(0);
    v.hostWaiting = false;
    v.nextHostArrival = 40;
    CHECK(p->decide(v, next) == Owner::Pim);
    CHECK(next == 40); // the arriving request takes over then
    v = both(40);
    v.pimAtBoundary = false; // a move is half issued: it finishes first
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimAtBoundary = true;
    CHECK(p->decide(v, next) == Owner::Host);
    v.pimAtBoundary = false; // the host keeps it while it has arrived requests
    CHECK(p->decide(v, next) == Owner::Host);
    v.hostWaiting = false;
    v.hostQueued = false;
    CHECK(p->decide(v, next) == Owner::Pim);
}

TEST_CASE("HostPim: bounded-slices gives a waiting host request a slice after slice_pim_ops micro-ops and "
          "takes it back after slice_host_requests",
          "[hbm][hostpim]") {
    auto p = policy("bounded-slices", 3, 0, 2);
    uint64_t next = hbm::kNever;
    ArbitrationView v = both(10);
    v.pimOpsDone = 100; // the bound counts from the moment the host request waits
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimOpsDone = 102;
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimOpsDone = 103;
    v.pimAtBoundary = false; // spent, but a micro-op is half issued
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimAtBoundary = true;
    v.hostDone = 7;
    CHECK(p->decide(v, next) == Owner::Host);
    v.hostDone = 8;
    CHECK(p->decide(v, next) == Owner::Host);
    v.hostDone = 9; // two host requests served: the PIM again, with a fresh bound
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimOpsDone = 105;
    CHECK(p->decide(v, next) == Owner::Pim);
    v.pimOpsDone = 106;
    CHECK(p->decide(v, next) == Owner::Host);
    v.hostWaiting = v.hostQueued = false; // no host request left: the PIM at once
    CHECK(p->decide(v, next) == Owner::Pim);
    CHECK(next == hbm::kNever); // an op bound: no wake-up of its own
}

TEST_CASE("HostPim: bounded-slices with slice_pim_ns asks to be woken when the bound runs out",
          "[hbm][hostpim]") {
    auto p = policy("bounded-slices", 0, 100, 1);
    uint64_t next = hbm::kNever;
    ArbitrationView v = both(0);
    v.hostWaiting = false;
    v.nextHostArrival = 30;
    CHECK(p->decide(v, next) == Owner::Pim);
    CHECK(next == 30); // the bound starts when the host request arrives
    next = hbm::kNever;
    v = both(30);
    CHECK(p->decide(v, next) == Owner::Pim);
    CHECK(next == 130);
    v.now = 129;
    CHECK(p->decide(v, next) == Owner::Pim);
    v.now = 130;
    CHECK(p->decide(v, next) == Owner::Host);
}

TEST_CASE("HostPim: the policies are named, and an unknown name lists them", "[hbm][hostpim][config]") {
    CHECK(hbm::hostPimPolicyNames() == std::vector<std::string>{"pim-first", "host-first", "bounded-slices"});
    CHECK_THROWS_WITH(policy("round-robin"), Catch::Contains("pim-first, host-first, bounded-slices"));
    CHECK(scenarioError("decode-tiny.json", {"/controller/host_pim_arbitration/policy=\"fifo\""}) ==
          scenarioPath("decode-tiny.json") +
              ": /controller/host_pim_arbitration/policy: must be one of \"pim-first\", \"host-first\", "
              "\"bounded-slices\" (got \"fifo\")");
    CHECK_THAT(
        scenarioError("decode-tiny.json", {"/controller/host_pim_arbitration/policy=\"bounded-slices\"",
                                           "/controller/host_pim_arbitration/slice_pim_ops=0"}),
        Catch::Contains("/controller/host_pim_arbitration/slice_pim_ops: bounded-slices needs"));
    CHECK_THAT(scenarioError("decode-tiny.json", {"/controller/host_pim_arbitration/slices=3"}),
               Catch::Contains("/controller/host_pim_arbitration/slices: unknown key"));
    // The shipped default is today's behaviour.
    CHECK(platform::loadScenario(scenarioPath("decode-tiny.json")).controller.hostPim.policy == "pim-first");
}

TEST_CASE("Scenario: traffic beside a PIM workload names channels the system has, each once, and needs a "
          "run that is not replicated",
          "[config][hostpim]") {
    auto traffic = [](nlohmann::json channels) {
        return nlohmann::json{{"type", "synthetic"}, {"requests", 10}, {"channels", channels}};
    };
    CHECK(mixedError(traffic({0})) == "");
    nlohmann::json doc = common::readJsonFile(scenarioPath("decode-tiny.json"));
    doc["traffic"] = traffic({0});
    const platform::Scenario s =
        platform::parseScenario(doc, "mixed.json", std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios");
    REQUIRE(s.traffic);
    REQUIRE(s.decode);
    CHECK(s.traffic->synthetic.channels == std::vector<uint32_t>{0});
    CHECK(mixedError(traffic({1})) ==
          "mixed.json: /traffic/channels/0: must name a channel of the system, below 1 (got 1)");
    CHECK(mixedError(traffic({1, 1}), {"/system/pseudo_channels=4"}) ==
          "mixed.json: /traffic/channels/1: channel 1 is listed twice");
    CHECK(mixedError(traffic(nlohmann::json::array())) ==
          "mixed.json: /traffic/channels: must list at least one channel");
    CHECK(mixedError(traffic({0}), {"/workload/replicate_channels=true"}) ==
          "mixed.json: /workload/replicate_channels: must be false when the scenario also has traffic (a "
          "replicated run simulates one channel for all)");
    CHECK(
        mixedError({{"type", "trace"}, {"file", "../traces/example.stl"}, {"channels", {0}}}) ==
        "mixed.json: /traffic/channels: applies to synthetic traffic only (a trace's addresses are its own)");
}

TEST_CASE("Traffic: a synthetic source on a channel list puts every burst on a listed channel, each address "
          "once, spread evenly",
          "[traffic][hostpim]") {
    const platform::Scenario s = platform::loadScenario(scenarioPath("hbm3-seq-read.json"));
    const hbm::AddressMapping& map = *s.mapping;
    const uint32_t burst = s.memspec.org.accessBytes;
    for (const std::vector<uint32_t>& chs : {std::vector<uint32_t>{0}, {3, 5}, {2, 7, 11}}) {
        INFO("channels " << chs.size());
        traffic::SyntheticSpec y;
        y.pattern = traffic::Pattern::Sequential;
        y.requests = 3 * 4096;
        y.requestBytes = burst;
        y.pseudoChannels = map.pcCount();
        y.channels = chs;
        traffic::SyntheticSource src(y, map);
        std::set<uint64_t> seen;
        std::map<uint32_t, uint32_t> perChannel, perPc;
        traffic::TrafficRequest r;
        while (src.next(r)) {
            const uint64_t a = src.physical(r.addr);
            const hbm::DramAddress d = map.decode(a);
            const uint32_t ch = d.stack * s.memspec.org.channels + d.channel;
            CHECK(std::find(chs.begin(), chs.end(), ch) != chs.end());
            CHECK(a % burst == 0);
            seen.insert(a);
            ++perChannel[ch];
            ++perPc[map.pcIndex(d)];
        }
        CHECK(seen.size() == y.requests); // no address twice in the first pass
        REQUIRE(perChannel.size() == chs.size());
        for (const auto& [ch, n] : perChannel)
            CHECK(n == y.requests / chs.size());
        CHECK(perPc.size() == chs.size() * s.memspec.org.pseudoChannels);
    }
}

namespace {

// PE ops of a fixed length (the PE clock equals the command clock, so `cycles` PE cycles are
// `cycles` command cycles); moves are never sent.
class FixedPe : public hbm::PimUnit {
  public:
    FixedPe(uint64_t cycles, uint64_t tCKps) : m_cycles(cycles), m_mhz(1e6 / double(tCKps)) {}
    void moveIn(const contract::MicroOp&, uint32_t) override {}
    void moveOut(const contract::MicroOp&, uint32_t) override {}
    uint64_t execute(const contract::MicroOp&) override { return m_cycles; }
    double peClockMHz() const override { return m_mhz; }

  private:
    uint64_t m_cycles;
    double m_mhz;
};

// Sends `ops` PE micro-ops at time 0 (AT), then one host read at cycle `readAt` (b_transport),
// and records when the read's data came back.
class MixedInitiator : public sc_core::sc_module {
  public:
    tlm_utils::simple_initiator_socket<MixedInitiator> iSocket;
    uint64_t readDoneCycle = 0;
    uint32_t pimResponses = 0, accepted = 0;
    bool finished = false;

    MixedInitiator(sc_core::sc_module_name n, uint32_t ops, uint64_t readAt, uint64_t readAddr,
                   uint64_t tCKps)
        : sc_module(n), iSocket("iSocket"), m_ops(ops), m_readAt(readAt), m_addr(readAddr), m_tCKps(tCKps),
          m_payloads(ops), m_ext(ops) {
        iSocket.register_nb_transport_bw(this, &MixedInitiator::nbBw);
        SC_HAS_PROCESS(MixedInitiator);
        SC_THREAD(run);
    }

  private:
    void run() {
        for (uint32_t i = 0; i < m_ops; ++i) {
            m_ext[i].op.kind = contract::MicroOpKind::MacScores;
            m_ext[i].op.bankGroupMask = 1;
            tlm::tlm_generic_payload& gp = m_payloads[i];
            gp.set_command(tlm::TLM_IGNORE_COMMAND);
            gp.set_extension(&m_ext[i]);
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            accepted += iSocket->nb_transport_fw(gp, ph, d) == tlm::TLM_UPDATED;
        }
        sc_core::wait(sc_time::from_value(m_readAt * m_tCKps));
        uint8_t data[32] = {};
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(m_addr);
        gp.set_data_ptr(data);
        gp.set_data_length(32);
        gp.set_streaming_width(32);
        sc_time d = sc_core::SC_ZERO_TIME;
        iSocket->b_transport(gp, d);
        sc_core::wait(d);
        readDoneCycle = sc_core::sc_time_stamp().value() / m_tCKps;
        while (pimResponses < m_ops)
            sc_core::wait(m_response);
        for (auto& p : m_payloads)
            p.clear_extension<hbm::PimOpExtension>();
        finished = true;
        sc_core::sc_stop();
    }
    tlm::tlm_sync_enum nbBw(tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time&) {
        if (ph == tlm::BEGIN_RESP) {
            ++pimResponses;
            m_response.notify(sc_core::SC_ZERO_TIME);
        }
        return tlm::TLM_COMPLETED;
    }

    const uint32_t m_ops;
    const uint64_t m_readAt, m_addr, m_tCKps;
    std::vector<tlm::tlm_generic_payload> m_payloads;
    std::vector<hbm::PimOpExtension> m_ext;
    sc_core::sc_event m_response;
};

struct StallRun {
    uint64_t hostStall, pimStall, readLatency, switches, violations;
    // Of the memspec: the read's ACT-to-RD cycles (tRCD after the ACT's last bus cycle) and
    // RD-to-data cycles.
    uint64_t tRCD, readData, tCKps;
};

// Three PE ops of D = 400 cycles issued at 0, D and 2D (each waits for the PEs; under pim-first
// the PIM keeps the pseudo-channel until the third issues) and a read of a closed bank arriving
// at cycle 50. All-bank refresh: the first refresh is due after tREFI, long after the run.
constexpr uint64_t kOpCycles = 400, kReadAt = 50;
StallRun stallRun(std::vector<std::string> sets) {
    sets.push_back("/controller/refresh=\"all-bank\"");
    const platform::Scenario s = platform::loadScenario(scenarioPath("hbm3-seq-read.json"), sets);
    REQUIRE(s.memspec.t.REFI > 3 * kOpCycles);
    const hbm::AddressMapping& map = *s.mapping;
    hbm::BackingStore store(map.capacity());
    hbm::PseudoChannelController pc("pc0", s.memspec, map, s.controller, store, 0);
    FixedPe pe(kOpCycles, s.memspec.t.tCKps);
    pc.setPimUnit(&pe);
    hbm::ProtocolChecker checker(s.memspec, 1);
    pc.addObserver(&checker);
    hbm::DramAddress a{};
    a.row = 5;
    MixedInitiator init("init", 3, kReadAt, map.encode(a), s.memspec.t.tCKps);
    init.iSocket.bind(pc.tSocket);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    REQUIRE(init.finished);
    CHECK(init.accepted == 3);
    checker.finish(pc.nowCycle());
    const auto& st = pc.stats();
    CHECK(st.pimOps == 3);
    CHECK(st.reads == 1);
    return {st.hostStallCycles,         st.pimStallCycles,        init.readDoneCycle - kReadAt,
            st.ownerSwitches,           checker.violationCount(), s.memspec.bus.actLag() + s.memspec.t.RCDRD,
            s.memspec.readDataCycles(), s.memspec.t.tCKps};
}

} // namespace

TEST_CASE("HostPim stalls: under pim-first a read arriving while micro-ops wait stalls until the last one "
          "issues, and the PIM never stalls",
          "[hbm][hostpim][controller]") {
    const StallRun r = stallRun({"/controller/host_pim_arbitration/policy=\"pim-first\""});
    CHECK(r.hostStall == 2 * kOpCycles - kReadAt);
    CHECK(r.pimStall == 0);
    // Then the read opens its bank and reads: tRCD + the read's data time after the stall.
    CHECK(r.readLatency == 2 * kOpCycles - kReadAt + r.tRCD + r.readData);
    CHECK(r.switches == 1);
    CHECK(r.violations == 0);
}

TEST_CASE("HostPim stalls: under host-first the read takes over at once and the waiting micro-ops stall "
          "for its tRCD",
          "[hbm][hostpim][controller]") {
    const StallRun r = stallRun({"/controller/host_pim_arbitration/policy=\"host-first\""});
    CHECK(r.hostStall == 0);
    CHECK(r.pimStall == r.tRCD); // ACT at 50, RD (the read done) tRCD later
    CHECK(r.readLatency == r.tRCD + r.readData);
    CHECK(r.switches == 2);
    CHECK(r.violations == 0);
}

TEST_CASE("HostPim stalls: under bounded-slices with one micro-op per slice the read waits for one "
          "micro-op, then the last micro-op waits for the read",
          "[hbm][hostpim][controller]") {
    const StallRun r = stallRun({"/controller/host_pim_arbitration={\"policy\":\"bounded-slices\","
                                 "\"slice_pim_ops\":1,\"slice_pim_ns\":0,\"slice_host_requests\":1}"});
    CHECK(r.hostStall == kOpCycles - kReadAt); // the second micro-op issues at D
    CHECK(r.pimStall == r.tRCD);
    CHECK(r.readLatency == kOpCycles - kReadAt + r.tRCD + r.readData);
    CHECK(r.switches == 2);
    CHECK(r.violations == 0);
}

TEST_CASE("HostPim stalls: under bounded-slices with a 100 ns bound the read waits 100 ns rounded up to "
          "the clock",
          "[hbm][hostpim][controller]") {
    const StallRun r = stallRun({"/controller/host_pim_arbitration={\"policy\":\"bounded-slices\","
                                 "\"slice_pim_ops\":0,\"slice_pim_ns\":100,\"slice_host_requests\":1}"});
    const uint64_t bound = uint64_t(std::ceil(100e3 / double(r.tCKps)));
    REQUIRE(kReadAt + bound + r.tRCD < kOpCycles); // the second micro-op still waits for the PEs
    CHECK(r.hostStall == bound);
    CHECK(r.pimStall == r.tRCD);
    CHECK(r.readLatency == bound + r.tRCD + r.readData);
    CHECK(r.violations == 0);
}
