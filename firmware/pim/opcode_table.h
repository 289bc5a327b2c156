// SPDX-License-Identifier: MIT
#pragma once
// The firmware's opcodes: one row per contract::Opcode, naming the kernel that serves it.
// A new opcode is a new kernel file (kernel.h) and one row here.
#include <memory>

#include "firmware/include/pilot/contract.h"
#include "firmware/pim/kernel.h"

namespace pilot::fw {

struct OpcodeEntry {
    contract::Opcode opcode;
    std::unique_ptr<Kernel> (*make)(KernelServices& svc);
};

// The kernel for `opcode`, or null when the firmware has none (E_OPCODE).
std::unique_ptr<Kernel> makeKernel(uint16_t opcode, KernelServices& svc);

} // namespace pilot::fw
