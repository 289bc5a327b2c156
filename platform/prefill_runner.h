// SPDX-License-Identifier: MIT
#pragma once
// Prefill hybrid sparse attention offloaded to the PIM (issue 5): the host runtime lays each
// sparse head out in its bank group (firmware/pim/prefill_kernel.h), submits one
// PREFILL_HYBRID_SPARSE descriptor per channel per round, and in functional mode checks every
// output row against an FP64 reference of masked attention. Results: a `kernels` entry with
// `io` (predicted vs measured internal bytes, bounds), like decode's.
#include <nlohmann/json.hpp>

#include "firmware/host/sparse_pattern.h"
#include "firmware/pim/prefill_kernel.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

nlohmann::json runPrefill(const Scenario& s, const RunOptions& opt = {});

// The kernel shape of the scenario on its memspec and buffer (tile rows left to the planner).
fw::PrefillKernelShape prefillKernelShape(const Scenario& s, bool naive);
// Bytes one head's bank group moves between banks and buffers in the kernel `plan` (the
// closed-form prediction the PE counters are checked against).
uint64_t prefillGroupPredictedBytes(const fw::PrefillKernelPlan& plan);
// The documented tolerance of PIM prefill outputs against the FP64 reference.
double prefillTolerance(const PrefillWorkload& w);

} // namespace pilot::platform
