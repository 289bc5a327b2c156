// SPDX-License-Identifier: MIT
#include "models/traffic/request_source.h"

#include <algorithm>
#include <cstdio>

#include "models/common/config_error.h"

namespace pilot::traffic {

// The bytes of the lowest deposit run that keeps offset bits at the same address bits.
static uint64_t identityBytes(const std::vector<hbm::AddressMapping::DepositRun>& runs) {
    for (const auto& r : runs)
        if (r.valueShift == 0)
            return r.addrShift == 0 ? uint64_t(1) << r.width : 1;
    return 1;
}

SyntheticSource::SyntheticSource(const SyntheticSpec& spec, const hbm::AddressMapping& map)
    : m_spec(spec), m_map(map), m_regionBytes(map.regionBytes(spec.pseudoChannels)),
      m_regionRuns(hbm::AddressMapping::depositRuns(map.regionBits(spec.pseudoChannels))),
      m_addrRng(spec.seed), m_mixRng(spec.seed ^ 0x9e3779b97f4a7c15ull) {
    if (m_spec.channels.empty()) {
        m_contiguousBytes = identityBytes(m_regionRuns);
        return;
    }
    // One channel's bits (its pseudo-channel bits included), then the list as a digit above
    // those below the lowest channel bit.
    const uint32_t pcsPerChannel = map.spec().org.pseudoChannels;
    const std::vector<uint32_t> inChannel = map.regionBits(pcsPerChannel);
    m_regionRuns = hbm::AddressMapping::depositRuns(inChannel);
    m_regionBytes = map.regionBytes(pcsPerChannel) * m_spec.channels.size();
    const auto& chBits = map.bits(hbm::Field::Channel);
    const uint32_t lowest = chBits.empty() ? UINT32_MAX : *std::min_element(chBits.begin(), chBits.end());
    m_lowBits =
        uint32_t(std::count_if(inChannel.begin(), inChannel.end(), [&](uint32_t b) { return b < lowest; }));
    // (onChannels keeps the offset's bits below m_lowBits where the deposit puts them)
    m_contiguousBytes = std::min(identityBytes(m_regionRuns), uint64_t(1) << m_lowBits);
}

uint64_t SyntheticSource::onChannels(uint64_t offset) const {
    const uint64_t n = m_spec.channels.size();
    const uint64_t lowMask = (uint64_t(1) << m_lowBits) - 1;
    const uint64_t rest = offset >> m_lowBits;
    const uint32_t ch = m_spec.channels[rest % n];
    const uint64_t inChannel = (offset & lowMask) | ((rest / n) << m_lowBits);
    hbm::DramAddress a = m_map.decode(hbm::AddressMapping::deposit(inChannel, m_regionRuns));
    const uint32_t perStack = m_map.spec().org.channels;
    a.stack = ch / perStack;
    a.channel = ch % perStack;
    return m_map.encode(a);
}

bool SyntheticSource::next(TrafficRequest& out) {
    if (m_i >= m_spec.requests)
        return false;
    const uint64_t slots = m_regionBytes / m_spec.requestBytes;
    uint64_t slot = 0;
    switch (m_spec.pattern) {
    case Pattern::Sequential:
        slot = m_i % slots;
        break;
    case Pattern::Strided:
        slot = (m_i * (m_spec.strideBytes / m_spec.requestBytes)) % slots;
        break;
    case Pattern::Random:
        slot = m_addrRng() % slots;
        break; // mt19937_64: same numbers everywhere
    }
    out.timePs = m_i * m_spec.intervalPs;
    // Integer threshold: the read/write choice must not depend on floating-point rounding.
    const uint64_t threshold = uint64_t(m_spec.readFraction * 1e6 + 0.5);
    out.write = (m_mixRng() % 1000000) >= threshold;
    out.addr = slot * m_spec.requestBytes; // region offset; the generator maps each burst
    out.bytes = m_spec.requestBytes;
    ++m_i;
    return true;
}

TraceSource::TraceSource(const std::string& path, double clockGHz, uint32_t burstBytes,
                         uint64_t capacityBytes)
    : m_reader(path), m_psPerTick(1000.0 / clockGHz), m_burstBytes(burstBytes),
      m_capacityBytes(capacityBytes) {}

bool TraceSource::next(TrafficRequest& out) {
    TraceRequest r;
    if (!m_reader.next(r))
        return false;
    auto refuse = [&](const std::string& why) {
        throw common::ConfigError({{m_reader.path(), "line " + std::to_string(m_reader.lineNumber()), why}});
    };
    if (r.bytes == 0 && !r.data.empty() && r.data.size() != m_burstBytes)
        refuse("the data is " + std::to_string(r.data.size()) +
               " bytes, but a request without (length) is one " + std::to_string(m_burstBytes) +
               "-byte burst");
    // Beyond the memory: refused here, at its line, rather than answered with TLM error responses
    // and reported after the run without the line (found by the campaign, tools/dev/campaign.py).
    const uint64_t span = r.bytes ? r.bytes : m_burstBytes;
    if (r.address >= m_capacityBytes || span > m_capacityBytes - r.address) {
        char addr[32];
        std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(r.address));
        refuse(std::string("address ") + addr + " (" + std::to_string(span) +
               " bytes) is beyond the memory's " + std::to_string(m_capacityBytes) + " bytes");
    }
    // .rstl: each delay counts from the previous request's time stamp.
    const double ps = double(r.time) * m_psPerTick;
    const bool relative = m_reader.timing() == TraceTiming::Relative;
    const double at = relative ? double(m_lastPs) + ps : ps;
    if (at > double(kMaxTraceTimePs))
        refuse("time stamp " + std::to_string(r.time) + " is " + std::to_string(at * 1e-12) +
               " s of simulated time; a trace may span at most " +
               std::to_string(kMaxTraceTimePs / 1000000000000ull) +
               " s (idle time is simulated refresh by refresh)");
    const uint64_t rounded = uint64_t(ps + 0.5);
    out.timePs = relative ? m_lastPs + rounded : rounded;
    m_lastPs = out.timePs;
    out.write = r.write;
    out.addr = r.address;
    out.bytes = r.bytes; // 0: the generator uses one burst
    return true;
}

double TraceSource::progress() const {
    return m_reader.fileBytes() ? double(m_reader.bytesRead()) / double(m_reader.fileBytes()) : 1.0;
}

} // namespace pilot::traffic
