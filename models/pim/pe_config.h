// SPDX-License-Identifier: MIT
#pragma once
// Parameters of the bank PEs (the paper's BPM) and bank-group accumulators (BGPM), and the PIM
// controller's register timing. Values come from the scenario's "pim" object (defaults in
// workloads/defaults/scenario.json).
#include <cstdint>

namespace pilot::pim {

struct PeConfig {
    double clockMHz = 0;    // PE clock (666 MHz in PILOT)
    uint32_t macLanes = 0;  // FP16 multipliers per PE (16)
    uint32_t sramBytes = 0; // SRAM buffer per PE (2048)
    uint32_t expCycles = 0; // PE cycles per 16-lane exp() step (shift + Taylor / table)
    bool functional = true; // false: timing-only, no data materialised or computed
};

// One register access inside the PIM controller, in its clock domain.
struct RegisterTiming {
    double mmioNs = 0;     // from the host, through the MMIO window ("mmio_register_ns")
    double firmwareNs = 0; // from the firmware, through the HAL ("firmware_register_ns")
};

} // namespace pilot::pim
