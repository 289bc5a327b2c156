// SPDX-License-Identifier: MIT
#pragma once
// What every firmware kernel needs from the channel, and nothing else: its geometry (from the
// capability registers), region lookup and bank-group checks for descriptor validation, the
// row-splitting of buffer moves, and in-order micro-op issue over the HAL.
#include <cstdint>
#include <functional>
#include <vector>

#include "firmware/hal/hal.h"
#include "firmware/include/pilot/contract.h"
#include "firmware/include/pilot/micro_op.h"
#include "firmware/pim/op_repeats.h"

namespace pilot::fw {

struct ChannelGeometry {
    uint32_t pcs = 0, groupsPerPc = 0, banksPerGroup = 0, rows = 0, rowBytes = 0, columnBytes = 0,
             sramBytes = 0;
    static ChannelGeometry fromCapabilities(Hal& hal);
};

class KernelServices {
  public:
    KernelServices(Hal& hal, const ChannelGeometry& geo, uint64_t& microOps)
        : m_hal(hal), m_geo(geo), m_microOps(microOps) {}

    Hal& hal() { return m_hal; }
    const ChannelGeometry& geo() const { return m_geo; }

    // The mask names at least one group, none beyond the channel, and the channel fits the
    // mask (contract::kMaxBankGroupsPerChannel): a wider channel is refused, never served in part.
    bool bankGroupsValid(uint16_t mask) const;
    // A head spread of s (0 counts as 1): a power of two dividing a pseudo-channel's groups,
    // and the mask selects whole aligned sets of s groups.
    bool headSpreadValid(uint16_t mask, uint32_t spread) const;
    // The lowest bank group a (non-empty) mask selects: descriptor addresses name its bank 0.
    static uint32_t lowestGroup(uint16_t mask);
    // The groups of pseudo-channel pc that `mask` selects, as a mask of that pseudo-channel.
    uint32_t pcGroups(uint16_t mask, uint32_t pc) const;
    // Row of `addr` in bank 0 of group `lowestGroup`, with `rowsNeeded` rows from there in the bank.
    contract::Error locate(uint64_t addr, uint32_t lowestGroup, uint32_t rowsNeeded, uint32_t& row);
    // Reads or writes `len` bytes stored column after column in one bank from `base` (PIM
    // layout: consecutive columns of a bank are not consecutive physical addresses).
    void bankBytes(uint64_t base, uint64_t offset, void* data, uint32_t len, bool write);
    // Appends the MovIn / MovOut ops moving `bytes` bytes that start `offset` bytes after
    // column 0 of `baseRow`, split at row ends, to or from SRAM at `sram`.
    void appendMoves(std::vector<contract::MicroOp>& ops, const contract::MicroOp& proto, uint32_t baseRow,
                     uint64_t offset, uint64_t bytes, uint32_t sram) const;
    // Issues every pseudo-channel's ops, round-robin over the pseudo-channels so that both
    // command streams stay fed.
    void issueInterleaved(const std::vector<std::vector<contract::MicroOp>>& perPc);
    // Rounds 0..rounds-1 of a kernel, each issued as issueInterleaved issues `build`'s ops
    // (per pseudo-channel, cleared before each call). With fast-forward on, a stretch of equal
    // rounds in a row (or of equal groups of a few rounds: rows cross at the same place every
    // few rounds) is marked for the platform (hal.h: repeatBegin, repeatMark; op_repeats.h), a
    // group per period; so is a stretch of rounds that grow alike (the same ops added group
    // after group: op_repeats.h, findGrowing). A kernel's rounds are long (many refresh
    // intervals each): only whole rounds are marked, so the drains around a stretch cost a
    // negligible share.
    using RoundOps = std::function<void(uint32_t round, std::vector<std::vector<contract::MicroOp>>& perPc)>;
    void issueRounds(uint32_t rounds, const RoundOps& build);

  private:
    // The stretches issueRounds marks, in round order (equal ones, growing ones between them).
    static std::vector<OpRepeat> stretches(const std::vector<uint64_t>& hash,
                                           const std::vector<uint64_t>& count,
                                           const std::vector<uint64_t>& sum);
    // Stretches worth marking: at least this many periods, of at most this many rounds each
    // (rounds are long, many refresh intervals each: a few in a row are worth it).
    static constexpr uint32_t kMinRepeatRounds = 4, kMaxRoundPeriod = 8;
    // Growing stretches: the sampler fits a line through the periods it measured (3 at least,
    // after the first), so more periods; rows and key batches line up again only after many
    // rounds (20 at Mistral's shapes).
    static constexpr uint32_t kMinGrowingPeriods = 6, kMaxGrowingPeriod = 32;
    void issueRange(const std::vector<const contract::MicroOp*>& order, size_t from, size_t to);

    Hal& m_hal;
    const ChannelGeometry& m_geo;
    uint64_t& m_microOps;
};

} // namespace pilot::fw
