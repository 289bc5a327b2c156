// SPDX-License-Identifier: MIT
#pragma once
// What a pseudo-channel controller drives when it issues PIM commands: the PEs beside its
// banks (and their bank-group accumulators). Implemented by models/pim/PeArray; the
// controller only decides WHEN, the unit does WHAT (data movement and arithmetic).
#include <cstdint>

#include "firmware/include/pilot/micro_op.h"

namespace pilot::hbm {

class PimUnit {
  public:
    virtual ~PimUnit() = default;
    // One MRD / MWR: column `column` of op.row in every participating bank <-> its SRAM.
    virtual void moveIn(const contract::MicroOp& op, uint32_t column) = 0;
    virtual void moveOut(const contract::MicroOp& op, uint32_t column) = 0;
    // A PE or accumulator op; returns its duration in PE clock cycles.
    virtual uint64_t execute(const contract::MicroOp& op) = 0;
    virtual double peClockMHz() const = 0;
};

} // namespace pilot::hbm
