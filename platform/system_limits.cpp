// SPDX-License-Identifier: MIT
#include "platform/system_limits.h"

namespace pilot::platform {

void checkStackCount(uint32_t stacks, const std::string& pointer, common::IssueList& issues) {
    if (stacks == 0 || (stacks & (stacks - 1)) != 0)
        issues.add(pointer, "must be a power of two (got " + std::to_string(stacks) + ")");
}

} // namespace pilot::platform
