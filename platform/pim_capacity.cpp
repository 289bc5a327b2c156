// SPDX-License-Identifier: MIT
#include "platform/pim_capacity.h"

#include <algorithm>
#include <cstdint>

#include "firmware/host/decode_offload.h"
#include "firmware/host/prefill_offload.h"
#include "platform/decode_runner.h"
#include "platform/pim_system.h"
#include "platform/prefill_runner.h"

namespace pilot::platform {

PimCapacity pimCapacity(const Scenario& s) {
    const hbm::Organisation& o = s.memspec.org;
    const host::PimGeometry geo = pimGeometry(s.memspec, s.pseudoChannels / o.pseudoChannels);
    const uint64_t groups = uint64_t(geo.channels) * geo.groupsPerChannel();
    const uint64_t groupRowBytes = uint64_t(geo.banksPerGroup) * geo.rowBytes; // one row in every bank
    PimCapacity c;
    c.freeRows = geo.rows > 2 ? geo.rows - 2 : 0;
    c.availableBytes = groups * c.freeRows * groupRowBytes;
    if (s.decode) {
        const host::DecodeRequest req = decodeRequest(s, 1);
        const host::DecodeOffload offload(req, geo);
        // A unit's keys are spread over headSpread() groups, each holding the layout below.
        const uint64_t spread = offload.headSpread();
        for (const host::DecodePart& part : offload.parts()) {
            const uint32_t keys = part.placedKeys(s.decode->context);
            const host::DecodeLayout lay =
                req.attacc ? host::attaccLayout(geo, keys, req.headDim, offload.headSpread())
                           : host::decodeLayout(geo, keys, req.headDim, offload.queriesPerUnit(),
                                                offload.headSpread(), req.naive);
            c.headRows = std::max(c.headRows, lay.rowsUsed);
            c.heads += part.unitsFull;
            c.requiredBytes += uint64_t(part.unitsFull) * spread * lay.rowsUsed * groupRowBytes;
        }
    } else if (s.prefill) {
        const PrefillWorkload& w = *s.prefill;
        c.heads = host::prefillRoundPlan(w.batch * w.heads, w.pattern.headFraction, 1, 1, false, true).units;
        // First a bound the planner need not be run for (it walks every round of the tiling, for
        // minutes at context 2^24): every row's query and output, N x d FP16 each, shared by the
        // group's banks at best.
        const uint64_t qAndOut = 2 * uint64_t(w.context) * w.headDim * 2;
        const uint64_t atLeast = (qAndOut + groupRowBytes - 1) / groupRowBytes;
        c.headRows = uint32_t(std::min<uint64_t>(atLeast, UINT32_MAX));
        c.requiredBytes = c.heads * atLeast * groupRowBytes;
        c.lowerBound = true;
        if (!c.fits())
            return c;
        const fw::PrefillKernelPlan plan = fw::planPrefillKernel(prefillKernelShape(s, w.naive));
        if (plan.error != contract::Error::Ok)
            return c; // the kernel's own reason is reported when it runs
        c.lowerBound = false;
        c.headRows = host::prefillRows(plan).used;
        c.requiredBytes = c.heads * c.headRows * groupRowBytes;
    }
    return c;
}

void checkPimCapacity(const Scenario& s, common::IssueList& issues) {
    const PimCapacity c = pimCapacity(s);
    if (c.fits())
        return;
    const std::string atLeast = c.lowerBound ? "at least " : "";
    const std::string pcs = std::to_string(s.pseudoChannels) + " pseudo-channel(s) of " + s.memspec.name;
    if (c.headRows > c.freeRows)
        issues.add("/workload/context", "one head's PIM layout needs " + atLeast +
                                            std::to_string(c.headRows) +
                                            " rows per bank of its group; the banks of " + s.memspec.name +
                                            " have " + std::to_string(c.freeRows) + " free");
    else
        issues.add("/workload", "the PIM layout of " + std::to_string(c.heads) + " heads needs " + atLeast +
                                    std::to_string(c.requiredBytes) + " bytes (" +
                                    std::to_string(c.headRows) + " rows per bank per head); the " + pcs +
                                    " hold " + std::to_string(c.availableBytes) + " bytes for it");
}

} // namespace pilot::platform
