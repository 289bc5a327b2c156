// SPDX-License-Identifier: MIT
#include "platform/cosim_system.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "firmware/host/decode_offload.h"
#include "firmware/host/prefill_offload.h"
#include "models/gpu/gpu_attention.h"
#include "models/gpu/gpu_engine.h"
#include "platform/cosim_kernels.h"
#include "platform/cosim_round_skip.h"
#include "platform/decode_runner.h"
#include "platform/end_to_end.h"
#include "platform/end_to_end_capacity.h"
#include "platform/pim_run.h"
#include "platform/pim_system.h"
#include "platform/prefill_runner.h"
#include "platform/sub_simulations.h"

namespace pilot::platform {

using nlohmann::json;

namespace {

double nowNs() {
    return sc_core::sc_time_stamp().to_seconds() * 1e9;
}

// A scenario document of the point for the system's PIM kernels, timing only, parsed as its
// `pilot run` would parse it (the memory system, the PIM and the workload's settings).
Scenario subScenario(const EndToEndPoint& p, json doc, bool replicate) {
    doc["workload"]["mode"] = "timing";
    doc["workload"]["replicate_channels"] = replicate;
    return parseScenario(std::move(doc), p.file, ".");
}

// The GPU's data: the top quarter of the simulated channels' region, above the PIM layouts
// (which start at row 0 of their banks), so GPU traffic shares banks and buses with the PIM
// but not rows.
gpu::GpuEngineConfig engineConfig(const EndToEndPoint& p, const Scenario& s, uint32_t simPcs) {
    const hbm::AddressMapping& map = *s.mapping;
    gpu::GpuEngineConfig c;
    c.burstBytes = s.memspec.org.accessBytes;
    c.maxOutstanding = p.cosim.outstandingPerPc;
    c.pseudoChannels = simPcs;
    c.pcOf = [&map](uint64_t addr) { return map.pcIndexOf(addr); }; // the simulated ones are the first
    // Per simulated channel: a tile keeps every channel busy alike, however many are simulated.
    c.tileBytes = p.cosim.tileBytes * std::max(1u, simPcs / s.memspec.org.pseudoChannels);
    c.fastForward = p.cosim.fastForward;
    const uint64_t region = map.regionBytes(simPcs);
    c.regionBase = region / 4 * 3;
    c.regionBytes = region / 4;
    const std::vector<hbm::AddressMapping::DepositRun> runs =
        hbm::AddressMapping::depositRuns(map.regionBits(simPcs));
    c.physical = [runs](uint64_t offset) { return hbm::AddressMapping::deposit(offset, runs); };
    return c;
}

// The simulation's parts and the schedule the host program runs.
class CosimRun {
  public:
    CosimRun(const EndToEndPoint& p, const EndToEndSystem& sys)
        : m_p(p), m_sys(sys), m_pimPrefill(prefillsOnPim(sys) && p.sparsePrefill()),
          m_pimDecode(decodesOnPim(sys)),
          m_decodeScenario(
              subScenario(p, decodeSubScenario(p, p.seqLen, {p.memspec, sys.naive, usesAttAccKernel(sys)}),
                          p.cosim.replicate)),
          m_rep(channelReplication(m_decodeScenario, p.cosim.replicate)),
          m_pim("system", m_decodeScenario, m_rep.simPcs),
          m_geo(pimGeometry(m_decodeScenario.memspec, m_pim.channels())), m_runtime(m_pim.hostBus(), m_geo),
          m_engine("gpu", engineConfig(p, m_decodeScenario, m_rep.simPcs)),
          m_kernels(double(m_rep.simPcs) / double(m_decodeScenario.pseudoChannels)), m_g(gemmGpu(p.gpu)),
          m_attention(gpu::makeGpuAttention(p.gpuAttention, p.gpu)) {
        m_engine.iSocket.bind(m_pim.hbm().router().tSocket);
        m_pim.listCounters(m_counters);
        // The host program waits on the PIM while it skips: only an idle GPU stays idle. The
        // placements may skip beside the GPU's kernel too, with its tiles of their time.
        if (p.cosim.fastForward) {
            m_pim.enableFastForward([this] { return m_engine.idle(); },
                                    [this] { return m_engine.bytesIssued(); });
            m_pim.setPlacementCompanion(gpuCompanion());
        }
        if (m_pimPrefill)
            m_prefillScenario = std::make_unique<Scenario>(
                subScenario(p, prefillSubScenario(p, sys.naive), p.cosim.replicate));
    }

    CosimMeasurement run(RunOptions opt);

  private:
    // GEMMs: the memory floor at the GPU's peak bandwidth, so the simulated memory decides how
    // fast their traffic goes (the composed mode uses the bandwidth a stream reached instead).
    static gpu::KernelCostModel gemmGpu(gpu::GpuConfig g) {
        g.efficiency.memoryBandwidth = 1.0;
        return gpu::KernelCostModel(g);
    }
    CosimKernel gpuKernel(const gpu::KernelCost& k, const std::string& name, const std::string& phase,
                          double writeBytes) const {
        return m_kernels.launch(k, name, phase, writeBytes);
    }
    void program();
    // The GPU as the placements' companion (placement_fast_forward.h): their periods and the
    // GPU's tiles of their time skipped together, as rounds are (skipRounds).
    PlacementFastForward::Companion gpuCompanion();
    // One layer: QKV GEMM, `attention` (returns when it is done), O and FFN GEMMs.
    template <typename Attention>
    CosimPhase layer(uint64_t tokens, const std::string& phase, Attention attention);
    // Launches kernels (their FLOPs and bytes counted as GEMM or attention work); runKernels
    // also waits for them and returns the time they took.
    void launch(const std::vector<CosimKernel>& ks, CosimPhase& ph, bool gemm);
    double runKernels(const std::vector<CosimKernel>& ks, CosimPhase& ph, bool gemm);
    void prefillAttention(CosimPhase& ph);
    void decodeAttention(uint32_t context, CosimPhase& ph);
    // PIM offloads; each adds its elapsed and kernel time and its bytes to ph.
    void pimPrefill(CosimPhase& ph);
    void pimDecode(uint32_t context, CosimPhase& ph);
    std::vector<CosimKernel> gpuPrefillAttention(bool sparseHeads, bool denseHeads) const;
    std::vector<CosimKernel> gpuDecodeAttention(uint32_t context) const;
    uint64_t peBytes() const;
    // Stall cycles of the simulated controllers so far (docs/host-pim-arbitration.md).
    struct Stalls {
        uint64_t host = 0, pim = 0;
    };
    Stalls stalls();
    // Bytes a PIM kernel moved on the simulated channels, and the units it ran there.
    struct PimCount {
        double internal = 0, external = 0, units = 0;
        void add(const PimCount& o, double times) {
            internal += o.internal * times;
            external += o.external * times;
            units += o.units * times;
        }
    };
    // Skips `rounds` PIM prefill rounds at `pace`, each as one of the `measured` rounds whose
    // counters moved from `from` to `to`, and the GPU's tiles of their time if it runs.
    void skipRounds(uint32_t rounds, const CosimRound& pace, const std::vector<uint64_t>& from,
                    const std::vector<uint64_t>& to, uint32_t measured);
    void pimBytes(CosimPhase& ph, const PimCount& c, double unitsAll) const;

    const EndToEndPoint& m_p;
    const EndToEndSystem& m_sys;
    const bool m_pimPrefill, m_pimDecode;
    Scenario m_decodeScenario;
    std::unique_ptr<Scenario> m_prefillScenario;
    const ChannelReplication m_rep;
    PimSystem m_pim;
    const host::PimGeometry m_geo;
    host::PimRuntime m_runtime;
    gpu::GpuEngine m_engine;
    CosimGpuKernels m_kernels;
    gpu::KernelCostModel m_g;
    std::unique_ptr<gpu::GpuAttention> m_attention;
    CosimMeasurement m_m;
    std::vector<std::string> m_errors;
    common::CounterSet m_counters;      // the system's, for skipRounds
    pim::FastForwardStats m_roundSkips; // rounds skipped (in the simulator's figures)
    uint64_t m_roundsSimulated = 0, m_roundsSkippedAlone = 0, m_roundsSkippedBesideGpu = 0;
    // The host's phases: name, from, to (ns), and the GPU's and the PIM's stall in it (ns).
    std::vector<std::tuple<std::string, double, double, double, double>> m_spans;
    json m_skipSpans = json::array(); // rounds skipped (skipRounds), as timeline events
    json timelineEvents() const;
};

PlacementFastForward::Companion CosimRun::gpuCompanion() {
    PlacementFastForward::Companion g;
    g.running = [this] { return !m_engine.idle(); };
    g.work = [this] { return m_engine.kernelsLaunched(); };
    g.progress = [this, burst = m_decodeScenario.memspec.org.accessBytes] {
        return m_engine.bytesIssued() / burst;
    };
    g.grain = [this] { return uint64_t(std::ceil(m_engine.burstsPerTile())); };
    g.room = [this] {
        const uint64_t tiles = m_engine.tilesNotStarted(), keep = RoundSkipLimits{}.keepTiles;
        return tiles > keep ? uint64_t(double(tiles - keep) * m_engine.burstsPerTile()) : 0;
    };
    g.pause = [this] { m_engine.pause(); };
    g.skip = [this](uint64_t bursts) {
        const double perTile = m_engine.burstsPerTile();
        const uint64_t tiles = perTile > 0 ? uint64_t(std::llround(double(bursts) / perTile)) : 0;
        m_engine.skipTiles(uint32_t(std::min<uint64_t>(tiles, m_engine.tilesNotStarted())));
    };
    g.resume = [this] { m_engine.resume(); };
    return g;
}

uint64_t CosimRun::peBytes() const {
    uint64_t sum = 0;
    for (const auto& pe : m_pim.peArrays())
        for (const uint64_t b : pe->bankBytes())
            sum += b;
    return sum;
}

void CosimRun::pimBytes(CosimPhase& ph, const PimCount& c, double unitsAll) const {
    // Every unit of a kernel moves the same bytes: the units run stand for all of them (the
    // simulated channels run the busiest channel's share, not 1 / channels of them).
    const double scale = c.units ? unitsAll / c.units : 0.0;
    ph.pimExternal += c.external * scale;
    ph.pimInternal += c.internal * scale;
}

void CosimRun::launch(const std::vector<CosimKernel>& ks, CosimPhase& ph, bool gemm) {
    for (const CosimKernel& k : ks) {
        m_engine.launch(k.launch);
        (gemm ? ph.gemmFlops : ph.attentionFlops) += k.flops;
        (gemm ? ph.gemmBytes : ph.attentionBytes) += k.bytes;
    }
}

double CosimRun::runKernels(const std::vector<CosimKernel>& ks, CosimPhase& ph, bool gemm) {
    const double t0 = nowNs();
    launch(ks, ph, gemm);
    m_engine.synchronize();
    return nowNs() - t0;
}

CosimRun::Stalls CosimRun::stalls() {
    Stalls st;
    for (const auto& pc : m_pim.hbm().controllers()) {
        st.host += pc->stats().hostStallCycles;
        st.pim += pc->stats().pimStallCycles;
    }
    return st;
}

template <typename Attention>
CosimPhase CosimRun::layer(uint64_t tokens, const std::string& phase, Attention attention) {
    CosimPhase ph;
    const Stalls st0 = stalls();
    std::vector<CosimKernel> before, after;
    m_kernels.gemms(m_g, m_p.model, tokens, phase, before, after);
    ph.gemmNs += runKernels(before, ph, true);
    const double a0 = nowNs();
    attention(ph);
    ph.attentionNs = nowNs() - a0;
    const double a1 = nowNs();
    const Stalls sa = stalls();
    ph.gemmNs += runKernels(after, ph, true);
    // Per pseudo-channel, averaged over the simulated ones (each stands for its replicas).
    const Stalls st1 = stalls();
    const double ns = m_decodeScenario.memspec.tCKns() / m_rep.simPcs;
    ph.gpuStallNs = double(st1.host - st0.host) * ns;
    ph.pimStallNs = double(st1.pim - st0.pim) * ns;
    m_spans.emplace_back(phase + " attention", a0, a1, double(sa.host - st0.host) * ns,
                         double(sa.pim - st0.pim) * ns);
    return ph;
}

std::vector<CosimKernel> CosimRun::gpuPrefillAttention(bool sparseHeads, bool denseHeads) const {
    const auto& m = m_p.model;
    const HeadSplit heads = headSplit(m_p);
    std::vector<CosimKernel> out;
    const double outBytesPerHead = double(m_p.seqLen) * m.headDim * gpu::kFp16Bytes;
    if (sparseHeads && heads.sparse)
        out.push_back(gpuKernel(m_attention->prefillSparse(heads.sparse, m.headDim, gpuSparseMask(m_p)),
                                "attention_sparse_heads", "prefill", double(heads.sparse) * outBytesPerHead));
    if (denseHeads && heads.dense) {
        const bool causal = !m_p.sparsePrefill() || m_p.spec.causal;
        out.push_back(gpuKernel(m_attention->prefillDense(heads.dense, m_p.seqLen, m.headDim, causal),
                                "attention_dense_heads", "prefill", double(heads.dense) * outBytesPerHead));
    }
    return out;
}

std::vector<CosimKernel> CosimRun::gpuDecodeAttention(uint32_t c) const {
    const auto& m = m_p.model;
    const bool streaming = m_p.sparsePrefill() && m_p.spec.kind == host::PatternKind::Streaming;
    const double share = streaming ? m_p.spec.headFraction : 0.0;
    const double outBytes = double(m_p.batch) * m.heads * m.headDim * gpu::kFp16Bytes;
    std::vector<CosimKernel> out;
    auto add = [&](const char* name, uint64_t keys, double fraction) {
        if (fraction <= 0)
            return;
        gpu::KernelCost k = m_attention->decode(m_p.batch, m.heads, m.kvHeads, c, m.headDim, keys);
        // A share of the heads: that share of the kernel's work (as the composed mode scales it).
        k.computeNs *= fraction;
        k.memoryNs *= fraction;
        k.flops *= fraction;
        k.bytes *= fraction;
        out.push_back(gpuKernel(k, name, "decode", outBytes * fraction));
    };
    add("attention_decode_dense", c, 1.0 - share);
    if (streaming)
        add("attention_decode_streaming", std::min<uint64_t>(c, m_p.spec.globalTokens + m_p.spec.window),
            share);
    return out;
}

void CosimRun::pimPrefill(CosimPhase& ph) {
    const Scenario& s = *m_prefillScenario;
    const PrefillWorkload& w = *s.prefill;
    const host::HybridPattern pat = w.pattern.mask(w.context);
    const host::PrefillOffload offload(prefillKernelShape(s, w.naive), pat, m_geo, {w.exactExp, w.fp16Accum});
    if (const auto problem = offload.problem())
        throw std::runtime_error(m_p.file + ": " + problem->first + ": " + problem->second);
    // Every round is simulated: the GPU overlaps the whole of it.
    const host::PrefillRoundPlan rp =
        host::prefillRoundPlan(w.batch * w.heads, w.pattern.headFraction, m_rep.scaleBy,
                               m_geo.channels * m_geo.groupsPerChannel(), false, false);
    const double t0 = nowNs();
    offload.writePatternTable(m_runtime);
    // Round by round. Every round runs the same command stream (timing only). Once a whole round
    // ran with the GPU idle, the remaining rounds take that round's time (placement, kernel,
    // outputs) without being simulated (as the GPU engine's steady-state tiles; the composed
    // mode simulates one round always); once two rounds beside the same GPU kernel agree,
    // rounds and the GPU's tiles of their time are skipped together (skipRounds).
    const uint32_t sets = m_geo.channels * m_geo.groupsPerChannel();
    uint32_t done = 0;
    uint64_t lastRoundPs = 0;
    PimCount count, last;
    bool lastAlone = false;
    CosimRound prevRound, lastRound;
    std::vector<uint64_t> prevFrom, roundFrom, roundTo;
    while (done < rp.rounds) {
        const uint32_t unitsLeft = rp.unitsSim - std::min(rp.unitsSim, done * sets);
        if (m_p.cosim.fastForward && lastAlone && m_engine.idle()) {
            const uint32_t rest = rp.rounds - done;
            skipRounds(rest, lastRound, roundFrom, roundTo, 1);
            ph.pimKernelNs += double(lastRoundPs * rest) * 1e-3;
            count.add(last, rest); // each as the last round
            done = rp.rounds;
            break;
        }
        const uint32_t skip =
            m_p.cosim.fastForward
                ? roundsToSkipBesideGpu(prevRound, lastRound, unitsLeft / sets, m_engine.tilesNotStarted(),
                                        m_engine.burstsPerTile(), {})
                : 0;
        if (skip && m_engine.kernelSerial() == lastRound.gpuKernel) {
            // At the two rounds' mean pace (what each round stirs up differs: a stall or two).
            skipRounds(skip, meanRound(prevRound, lastRound), prevFrom, roundTo, 2);
            ph.pimKernelNs += double(lastRoundPs * skip) * 1e-3;
            count.add(last, skip);
            done += skip;
            prevRound = lastRound = {}; // measured again before the next skip
            continue;
        }
        const bool alone = m_engine.idle();
        const uint64_t roundInt0 = peBytes(), roundExt0 = m_runtime.dataBytes();
        const uint64_t gpu0 = m_engine.burstsCompleted(), serial0 = alone ? 0 : m_engine.kernelSerial();
        const uint64_t start = sc_core::sc_time_stamp().value();
        prevFrom = std::move(roundFrom);
        roundFrom = m_counters.snapshot();
        const uint32_t units = std::min(sets, unitsLeft);
        const host::OffloadRun r = offload.run(m_runtime, std::max(1u, units), 1, nullptr, nullptr);
        for (const contract::Completion& c : r.failed)
            m_errors.push_back("prefill: descriptor " + std::to_string(c.tag) + " completed with " +
                               contract::errorName(contract::Error(c.error)));
        roundTo = m_counters.snapshot();
        ph.pimKernelNs += double(r.kernelPs) * 1e-3;
        lastRoundPs = r.kernelPs;
        last = {double(peBytes() - roundInt0), double(m_runtime.dataBytes() - roundExt0), double(r.units)};
        count.add(last, 1);
        lastAlone = alone && m_engine.idle();
        prevRound = lastRound;
        lastRound = {sc_core::sc_time_stamp().value() - start, m_engine.burstsCompleted() - gpu0,
                     !m_engine.idle() && m_engine.kernelSerial() == serial0 ? serial0 : 0, units == sets};
        ++m_roundsSimulated;
        ++done;
    }
    ph.pimNs += nowNs() - t0;
    pimBytes(ph, count, rp.units);
    ph.pimMacs += double(headSplit(m_p).sparse) * double(gpuSparseMask(m_p).nnz) * m_p.model.headDim * 2;
}

void CosimRun::skipRounds(uint32_t rounds, const CosimRound& pace, const std::vector<uint64_t>& from,
                          const std::vector<uint64_t>& to, uint32_t measured) {
    // Beside a GPU kernel, the GPU stops sending and its bursts in flight complete (the PIM is
    // between rounds: so were both in the full run, for as long as the bursts take), and its
    // kernel ends as many tiles earlier as the measured pace completes in the skipped time.
    // Then both wait the rounds' time (placement, kernel, outputs). Every counter of the memory
    // and the PEs moves as a measured round moved it on average (`measured` rounds from `from`
    // to `to`), contention's stall cycles included.
    const bool besideGpu = !m_engine.idle();
    if (besideGpu) {
        m_engine.pause();
        m_engine.skipTiles(uint32_t(std::min<uint64_t>(
            gpuTilesOfRounds(pace, rounds, m_engine.burstsPerTile()), m_engine.tilesNotStarted())));
    }
    uint64_t ops0 = 0, ops1 = 0;
    for (const auto& pc : m_pim.hbm().controllers())
        ops0 += pc->stats().pimOps;
    const Stalls st0 = stalls();
    m_roundSkips.commands += m_counters.advance(from, to, measured, rounds);
    const Stalls st1 = stalls();
    for (const auto& pc : m_pim.hbm().controllers())
        ops1 += pc->stats().pimOps;
    const uint64_t ps = pace.elapsedPs * rounds;
    // In the timeline's host schedule, with the stall the skipped rounds were given.
    const double from0 = nowNs(), ns = m_decodeScenario.memspec.tCKns() / m_rep.simPcs;
    m_skipSpans.push_back({{"name", "prefill rounds fast-forwarded"},
                           {"ph", "X"},
                           {"ts", from0 * 1e-3},
                           {"dur", double(ps) * 1e-6},
                           {"args",
                            {{"rounds", rounds},
                             {"beside_gpu", besideGpu},
                             {"gpu_stall_ns", double(st1.host - st0.host) * ns},
                             {"pim_stall_ns", double(st1.pim - st0.pim) * ns}}}});
    sc_core::wait(sc_core::sc_time::from_value(ps));
    if (besideGpu)
        m_engine.resume();
    ++m_roundSkips.stretches;
    ++m_roundSkips.skips;
    m_roundSkips.periods += rounds;
    m_roundSkips.microOps += ops1 - ops0;
    m_roundSkips.ps += ps;
    (besideGpu ? m_roundsSkippedBesideGpu : m_roundsSkippedAlone) += rounds;
}

void CosimRun::pimDecode(uint32_t context, CosimPhase& ph) {
    host::DecodeRequest q = decodeRequest(m_decodeScenario, m_rep.scaleBy);
    q.context = context;
    q.functional = false;
    const host::DecodeOffload offload(q, m_geo);
    const double t0 = nowNs();
    for (const host::DecodePart& part : offload.parts()) {
        const uint64_t int0 = peBytes(), ext0 = m_runtime.dataBytes();
        const host::OffloadRun r = offload.run(m_runtime, part, nullptr, nullptr);
        pimBytes(ph, {double(peBytes() - int0), double(m_runtime.dataBytes() - ext0), double(r.units)},
                 part.unitsFull);
        for (const contract::Completion& c : r.failed)
            m_errors.push_back(part.name + ": descriptor " + std::to_string(c.tag) + " completed with " +
                               contract::errorName(contract::Error(c.error)));
        ph.pimKernelNs += double(r.kernelPs) * 1e-3;
        // Every query of every unit against every key it attends: d MACs for the score, d for the output.
        ph.pimMacs += double(part.unitsFull) * offload.queriesPerUnit() * double(part.keys.size()) *
                      m_p.model.headDim * 2;
    }
    ph.pimNs += nowNs() - t0;
}

void CosimRun::prefillAttention(CosimPhase& ph) {
    if (!m_pimPrefill) {
        ph.gpuAttentionNs += runKernels(gpuPrefillAttention(true, true), ph, false);
        return;
    }
    // The dense heads on the GPU while the PIM runs the sparse heads, on the same channels.
    const double t0 = nowNs();
    const std::vector<CosimKernel> dense = gpuPrefillAttention(false, true);
    m_engine.setExclusive(false);
    launch(dense, ph, false);
    pimPrefill(ph);
    m_engine.setExclusive(true);
    m_engine.synchronize();
    for (const gpu::GpuKernelRecord& r : m_engine.records())
        if (r.startPs >= uint64_t(t0 * 1e3) && r.phase == "prefill" && r.name == "attention_dense_heads")
            ph.gpuAttentionNs += r.durationNs();
    m_m.overlapped = !dense.empty();
}

void CosimRun::decodeAttention(uint32_t context, CosimPhase& ph) {
    if (m_pimDecode)
        pimDecode(context, ph);
    else
        ph.gpuAttentionNs += runKernels(gpuDecodeAttention(context), ph, false);
}

void CosimRun::program() {
    m_runtime.init();
    const uint64_t prefillTokens = uint64_t(m_p.batch) * m_p.seqLen;
    m_m.prefill = layer(prefillTokens, "prefill", [&](CosimPhase& ph) { prefillAttention(ph); });
    if (m_m.overlapped && m_p.cosim.isolationRuns) {
        // Each side of the overlap alone, for the cost of contention.
        CosimPhase scratch;
        const double g0 = nowNs();
        runKernels(gpuPrefillAttention(false, true), scratch, false);
        m_m.isolatedGpuNs = nowNs() - g0;
        pimPrefill(scratch);
        m_m.isolatedPimNs = scratch.pimNs;
        m_m.isolatedPimKernelNs = scratch.pimKernelNs;
    }
    for (uint32_t c : m_m.contexts)
        m_m.decode.push_back(layer(m_p.batch, "decode", [&](CosimPhase& ph) { decodeAttention(c, ph); }));
}

// The GPU's process in the timeline: its kernels, and the host's phases (what the PIM and the
// GPU did in each), after the channels' processes.
json CosimRun::timelineEvents() const {
    const int pid = int(m_pim.channels()) + 1;
    auto meta = [&](const char* what, int tid, const std::string& name) {
        json e = {{"name", what}, {"ph", "M"}, {"pid", pid}, {"args", {{"name", name}}}};
        if (tid >= 0)
            e["tid"] = tid;
        return e;
    };
    json events = json::array({meta("process_name", -1, "GPU"), meta("thread_name", 0, "kernels"),
                               meta("thread_name", 1, "host schedule")});
    for (const gpu::GpuKernelRecord& r : m_engine.records())
        events.push_back({{"name", r.name},
                          {"ph", "X"},
                          {"pid", pid},
                          {"tid", 0},
                          {"ts", double(r.startPs) * 1e-6},
                          {"dur", double(r.endPs - r.startPs) * 1e-6},
                          {"args",
                           {{"phase", r.phase},
                            {"tiles", r.tiles},
                            {"tiles_simulated", r.tilesSimulated},
                            {"compute_ns", r.computeNs},
                            {"memory_floor_ns", r.memoryFloorNs}}}});
    for (json e : m_skipSpans) {
        e["pid"] = pid;
        e["tid"] = 1;
        events.push_back(std::move(e));
    }
    for (const auto& [name, from, to, gpuStall, pimStall] : m_spans) {
        events.push_back({{"name", name},
                          {"ph", "X"},
                          {"pid", pid},
                          {"tid", 1},
                          {"ts", from * 1e-3},
                          {"dur", (to - from) * 1e-3},
                          {"args", {{"gpu_stall_ns", gpuStall}, {"pim_stall_ns", pimStall}}}});
        // Contention as counters: the stall each side took in the phase, per pseudo-channel.
        for (const auto& [counter, value] :
             {std::pair{"GPU stall (ns)", gpuStall}, std::pair{"PIM stall (ns)", pimStall}})
            events.push_back({{"name", counter},
                              {"ph", "C"},
                              {"pid", pid},
                              {"ts", from * 1e-3},
                              {"args", {{"ns", value}}}});
    }
    return events;
}

CosimMeasurement CosimRun::run(RunOptions opt) {
    const auto wall0 = std::chrono::steady_clock::now();
    m_m.contexts = sampledContexts(m_p);
    m_pim.host().setProgram([&] { program(); });
    opt.extraTimelineEvents = [this] { return timelineEvents(); };
    simulateHostProgram(m_pim, m_decodeScenario.memspec, opt, "co-simulation", wall0);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    if (m_engine.transactionErrors())
        throw std::runtime_error(m_p.file + ": " + m_engine.firstError());

    json kernels = json::array();
    for (const gpu::GpuKernelRecord& r : m_engine.records())
        kernels.push_back({{"name", r.name},
                           {"phase", r.phase},
                           {"start_ns", double(r.startPs) * 1e-3},
                           {"time_ns", r.durationNs()},
                           {"compute_ns", r.computeNs},
                           {"memory_floor_ns", r.memoryFloorNs},
                           {"tiles", r.tiles},
                           {"tiles_simulated", r.tilesSimulated},
                           {"bytes_simulated_channels", r.readBytes + r.writeBytes},
                           {"bytes_issued", r.bytesIssued}});
    json mem = memoryResults(m_pim.hbm(), m_decodeScenario.memspec, nowNs());
    for (const auto& e : mem["checker_errors"])
        m_errors.push_back(e.get<std::string>());
    mem.erase("checker_errors");
    pim::FastForwardStats ff = m_pim.fastForwardStats();
    ff += m_roundSkips;
    json sim = simulatorResults(mem, ff, wall, m_pim.placementFastForwardStats());
    sim["fast_forward"]["placement_periods_skipped_beside_gpu"] =
        m_pim.placementPeriodsSkippedBesideCompanion();
    sim["prefill_rounds"] = {{"simulated", m_roundsSimulated},
                             {"skipped_alone", m_roundsSkippedAlone},
                             {"skipped_beside_gpu", m_roundsSkippedBesideGpu}};
    sim["sim_time_ns"] = nowNs();
    sim["wall_time_s"] = wall;
    m_m.detail = {{"system", m_sys.name},
                  {"simulated_pseudo_channels", m_rep.simPcs},
                  {"replicated_channels", m_rep.scaleBy},
                  {"gpu_kernels", kernels},
                  {"gpu_bytes_issued", m_engine.bytesIssued()},
                  {"memory", mem},
                  {"simulator", sim},
                  {"errors", m_errors}};
    return m_m;
}

} // namespace

CosimMeasurement simulateCosimSystem(const EndToEndPoint& p, const EndToEndSystem& sys,
                                     const RunOptions& opt) {
    CosimRun run(p, sys);
    return run.run(opt);
}

} // namespace pilot::platform
