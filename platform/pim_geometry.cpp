// SPDX-License-Identifier: MIT
#include "platform/pim_geometry.h"

#include "firmware/include/pilot/contract.h"

namespace pilot::platform {

void checkPimGeometry(const hbm::Memspec& m, const std::string& pointer, common::IssueList& issues) {
    const hbm::Organisation& o = m.org;
    const uint64_t groups = uint64_t(o.pseudoChannels) * o.bankGroupsPerPc();
    const std::string spec = m.sourceFile.empty() ? "the memspec" : m.sourceFile;
    if (groups > contract::kMaxBankGroupsPerChannel)
        issues.add(pointer, spec + " has " + std::to_string(groups) + " bank groups per channel (" +
                                std::to_string(o.pseudoChannels) + " pseudo-channels x " +
                                std::to_string(o.sids) + " SIDs x " + std::to_string(o.bankGroups) +
                                " bank groups); a PIM descriptor addresses at most " +
                                std::to_string(contract::kMaxBankGroupsPerChannel) +
                                " (firmware/include/pilot/contract.h)");
    if (uint64_t(o.banksPerPc()) > contract::kMaxBanksPerPseudoChannel)
        issues.add(pointer, spec + " has " + std::to_string(o.banksPerPc()) +
                                " banks per pseudo-channel; a PIM micro-op addresses at most " +
                                std::to_string(contract::kMaxBanksPerPseudoChannel) +
                                " (firmware/include/pilot/contract.h)");
}

} // namespace pilot::platform
