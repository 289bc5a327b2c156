// SPDX-License-Identifier: MIT
#pragma once
// The row- and column-command buses a command travels on. In HBM pseudo-channel mode the two
// pseudo-channels of a channel share one row bus and one column bus (each command carries the
// pseudo-channel bit; JESD235 / JESD238), and a command may hold its bus for more than one
// clock (ACT: 2 cycles). The memspec says which (Memspec::bus); one CommandBus serves every
// pseudo-channel that shares it.
#include <array>
#include <cstdint>

#include "models/hbm/command.h"
#include "models/hbm/memspec.h"

namespace pilot::hbm {

class CommandBus {
  public:
    explicit CommandBus(const Memspec& spec) : m_cycles(spec.bus.cycles) {}

    uint64_t rowFree() const { return m_rowFree; }
    uint64_t columnFree() const { return m_colFree; }
    // `cmd` starts on its bus at `cycle` and holds it for its occupancy.
    void occupy(Command cmd, uint64_t cycle) {
        (isRowBus(cmd) ? m_rowFree : m_colFree) = cycle + m_cycles[size_t(cmd)];
    }

  private:
    const std::array<uint32_t, kCommandCount> m_cycles;
    uint64_t m_rowFree = 0, m_colFree = 0;
};

} // namespace pilot::hbm
