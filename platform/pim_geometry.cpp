// SPDX-License-Identifier: MIT
#include "platform/pim_geometry.h"

#include <algorithm>

#include "firmware/host/pim_runtime.h"
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
    // The host runtime keeps each channel's submission ring in one row of bank 0 (the
    // firmware reads it column by column of that row), and a decode or prefill slot keeps a
    // key and its value side by side in one row (4 x head_dim bytes, head_dim <= 256): a
    // shorter row ran the ring past the bank's last row and the K/V copies past their row.
    const uint64_t ring = uint64_t(host::PimRuntime::kSqEntries) * sizeof(contract::Descriptor);
    const uint64_t minRow = std::max<uint64_t>(ring, 4 * kMaxHeadDim);
    if (o.rowBytes() < minRow)
        issues.add(pointer, spec + " has rows of " + std::to_string(o.rowBytes()) + " bytes (" +
                                std::to_string(o.columns) + " columns x " + std::to_string(o.accessBytes) +
                                " bytes); the PIM layout needs rows of at least " + std::to_string(minRow) +
                                " bytes (the command ring of " + std::to_string(ring) +
                                " bytes, a key and its value of head_dim " + std::to_string(kMaxHeadDim) +
                                " side by side)");
}

void checkPimMapping(const hbm::AddressMapping& map, const std::string& pointer, common::IssueList& issues) {
    // The runtime and the firmware address a byte inside a column as the column's address plus
    // the offset: the byte bits must be the lowest address bits, in order.
    const std::vector<uint32_t>& bits = map.bits(hbm::Field::Byte);
    bool lowest = true;
    for (size_t i = 0; i < bits.size(); ++i)
        lowest &= bits[i] == i;
    if (!lowest || (uint64_t(1) << bits.size()) != map.spec().org.accessBytes) {
        std::string list;
        for (uint32_t b : bits)
            list += (list.empty() ? "" : ", ") + std::to_string(b);
        issues.add(pointer, "the PIM layout addresses a byte of a column as the column's address plus the "
                            "offset: the byte bits must be the lowest address bits 0.." +
                                std::to_string(bits.size() ? bits.size() - 1 : 0) + " in order (got [" +
                                list + "])");
    }
}

} // namespace pilot::platform
