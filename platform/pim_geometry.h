// SPDX-License-Identifier: MIT
#pragma once
// Whether a memspec's organisation fits what the HW/SW contract can address
// (contract::kMaxBankGroupsPerChannel, kMaxBanksPerPseudoChannel). Checked when a PIM scenario
// loads, so a wider memory is refused with file: /pointer: reason rather than simulated with
// mask bits dropped (wrong numbers, or a failed check in functional mode).
#include <string>

#include "models/common/config_error.h"
#include "models/hbm/address_mapping.h"
#include "models/hbm/memspec.h"

namespace pilot::platform {

// The largest head_dim a PIM workload may have (/workload/head_dim).
inline constexpr uint32_t kMaxHeadDim = 256;

// Adds one issue per exceeded limit at `pointer` (the field naming the memspec): bank groups and
// banks the contract addresses, and rows long enough for the PIM layout.
void checkPimGeometry(const hbm::Memspec& m, const std::string& pointer, common::IssueList& issues);
// What the PIM layout needs of an address mapping (issue at `pointer`, the field naming it): byte
// bits lowest.
void checkPimMapping(const hbm::AddressMapping& map, const std::string& pointer, common::IssueList& issues);

} // namespace pilot::platform
