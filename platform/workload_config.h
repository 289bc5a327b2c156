// SPDX-License-Identifier: MIT
#pragma once
// The PIM workload sections of a scenario (`workload` of type decode or prefill), read from the
// document after the shipped defaults were merged in (platform/scenario.cpp). Problems go to
// the object's issue list as /pointer: reason.
#include "models/common/json_reader.h"
#include "platform/scenario.h"

namespace pilot::platform {

DecodeWorkload readDecodeWorkload(common::JsonObject& wl);
PrefillWorkload readPrefillWorkload(common::JsonObject& wl);

} // namespace pilot::platform
