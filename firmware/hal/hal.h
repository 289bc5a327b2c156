// SPDX-License-Identifier: MIT
#pragma once
// The firmware's only window on the hardware: registers of its channel, device memory,
// micro-op issue, the doorbell and the interrupt. Calls take simulated time.
#include <cstdint>

#include "firmware/include/pilot/micro_op.h"

namespace pilot::fw {

class Hal {
  public:
    virtual ~Hal() = default;
    virtual uint32_t readReg(uint32_t offset) = 0;
    virtual void writeReg(uint32_t offset, uint32_t value) = 0;
    virtual void readMem(uint64_t addr, void* dst, uint32_t len) = 0;
    virtual void writeMem(uint64_t addr, const void* src, uint32_t len) = 0;
    virtual void issue(const contract::MicroOp& op) = 0; // returns once the op is queued
    virtual void drain() = 0;                            // returns once every issued op finished
    virtual void waitDoorbell() = 0;
    virtual void raiseIrq() = 0;
    virtual uint64_t nowPs() = 0; // for completion cycle counts
    // Address of (pseudo-channel, bank group of the channel, bank in group, row, column 0):
    // where the PIM layout puts a row. Part of the board description, not the descriptor.
    virtual uint64_t rowAddress(uint32_t groupInChannel, uint32_t bankInGroup, uint32_t row,
                                uint32_t column = 0) = 0;
    // Inverse: (group in channel, bank in group, row) of a row-aligned address of this channel;
    // false when the address is not row-aligned (align) or not in this channel (range).
    enum class Locate { Ok, Misaligned, OutOfRange };
    virtual Locate locateRow(uint64_t addr, uint32_t& group, uint32_t& bank, uint32_t& row) = 0;

    // Simulation fast-forward, no hardware behind it (as gem5's pseudo-instructions let a
    // workload mark regions for the simulator). The firmware may mark a stretch of identical
    // periods of its op stream (op_repeats.h): repeatBegin() before the first period, then
    // repeatMark() after each period issued, with the periods still to come; a non-zero return
    // says the platform took that many of them (their time and effects) without simulating
    // them, and the firmware goes on after them. Off (the default): never skips.
    virtual bool fastForward() { return false; }
    // growing: each period has `growth` ops more than the one before (repeatMark's opsPerPeriod:
    // the period just issued), and takes longer alike.
    virtual void repeatBegin(bool /*growing*/) {}
    virtual uint64_t repeatMark(uint64_t /*periodsLeft*/, uint64_t /*opsPerPeriod*/, int64_t /*growth*/) {
        return 0;
    }
};

} // namespace pilot::fw
