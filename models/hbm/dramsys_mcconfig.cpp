// SPDX-License-Identifier: MIT
#include "models/hbm/dramsys_mcconfig.h"

#include <nlohmann/json.hpp>

#include "models/common/json_reader.h"

namespace pilot::hbm {

using common::IssueList;
using common::JsonObject;

namespace {

// A DRAMSys enumeration setting: the value if it is one PILOT-VP models, else an issue naming
// what is supported. Absent settings keep the base value (DRAMSys has defaults for them too).
std::string setting(JsonObject& o, const char* key, std::initializer_list<const char*> modelled) {
    if (!o.has(key))
        return "";
    const std::string v = o.string(key);
    for (const char* m : modelled)
        if (v == m)
            return v;
    std::string list;
    for (const char* m : modelled)
        list += (list.empty() ? "\"" : ", \"") + std::string(m) + "\"";
    o.issues().add(o.pointerOf(key), "\"" + v + "\" is not modelled by PILOT-VP (supported: " + list + ")");
    return "";
}

// A numeric setting PILOT-VP has no mechanism for: accepted only at the value that means "off".
void onlyOff(JsonObject& o, const char* key, uint64_t off, const char* why) {
    if (!o.has(key))
        return;
    const uint64_t v = o.u64(key);
    if (v != off)
        o.issues().add(o.pointerOf(key),
                       "must be " + std::to_string(off) + ": " + why + " (got " + std::to_string(v) + ")");
}

} // namespace

DramsysMcconfig parseDramsysMcconfig(const nlohmann::json& doc, const std::string& file,
                                     const ControllerConfig& base) {
    IssueList issues(file);
    JsonObject root(doc, "", issues);
    JsonObject mc = root.object("mcconfig");
    root.rejectUnknownKeys();
    DramsysMcconfig out;
    ControllerConfig& c = out.controller;
    c = base;

    const std::string page = setting(mc, "PagePolicy", {"Open", "Closed"});
    if (!page.empty())
        c.page = page == "Closed" ? PagePolicy::Closed : PagePolicy::Open;
    const std::string sched = setting(mc, "Scheduler", {"FrFcfs", "Fcfs"});
    if (!sched.empty())
        c.scheduler = sched == "Fcfs" ? "fcfs" : "fr-fcfs";
    // DRAMSys's FR-FCFS serves row hits without a cap.
    c.rowHitCap = 0;
    const std::string buffer = setting(mc, "SchedulerBuffer", {"Bankwise", "Shared"});
    if (!buffer.empty())
        c.buffer = buffer == "Shared" ? BufferPolicy::Shared : BufferPolicy::Bankwise;
    if (mc.has("RequestBufferSize"))
        c.requestBuffer = mc.u32("RequestBufferSize", 1, 4096);
    if (c.buffer != BufferPolicy::ReadWrite && c.requestBuffer == 0)
        issues.add(mc.pointerOf("RequestBufferSize"),
                   "missing: the size of the " + std::string(buffer == "Shared" ? "shared" : "per-bank") +
                       " request buffer");
    const std::string refresh = setting(mc, "RefreshPolicy", {"AllBank", "PerBank", "NoRefresh"});
    if (!refresh.empty())
        c.refresh = refresh == "PerBank" ? "per-bank" : refresh == "NoRefresh" ? "none" : "all-bank";
    const std::string mux = setting(mc, "CmdMux", {"Oldest"});
    if (!mux.empty())
        c.busArbitration = BusArbitration::OldestFirst;
    setting(mc, "RespQueue", {"Fifo"}); // responses leave as their data is ready
    setting(mc, "Arbiter", {"Simple"});
    setting(mc, "PowerDownPolicy", {"NoPowerDown"});
    onlyOff(mc, "RefreshMaxPostponed", 0, "PILOT-VP issues each refresh when it is due");
    onlyOff(mc, "RefreshMaxPulledin", 0, "PILOT-VP issues each refresh when it is due");
    if (mc.has("RefreshManagement") && mc.boolean("RefreshManagement"))
        issues.add(mc.pointerOf("RefreshManagement"),
                   "must be false: refresh management (RFM) is not modelled");
    if (mc.has("MaxActiveTransactions"))
        out.maxActiveTransactions = mc.u32("MaxActiveTransactions", 1, 1u << 20);
    mc.rejectUnknownKeys();
    issues.throwIfAny();
    return out;
}

DramsysMcconfig loadDramsysMcconfig(const std::string& path, const ControllerConfig& base) {
    return parseDramsysMcconfig(common::readJsonFile(path), path, base);
}

} // namespace pilot::hbm
