// SPDX-License-Identifier: MIT
#pragma once
// Decode attention offloaded to the PIM through the command queues (issue 4), checked against
// an FP64 reference in functional mode; results JSON with a `kernels` array and `pim`.
#include <nlohmann/json.hpp>

#include "firmware/host/decode_offload.h"
#include "platform/scenario.h"
#include "platform/scenario_runner.h"

namespace pilot::platform {

nlohmann::json runDecode(const Scenario& s, const RunOptions& opt = {});
// The host runtime's request for the scenario's decode workload, each simulated channel standing
// for `replicas`.
host::DecodeRequest decodeRequest(const Scenario& s, uint32_t replicas);
// The documented tolerance of PIM decode outputs against the FP64 reference.
double decodeTolerance(const DecodeWorkload& w);

} // namespace pilot::platform
