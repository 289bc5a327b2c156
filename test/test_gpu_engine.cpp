// SPDX-License-Identifier: MIT
// The GPU kernel engine (models/gpu/gpu_engine.h) on one HBM3 channel: its kernel times against
// hand bounds from the memspec (the bus's peak, the compute time), pacing to a memory floor,
// fast-forward against the fully simulated kernel, and the protocol checker on its traffic.
// One process per test case (a SystemC kernel elaborates once).
#include <catch2/catch.hpp>

#include <systemc>

#include "models/gpu/gpu_engine.h"
#include "platform/hbm_system.h"
#include "platform/scenario.h"

using namespace pilot;

namespace {

struct Rig {
    platform::Scenario s;
    std::unique_ptr<platform::HbmSystem> hbm;
    std::unique_ptr<gpu::GpuEngine> engine;

    Rig() {
        s = platform::loadScenario(std::string(PILOT_SOURCE_DIR) + "/workloads/scenarios/hbm3-seq-read.json",
                                   {"/system/pseudo_channels=2"});
        hbm = std::make_unique<platform::HbmSystem>("hbm", s.memspec, *s.mapping, s.controller, 2, true);
        gpu::GpuEngineConfig c;
        c.burstBytes = s.memspec.org.accessBytes;
        c.maxOutstanding = 128;
        c.pseudoChannels = 2;
        const hbm::AddressMapping* map = s.mapping.get();
        c.pcOf = [map](uint64_t addr) { return map->pcIndexOf(addr); };
        c.tileBytes = 65536;
        const uint64_t region = s.mapping->regionBytes(2);
        c.regionBase = region / 2;
        c.regionBytes = region / 2;
        const auto runs = hbm::AddressMapping::depositRuns(s.mapping->regionBits(2));
        c.physical = [runs](uint64_t off) { return hbm::AddressMapping::deposit(off, runs); };
        engine = std::make_unique<gpu::GpuEngine>("gpu", c);
        engine->iSocket.bind(hbm->router().tSocket);
    }
    // Both pseudo-channels' peak: bytes per ns.
    double peakBytesPerNs() const { return s.memspec.peakPcBandwidthGBps() * 2; }
    // Runs `kernels` one after another; each kernel's duration in ns.
    std::vector<double> run(const std::vector<gpu::GpuKernelLaunch>& kernels) {
        for (const auto& k : kernels)
            engine->launch(k);
        sc_core::sc_start(sc_core::SC_ZERO_TIME);
        while (!engine->idle())
            sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
        hbm->finish();
        std::vector<double> d;
        for (const auto& r : engine->records())
            d.push_back(r.durationNs());
        return d;
    }
    uint64_t violations() const { return hbm->checker()->violationCount(); }
};

gpu::GpuKernelLaunch kernel(uint64_t readBytes, uint64_t writeBytes, double computeNs, double floorNs = 0) {
    gpu::GpuKernelLaunch k;
    k.name = "k";
    k.readBytes = readBytes;
    k.writeBytes = writeBytes;
    k.computeNs = computeNs;
    k.memoryFloorNs = floorNs;
    return k;
}

} // namespace

TEST_CASE("GPU engine: a memory-bound kernel runs at the bus's pace, not faster", "[gpu][engine]") {
    Rig rig;
    const uint64_t bytes = 4ull << 20;
    const double t = rig.run({kernel(bytes, 0, 0)}).at(0);
    const double busNs = double(bytes) / rig.peakBytesPerNs(); // every byte over the data bus once
    // Sequential reads: refresh takes tRFC of every tREFI and row switches a few cycles per row.
    INFO("kernel " << t << " ns, bus bound " << busNs << " ns");
    CHECK(t >= busNs);
    CHECK(t <= busNs / 0.8);
    CHECK(rig.violations() == 0);
    CHECK(rig.engine->transactionErrors() == 0);
}

TEST_CASE("GPU engine: a compute-bound kernel takes its compute plus one tile's load and drain",
          "[gpu][engine]") {
    Rig rig;
    const uint64_t bytes = 4 * 65536; // four tiles
    const double computeNs = 200000;
    const double t = rig.run({kernel(bytes / 2, bytes / 2, computeNs)}).at(0);
    const double tileNs = 65536.0 / rig.peakBytesPerNs();
    INFO("kernel " << t << " ns, compute " << computeNs << " ns, one tile over the bus " << tileNs << " ns");
    CHECK(t >= computeNs);
    CHECK(t <= computeNs + 4 * tileNs); // the first tile's reads, the last one's writes, latencies
    CHECK(rig.violations() == 0);
}

TEST_CASE("GPU engine: issue is paced to the kernel's memory floor", "[gpu][engine]") {
    Rig rig;
    const uint64_t bytes = 2ull << 20;
    const double floorNs = 3.0 * double(bytes) / rig.peakBytesPerNs(); // a third of the peak
    const double t = rig.run({kernel(bytes, 0, 0, floorNs)}).at(0);
    INFO("kernel " << t << " ns, floor " << floorNs << " ns");
    CHECK(t >= floorNs);
    CHECK(t <= floorNs * 1.02);
}

TEST_CASE("GPU engine: fast-forward matches the fully simulated kernel, and only when uncontended",
          "[gpu][engine]") {
    Rig rig;
    const uint64_t bytes = 16ull << 20; // 256 tiles
    const gpu::GpuKernelLaunch k = kernel(bytes * 3 / 4, bytes / 4, 0);
    rig.engine->setFastForward(false);
    rig.engine->launch(k);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    while (!rig.engine->idle())
        sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
    rig.engine->setFastForward(true);
    rig.engine->setExclusive(false); // something else works on the memory: simulate every tile
    rig.engine->launch(k);
    while (!rig.engine->idle())
        sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));
    rig.engine->setExclusive(true);
    const std::vector<double> t = rig.run({k});
    const auto& rec = rig.engine->records();
    REQUIRE(rec.size() == 3);
    CHECK(rec[0].tilesSimulated == rec[0].tiles);
    CHECK(rec[1].tilesSimulated == rec[1].tiles);
    CHECK(rec[2].tilesSimulated < rec[2].tiles / 4);
    CHECK(rec[2].bytesIssued < (rec[2].readBytes + rec[2].writeBytes) / 4);
    INFO("full " << t[0] << " ns, fast-forwarded " << t[2] << " ns");
    CHECK(std::abs(t[2] / t[0] - 1.0) <= 0.02);
    CHECK(rig.violations() == 0);
}

TEST_CASE("GPU engine: tiles skipped while paused end the kernel when the full one ends", "[gpu][engine]") {
    // The joint fast-forward's part in the engine (platform/cosim_round_skip.h): from mid-kernel,
    // pause, drop S tiles, wait S tiles' time at the full kernel's pace, resume. The kernel must
    // end within a few tiles' time of the fully simulated one, with S tiles fewer simulated.
    Rig rig;
    const uint64_t bytes = 16ull << 20; // 256 tiles
    const gpu::GpuKernelLaunch k = kernel(bytes * 3 / 4, bytes / 4, 0);
    rig.engine->setFastForward(false);
    const double full = rig.run({k}).at(0);
    const uint64_t n = rig.engine->records().at(0).tiles;
    const uint32_t skip = uint32_t(n / 2);
    const double perTileNs = full / double(n);
    uint64_t notStarted = 0;
    sc_core::sc_spawn([&] {
        sc_core::wait(sc_core::sc_time(full / 4, sc_core::SC_NS));
        rig.engine->pause();
        notStarted = rig.engine->tilesNotStarted();
        rig.engine->skipTiles(skip);
        sc_core::wait(sc_core::sc_time(perTileNs * skip, sc_core::SC_NS));
        rig.engine->resume();
    });
    const double withSkip = rig.run({k}).at(1);
    const auto& rec = rig.engine->records().at(1);
    INFO("full " << full << " ns, with " << skip << " of " << n << " tiles skipped " << withSkip << " ns");
    CHECK(notStarted > skip);
    CHECK(rec.tiles == n);
    CHECK(rec.tilesSimulated == n - skip);
    CHECK(rec.bytesIssued < (rec.readBytes + rec.writeBytes) * 3 / 4);
    CHECK(std::abs(withSkip - full) <= 4 * perTileNs);
    CHECK_THROWS(rig.engine->skipTiles(1)); // no kernel running
    CHECK(rig.violations() == 0);
}
