// SPDX-License-Identifier: MIT
#pragma once
// A PIM micro-op riding a TLM transaction to a pseudo-channel controller: the same socket and
// command path as host reads and writes. Routed by pseudo-channel, not by address.
#include <tlm>

#include "firmware/include/pilot/micro_op.h"

namespace pilot::hbm {

struct PimOpExtension : tlm::tlm_extension<PimOpExtension> {
    contract::MicroOp op;
    uint32_t pcIndex = 0; // global pseudo-channel index

    tlm::tlm_extension_base* clone() const override { return new PimOpExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const PimOpExtension&>(other);
    }
};

} // namespace pilot::hbm
