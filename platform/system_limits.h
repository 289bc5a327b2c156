// SPDX-License-Identifier: MIT
#pragma once
// What the platform can build today, checked in one place for scenarios and end-to-end points
// alike, so that relaxing a limit is one change.
#include <cstdint>
#include <string>

#include "models/common/config_error.h"

namespace pilot::platform {

// The stack counts a system may have: a power of two (the address map selects a stack by
// address bits above one stack's capacity).
void checkStackCount(uint32_t stacks, const std::string& pointer, common::IssueList& issues);

} // namespace pilot::platform
