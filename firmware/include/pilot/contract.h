// SPDX-License-Identifier: MIT
#pragma once
// The hardware/software contract of a PILOT channel: the MMIO register map of its PIM
// controller, the command-queue descriptor and completion formats, opcodes and error codes.
// Plain C++ (no SystemC), used by the models (which serve it) and by the firmware and host
// runtime (which use it). Little-endian, version 1. Every field is documented once, here.
#include <cstddef>
#include <cstdint>

namespace pilot::contract {

inline constexpr uint32_t kMagic = 0x504C4F54; // "PLOT"
inline constexpr uint16_t kVersion = 1;

// ---------------------------------------------------------------- registers (32-bit, offsets in the window)
// R = read-only, W = write, RW = read/write, W1C = write 1 to clear.
inline constexpr uint32_t kRegId = 0x000;           // R: kMagic
inline constexpr uint32_t kRegVersion = 0x004;      // R: kVersion
inline constexpr uint32_t kRegCapPes = 0x008;       // R: bank PEs in this channel (all pseudo-channels)
inline constexpr uint32_t kRegCapMacLanes = 0x00C;  // R: FP16 multipliers per PE
inline constexpr uint32_t kRegCapSramBytes = 0x010; // R: SRAM buffer bytes per PE
inline constexpr uint32_t kRegCapBankGroups =
    0x014;                                         // R: bank groups in this channel (= heads served at once)
inline constexpr uint32_t kRegCapPeMhz = 0x018;    // R: PE clock, MHz
inline constexpr uint32_t kRegCapPcs = 0x01C;      // R: pseudo-channels in this channel
inline constexpr uint32_t kRegCapRows = 0x070;     // R: rows per bank
inline constexpr uint32_t kRegCapRowBytes = 0x074; // R: bytes per row of one bank
inline constexpr uint32_t kRegCapColumnBytes = 0x078;   // R: bytes per column (one burst)
inline constexpr uint32_t kRegCapBanksPerGroup = 0x07C; // R: banks per bank group
inline constexpr uint32_t kRegSqBaseLo =
    0x020; // RW: submission ring base (device physical address), low 32 bits
inline constexpr uint32_t kRegSqBaseHi = 0x024;    // RW: high 32 bits
inline constexpr uint32_t kRegSqSize = 0x028;      // RW: ring entries (power of two, 2..4096)
inline constexpr uint32_t kRegSqHead = 0x02C;      // R: next entry the firmware will read
inline constexpr uint32_t kRegSqTail = 0x030;      // W: producer index; a write is the doorbell
inline constexpr uint32_t kRegCqBaseLo = 0x040;    // RW: completion ring base, low 32 bits
inline constexpr uint32_t kRegCqBaseHi = 0x044;    // RW: high 32 bits
inline constexpr uint32_t kRegCqSize = 0x048;      // RW: completion ring entries (power of two)
inline constexpr uint32_t kRegCqHead = 0x04C;      // W: consumer index (host has read entries before it)
inline constexpr uint32_t kRegCqTail = 0x050;      // R: next completion entry the firmware writes
inline constexpr uint32_t kRegStatus = 0x060;      // R: kStatusBusy | error code of the last completion << 8
inline constexpr uint32_t kRegIrqStatus = 0x064;   // W1C: bit 0 = completion(s) posted
inline constexpr uint32_t kRegIrqMask = 0x068;     // RW: bit 0 = raise the interrupt line on completion
inline constexpr uint32_t kRegWindowBytes = 0x100; // size of one channel's register window
// Register windows live above all memory: channel c (global index) at kMmioBase + c x kRegWindowBytes.
inline constexpr uint64_t kMmioBase = uint64_t(1) << 48;

struct Field {
    uint8_t lsb, width;
};
inline constexpr Field kStatusBusy{0, 1}; // firmware is serving a descriptor
inline constexpr Field kStatusErr{8, 8};  // error code of the last completion
inline constexpr uint32_t kIrqCompletion = 1u << 0;

constexpr uint32_t getField(uint32_t reg, Field f) {
    return (reg >> f.lsb) & ((1u << f.width) - 1u);
}
constexpr uint32_t setField(uint32_t reg, Field f, uint32_t v) {
    const uint32_t m = ((1u << f.width) - 1u) << f.lsb;
    return (reg & ~m) | ((v << f.lsb) & m);
}

// ---------------------------------------------------------------- opcodes and errors
enum class Opcode : uint16_t {
    Nop = 0,
    Fence = 1,               // completes once every earlier descriptor has completed
    DecodeAttn = 2,          // dense decode attention over the whole context
    DecodeAttnSparse = 3,    // decode attention over sink + window ranges or an index list
    PrefillHybridSparse = 4, // one layer of hybrid sparse attention (window + global + random), prefill
    DecodeAttnAttAcc = 5     // dense decode attention as AttAcc runs it: GEMV units reading the open
                             // row, softmax outside the banks, one query per KV head (no GQA reuse)
};

// A descriptor's opcode as timelines and logs name it; null for an opcode the contract lacks.
constexpr const char* opcodeName(uint16_t opcode) {
    switch (Opcode(opcode)) {
    case Opcode::Nop:
        return "nop";
    case Opcode::Fence:
        return "fence";
    case Opcode::DecodeAttn:
        return "decode";
    case Opcode::DecodeAttnSparse:
        return "decode sparse";
    case Opcode::PrefillHybridSparse:
        return "prefill sparse";
    case Opcode::DecodeAttnAttAcc:
        return "decode attacc";
    }
    return nullptr;
}

enum class Error : uint8_t {
    Ok = 0,
    Opcode = 1,       // unknown opcode
    Version = 2,      // descriptor version not supported
    Align = 3,        // an address is not row-aligned where the layout needs it
    Range = 4,        // an address is outside this channel's memory or the rows overflow the bank
    Shape = 5,        // head dimension or GQA group unsupported, or a tile does not fit the SRAM buffer
    EmptyContext = 6, // ctxLen == 0, or the sparse key set is empty
    BankGroups = 7,   // bank-group mask empty or beyond the channel
    Sparse = 8, // sparse parameters inconsistent (no key selected by sink + window; a bad pattern table)
};
constexpr const char* errorName(Error e) {
    switch (e) {
    case Error::Ok:
        return "OK";
    case Error::Opcode:
        return "E_OPCODE";
    case Error::Version:
        return "E_VERSION";
    case Error::Align:
        return "E_ALIGN";
    case Error::Range:
        return "E_RANGE";
    case Error::Shape:
        return "E_SHAPE";
    case Error::EmptyContext:
        return "E_EMPTY";
    case Error::BankGroups:
        return "E_BANK_GROUPS";
    case Error::Sparse:
        return "E_SPARSE";
    }
    return "E_UNKNOWN";
}

// ---------------------------------------------------------------- largest addressable geometry
// The formats below name a bank group by one bit of a 16-bit mask and a bank of a
// pseudo-channel by an 8-bit index (MicroOp::bank): a channel beyond these limits cannot be
// driven correctly, so scenario loading (platform/pim_geometry.h) refuses such a memspec for a
// PIM workload instead of letting mask bits fall off, and the firmware answers E_BANK_GROUPS.
inline constexpr uint32_t kMaxBankGroupsPerChannel = 16;   // pseudo-channels x SIDs x bank groups
inline constexpr uint32_t kMaxBanksPerPseudoChannel = 256; // SIDs x bank groups x banks per group

// ---------------------------------------------------------------- descriptor (128 bytes)
// One descriptor runs one attention kernel on a set of bank groups of this channel in
// lockstep: every selected bank group holds one KV head (and its GQA group of query heads)
// at the same rows of its banks (PIM layout, firmware/host/kv_layout.h). Addresses are device
// physical addresses of column 0 of a row in bank 0 of the lowest selected bank group; the
// other selected groups and banks use the same row numbers.
inline constexpr uint32_t kFlagNaive = 1u << 0;     // no I/O-aware tiling (the paper's "PIM" baseline)
inline constexpr uint32_t kFlagExactExp = 1u << 1;  // exact exp() instead of the PE's approximation
inline constexpr uint32_t kFlagFp16Accum = 1u << 2; // FP16 accumulation (default FP32)
inline constexpr uint32_t kFlagCausal = 1u << 3;    // PREFILL: causal mask (key j <= row i)

// The band of a prefill query row i for a window of w keys (Descriptor::windowTokens): keys
// [i - lo, i + hi] with lo + hi = w - 1, clipped to [0, N). Causal: the w keys ending at i.
// Non-causal: the extra key of an even w goes to the past side. w = 0: no band (lo + hi = -1).
// The one statement of the window's arithmetic: the PEs' mask unit, the firmware's planner, the
// host's pattern and the paper's I/O analysis all take it from here.
struct WindowBand {
    int64_t lo, hi;
};
constexpr WindowBand windowBand(uint32_t window, bool causal) {
    const int64_t w = window;
    return causal ? WindowBand{w - 1, 0} : WindowBand{w / 2, w - 1 - w / 2};
}

struct Descriptor {
    uint16_t opcode;        // Opcode
    uint16_t version;       // kVersion
    uint32_t flags;         // kFlag*
    uint32_t tag;           // host cookie, echoed in the completion
    uint16_t bankGroupMask; // bit g: bank group g of the channel takes part (g = pc x groupsPerPc +
                            // sid x bankGroups + bg, below kMaxBankGroupsPerChannel)
    uint16_t headDim;       // d: multiple of 16, at most 256
    uint32_t ctxLen;        // DECODE: L keys in the context (key j lives in bank j % 4 of the group,
                            // slot j / 4). PREFILL: N, the sequence length (rows = keys)
    uint16_t queries;       // DECODE: G query heads per KV head (grouped-query attention), >= 1;
                            // ATTACC: 1
    uint16_t headSpread;    // DECODE: s bank groups share one KV head (0 or 1: a head per group).
                            // The mask selects whole aligned sets of s groups, s a power of two
                            // dividing the groups of a pseudo-channel; key j of the head lives in
                            // group j / B % s of its set (B banks per group), bank j % B, slot
                            // j / (s x B). Every group's bank 0 writes its partial result: the
                            // outputs normalised by its own sum, then (s > 1) G x (max, sum) FP32
                            // in the row after the outputs (and after the naive schedule's
                            // scratch), for a flash-decoding merge by the host.
                            // ATTACC: the set's banks are merged in the buffer die, only the
                            // set's first group writes outputs. PREFILL: 0
    uint64_t qAddr;         // DECODE: G x d FP16 query vectors (copied into every bank of the group).
                            // PREFILL: the non-global Q tiles (firmware/pim/prefill_kernel.h)
    uint64_t kvAddr;        // this bank's keys and values, sharing rows so a tile needs one
                            // activation: with P = rowBytes / (4d) slots per row, slot s sits in
                            // row kv + s / P, its key at byte (s % P) x 2d, its value at
                            // rowBytes / 2 + (s % P) x 2d (d <= rowBytes / 4).
                            // ATTACC: keys and values in rows of their own, 2P per row: key of slot
                            // s at row kv + s / 2P, byte (s % 2P) x 2d; its value likewise from
                            // row kv + ceil(slots / 2P)
                            // PREFILL: the band copy of K and V (shifted per bank)
    uint64_t globalOutAddr; // PREFILL: R x d FP16 outputs of the global rows (bank 0), scratch after
    uint64_t outAddr;       // G x d FP16 outputs, written by bank 0 of each group; the rows after
                            // it are scratch for the naive schedule's spilled accumulators.
                            // PREFILL: the non-global output tiles, laid out like qAddr
    uint32_t sinkTokens;    // DECODE_ATTN_SPARSE: keys [0, sink) ...
    uint32_t windowTokens;  // ... and [L - window, L). PREFILL: w, keys in a row's band
    uint32_t scaleBits;     // softmax scale as IEEE float bits; 0 means 1/sqrt(d)
    // ---- PREFILL_HYBRID_SPARSE only (0 otherwise); layout in firmware/pim/prefill_kernel.h
    uint32_t globalTokens; // g: tokens [0, g) are global (rows: non-causal only; columns always)
    uint32_t randomBlocks; // r: random key blocks per block-row
    uint32_t blockSize;    // B: rows / keys per block (random blocks), 0 when r = 0
    uint64_t globalQAddr;  // R x d FP16 queries of the global rows, copied into every bank
    uint64_t splitKvAddr;  // K and V split by keys over the banks (decode layout), for global rows
    uint64_t auxKvAddr;    // K and V of the global keys and of each block-row's random blocks
    uint64_t patternAddr;  // r uint32 block indices per block-row (0xFFFFFFFF: none), bank 0
    uint64_t scratchAddr;  // score rows (and the naive schedule's accumulators), per bank
    uint32_t tileRows;     // a: Q rows per bank per round the layout was made for
    uint16_t depth;        // DECODE: units stacked in each set of groups, run one after another in
                           // this descriptor (0 or 1: one); unit k's rows are depthRows x k rows after
                           // the addresses above. PREFILL: 0
    uint16_t depthRows;    // DECODE: rows between stacked units
};
static_assert(sizeof(Descriptor) == 128, "descriptor is 128 bytes");
static_assert(sizeof(Descriptor::bankGroupMask) * 8 == kMaxBankGroupsPerChannel,
              "one mask bit per bank group");
static_assert(offsetof(Descriptor, qAddr) == 24, "layout");
static_assert(offsetof(Descriptor, globalQAddr) == 80, "layout");
static_assert(offsetof(Descriptor, tileRows) == 120, "layout");

// ---------------------------------------------------------------- completion entry (16 bytes)
struct Completion {
    uint32_t tag;    // Descriptor::tag
    uint8_t error;   // Error
    uint8_t phase;   // toggles each pass over the ring (lets a poller see new entries)
    uint16_t sqHead; // submission head after this descriptor
    uint32_t cycles; // PE cycles the kernel took (saturating)
    uint32_t reserved;
};
static_assert(sizeof(Completion) == 16, "completion is 16 bytes");

} // namespace pilot::contract
