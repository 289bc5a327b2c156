// SPDX-License-Identifier: MIT
#pragma once
// Where a traffic generator's requests come from: a synthetic pattern or a trace file.
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "models/hbm/address_mapping.h"
#include "models/traffic/trace_file.h"

namespace pilot::traffic {

struct TrafficRequest {
    uint64_t timePs = 0; // not before this simulated time
    bool write = false;
    uint64_t addr = 0; // physical address of the first byte
    uint32_t bytes = 0;
};

class RequestSource {
  public:
    virtual ~RequestSource() = default;
    // Next request in order; false at the end.
    virtual bool next(TrafficRequest& out) = 0;
    // Share of the requests produced so far, in [0, 1] (for progress display).
    virtual double progress() const = 0;
    // Physical address of a request address (synthetic sources produce region offsets).
    virtual uint64_t physical(uint64_t addr) const { return addr; }
    // Aligned blocks of this many bytes are contiguous in physical space (physical(a + i) ==
    // physical(a) + i inside one): one transaction may carry such a block.
    virtual uint64_t contiguousBytes() const { return UINT64_MAX; }
};

enum class Pattern : uint8_t { Sequential, Random, Strided };

struct SyntheticSpec {
    Pattern pattern = Pattern::Sequential;
    uint64_t requests = 0;
    uint32_t requestBytes = 32;
    uint64_t strideBytes = 0; // strided only
    double readFraction = 1.0;
    uint64_t seed = 1;
    uint32_t pseudoChannels = 1;    // the region walked: the first N pseudo-channels...
    std::vector<uint32_t> channels; // ...or these channels (global indices), when not empty
    uint64_t intervalPs = 0;        // 0: as fast as the memory accepts
};

// Walks a region of the first N pseudo-channels in the address map's order (see
// AddressMapping::regionAddress), so "sequential" means sequential inside that sub-system. With a
// channel list, the region is those channels: an offset's bits below the map's lowest channel
// bit stay in place, the next digit (base: the list's length) picks the channel, the rest go to
// the other in-channel bits, and the address map's encoder puts the channel in (every request
// lands on a listed channel, interleaved across them as the map interleaves channels).
// Requests are whole multiples of the burst, aligned, each burst mapped on its own.
class SyntheticSource : public RequestSource {
  public:
    SyntheticSource(const SyntheticSpec& spec, const hbm::AddressMapping& map);
    bool next(TrafficRequest& out) override;
    double progress() const override { return m_spec.requests ? double(m_i) / double(m_spec.requests) : 1.0; }
    // A request's bursts need not be contiguous in physical space: each maps on its own.
    uint64_t physical(uint64_t regionOffset) const override {
        if (!m_spec.channels.empty())
            return onChannels(regionOffset);
        return hbm::AddressMapping::deposit(regionOffset, m_regionRuns);
    }
    // The region's lowest bits, as far as they land on the same address bits.
    uint64_t contiguousBytes() const override { return m_contiguousBytes; }

  private:
    uint64_t onChannels(uint64_t regionOffset) const;

    SyntheticSpec m_spec;
    const hbm::AddressMapping& m_map;
    uint64_t m_regionBytes;
    std::vector<hbm::AddressMapping::DepositRun> m_regionRuns;
    uint64_t m_contiguousBytes = 1;
    uint64_t m_i = 0;
    std::mt19937_64 m_addrRng, m_mixRng;
    uint32_t m_lowBits = 0; // channel list: in-channel offset bits below the lowest channel bit
};

// DRAMSys text trace; time stamps in trace-clock cycles are converted with `clockGHz`. A request
// without (length) is one burst of `burstBytes` (its data, if given, must be that long). Time
// stamps may reach kMaxTraceTimePs (1 s of simulated time): the memory is refreshed through idle
// time tREFI by tREFI, an event each (about 3 s of wall time per simulated second and pair of
// pseudo-channels), so a later time stamp (or one that would overflow the picosecond clock) is
// refused at its line rather than simulated for hours.
inline constexpr uint64_t kMaxTraceTimePs = 1000000000000ull;

class TraceSource : public RequestSource {
  public:
    // A request reaching past `capacityBytes` (the memory's size) is refused at its line.
    TraceSource(const std::string& path, double clockGHz, uint32_t burstBytes,
                uint64_t capacityBytes = UINT64_MAX);
    bool next(TrafficRequest& out) override;
    double progress() const override;

  private:
    TraceReader m_reader;
    double m_psPerTick;
    uint32_t m_burstBytes;
    uint64_t m_capacityBytes;
    uint64_t m_lastPs = 0; // time of the previous request (.rstl delays count from it)
};

} // namespace pilot::traffic
