// SPDX-License-Identifier: MIT
#pragma once
// Who gets a pseudo-channel when host requests (GPU traffic, the host runtime's reads and writes,
// the firmware's descriptor reads) and PIM micro-ops both wait for it: the host-vs-PIM
// arbitration policy, chosen by name in the scenario (/controller/host_pim_arbitration) and
// registered below (host_pim_policy.cpp), as schedulers and refresh policies are. The policy only
// decides the owner; the controller proposes the owner's commands (host requests through its
// scheduler, micro-ops through its PIM sequencer) and keeps the stall accounts.
//   pim-first       micro-ops queued: the PIM owns the pseudo-channel; host requests wait.
//   host-first      an arrived host request waits: the host owns it once the micro-op being
//                   issued is done; micro-ops run while no host request waits.
//   bounded-slices  the PIM owns it first, but a waiting host request gets a slice of at most
//                   host_requests completed requests once the PIM has used pim_ops micro-ops or
//                   pim_ns nanoseconds since that host request began waiting; then the PIM again.
// Switches happen between micro-ops (a micro-op's commands are not interleaved with host ones;
// host requests are: a host slice may end between a request's ACT and its column command).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pilot::hbm {

// Who the pseudo-channel serves (the VCD's ownership signal: 0 idle, 1 host, 2 PIM).
enum class Owner : uint8_t { Idle = 0, Host = 1, Pim = 2 };

// The policy's parameters, from /controller/host_pim_arbitration (defaults in
// workloads/defaults/scenario.json).
struct HostPimArbitrationConfig {
    std::string policy = "pim-first";
    uint32_t slicePimOps = 0; // bounded-slices: micro-ops before a waiting host gets a slice (0: no bound)
    double slicePimNs = 0;    // bounded-slices: ns before a waiting host gets a slice (0: no bound)
    uint32_t sliceHostRequests = 1; // bounded-slices: host requests completed per host slice
};

// What a policy sees at a decision, taken from the controller's queues.
struct ArbitrationView {
    uint64_t now = 0;
    bool hostQueued = false;               // host requests queued (some may arrive later: annotated delays)
    bool hostWaiting = false;              // a queued host request has arrived
    uint64_t nextHostArrival = UINT64_MAX; // the earliest queued host request still to arrive
    bool pimQueued = false;                // micro-ops queued
    bool pimWaiting = false;               // the head micro-op has arrived
    bool pimAtBoundary = true;             // no micro-op is half issued (a switch to the host may happen now)
    uint64_t pimOpsDone = 0;               // micro-ops completed so far by this pseudo-channel
    uint64_t hostDone = 0;                 // host requests completed so far by this pseudo-channel
};

class HostPimPolicy {
  public:
    virtual ~HostPimPolicy() = default;
    // The owner from `now` on; lowers `next` to the cycle the decision may change without any
    // queue changing (a slice running out, a host request arriving that preempts).
    virtual Owner decide(const ArbitrationView& v, uint64_t& next) = 0;
};

// The policy registered under cfg.policy; `tCKps` converts pim_ns to command-clock cycles.
std::unique_ptr<HostPimPolicy> makeHostPimPolicy(const HostPimArbitrationConfig& cfg, uint64_t tCKps);
// Whether the policy never hands the pseudo-channel to the host while micro-ops are queued
// (pim-first): a PIM fast-forward may then skip beside host traffic (docs/fast-forward.md).
bool pimKeepsChannel(const HostPimArbitrationConfig& cfg);
std::vector<std::string> hostPimPolicyNames();

} // namespace pilot::hbm
