// SPDX-License-Identifier: MIT
#include "models/hbm/controller_config.h"

namespace pilot::hbm {

ControllerConfig parseControllerConfig(common::JsonObject& o) {
    ControllerConfig c;
    std::string s = o.oneOf("scheduler", {"fr-fcfs", "fcfs"});
    c.scheduler = s == "fcfs" ? SchedulerPolicy::Fcfs : SchedulerPolicy::FrFcfs;
    s = o.oneOf("page_policy", {"open", "closed"});
    c.page = s == "closed" ? PagePolicy::Closed : PagePolicy::Open;
    // "none" exists for focused timing experiments; the checker then reports tREFI on long runs.
    s = o.oneOf("refresh", {"all-bank", "per-bank", "none"});
    c.refresh = s == "per-bank" ? RefreshPolicy::PerBank : s == "none" ? RefreshPolicy::None : RefreshPolicy::AllBank;
    c.readQueue = o.u32("read_queue", 1, 4096);
    c.writeQueue = o.u32("write_queue", 1, 4096);
    c.writeHighWatermark = o.u32("write_high_watermark", 1, 4096);
    c.writeLowWatermark = o.u32("write_low_watermark", 0, 4096);
    c.rowHitCap = o.u32("row_hit_cap", 0, 1u << 20);
    c.pimQueue = o.u32("pim_queue", 1, 4096);
    if (c.writeHighWatermark > c.writeQueue)
        o.issues().add(o.pointerOf("write_high_watermark"), "must be <= write_queue (got " +
                                                                std::to_string(c.writeHighWatermark) + " > " +
                                                                std::to_string(c.writeQueue) + ")");
    if (c.writeLowWatermark >= c.writeHighWatermark)
        o.issues().add(o.pointerOf("write_low_watermark"), "must be < write_high_watermark");
    o.rejectUnknownKeys();
    return c;
}

}  // namespace pilot::hbm
