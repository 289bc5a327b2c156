// SPDX-License-Identifier: MIT
#pragma once
// Whether a memspec's organisation fits what the HW/SW contract can address
// (contract::kMaxBankGroupsPerChannel, kMaxBanksPerPseudoChannel). Checked when a PIM scenario
// loads, so a wider memory is refused with file: /pointer: reason rather than simulated with
// mask bits dropped (wrong numbers, or a failed check in functional mode).
#include <string>

#include "models/common/config_error.h"
#include "models/hbm/memspec.h"

namespace pilot::platform {

// Adds one issue per exceeded limit at `pointer` (the field naming the memspec).
void checkPimGeometry(const hbm::Memspec& m, const std::string& pointer, common::IssueList& issues);

} // namespace pilot::platform
