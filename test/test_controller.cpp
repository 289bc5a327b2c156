// SPDX-License-Identifier: MIT
// The pseudo-channel controller driven through TLM, and the memory system's performance bounds.
// Each test case elaborates one SystemC design (CTest runs each case in its own process):
// either a test initiator bound to the memory system or to a single controller, or one
// platform::runScenario. Bandwidth bounds are derived from the memspec (data-bus peak, tFAW,
// tRFC / tREFI), never copied from a run; every run also has the protocol checker watching.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <unistd.h>

#include "models/common/json_reader.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/backing_store.h"
#include "models/hbm/command.h"
#include "models/hbm/pc_controller.h"
#include "models/hbm/protocol_checker.h"
#include "platform/hbm_system.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

using namespace pilot;
using nlohmann::json;
using sc_core::sc_time;

namespace {

std::string scenarioPath(const std::string& file) {
    return std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/" + file;
}

platform::Scenario scenario(const std::string& file, const std::vector<std::string>& sets = {}) {
    return platform::loadScenario(scenarioPath(file), sets);
}

// A test initiator: runs `body` in an SC_THREAD, then stops the kernel. The backward path
// forwards to `onBw` (AT tests); assertions are collected and checked after sc_start.
class Initiator : public sc_core::sc_module {
  public:
    tlm_utils::simple_initiator_socket<Initiator> iSocket;
    std::function<void(Initiator&)> body;
    std::function<tlm::tlm_sync_enum(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&)> onBw;
    bool finished = false;

    Initiator(sc_core::sc_module_name n, std::function<void(Initiator&)> b)
        : sc_module(n), iSocket("iSocket"), body(std::move(b)) {
        iSocket.register_nb_transport_bw(this, &Initiator::nbBw);
        SC_HAS_PROCESS(Initiator);
        SC_THREAD(run);
    }

    // A blocking transaction; returns its response status.
    tlm::tlm_response_status transport(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len,
                                       uint32_t streamingWidth = 0, uint8_t* byteEnable = nullptr,
                                       uint32_t byteEnableLength = 0) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(len);
        gp.set_streaming_width(streamingWidth ? streamingWidth : len);
        gp.set_byte_enable_ptr(byteEnable);
        gp.set_byte_enable_length(byteEnableLength);
        gp.set_dmi_allowed(false);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time d = sc_core::SC_ZERO_TIME;
        iSocket->b_transport(gp, d);
        if (d > sc_core::SC_ZERO_TIME)
            sc_core::wait(d);
        return gp.get_response_status();
    }

    unsigned debug(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, uint32_t len) {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        return iSocket->transport_dbg(gp);
    }

  private:
    void run() {
        body(*this);
        finished = true;
        sc_core::sc_stop();
    }
    tlm::tlm_sync_enum nbBw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) {
        if (onBw)
            return onBw(gp, ph, d);
        FAIL_CHECK("unexpected nb_transport_bw");
        return tlm::TLM_COMPLETED;
    }
};

// Runs the elaborated design until the initiator stops it (or a generous limit).
void simulate(const Initiator& init) {
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    REQUIRE(init.finished);
}

// A distinct 32-byte pattern per index: byte 0 holds the index, the rest mix index and offset.
std::vector<uint8_t> pattern(uint32_t k, uint32_t len) {
    std::vector<uint8_t> p(len);
    for (uint32_t i = 0; i < len; ++i)
        p[i] = uint8_t(i == 0 ? k : (k * 37u + i * 11u + 5u));
    return p;
}

// Records commands (for ordering tests) and forwards them to a protocol checker.
struct Recorder : hbm::CommandObserver {
    std::vector<hbm::CommandRecord> commands;
    void onCommand(const hbm::CommandRecord& r) override { commands.push_back(r); }
};

std::string violationLines(const hbm::ProtocolChecker& chk) {
    std::string s;
    for (const auto& v : chk.violations())
        s += v.line() + "\n";
    return s;
}

uint64_t cmdCount(const json& mem, hbm::Command c) {
    return mem["commands"][std::string(hbm::commandName(c))].get<uint64_t>();
}

std::string errorsOf(const json& r) {
    std::string s;
    for (const auto& e : r["errors"])
        s += e.get<std::string>() + "\n";
    return s;
}

// Data-bus ceiling of one pseudo-channel in bytes/ns (= GB/s): one burst per nBL clocks.
double busPeakGBps(const hbm::Memspec& spec) {
    return double(spec.org.accessBytes) / (double(spec.t.nBL) * spec.tCKns());
}

} // namespace

// ------------------------------------------------------------------ functional: through TLM

TEST_CASE(
    "Controller: data written over several pseudo-channels and stacks reads back equal, by b_transport, "
    "transport_dbg and DMI",
    "[hbm][controller]") {
    // Two stacks, every pseudo-channel instantiated (64 controllers behind the router).
    platform::Scenario s = scenario("hbm3-seq-read.json", {"/system/stacks=2", "/system/pseudo_channels=0"});
    const hbm::AddressMapping& map = *s.mapping;
    const auto& org = s.memspec.org;
    REQUIRE(s.pseudoChannels == 2 * org.pcsPerStack());
    platform::HbmSystem hbmSys("hbm", s.memspec, map, s.controller, s.pseudoChannels, true);

    // Addresses spread over stacks, channels, pseudo-channels, SIDs, groups, banks, rows and
    // columns; two share a bank with different rows (a row conflict), two share a row.
    std::vector<uint64_t> addrs;
    for (uint32_t k = 0; k < 24; ++k) {
        hbm::DramAddress a;
        a.stack = k % 2;
        a.channel = (k * 5) % org.channels;
        a.pseudoChannel = (k / 2) % org.pseudoChannels;
        a.sid = (k / 3) % org.sids;
        a.bankGroup = k % org.bankGroups;
        a.bank = (k / 4) % org.banksPerGroup;
        a.row = (k * 1237u) % org.rows;
        a.column = (k * 7u) % org.columns;
        addrs.push_back(map.encode(a));
    }
    {
        hbm::DramAddress a = map.decode(addrs[0]);
        a.row = (a.row + 1) % org.rows; // same bank as addrs[0], another row
        addrs.push_back(map.encode(a));
        a.column = (a.column + 1) % org.columns; // same row as the previous one
        addrs.push_back(map.encode(a));
        hbm::DramAddress top{};
        top.stack = 1, top.channel = org.channels - 1, top.pseudoChannel = org.pseudoChannels - 1;
        top.sid = org.sids - 1, top.bankGroup = org.bankGroups - 1, top.bank = org.banksPerGroup - 1;
        top.row = org.rows - 1, top.column = org.columns - 1;
        addrs.push_back(map.encode(top)); // the last burst of the modelled memory
    }
    REQUIRE(std::set<uint64_t>(addrs.begin(), addrs.end()).size() == addrs.size());
    REQUIRE(addrs.back() + org.accessBytes == map.capacity());
    std::set<uint32_t> stacksUsed, pcsUsed;
    for (uint64_t a : addrs) {
        stacksUsed.insert(map.decode(a).stack);
        pcsUsed.insert(map.pcIndex(map.decode(a)));
    }
    REQUIRE(stacksUsed.size() == 2);
    REQUIRE(pcsUsed.size() >= 8);

    const uint32_t B = org.accessBytes;
    std::vector<std::vector<uint8_t>> expect;
    for (uint32_t k = 0; k < addrs.size(); ++k)
        expect.push_back(pattern(k + 1, B));
    // A partial write (8 bytes inside the first burst) merges into the burst written before.
    const uint32_t partialOffset = 8, partialLen = 8;
    std::vector<uint8_t> partial(partialLen, 0xEE);
    std::copy(partial.begin(), partial.end(), expect[0].begin() + partialOffset);
    // DMI: read through the pointer, then write a new pattern through it.
    const size_t dmiIdx = 5;
    const std::vector<uint8_t> dmiPattern = pattern(200, B);

    std::vector<tlm::tlm_response_status> writeStatus, readStatus;
    std::vector<std::vector<uint8_t>> readBack, dbgBack;
    unsigned dbgBytes = 0;
    bool dmiOk = false, dmiRange = false, dmiRw = false;
    std::vector<uint8_t> dmiSeen(B), afterDmi(B);
    tlm::tlm_response_status afterDmiStatus = tlm::TLM_INCOMPLETE_RESPONSE;
    double freshReadNs = 0;
    uint64_t freshAddr = 0;
    {
        hbm::DramAddress a = map.decode(addrs[3]);
        a.row = (a.row + 100) % org.rows;
        a.bank = (a.bank + 1) % org.banksPerGroup; // a bank no other access touches
        freshAddr = map.encode(a);
        // No other access opens its row in its bank: the read is a miss or a conflict, never a hit.
        const hbm::DramAddress f = map.decode(freshAddr);
        for (uint64_t other : addrs) {
            const hbm::DramAddress o = map.decode(other);
            REQUIRE_FALSE(
                (map.pcIndex(o) == map.pcIndex(f) && map.bankIndex(o) == map.bankIndex(f) && o.row == f.row));
        }
    }

    Initiator init("init", [&](Initiator& self) {
        for (uint32_t k = 0; k < addrs.size(); ++k) {
            std::vector<uint8_t> d = pattern(k + 1, B);
            writeStatus.push_back(self.transport(tlm::TLM_WRITE_COMMAND, addrs[k], d.data(), B));
        }
        writeStatus.push_back(
            self.transport(tlm::TLM_WRITE_COMMAND, addrs[0] + partialOffset, partial.data(), partialLen));
        for (uint32_t k = 0; k < addrs.size(); ++k) {
            std::vector<uint8_t> d(B, 0xCC);
            readStatus.push_back(self.transport(tlm::TLM_READ_COMMAND, addrs[k], d.data(), B));
            readBack.push_back(d);
        }
        for (uint32_t k = 0; k < addrs.size(); ++k) {
            std::vector<uint8_t> d(B, 0xCC);
            dbgBytes += self.debug(tlm::TLM_READ_COMMAND, addrs[k], d.data(), B);
            dbgBack.push_back(d);
        }
        tlm::tlm_generic_payload gp;
        gp.set_address(addrs[dmiIdx]);
        gp.set_command(tlm::TLM_READ_COMMAND);
        tlm::tlm_dmi dmi;
        dmiOk = self.iSocket->get_direct_mem_ptr(gp, dmi);
        if (dmiOk) {
            dmiRange =
                dmi.get_start_address() <= addrs[dmiIdx] && addrs[dmiIdx] + B - 1 <= dmi.get_end_address();
            dmiRw = dmi.is_read_write_allowed();
            if (dmiRange) {
                uint8_t* p = dmi.get_dmi_ptr() + (addrs[dmiIdx] - dmi.get_start_address());
                std::memcpy(dmiSeen.data(), p, B);
                std::memcpy(p, dmiPattern.data(), B);
            }
        }
        afterDmiStatus = self.transport(tlm::TLM_READ_COMMAND, addrs[dmiIdx], afterDmi.data(), B);
        // A read of a closed bank costs at least ACT-to-RD, the read latency and the burst.
        std::vector<uint8_t> d(B);
        const sc_time t0 = sc_core::sc_time_stamp();
        self.transport(tlm::TLM_READ_COMMAND, freshAddr, d.data(), B);
        freshReadNs = (sc_core::sc_time_stamp() - t0).to_seconds() * 1e9;
    });
    init.iSocket.bind(hbmSys.router().tSocket);
    simulate(init);
    hbmSys.finish();

    for (size_t k = 0; k < writeStatus.size(); ++k) {
        INFO("write " << k);
        CHECK(writeStatus[k] == tlm::TLM_OK_RESPONSE);
    }
    REQUIRE(readBack.size() == addrs.size());
    for (size_t k = 0; k < addrs.size(); ++k) {
        INFO("address 0x" << std::hex << addrs[k] << std::dec << " (#" << k << ")");
        CHECK(readStatus[k] == tlm::TLM_OK_RESPONSE);
        CHECK(readBack[k] == expect[k]);
        CHECK(dbgBack[k] == expect[k]);
    }
    CHECK(dbgBytes == addrs.size() * B);
    REQUIRE(dmiOk);
    CHECK(dmiRange);
    CHECK(dmiRw);
    CHECK(dmiSeen == expect[dmiIdx]);
    CHECK(afterDmiStatus == tlm::TLM_OK_RESPONSE);
    CHECK(afterDmi == dmiPattern);
    const auto& T = s.memspec.t;
    CHECK(freshReadNs >= double(T.RCDRD + T.RL + T.nBL) * s.memspec.tCKns() - 1e-6);

    // Each transaction reached the controller that owns its address, and only that one.
    std::vector<uint64_t> writesPerPc(s.pseudoChannels, 0), readsPerPc(s.pseudoChannels, 0);
    for (uint64_t a : addrs) {
        ++writesPerPc[map.pcIndex(map.decode(a))];
        ++readsPerPc[map.pcIndex(map.decode(a))];
    }
    ++writesPerPc[map.pcIndex(map.decode(addrs[0]))];     // the partial write
    ++readsPerPc[map.pcIndex(map.decode(addrs[dmiIdx]))]; // the read after DMI
    ++readsPerPc[map.pcIndex(map.decode(freshAddr))];
    for (uint32_t pc = 0; pc < s.pseudoChannels; ++pc) {
        INFO("pseudo-channel " << pc);
        CHECK(hbmSys.controllers()[pc]->stats().writes == writesPerPc[pc]);
        CHECK(hbmSys.controllers()[pc]->stats().reads == readsPerPc[pc]);
        CHECK(hbmSys.controllers()[pc]->stats().errors == 0);
    }
    REQUIRE(hbmSys.checker());
    INFO(violationLines(*hbmSys.checker()));
    CHECK(hbmSys.checker()->violationCount() == 0);
}

TEST_CASE(
    "Controller: malformed transactions get the matching TLM error response and the controller keeps serving",
    "[hbm][controller]") {
    platform::Scenario s = scenario("hbm3-seq-read.json");
    const hbm::AddressMapping& map = *s.mapping;
    const auto& org = s.memspec.org;
    hbm::BackingStore store(map.capacity());
    hbm::PseudoChannelController pc("pc0", s.memspec, map, s.controller, store, 0);

    hbm::DramAddress da{};
    da.bankGroup = 1, da.bank = 2, da.row = 77, da.column = 5;
    const uint64_t A = map.encode(da);
    REQUIRE(map.pcIndex(map.decode(A)) == 0);
    hbm::DramAddress other = da;
    other.pseudoChannel = 1; // a valid address, served by another controller
    const uint64_t otherPc = map.encode(other);
    REQUIRE(map.pcIndex(map.decode(otherPc)) != 0);
    const uint32_t B = org.accessBytes;
    REQUIRE(A % B == 0);
    // The last burst of A's pseudo-channel block: the burst after it is another pseudo-channel's.
    const uint64_t lastInBlock = (A | (map.pcBlockBytes() - 1)) + 1 - B;
    REQUIRE(map.pcIndexOf(lastInBlock) == 0);
    REQUIRE(map.pcIndexOf(lastInBlock + B) != 0);

    struct Case {
        const char* what;
        tlm::tlm_response_status expect;
        tlm::tlm_response_status got = tlm::TLM_INCOMPLETE_RESPONSE;
    };
    std::vector<Case> cases;
    std::vector<uint8_t> afterBadWrite(2 * B, 0xCC);
    tlm::tlm_sync_enum atReturn = tlm::TLM_ACCEPTED;
    tlm::tlm_response_status atStatus = tlm::TLM_INCOMPLETE_RESPONSE;
    tlm::tlm_response_status goodWrite = tlm::TLM_INCOMPLETE_RESPONSE,
                             goodRead = tlm::TLM_INCOMPLETE_RESPONSE, halfRead = tlm::TLM_INCOMPLETE_RESPONSE;
    const std::vector<uint8_t> good = pattern(9, B);
    std::vector<uint8_t> goodBack(B, 0), halfBack(B / 2, 0);

    Initiator init("init", [&](Initiator& self) {
        std::vector<uint8_t> big(2 * B, 0xAB);
        auto run = [&](const char* what, tlm::tlm_response_status expect, tlm::tlm_response_status got) {
            cases.push_back({what, expect, got});
        };
        run("address beyond the capacity", tlm::TLM_ADDRESS_ERROR_RESPONSE,
            self.transport(tlm::TLM_WRITE_COMMAND, map.capacity(), big.data(), B));
        run("address far beyond the capacity", tlm::TLM_ADDRESS_ERROR_RESPONSE,
            self.transport(tlm::TLM_READ_COMMAND, map.capacity() * 4 + 64, big.data(), B));
        run("address of another pseudo-channel", tlm::TLM_ADDRESS_ERROR_RESPONSE,
            self.transport(tlm::TLM_READ_COMMAND, otherPc, big.data(), B));
        run("two bursts in two pseudo-channels", tlm::TLM_BURST_ERROR_RESPONSE,
            self.transport(tlm::TLM_WRITE_COMMAND, lastInBlock, big.data(), 2 * B));
        run("crossing into another pseudo-channel inside a transaction", tlm::TLM_BURST_ERROR_RESPONSE,
            self.transport(tlm::TLM_WRITE_COMMAND, lastInBlock + B - 8, big.data(), 16));
        run("zero length", tlm::TLM_BURST_ERROR_RESPONSE,
            self.transport(tlm::TLM_READ_COMMAND, A, big.data(), 0));
        run("streaming width below the length", tlm::TLM_BURST_ERROR_RESPONSE,
            self.transport(tlm::TLM_WRITE_COMMAND, A, big.data(), B, B / 2));
        std::vector<uint8_t> be(B, 0xFF);
        run("byte enables", tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE,
            self.transport(tlm::TLM_WRITE_COMMAND, A, big.data(), B, 0, be.data(), B));
        run("ignore command", tlm::TLM_COMMAND_ERROR_RESPONSE,
            self.transport(tlm::TLM_IGNORE_COMMAND, A, big.data(), B));
        // The AT path answers the same error at once, with TLM_COMPLETED.
        {
            tlm::tlm_generic_payload gp;
            gp.set_command(tlm::TLM_READ_COMMAND);
            gp.set_address(lastInBlock);
            gp.set_data_ptr(big.data());
            gp.set_data_length(2 * B);
            gp.set_streaming_width(2 * B);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            atReturn = self.iSocket->nb_transport_fw(gp, ph, d);
            atStatus = gp.get_response_status();
        }
        // None of the rejected writes reached memory.
        self.debug(tlm::TLM_READ_COMMAND, lastInBlock, afterBadWrite.data(), 2 * B);
        // Afterwards the controller still serves: a full burst and half a burst inside it.
        std::vector<uint8_t> g = good;
        goodWrite = self.transport(tlm::TLM_WRITE_COMMAND, A, g.data(), B);
        goodRead = self.transport(tlm::TLM_READ_COMMAND, A, goodBack.data(), B);
        halfRead = self.transport(tlm::TLM_READ_COMMAND, A + B / 2, halfBack.data(), B / 2);
    });
    init.iSocket.bind(pc.tSocket);
    simulate(init);

    for (const Case& c : cases) {
        INFO(c.what);
        CHECK(c.got == c.expect);
    }
    CHECK(atReturn == tlm::TLM_COMPLETED);
    CHECK(atStatus == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(afterBadWrite == std::vector<uint8_t>(2 * B, 0));
    CHECK(goodWrite == tlm::TLM_OK_RESPONSE);
    CHECK(goodRead == tlm::TLM_OK_RESPONSE);
    CHECK(goodBack == good);
    CHECK(halfRead == tlm::TLM_OK_RESPONSE);
    CHECK(halfBack == std::vector<uint8_t>(good.begin() + B / 2, good.end()));
    CHECK(pc.stats().errors == cases.size() + 1); // + the AT one
    CHECK(pc.stats().writes == 1);
    CHECK(pc.stats().reads == 2);
}

TEST_CASE("Controller: a full read queue answers BEGIN_REQ with TLM_ACCEPTED and sends END_REQ on the "
          "backward path "
          "when room frees",
          "[hbm][controller]") {
    const uint32_t kQueue = 4, kRequests = 24;
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/controller/read_queue=" + std::to_string(kQueue)});
    REQUIRE(s.controller.readQueue == kQueue);
    const hbm::AddressMapping& map = *s.mapping;
    const auto& org = s.memspec.org;
    const uint32_t B = org.accessBytes;
    hbm::BackingStore store(map.capacity());
    hbm::PseudoChannelController pc("pc0", s.memspec, map, s.controller, store, 0);
    hbm::ProtocolChecker checker(s.memspec, 1);
    pc.addObserver(&checker);

    // Reads over a few banks and rows (hits, misses and conflicts), data preloaded by debug writes.
    std::vector<uint64_t> addrs;
    for (uint32_t k = 0; k < kRequests; ++k) {
        hbm::DramAddress a{};
        a.bankGroup = k % org.bankGroups;
        a.bank = (k / 8) % org.banksPerGroup;
        a.row = (k % 3) * 11;
        a.column = k % org.columns;
        addrs.push_back(map.encode(a));
    }
    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> gps;
    std::vector<std::vector<uint8_t>> data(kRequests, std::vector<uint8_t>(B, 0));
    for (uint32_t k = 0; k < kRequests; ++k) {
        auto gp = std::make_unique<tlm::tlm_generic_payload>();
        gp->set_command(tlm::TLM_READ_COMMAND);
        gp->set_address(addrs[k]);
        gp->set_data_ptr(data[k].data());
        gp->set_data_length(B);
        gp->set_streaming_width(B);
        gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        gps.push_back(std::move(gp));
    }
    auto indexOf = [&](const tlm::tlm_generic_payload& gp) {
        for (uint32_t k = 0; k < kRequests; ++k)
            if (gps[k].get() == &gp)
                return int(k);
        return -1;
    };

    std::vector<bool> immediate(kRequests, false), accepted(kRequests, false), gotEndReq(kRequests, false);
    std::vector<int> responses(kRequests, 0);
    std::vector<sc_time> sentAt(kRequests), endReqAt(kRequests);
    std::vector<uint32_t> inQueueWhenRefused;
    uint32_t admitted = 0, responded = 0, badPhases = 0, completedAtOnce = 0;
    int firstRefused = -1;
    sc_core::sc_event endReqEv, respEv;

    Initiator init("init", [&](Initiator& self) {
        for (uint32_t k = 0; k < kRequests; ++k) {
            std::vector<uint8_t> d = pattern(k + 1, B);
            self.debug(tlm::TLM_WRITE_COMMAND, addrs[k], d.data(), B);
        }
        // Back to back at one instant, one outstanding request phase at a time (TLM exclusion rule).
        for (uint32_t k = 0; k < kRequests; ++k) {
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            sentAt[k] = sc_core::sc_time_stamp();
            const tlm::tlm_sync_enum r = self.iSocket->nb_transport_fw(*gps[k], ph, d);
            if (r == tlm::TLM_UPDATED && ph == tlm::END_REQ) {
                immediate[k] = true;
                ++admitted;
            } else if (r == tlm::TLM_ACCEPTED) {
                accepted[k] = true;
                if (firstRefused < 0)
                    firstRefused = int(k);
                inQueueWhenRefused.push_back(admitted - responded);
                while (!gotEndReq[k])
                    sc_core::wait(endReqEv);
            } else {
                ++completedAtOnce;
            }
        }
        while (responded < kRequests)
            sc_core::wait(respEv);
    });
    init.onBw = [&](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) {
        const int k = indexOf(gp);
        if (k < 0) {
            ++badPhases;
            return tlm::TLM_COMPLETED;
        }
        if (ph == tlm::END_REQ) {
            if (!accepted[k] || gotEndReq[k])
                ++badPhases;
            gotEndReq[k] = true;
            endReqAt[k] = sc_core::sc_time_stamp() + d;
            ++admitted;
            endReqEv.notify(sc_core::SC_ZERO_TIME);
            return tlm::TLM_ACCEPTED;
        }
        if (ph == tlm::BEGIN_RESP) {
            if (!immediate[k] && !gotEndReq[k])
                ++badPhases; // a response before its request was taken
            ++responses[k];
            ++responded;
            respEv.notify(d);
            return tlm::TLM_COMPLETED; // ends the transaction: no END_RESP needed
        }
        ++badPhases;
        return tlm::TLM_COMPLETED;
    };
    init.iSocket.bind(pc.tSocket);
    simulate(init);
    checker.finish(pc.nowCycle());

    CHECK(badPhases == 0);
    CHECK(completedAtOnce == 0);
    // The first kQueue requests fill the queue at once; the next one is refused.
    CHECK(firstRefused == int(kQueue));
    for (uint32_t k = 0; k < kQueue; ++k)
        CHECK(immediate[k]);
    const auto refused = uint64_t(std::count(accepted.begin(), accepted.end(), true));
    CHECK(refused >= 1);
    CHECK(pc.stats().backPressureEvents == refused);
    // Back-pressure only when the queue really is full.
    for (uint32_t q : inQueueWhenRefused)
        CHECK(q == kQueue);
    for (uint32_t k = 0; k < kRequests; ++k) {
        INFO("request " << k);
        CHECK(immediate[k] != accepted[k]);
        CHECK(gotEndReq[k] == accepted[k]);
        if (accepted[k])
            CHECK(endReqAt[k] > sentAt[k]); // END_REQ came later, when room freed
        CHECK(responses[k] == 1);
        CHECK(gps[k]->get_response_status() == tlm::TLM_OK_RESPONSE);
        CHECK(data[k] == pattern(k + 1, B));
    }
    CHECK(pc.stats().reads == kRequests);
    INFO(violationLines(checker));
    CHECK(checker.violationCount() == 0);
}

TEST_CASE("Controller: a transaction of several bursts queues each burst as room frees, answers once with "
          "the data of all at its last burst's data, and b_transport writes several bursts",
          "[hbm][controller]") {
    const uint32_t kQueue = 2;
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/controller/read_queue=" + std::to_string(kQueue)});
    const hbm::AddressMapping& map = *s.mapping;
    const uint32_t B = s.memspec.org.accessBytes;
    const uint64_t block = map.pcBlockBytes(); // one pseudo-channel's aligned block
    REQUIRE(block >= 4 * B);
    hbm::BackingStore store(map.capacity());
    hbm::PseudoChannelController pc("pc0", s.memspec, map, s.controller, store, 0);
    hbm::ProtocolChecker checker(s.memspec, 1);
    Recorder rec;
    pc.addObserver(&checker);
    pc.addObserver(&rec);

    // One row of pc0: columns 0-3 (one block: transaction A), 5-6 (C: 16 bytes across the
    // boundary of their bursts), 8-9 (W, written).
    hbm::DramAddress da{};
    da.bankGroup = 2, da.bank = 1, da.row = 40;
    auto column = [&](uint32_t c) {
        hbm::DramAddress a = da;
        a.column = c;
        return map.encode(a);
    };
    const uint64_t A = column(0), C = column(5) + B - 8, W = column(8);
    REQUIRE(A % block == 0);
    for (uint64_t a : {A, A + 3 * B, C, C + 15, W, W + 2 * B - 1})
        REQUIRE(map.pcIndexOf(a) == 0);
    REQUIRE(column(3) == A + 3 * B);
    REQUIRE(column(6) == column(5) + B);
    REQUIRE(column(9) == W + B);
    const std::vector<uint8_t> storedA = pattern(3, 4 * B), storedC = pattern(4, 2 * B);
    const std::vector<uint8_t> written = pattern(77, 2 * B);

    std::vector<uint8_t> dataA(4 * B, 0), dataC(16, 0), writtenBack(2 * B, 0);
    tlm::tlm_generic_payload ta, tc;
    for (auto [gp, addr, data] : {std::tuple{&ta, A, &dataA}, std::tuple{&tc, C, &dataC}}) {
        gp->set_command(tlm::TLM_READ_COMMAND);
        gp->set_address(addr);
        gp->set_data_ptr(data->data());
        gp->set_data_length(uint32_t(data->size()));
        gp->set_streaming_width(uint32_t(data->size()));
        gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    }
    tlm::tlm_sync_enum retA = tlm::TLM_COMPLETED, retC = tlm::TLM_COMPLETED;
    int endReqA = 0, endReqC = 0, respA = 0, respC = 0, other = 0;
    sc_time respAtA, respAtC;
    tlm::tlm_response_status writeStatus = tlm::TLM_INCOMPLETE_RESPONSE;
    sc_core::sc_event endReqEv, respEv;

    Initiator init("init", [&](Initiator& self) {
        std::vector<uint8_t> a = storedA, c = storedC;
        self.debug(tlm::TLM_WRITE_COMMAND, A, a.data(), 4 * B);
        self.debug(tlm::TLM_WRITE_COMMAND, column(5), c.data(), 2 * B);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        retA = self.iSocket->nb_transport_fw(ta, ph, d); // 4 bursts, room for 2: waits for END_REQ
        while (retA == tlm::TLM_ACCEPTED && endReqA == 0)
            sc_core::wait(endReqEv);
        ph = tlm::BEGIN_REQ;
        d = sc_core::SC_ZERO_TIME;
        retC = self.iSocket->nb_transport_fw(tc, ph, d);
        while (respA + respC < 2)
            sc_core::wait(respEv);
        std::vector<uint8_t> w = written;
        writeStatus = self.transport(tlm::TLM_WRITE_COMMAND, W, w.data(), 2 * B);
        self.debug(tlm::TLM_READ_COMMAND, W, writtenBack.data(), 2 * B);
    });
    init.onBw = [&](tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) {
        if ((&gp == &ta || &gp == &tc) && ph == tlm::END_REQ) {
            ++(&gp == &ta ? endReqA : endReqC);
            endReqEv.notify(sc_core::SC_ZERO_TIME);
            return tlm::TLM_ACCEPTED;
        }
        if (ph == tlm::BEGIN_RESP && (&gp == &ta || &gp == &tc)) {
            ++(&gp == &ta ? respA : respC);
            (&gp == &ta ? respAtA : respAtC) = sc_core::sc_time_stamp() + d;
            respEv.notify(d);
            return tlm::TLM_COMPLETED;
        }
        ++other;
        return tlm::TLM_COMPLETED;
    };
    init.iSocket.bind(pc.tSocket);
    simulate(init);

    CHECK(retA == tlm::TLM_ACCEPTED);
    CHECK(endReqA == 1);
    CHECK(respA == 1);
    CHECK(respC == 1);
    CHECK(other == 0);
    CHECK(endReqC == (retC == tlm::TLM_ACCEPTED ? 1 : 0));
    CHECK(pc.stats().backPressureEvents == (retC == tlm::TLM_ACCEPTED ? 2 : 1));
    CHECK(ta.get_response_status() == tlm::TLM_OK_RESPONSE);
    CHECK(tc.get_response_status() == tlm::TLM_OK_RESPONSE);
    CHECK(dataA == storedA);
    CHECK(dataC == std::vector<uint8_t>(storedC.begin() + B - 8, storedC.begin() + B + 8));
    CHECK(writeStatus == tlm::TLM_OK_RESPONSE);
    CHECK(writtenBack == written);
    // One column command per burst (4 + 2 reads, 2 writes), each to its own column.
    std::multiset<uint32_t> readColumns, writeColumns;
    uint64_t lastReadA = 0, lastReadC = 0;
    for (const auto& r : rec.commands) {
        if (r.cmd == hbm::Command::RD || r.cmd == hbm::Command::RDA) {
            readColumns.insert(r.column);
            (r.column < 4 ? lastReadA : lastReadC) = std::max(r.column < 4 ? lastReadA : lastReadC, r.cycle);
        }
        if (r.cmd == hbm::Command::WR || r.cmd == hbm::Command::WRA)
            writeColumns.insert(r.column);
    }
    CHECK(readColumns == std::multiset<uint32_t>{0, 1, 2, 3, 5, 6});
    CHECK(writeColumns == std::multiset<uint32_t>{8, 9});
    CHECK(pc.stats().reads == 6);
    CHECK(pc.stats().writes == 2);
    // Each response comes with its transaction's last data.
    const double tck = s.memspec.tCKns();
    CHECK(respAtA.to_seconds() * 1e9 ==
          Approx(double(lastReadA + s.memspec.readDataCycles()) * tck).epsilon(1e-12));
    CHECK(respAtC.to_seconds() * 1e9 ==
          Approx(double(lastReadC + s.memspec.readDataCycles()) * tck).epsilon(1e-12));
    checker.finish(pc.nowCycle());
    INFO(violationLines(checker));
    CHECK(checker.violationCount() == 0);
}

TEST_CASE("Controller: a b_transport caller facing a full read queue waits and is served once room frees",
          "[hbm][controller]") {
    // The room-freed notification is sent only while a b_transport caller waits: a caller that
    // finds the queue full must still be woken (else it waits for ever and the run never ends).
    const uint32_t kQueue = 2;
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/controller/read_queue=" + std::to_string(kQueue)});
    REQUIRE(s.controller.readQueue == kQueue);
    const hbm::AddressMapping& map = *s.mapping;
    const uint32_t B = s.memspec.org.accessBytes;
    hbm::BackingStore store(map.capacity());
    hbm::PseudoChannelController pc("pc0", s.memspec, map, s.controller, store, 0);
    hbm::ProtocolChecker checker(s.memspec, 1);
    pc.addObserver(&checker);

    // kQueue AT reads fill the queue; one blocking read follows at the same instant.
    std::vector<uint64_t> addrs;
    for (uint32_t k = 0; k <= kQueue; ++k) {
        hbm::DramAddress a{};
        a.row = 5;
        a.column = k;
        addrs.push_back(map.encode(a));
    }
    std::vector<std::vector<uint8_t>> data(kQueue + 1, std::vector<uint8_t>(B, 0));
    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> gps;
    for (uint32_t k = 0; k < kQueue; ++k) {
        auto gp = std::make_unique<tlm::tlm_generic_payload>();
        gp->set_command(tlm::TLM_READ_COMMAND);
        gp->set_address(addrs[k]);
        gp->set_data_ptr(data[k].data());
        gp->set_data_length(B);
        gp->set_streaming_width(B);
        gp->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        gps.push_back(std::move(gp));
    }
    uint32_t taken = 0, responded = 0;
    sc_time lastAtResponse = sc_core::SC_ZERO_TIME, blockingDone = sc_core::SC_ZERO_TIME;
    tlm::tlm_response_status blockingStatus = tlm::TLM_INCOMPLETE_RESPONSE;
    Initiator init("init", [&](Initiator& self) {
        for (uint32_t k = 0; k <= kQueue; ++k) {
            std::vector<uint8_t> d = pattern(k + 1, B);
            self.debug(tlm::TLM_WRITE_COMMAND, addrs[k], d.data(), B);
        }
        for (uint32_t k = 0; k < kQueue; ++k) {
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            if (self.iSocket->nb_transport_fw(*gps[k], ph, d) == tlm::TLM_UPDATED && ph == tlm::END_REQ)
                ++taken;
        }
        blockingStatus = self.transport(tlm::TLM_READ_COMMAND, addrs[kQueue], data[kQueue].data(), B);
        blockingDone = sc_core::sc_time_stamp();
    });
    init.onBw = [&](tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time& d) {
        if (ph == tlm::BEGIN_RESP) {
            ++responded;
            lastAtResponse = sc_core::sc_time_stamp() + d;
        }
        return tlm::TLM_COMPLETED;
    };
    init.iSocket.bind(pc.tSocket);
    simulate(init); // requires the blocking read to have returned
    checker.finish(pc.nowCycle());

    CHECK(taken == kQueue);
    CHECK(responded == kQueue);
    CHECK(blockingStatus == tlm::TLM_OK_RESPONSE);
    for (uint32_t k = 0; k <= kQueue; ++k) {
        INFO("read " << k);
        CHECK(data[k] == pattern(k + 1, B));
    }
    // Queued behind the others (same row, in order): its data comes after theirs.
    CHECK(blockingDone > lastAtResponse);
    CHECK(pc.stats().reads == kQueue + 1);
    INFO(violationLines(checker));
    CHECK(checker.violationCount() == 0);
}

namespace {

// Three reads to one bank sent at the same instant: row 1, row 2, row 1 again. Returns the rows
// of the column commands in issue order.
std::vector<uint32_t> columnRowOrder(const std::string& scheduler, uint32_t rowHitCap = 32) {
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/controller/scheduler=" + scheduler, "/controller/refresh=all-bank",
                                        "/controller/row_hit_cap=" + std::to_string(rowHitCap)});
    const hbm::AddressMapping& map = *s.mapping;
    const uint32_t B = s.memspec.org.accessBytes;
    hbm::BackingStore store(map.capacity());
    hbm::PseudoChannelController pc("pc0", s.memspec, map, s.controller, store, 0);
    Recorder rec;
    hbm::ProtocolChecker checker(s.memspec, 1);
    pc.addObserver(&rec);
    pc.addObserver(&checker);

    const uint32_t rows[] = {1, 2, 1};
    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> gps;
    std::vector<std::vector<uint8_t>> data(3, std::vector<uint8_t>(B));
    for (uint32_t k = 0; k < 3; ++k) {
        hbm::DramAddress a{};
        a.row = rows[k];
        a.column = k;
        auto gp = std::make_unique<tlm::tlm_generic_payload>();
        gp->set_command(tlm::TLM_READ_COMMAND);
        gp->set_address(map.encode(a));
        gp->set_data_ptr(data[k].data());
        gp->set_data_length(B);
        gp->set_streaming_width(B);
        gps.push_back(std::move(gp));
    }
    uint32_t responded = 0;
    bool allTakenAtOnce = true;
    sc_core::sc_event respEv;
    Initiator init("init", [&](Initiator& self) {
        for (auto& gp : gps) {
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = sc_core::SC_ZERO_TIME;
            if (self.iSocket->nb_transport_fw(*gp, ph, d) != tlm::TLM_UPDATED)
                allTakenAtOnce = false;
        }
        while (responded < 3)
            sc_core::wait(respEv);
    });
    init.onBw = [&](tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time& d) {
        if (ph == tlm::BEGIN_RESP) {
            ++responded;
            respEv.notify(d);
        }
        return tlm::TLM_COMPLETED;
    };
    init.iSocket.bind(pc.tSocket);
    simulate(init);
    REQUIRE(allTakenAtOnce);
    INFO(violationLines(checker));
    CHECK(checker.violationCount() == 0);
    std::vector<uint32_t> order;
    for (const auto& c : rec.commands)
        if (hbm::isColumn(c.cmd))
            order.push_back(c.row);
    return order;
}

} // namespace

TEST_CASE("Controller: FR-FCFS serves a younger row hit before an older row miss in the same bank",
          "[hbm][controller]") {
    const std::vector<uint32_t> expected{1, 1, 2};
    CHECK(columnRowOrder("fr-fcfs") == expected);
}

TEST_CASE("Controller: FR-FCFS stops preferring row hits after row_hit_cap columns while an older miss waits",
          "[hbm][controller]") {
    // Cap 1: the first row-1 read uses the activation's one preferred column, so the older
    // row-2 read goes before the younger row-1 hit.
    const std::vector<uint32_t> expected{1, 2, 1};
    CHECK(columnRowOrder("fr-fcfs", 1) == expected);
}

TEST_CASE(
    "Controller: FCFS serves requests to one bank in arrival order even when a younger one hits the open row",
    "[hbm][controller]") {
    const std::vector<uint32_t> expected{1, 2, 1};
    CHECK(columnRowOrder("fcfs") == expected);
}

// ------------------------------------------------------------------ performance bounds (one run each)

TEST_CASE("Controller: sequential reads reach 90% of the data-bus peak less the all-bank refresh time",
          "[hbm][controller]") {
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/traffic/requests=20000", "/controller/refresh=all-bank"});
    const hbm::Memspec& spec = s.memspec;
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    // One 32-byte burst per nBL clocks is the data-bus peak; an all-bank refresh takes the
    // pseudo-channel away for tRFC out of every tREFI.
    const double peak = busPeakGBps(spec);
    CHECK(peak == Approx(spec.peakPcBandwidthGBps()).epsilon(0.01));
    const double refreshShare = double(spec.t.RFC) / double(spec.t.REFI);
    const double bw = m["bandwidth_GBps"].get<double>();
    INFO("bandwidth " << bw << " GB/s, peak " << peak << " GB/s");
    CHECK(bw >= 0.90 * peak * (1.0 - refreshShare));
    CHECK(bw <= peak * 1.001);
    CHECK(m["reads"].get<uint64_t>() == 20000);
    CHECK(cmdCount(m, hbm::Command::REFAB) > 0);
    CHECK(cmdCount(m, hbm::Command::REFPB) == 0);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
    CHECK(m["error_responses"].get<uint64_t>() == 0);
}

TEST_CASE(
    "Controller: random reads stay under the tFAW bound of four activations per window and above half of it",
    "[hbm][controller]") {
    platform::Scenario s =
        scenario("hbm3-random-read.json", {"/traffic/requests=5000", "/controller/refresh=all-bank"});
    const hbm::Memspec& spec = s.memspec;
    const uint32_t B = spec.org.accessBytes;
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    // At most four ACTs per tFAW on a pseudo-channel; a random read needs its own ACT and
    // carries one burst.
    const double bound = 4.0 * B / (double(spec.t.FAW) * spec.tCKns());
    const double bw = m["bandwidth_GBps"].get<double>();
    const uint64_t bytes = m["bytes"].get<uint64_t>();
    const double spanNs = double(bytes) / bw;
    const uint64_t acts = cmdCount(m, hbm::Command::ACT);
    const uint64_t hits = m["row_hits"].get<uint64_t>();
    INFO("bandwidth " << bw << " GB/s, tFAW bound " << bound << " GB/s, ACT " << acts << ", row hits "
                      << hits);
    REQUIRE(bw > 0);
    // The rule itself: ACTs in the span fit four per tFAW window (plus the window in progress).
    const double spanCycles = spanNs / spec.tCKns();
    CHECK(double(acts) <= 4.0 * (std::floor(spanCycles / spec.t.FAW) + 1.0));
    // Bursts served: one per ACT, plus the rare row hit of a random stream.
    CHECK(m["row_misses"].get<uint64_t>() + m["row_conflicts"].get<uint64_t>() <= acts);
    CHECK(double(hits) < 0.02 * double(m["reads"].get<uint64_t>()));
    CHECK(bw <= bound * (1.0 + double(hits) / double(m["reads"].get<uint64_t>())) * 1.001);
    CHECK(bw >= 0.5 * bound);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}

TEST_CASE("Controller: all-bank refresh issues one REFAB per tREFI of simulated time", "[hbm][controller]") {
    // A trickle of reads (one per 200 ns) for about ten refresh intervals.
    platform::Scenario s =
        scenario("hbm3-seq-read.json",
                 {"/traffic/requests=200", "/traffic/interval_ns=200", "/controller/refresh=all-bank"});
    const hbm::Memspec& spec = s.memspec;
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    const double simNs = r["sim_time_ns"].get<double>();
    const double intervals = simNs / (double(spec.t.REFI) * spec.tCKns());
    const double refab = double(cmdCount(m, hbm::Command::REFAB));
    INFO("sim " << simNs << " ns = " << intervals << " x tREFI, REFAB " << refab);
    REQUIRE(intervals >= 5);
    CHECK(std::fabs(refab - intervals) <= 1.0);
    CHECK(cmdCount(m, hbm::Command::REFPB) == 0);
    CHECK(m["refreshes"].get<uint64_t>() == uint64_t(refab));
    CHECK(m["reads"].get<uint64_t>() == 200);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}

TEST_CASE("Controller: per-bank refresh issues one REFPB per tREFI / banks and no REFAB",
          "[hbm][controller]") {
    platform::Scenario s =
        scenario("hbm3-seq-read.json",
                 {"/traffic/requests=200", "/traffic/interval_ns=200", "/controller/refresh=per-bank"});
    const hbm::Memspec& spec = s.memspec;
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    const double simNs = r["sim_time_ns"].get<double>();
    // JEDEC tREFIpb = tREFI / banks: every bank is refreshed once per tREFI.
    const double refiPbNs = double(spec.t.REFI) / double(spec.org.banksPerPc()) * spec.tCKns();
    const double expected = simNs / refiPbNs;
    const double refpb = double(cmdCount(m, hbm::Command::REFPB));
    INFO("sim " << simNs << " ns, expected " << expected << " REFPB, got " << refpb);
    REQUIRE(simNs >= 5 * double(spec.t.REFI) * spec.tCKns());
    CHECK(std::fabs(refpb - expected) <= 2.0);
    CHECK(cmdCount(m, hbm::Command::REFAB) == 0);
    CHECK(m["reads"].get<uint64_t>() == 200);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}

TEST_CASE("Controller: mixed reads and writes turn the bus around without protocol violations",
          "[hbm][controller]") {
    platform::Scenario s = scenario("hbm3-mixed.json", {"/traffic/requests=2000"});
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    const uint64_t rd = cmdCount(m, hbm::Command::RD) + cmdCount(m, hbm::Command::RDA);
    const uint64_t wr = cmdCount(m, hbm::Command::WR) + cmdCount(m, hbm::Command::WRA);
    CHECK(rd > 0);
    CHECK(wr > 0);
    // 64-byte requests: two bursts each, every one served by exactly one column command.
    const uint32_t bursts = s.traffic->synthetic.requestBytes / s.memspec.org.accessBytes;
    CHECK(rd == bursts * m["read_requests"].get<uint64_t>());
    CHECK(wr == bursts * m["write_requests"].get<uint64_t>());
    CHECK(m["read_requests"].get<uint64_t>() + m["write_requests"].get<uint64_t>() == 2000);
    CHECK(m["bandwidth_GBps"].get<double>() <= busPeakGBps(s.memspec) * 1.001);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}

// Issue 14: the memspec validation lets a row cycle be as long as a refresh interval allows
// (REFI >= RFC + RCDWR + WL + nBL + WR + RP); at that boundary the controller still completes the
// writes (a tRCDWR of 2^20 used to hang them: each refresh closed the row first) and keeps every
// bank refreshed within the checker's 9 x tREFI. One SystemC run per test case (one per process).
namespace {
void longestRowCycleRun(const std::string& refresh) {
    json spec = common::readJsonFile(std::string(PILOT_SOURCE_DIR) + "/workloads/memspecs/hbm3-5200.json");
    json& t = spec["timing"];
    t["RCDWR"] = 4000;
    const uint64_t writeCycle = 4000 + t["WL"].get<uint64_t>() + t["nBL"].get<uint64_t>() +
                                t["WR"].get<uint64_t>() + t["RP"].get<uint64_t>();
    t["REFI"] = t["RFC"].get<uint64_t>() + writeCycle; // exactly the bound
    const std::string path = "/tmp/pilot-test-rcdwr-" + std::to_string(::getpid()) + ".json";
    std::ofstream(path) << spec.dump();
    platform::Scenario s =
        scenario("hbm3-mixed.json", {"/system/memspec=\"" + path + "\"", "/traffic/requests=3000",
                                     "/controller/refresh=\"" + refresh + "\""});
    std::remove(path.c_str());
    REQUIRE(s.memspec.t.REFI == s.memspec.t.RFC + writeCycle);
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    CHECK(m["read_requests"].get<uint64_t>() + m["write_requests"].get<uint64_t>() == 3000);
    CHECK(cmdCount(m, hbm::Command::WR) + cmdCount(m, hbm::Command::WRA) ==
          2 * m["write_requests"].get<uint64_t>());
    // Refreshes keep pace with simulated time: one REFAB per tREFI (or a REFPB per tREFI / banks).
    const double intervals = r["sim_time_ns"].get<double>() / (double(s.memspec.t.REFI) * s.memspec.tCKns());
    const double perInterval = refresh == "all-bank" ? 1.0 : double(s.memspec.org.banksPerPc());
    INFO(intervals << " intervals, " << m["refreshes"].get<uint64_t>() << " refreshes");
    REQUIRE(intervals > 20);
    CHECK(double(m["refreshes"].get<uint64_t>()) >= (intervals - 9) * perInterval);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}
} // namespace

TEST_CASE("Controller: at the longest row cycle tREFI allows, writes complete and all-bank refresh keeps up",
          "[hbm][controller][refresh]") {
    longestRowCycleRun("all-bank");
}

TEST_CASE("Controller: at the longest row cycle tREFI allows, writes complete and per-bank refresh keeps up",
          "[hbm][controller][refresh]") {
    longestRowCycleRun("per-bank");
}

TEST_CASE("Controller: closed-page policy serves every read with RDA after its own ACT and never with RD",
          "[hbm][controller]") {
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/traffic/requests=2000", "/controller/page_policy=closed",
                                        "/controller/refresh=all-bank"});
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    const uint64_t rda = cmdCount(m, hbm::Command::RDA);
    CHECK(rda == 2000);
    CHECK(cmdCount(m, hbm::Command::RD) == 0);
    CHECK(cmdCount(m, hbm::Command::PRE) == 0); // no explicit precharge for a request
    CHECK(cmdCount(m, hbm::Command::ACT) >= rda);
    CHECK(m["row_hits"].get<uint64_t>() == 0);
}

// Regression: the auto-precharge after RDA cannot start before tRAS after the ACT, so a
// refresh of the bank must wait the row cycle (tRC) too, not only tRTPL + tRP after the RDA.
TEST_CASE("Controller: closed-page reads with all-bank refresh keep tRP after the auto-precharge",
          "[hbm][controller]") {
    platform::Scenario s =
        scenario("hbm3-random-read.json", {"/traffic/requests=5000", "/controller/page_policy=closed",
                                           "/controller/refresh=all-bank"});
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    CHECK(cmdCount(m, hbm::Command::REFAB) > 0);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}

TEST_CASE("Controller: closed-page reads with per-bank refresh keep tRP after the auto-precharge",
          "[hbm][controller]") {
    platform::Scenario s =
        scenario("hbm3-seq-read.json", {"/traffic/requests=2000", "/controller/page_policy=closed",
                                        "/controller/refresh=per-bank"});
    const json r = platform::runScenario(s);
    const json& m = r["memory"];
    INFO(errorsOf(r));
    CHECK(cmdCount(m, hbm::Command::REFPB) > 0);
    CHECK(m["checker_violations"].get<uint64_t>() == 0);
}
