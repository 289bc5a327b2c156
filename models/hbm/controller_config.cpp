// SPDX-License-Identifier: MIT
#include "models/hbm/controller_config.h"

#include <algorithm>

#include "models/hbm/refresh_manager.h"
#include "models/hbm/scheduler.h"

namespace pilot::hbm {

namespace {
// A name from a registry: a missing, mistyped or unknown one is reported with the names that exist.
std::string named(common::JsonObject& o, const std::string& key, const std::vector<std::string>& names,
                  const std::string& fallback) {
    const std::string v = o.string(key);
    if (std::find(names.begin(), names.end(), v) != names.end())
        return v;
    std::string known;
    for (const auto& n : names)
        known += (known.empty() ? "\"" : ", \"") + n + "\"";
    if (o.has(key) && o.raw().at(key).is_string())
        o.issues().add(o.pointerOf(key), "must be one of " + known + " (got \"" + v + "\")");
    return fallback;
}

// /controller/host_pim_arbitration: the policy and its slice parameters.
HostPimArbitrationConfig parseHostPim(common::JsonObject& o) {
    HostPimArbitrationConfig c;
    c.policy = named(o, "policy", hostPimPolicyNames(), c.policy);
    c.slicePimOps = o.u32("slice_pim_ops", 0, 1u << 20);
    c.slicePimNs = o.number("slice_pim_ns", 0, 1e9);
    c.sliceHostRequests = o.u32("slice_host_requests", 1, 1u << 20);
    if (c.policy == "bounded-slices" && c.slicePimOps == 0 && c.slicePimNs == 0)
        o.issues().add(o.pointerOf("slice_pim_ops"),
                       "bounded-slices needs slice_pim_ops or slice_pim_ns above 0 (else the host never "
                       "gets a slice)");
    o.rejectUnknownKeys();
    return c;
}
} // namespace

ControllerConfig parseControllerConfig(common::JsonObject& o) {
    ControllerConfig c;
    o.allow("mcconfig"); // read by the scenario loader: a DRAMSys mcconfig file
    c.scheduler = named(o, "scheduler", schedulerNames(), c.scheduler);
    std::string s = o.oneOf("page_policy", {"open", "closed"});
    c.page = s == "closed" ? PagePolicy::Closed : PagePolicy::Open;
    // "none" exists for focused timing experiments; the checker then reports tREFI on long runs.
    c.refresh = named(o, "refresh", refreshNames(), c.refresh);
    s = o.oneOf("command_bus_arbitration", {"oldest-first", "round-robin"});
    c.busArbitration = s == "round-robin" ? BusArbitration::RoundRobin : BusArbitration::OldestFirst;
    s = o.oneOf("buffer", {"read-write", "shared", "bankwise"});
    c.buffer = s == "shared"     ? BufferPolicy::Shared
               : s == "bankwise" ? BufferPolicy::Bankwise
                                 : BufferPolicy::ReadWrite;
    if (c.buffer != BufferPolicy::ReadWrite || o.has("request_buffer"))
        c.requestBuffer = o.u32("request_buffer", 1, 4096);
    c.readQueue = o.u32("read_queue", 1, 4096);
    c.writeQueue = o.u32("write_queue", 1, 4096);
    c.writeHighWatermark = o.u32("write_high_watermark", 1, 4096);
    c.writeLowWatermark = o.u32("write_low_watermark", 0, 4096);
    c.rowHitCap = o.u32("row_hit_cap", 0, 1u << 20);
    c.pimQueue = o.u32("pim_queue", 1, 4096);
    common::JsonObject hp = o.object("host_pim_arbitration");
    if (hp.valid())
        c.hostPim = parseHostPim(hp);
    if (c.writeHighWatermark > c.writeQueue)
        o.issues().add(o.pointerOf("write_high_watermark"), "must be <= write_queue (got " +
                                                                std::to_string(c.writeHighWatermark) + " > " +
                                                                std::to_string(c.writeQueue) + ")");
    if (c.writeLowWatermark >= c.writeHighWatermark)
        o.issues().add(o.pointerOf("write_low_watermark"), "must be < write_high_watermark");
    o.rejectUnknownKeys();
    return c;
}

uint32_t requestSlots(const ControllerConfig& cfg, uint32_t banks) {
    switch (cfg.buffer) {
    case BufferPolicy::Shared:
        return cfg.requestBuffer;
    // DRAMSys's room check looks at the previous request's bank, so one bank may hold one more.
    case BufferPolicy::Bankwise:
        return banks * (cfg.requestBuffer + 1);
    default:
        return cfg.readQueue + cfg.writeQueue;
    }
}

} // namespace pilot::hbm
