// SPDX-License-Identifier: MIT
#pragma once
// Decode attention offloaded to the PIM (issue 4), the host runtime's side: the PIM layout of
// a decode head, the split of the KV heads into the dense part and the sparse (streaming) part,
// the GQA split policy, the descriptors (DECODE_ATTN, DECODE_ATTN_SPARSE) and the rounds (the
// shared skeleton of offload_rounds.h). Operands come from, and outputs go to, the caller.
//
// PIM layout of one decode head (one KV head and its G query heads) in bank group g:
//   - key j lives in bank j % B of the group (B banks per group), at slot j / B; a bank's
//     keys and values share rows from kvRow: P = rowBytes / (4d) slots per row, the key of
//     slot s at byte (s % P) x 2d of row kvRow + s / P and its value half a row later;
//   - the G x d FP16 queries are copied into every bank of the group at row qRow;
//   - bank 0 of the group receives the G x d FP16 outputs at row outRow (scratch after it).
// Every head of a round uses the same rows in its own group, so one descriptor per channel
// runs all of the channel's heads in lockstep.
//
// Head spread s (every system uses the whole PIM): when there are fewer heads than bank groups,
// a head's keys are split over a set of s groups (key j in group j / B % s of the set, bank
// j % B, slot j / sB). PILOT: each group finishes its share with its own softmax statistics and
// the host merges the s partial outputs with them (max and sum, as flash-decoding does). AttAcc:
// its buffer-die softmax unit spans the set, bank 0 of the first group holds the result.
//
// AttAcc (DECODE_ATTN_ATTACC): one unit per query head (no GQA reuse: every query head reads
// its own copy of K and V, as AttAcc's simulator models it); keys and values in rows of their
// own (contract.h, kvAddr).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "firmware/host/offload_rounds.h"
#include "firmware/host/pim_runtime.h"

namespace pilot::host {

struct DecodeLayout {
    uint32_t qRow = 0, kvRow = 0, outRow = 0, rowsUsed = 0;
    uint32_t slotsPerRow = 0; // PILOT: slots whose key and value share a row; AttAcc: keys per row
    uint32_t statsRow = 0;    // PILOT, spread > 1: each group's (max, sum) per query
    uint32_t kRows = 0;       // AttAcc: rows of keys; the values' rows follow
};

// Rows for heads of context L, head dim d, G queries (the naive schedule needs scratch rows),
// keys spread over `spread` groups.
DecodeLayout decodeLayout(const PimGeometry& g, uint32_t ctxLen, uint32_t headDim, uint32_t queries,
                          uint32_t spread = 1, bool naive = false);
// AttAcc's: q, the key rows, the value rows, the output row.
DecodeLayout attaccLayout(const PimGeometry& g, uint32_t ctxLen, uint32_t headDim, uint32_t spread);

// The keys of a streaming (sink + window) head: the sorted, deduplicated union of [0, sink) and
// [L - window, L), each range clamped to [0, L).
std::vector<uint32_t> sinkWindowKeys(uint32_t L, uint32_t sink, uint32_t window);

// One decode step of batch x kvHeads KV heads, each with heads / kvHeads query heads.
struct DecodeRequest {
    uint32_t batch = 0, heads = 0, kvHeads = 0, context = 0, headDim = 0;
    bool sparse = false;
    uint32_t sink = 0, window = 0;   // sparse: sink tokens + recent window
    std::vector<uint32_t> keyList;   // sparse: an explicit key-index list (sorted, unique)
    double sparseHeadFraction = 1.0; // share of the KV heads that are sparse
    bool splitGqa = true;            // spread a GQA group's query passes over idle bank groups
    bool attacc = false;             // AttAcc's kernel (DECODE_ATTN_ATTACC), one unit per query head
    uint32_t headSpread = 0;         // groups sharing one head's keys; 0: chooseHeadSpread
    uint32_t depth = 1;              // units stacked per set in one descriptor; 0: all of a round's
    bool naive = false, exactExp = false, fp16Accum = false;
    bool functional = true; // operands and outputs carry data
    uint32_t sramBytes = 0; // the PE buffer the firmware plans with
    uint32_t replicas = 1;  // channels each simulated channel stands for
};

// One kernel of the decode step: the dense heads, or the sparse (streaming) heads.
struct DecodePart {
    std::string name;
    bool sparse = false;
    uint32_t unitsFull = 0;     // KV heads (x batch, x GQA split) on the whole system
    uint32_t units = 0;         // the same, on the simulated channels (the busiest one's share)
    std::vector<uint32_t> keys; // keys each query attends to
    bool indexList = false;     // explicit key set: only those keys are laid out (compacted)
    uint32_t rounds = 0;
    uint32_t placedKeys(uint32_t context) const { return indexList ? uint32_t(keys.size()) : context; }
};

class DecodeOffload {
  public:
    // Operands of one unit (a KV head: G x d queries, L x d keys and values).
    using Source = std::function<HeadData(const DecodePart& part, uint32_t unit)>;
    // The unit's operands and its G x d outputs (the PIM's FP16 outputs; with PILOT's head
    // spread, the host's FP32 merge of the groups' partial outputs).
    using Sink =
        std::function<void(const DecodePart& part, const HeadData& data, const std::vector<float>& out)>;

    DecodeOffload(const DecodeRequest& req, const PimGeometry& geo);

    // Bank groups sharing one GQA group's query heads (each with its own copy of K and V).
    uint32_t gqaSplit() const { return m_split; }
    // Query heads each unit runs (heads / kvHeads / gqaSplit; AttAcc: 1).
    uint32_t queriesPerUnit() const { return m_queries; }
    // Bank groups sharing one unit's keys.
    uint32_t headSpread() const { return m_spread; }
    // Units stacked in each set, run one after another by one descriptor.
    uint32_t depth() const { return m_depth; }
    const std::vector<DecodePart>& parts() const { return m_parts; }

    // Runs one part's rounds. `source` is called only in functional mode; `sink` (may be empty)
    // receives every unit's outputs.
    OffloadRun run(PimRuntime& rt, const DecodePart& part, const Source& source, const Sink& sink) const;

  private:
    DecodeRequest m_req;
    PimGeometry m_geo;
    uint32_t m_split = 1, m_queries = 1, m_spread = 1, m_depth = 1;
    std::vector<DecodePart> m_parts;
};

// GQA split policy: when the buffer makes a GQA group run its query heads in passes over K and
// V and bank groups would sit idle, the group's query heads are split over several bank groups
// (a power of two dividing the group), each with its own copy of K and V: the passes then run
// side by side. `largestPart`: KV heads of the larger part; `groupsAll`: bank groups of the
// whole system.
uint32_t chooseGqaSplit(const DecodeRequest& req, const PimGeometry& geo, uint32_t largestPart,
                        uint64_t groupsAll);

// Head spread policy: the power of two s (at most a pseudo-channel's groups, at most L / B so
// every bank holds a key) that minimises the attention time ceil(units x s / groups) / s, the
// rounds over the keys each group streams; the smallest s of equal time (fewer merges).
uint32_t chooseHeadSpread(uint64_t units, uint64_t groupsAll, uint32_t groupsPerPc, uint32_t context,
                          uint32_t banksPerGroup);

} // namespace pilot::host
