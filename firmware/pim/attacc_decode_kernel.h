// SPDX-License-Identifier: MIT
#pragma once
// DECODE_ATTN_ATTACC: dense decode attention as AttAcc runs it (Park et al., ASPLOS 2024;
// scale-snu/attacc_simulator), on this platform's banks. One query head per KV head (AttAcc has
// no grouped-query reuse); a head's keys are interleaved over the banks of its set of s groups
// (s = Descriptor::headSpread; AttAcc's own mapping spreads a head over a channel's groups).
//   - Score GEMV: the bank's GEMV unit reads the open row and multiplies the query held in its
//     registers with each key, column by column. Modelled as the columns of a quarter row landing
//     in a ring of three latches that the MACs consume at once (a latch's columns are issued one
//     latch ahead of its MACs, so the column stream never waits for them): every key byte passes
//     the unit once, nothing is kept for reuse (no SRAM tiling).
//   - Softmax outside the banks (AttAcc's buffer-die softmax unit, BufSfm): the scores of a
//     block of keys leave every bank of the set as FP16, the unit updates the head's running
//     max and sum and sends the probabilities back. While it works, the next block's keys stream.
//   - Context GEMV over V: the same unit reads the value rows and accumulates p x v.
//   - The unit adds the set's partial outputs and divides by the sum (BufOut); bank 0 of the
//     set's first group writes the d FP16 outputs.
// Keys and values have rows of their own (AttAcc's layout): a row is opened once for its keys
// in the score phase and once for its values in the context phase.
#include <cstdint>
#include <string>

#include "firmware/pim/decode_planner.h"
#include "firmware/pim/kernel.h"

namespace pilot::fw {

struct AttAccShape {
    uint32_t slots;       // key slots per bank: ceil(L / (s x banksPerGroup))
    uint32_t headDim;     // d, multiple of 16
    uint32_t sramBytes;   // the PE buffer
    uint32_t rowBytes;    // bytes of one bank row
    uint32_t columnBytes; // bytes of one column
};

// Buffer layout (each region column-aligned): state | out | q x 2 | scoresA | scoresB | latch x 3.
// Every op names the regions it uses (three ranges at most), so a GEMV op on one score region
// runs beside the softmax unit's op on the other, and columns land in one latch while the MACs
// read another.
inline constexpr uint32_t kAttAccLatches = 3;
struct AttAccPlan {
    contract::Error error = contract::Error::Ok;
    std::string why;
    uint32_t latchKeys = 0; // keys of a quarter row, at least 1: max(1, rowBytes / 8d)
    uint32_t rowKeys = 0;   // keys of a row: rowBytes / 2d
    uint32_t blockKeys = 0; // keys per bank whose scores go to the softmax unit at once
    uint32_t blocks = 0;    // ceil(slots / blockKeys)
    uint32_t kRows = 0;     // rows of keys (as many of values) per bank
    SramRegion state, out;
    SramRegion q[2]; // the query registers of stacked units, in turn
    SramRegion scoresA, scoresB;
    SramRegion latch[kAttAccLatches];
    uint64_t bankToSramBytes = 0; // q, then every key and value once
    uint64_t sramToBankBytes = 0; // the outputs (counted once per set, like decode_planner.h)
};

AttAccPlan planAttAccDecode(const AttAccShape& s);

class AttAccDecodeKernel : public Kernel {
  public:
    explicit AttAccDecodeKernel(KernelServices& svc) : m_svc(svc) {}
    contract::Error validate(const contract::Descriptor& d) override;
    contract::Error plan() override;
    void emit() override;

  private:
    // One latch of keys (score GEMV) or values (context GEMV): its moves and its GEMV op; or a
    // block's pass through the softmax unit (no moves).
    struct Step {
        std::vector<contract::MicroOp> moves;
        contract::MicroOp op;
        bool hasOp = true;
        bool early = true; // its moves may go out before the previous step's op
    };
    // Every stacked unit of one pseudo-channel's sets.
    void appendPc(std::vector<contract::MicroOp>& ops, uint32_t pc, uint32_t mask) const;
    // The steps' moves and ops into `ops`, each step's columns ahead of the op before it.
    static void issueInOrder(const std::vector<Step>& steps, std::vector<contract::MicroOp>& ops);
    // The latches of block i's keys or values; `chunk` counts latches over the kernel (the ring).
    void blockSteps(std::vector<Step>& steps, const contract::MicroOp& proto, uint32_t block, bool values,
                    uint32_t& chunk, uint32_t rowOffset) const;
    Step softmaxStep(const contract::MicroOp& proto, uint32_t block) const;

    KernelServices& m_svc;
    contract::Descriptor m_d{};
    uint32_t m_spread = 1, m_slots = 0, m_depth = 1;
    uint32_t m_qRow = 0, m_kvRow = 0, m_outRow = 0;
    AttAccPlan m_plan;
    float m_scale = 0;
};

} // namespace pilot::fw
