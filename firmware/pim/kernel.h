// SPDX-License-Identifier: MIT
#pragma once
// One firmware kernel per opcode. The queue service (pim_firmware.h) makes a fresh kernel for
// each descriptor from the opcode table (opcode_table.h) and calls, in order:
//   validate: the descriptor's fields on their own (shape, bank groups, sparse parameters);
//   plan:     the tiling from the buffer size, and the rows of the descriptor's regions;
//   emit:     the micro-ops, issued through the services; returns once they have finished.
// The first error code stops the sequence and becomes the completion's error.
#include <memory>

#include "firmware/include/pilot/contract.h"
#include "firmware/pim/kernel_services.h"

namespace pilot::fw {

class Kernel {
  public:
    virtual ~Kernel() = default;
    virtual contract::Error validate(const contract::Descriptor& d) = 0;
    virtual contract::Error plan() = 0;
    virtual void emit() = 0;
};

} // namespace pilot::fw
