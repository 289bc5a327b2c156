// SPDX-License-Identifier: MIT
#pragma once
// Reads a prefill sparse pattern ({"kind": ..., "window": ..., ...}) into host::PrefillPattern:
// the one parser of pattern objects, for scenarios and end-to-end runs alike.
#include "firmware/host/prefill_pattern.h"
#include "models/common/json_reader.h"

namespace pilot::platform {

// Problems go to the object's issue list; unknown keys are reported.
host::PrefillPattern readPrefillPattern(common::JsonObject pat);

} // namespace pilot::platform
