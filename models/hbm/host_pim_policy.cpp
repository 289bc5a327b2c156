// SPDX-License-Identifier: MIT
// The host-vs-PIM arbitration policies (host_pim_policy.h), registered by name below.
#include "models/hbm/host_pim_policy.h"

#include <algorithm>
#include <cmath>

#include "models/common/registry.h"

namespace pilot::hbm {

namespace {

constexpr uint64_t kNoCycle = UINT64_MAX;

// Owner when only one side (or neither) has work.
Owner ownerOfQueued(const ArbitrationView& v) {
    return v.pimQueued ? Owner::Pim : v.hostQueued ? Owner::Host : Owner::Idle;
}

// The behaviour the controller always had: queued micro-ops own the pseudo-channel, even before
// they arrive (the PIM sequencer then waits for the head's arrival), and host requests wait.
class PimFirst final : public HostPimPolicy {
  public:
    PimFirst(const HostPimArbitrationConfig&, uint64_t) {}
    Owner decide(const ArbitrationView& v, uint64_t&) override { return ownerOfQueued(v); }
};

// Arrived host requests own the pseudo-channel; micro-ops run in the gaps. A micro-op started
// before a host request arrived is finished first (its moves share one all-bank activation).
class HostFirst final : public HostPimPolicy {
  public:
    HostFirst(const HostPimArbitrationConfig&, uint64_t) {}
    Owner decide(const ArbitrationView& v, uint64_t& next) override {
        if (m_owner == Owner::Pim && v.pimQueued && !v.pimAtBoundary)
            return m_owner;
        if (v.hostWaiting)
            return m_owner = Owner::Host;
        if (v.pimQueued)
            next = std::min(next, v.nextHostArrival); // an arriving host request takes over
        return m_owner = ownerOfQueued(v);
    }

  private:
    Owner m_owner = Owner::Idle;
};

// PIM first, with a bound on how long a waiting host request waits: once the PIM has completed
// slice_pim_ops micro-ops, or slice_pim_ns have passed, since a host request began waiting, the
// host gets a slice of slice_host_requests completed requests (counted from the moment a
// micro-op began waiting, so a host that had the pseudo-channel alone starts a fresh slice),
// then the PIM again.
class BoundedSlices final : public HostPimPolicy {
  public:
    BoundedSlices(const HostPimArbitrationConfig& c, uint64_t tCKps)
        : m_pimOps(c.slicePimOps),
          m_pimCycles(uint64_t(std::ceil(c.slicePimNs * 1000.0 / double(tCKps) - 1e-9))),
          m_hostRequests(std::max<uint32_t>(1, c.sliceHostRequests)) {}

    Owner decide(const ArbitrationView& v, uint64_t& next) override {
        if (m_owner == Owner::Host) {
            if (!v.pimQueued) {
                m_hostSliceStart = v.hostDone; // nothing waits for the host's slice to end
                return m_owner = ownerOfQueued(v);
            }
            if (v.hostWaiting && v.hostDone - m_hostSliceStart < m_hostRequests)
                return m_owner;
            startPimSlice(); // slice used, or no host request left waiting
        } else if (m_owner == Owner::Idle) {
            if (!v.pimQueued) {
                m_hostSliceStart = v.hostDone;
                return m_owner = ownerOfQueued(v);
            }
            startPimSlice();
        }
        // The PIM owns the pseudo-channel.
        if (!v.pimQueued) {
            m_hostSliceStart = v.hostDone;
            return m_owner = ownerOfQueued(v);
        }
        if (!v.hostWaiting) {
            m_budgetStart = kNoCycle; // the bound counts from the moment a host request waits
            next = std::min(next, v.nextHostArrival);
            return m_owner;
        }
        if (m_budgetStart == kNoCycle) {
            m_budgetStart = v.now;
            m_budgetOps = v.pimOpsDone;
        }
        const bool spent = (m_pimOps && v.pimOpsDone - m_budgetOps >= m_pimOps) ||
                           (m_pimCycles && v.now - m_budgetStart >= m_pimCycles);
        if (spent && v.pimAtBoundary) {
            m_hostSliceStart = v.hostDone;
            return m_owner = Owner::Host;
        }
        if (m_pimCycles && !spent)
            next = std::min(next, m_budgetStart + m_pimCycles);
        return m_owner;
    }

  private:
    void startPimSlice() {
        m_owner = Owner::Pim;
        m_budgetStart = kNoCycle;
    }
    const uint32_t m_pimOps;
    const uint64_t m_pimCycles;
    const uint32_t m_hostRequests;
    Owner m_owner = Owner::Idle;
    uint64_t m_budgetStart = kNoCycle; // cycle a host request began waiting on the PIM
    uint64_t m_budgetOps = 0;          // micro-ops completed by then
    uint64_t m_hostSliceStart = 0;     // host requests completed when the host slice began
};

using Factory = common::Registry<HostPimPolicy, const HostPimArbitrationConfig&, uint64_t>;
template <class T> std::unique_ptr<HostPimPolicy> make(const HostPimArbitrationConfig& c, uint64_t tCKps) {
    return std::make_unique<T>(c, tCKps);
}
const Factory& registry() {
    static const Factory r("host/PIM arbitration policy", {{"pim-first", make<PimFirst>},
                                                           {"host-first", make<HostFirst>},
                                                           {"bounded-slices", make<BoundedSlices>}});
    return r;
}

} // namespace

std::unique_ptr<HostPimPolicy> makeHostPimPolicy(const HostPimArbitrationConfig& cfg, uint64_t tCKps) {
    return registry().make(cfg.policy, cfg, tCKps);
}
std::vector<std::string> hostPimPolicyNames() {
    return registry().names();
}

bool pimKeepsChannel(const HostPimArbitrationConfig& cfg) {
    return cfg.policy == "pim-first";
}

} // namespace pilot::hbm
