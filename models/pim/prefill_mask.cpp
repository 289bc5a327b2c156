// SPDX-License-Identifier: MIT
#include "models/pim/prefill_mask.h"

namespace pilot::pim {

bool prefillPairValid(const PrefillMaskMode& m, const contract::MicroOp& op, uint32_t bankInGroup, uint32_t g,
                      uint32_t j) {
    const int64_t row = int64_t(op.rowBase) + int64_t(bankInGroup) * op.rowStride + g;
    const int64_t key = int64_t(op.keyBase) + int64_t(bankInGroup) * op.keyStride + j;
    if (row >= int64_t(op.rowEnd) || key < 0 || key >= int64_t(m.seqLen))
        return false;
    if (m.causal && key > row)
        return false;
    const contract::WindowBand band = contract::windowBand(m.window, m.causal);
    const bool inWindow = m.window > 0 && key >= row - band.lo && key <= row + band.hi;
    const bool globalColumn = key < int64_t(m.globalTokens);
    switch (op.mask) {
    case contract::MaskKind::Band:
        return inWindow || globalColumn;
    case contract::MaskKind::Global:
        return globalColumn && !inWindow && key < int64_t(op.keyLimit) + int64_t(bankInGroup) * op.rowStride;
    case contract::MaskKind::Random:
        return !inWindow && !globalColumn;
    case contract::MaskKind::Decode:
        break;
    }
    return false;
}

} // namespace pilot::pim
