// SPDX-License-Identifier: MIT
// Fuzz target of the firmware's descriptor validation, through the real queue: the host
// runtime writes descriptors made from the input into channel 0's ring and rings the doorbell;
// the firmware validates, plans and runs them on the PE model (functional mode, so the PE
// buffers' range checks are live). Every descriptor must complete with a known status, and a
// valid descriptor submitted after them must complete with E_OK: the queue keeps serving.
//
// The system is elaborated once per process (SystemC allows one elaboration); the host program
// is a loop that waits for the next input, so every input runs in the same simulation.
#include <systemc>

#include <cstring>

#include "firmware/host/decode_offload.h"
#include "firmware/host/pim_runtime.h"
#include "firmware/include/pilot/contract.h"
#include "firmware/pim/prefill_kernel.h"
#include "models/hbm/protocol_checker.h"
#include "platform/pim_system.h"
#include "platform/scenario.h"
#include "test/fuzz/fuzz_target.h"

namespace pilot::fuzz {

namespace {

using contract::Descriptor;
using contract::Error;
using contract::Opcode;

constexpr uint32_t kMaxDescriptorsPerInput = 6;
// Kernels longer than this are legal but make a fuzz run slow: bounded contexts keep every
// input within milliseconds.
constexpr uint32_t kBoundedContext = 512;
// Simulated time an input may take: six bounded kernels need well under a millisecond.
constexpr uint32_t kSimulatedLimitMs = 5;

std::string describe(const std::vector<Descriptor>& ds) {
    std::string s;
    for (const Descriptor& d : ds)
        s += "[op " + std::to_string(d.opcode) + " v" + std::to_string(d.version) + " flags " +
             std::to_string(d.flags) + " mask " + std::to_string(d.bankGroupMask) + " d " +
             std::to_string(d.headDim) + " L " + std::to_string(d.ctxLen) + " G " +
             std::to_string(d.queries) + " sink " + std::to_string(d.sinkTokens) + " win " +
             std::to_string(d.windowTokens) + " glob " + std::to_string(d.globalTokens) + " r " +
             std::to_string(d.randomBlocks) + " B " + std::to_string(d.blockSize) + " a " +
             std::to_string(d.tileRows) + "] ";
    return s;
}

class QueueHarness {
  public:
    QueueHarness()
        : m_scenario(
              platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/decode-tiny.json",
                                     {"/workload/mode=\"functional\""})),
          m_sys("system", m_scenario, m_scenario.pseudoChannels),
          m_geo(platform::pimGeometry(m_scenario.memspec, m_sys.channels())), m_rt(m_sys.hostBus(), m_geo),
          m_decode(host::decodeLayout(m_geo, 64, 64, 1)) {
        makeTemplates();
        m_sys.host().setProgram([this] {
            m_rt.init();
            for (;;) {
                while (!m_hasWork) // a flag too: the first input may come while init() still runs
                    sc_core::wait(m_go);
                m_hasWork = false;
                for (const Descriptor& d : m_pending)
                    m_rt.submit(0, d);
                m_done = m_rt.waitAll();
                m_finished = true;
            }
        });
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
    }

    // Runs the descriptors, then a valid decode; returns the completions.
    std::vector<contract::Completion> run(std::vector<Descriptor> ds) {
        Descriptor last = m_validDecode;
        last.tag = 0xC0DE;
        ds.push_back(last);
        m_pending = std::move(ds);
        m_finished = false;
        m_hasWork = true;
        m_go.notify(sc_core::SC_ZERO_TIME);
        const sc_core::sc_time limit =
            sc_core::sc_time_stamp() + sc_core::sc_time(kSimulatedLimitMs, sc_core::SC_MS);
        while (!m_finished && sc_core::sc_pending_activity() && sc_core::sc_time_stamp() < limit)
            sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
        FUZZ_CHECK(m_finished, "the queue stopped serving within " + std::to_string(kSimulatedLimitMs) +
                                   " ms of simulated time: " + describe(m_pending));
        FUZZ_CHECK(m_sys.hbm().checker()->violationCount() == 0, "protocol violations");
        return m_done;
    }

    // A descriptor from 128 input bytes: the first byte chooses which fields keep the raw bytes
    // and which come from a valid template, so both shallow and deep validation paths are reached.
    Descriptor make(const uint8_t* raw, uint32_t tag) const {
        Descriptor d;
        std::memcpy(&d, raw, sizeof d);
        const uint8_t how = raw[0];
        const Descriptor& t = (how & 0x01) ? m_validPrefill : m_validDecode;
        if (!(how & 0x02)) {
            d.opcode = t.opcode;
            d.version = t.version;
        }
        if (!(how & 0x04)) { // valid addresses
            d.qAddr = t.qAddr;
            d.kvAddr = t.kvAddr;
            d.outAddr = t.outAddr;
            d.globalOutAddr = t.globalOutAddr;
            d.globalQAddr = t.globalQAddr;
            d.splitKvAddr = t.splitKvAddr;
            d.auxKvAddr = t.auxKvAddr;
            d.patternAddr = t.patternAddr;
            d.scratchAddr = t.scratchAddr;
        }
        if (!(how & 0x08)) { // a valid shape
            d.headDim = t.headDim;
            d.queries = t.queries;
            d.bankGroupMask = t.bankGroupMask;
            d.tileRows = t.tileRows;
        }
        if (!(how & 0x10)) { // valid pattern parameters
            d.windowTokens = t.windowTokens;
            d.globalTokens = t.globalTokens;
            d.randomBlocks = t.randomBlocks;
            d.blockSize = t.blockSize;
            d.sinkTokens = t.sinkTokens;
        }
        if (!(how & 0x20))
            d.flags &= contract::kFlagNaive | contract::kFlagExactExp | contract::kFlagFp16Accum |
                       contract::kFlagCausal;
        // Contexts bounded (a legal kernel over 2^20 keys takes seconds to simulate): up to
        // kBoundedContext, or 8 x that in 1 of 4 descriptors.
        d.ctxLen %= ((how & 0xC0) == 0xC0 ? 8 * kBoundedContext : kBoundedContext) + 1;
        d.tag = tag;
        return d;
    }

  private:
    void makeTemplates() {
        host::HostBus& bus = m_sys.hostBus();
        Descriptor& d = m_validDecode;
        d = Descriptor{};
        d.opcode = uint16_t(Opcode::DecodeAttn);
        d.version = contract::kVersion;
        d.bankGroupMask = 1;
        d.headDim = 64;
        d.ctxLen = 64;
        d.queries = 1;
        d.qAddr = bus.columnAddress(0, 0, 0, m_decode.qRow, 0);
        d.kvAddr = bus.columnAddress(0, 0, 0, m_decode.kvRow, 0);
        d.outAddr = bus.columnAddress(0, 0, 0, m_decode.outRow, 0);

        // A small BigBird-like prefill head (N 64, window 16, 4 globals, a random block of 16),
        // its regions allocated from row 0 as the runtime does (the rows hold whatever is there).
        fw::PrefillKernelShape shape;
        shape.sramBytes = m_scenario.pe.sramBytes;
        shape.rowBytes = m_geo.rowBytes;
        shape.columnBytes = m_geo.columnBytes;
        shape.banksPerGroup = m_geo.banksPerGroup;
        shape.seqLen = 64;
        shape.headDim = 64;
        shape.window = 16;
        shape.globalTokens = 4;
        shape.randomBlocks = 1;
        shape.blockSize = 16;
        const fw::PrefillKernelPlan plan = fw::planPrefillKernel(shape);
        FUZZ_CHECK(plan.error == Error::Ok, "the prefill template does not plan");
        uint32_t next = 0;
        auto at = [&](uint32_t rows) {
            const uint64_t a = bus.columnAddress(0, 0, 0, next, 0);
            next += rows;
            return a;
        };
        Descriptor& p = m_validPrefill;
        p = Descriptor{};
        p.opcode = uint16_t(Opcode::PrefillHybridSparse);
        p.version = contract::kVersion;
        p.bankGroupMask = 1;
        p.headDim = 64;
        p.ctxLen = 64;
        p.windowTokens = 16;
        p.globalTokens = 4;
        p.randomBlocks = 1;
        p.blockSize = 16;
        p.tileRows = plan.a;
        p.qAddr = at(plan.qRows);
        p.outAddr = at(plan.outRows);
        p.kvAddr = at(plan.bandRows);
        p.auxKvAddr = at(plan.auxRows);
        p.scratchAddr = at(plan.scratchRows);
        p.patternAddr = at(plan.patternRows);
        p.globalQAddr = at(plan.globalQRows);
        p.splitKvAddr = at(plan.splitKvRows);
        p.globalOutAddr = at(plan.globalOutRows);
    }

    platform::Scenario m_scenario;
    platform::PimSystem m_sys;
    host::PimGeometry m_geo;
    host::PimRuntime m_rt;
    host::DecodeLayout m_decode;
    Descriptor m_validDecode{}, m_validPrefill{};
    sc_core::sc_event m_go;
    std::vector<Descriptor> m_pending;
    std::vector<contract::Completion> m_done;
    bool m_finished = false, m_hasWork = false;
};

bool knownError(uint8_t e) {
    return std::strcmp(contract::errorName(Error(e)), "E_UNKNOWN") != 0;
}

} // namespace

bool descriptorQueue(const uint8_t* data, size_t size) {
    // Never destroyed: SystemC objects outlive the inputs and the simulation is not restartable.
    static QueueHarness* h = new QueueHarness();
    std::vector<Descriptor> ds;
    for (size_t at = 0; at + sizeof(Descriptor) <= size && ds.size() < kMaxDescriptorsPerInput;
         at += sizeof(Descriptor))
        ds.push_back(h->make(data + at, uint32_t(ds.size() + 1)));
    const size_t n = ds.size();
    const std::vector<contract::Completion> done = h->run(std::move(ds));
    FUZZ_CHECK(done.size() == n + 1,
               std::to_string(done.size()) + " completions for " + std::to_string(n + 1) + " descriptors");
    bool ran = false;
    for (size_t i = 0; i < n; ++i) {
        FUZZ_CHECK(done[i].tag == i + 1, "completions out of order");
        FUZZ_CHECK(knownError(done[i].error), "unknown status " + std::to_string(done[i].error));
        ran = ran || Error(done[i].error) == Error::Ok;
    }
    FUZZ_CHECK(done[n].tag == 0xC0DE && Error(done[n].error) == Error::Ok,
               "the valid descriptor after the fuzzed ones failed: " + std::to_string(done[n].error));
    return ran;
}

} // namespace pilot::fuzz
