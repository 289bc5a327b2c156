// SPDX-License-Identifier: MIT
#include "firmware/pim/opcode_table.h"

#include "firmware/pim/attacc_decode_kernel.h"
#include "firmware/pim/decode_attention_kernel.h"
#include "firmware/pim/prefill_attention_kernel.h"

namespace pilot::fw {

using namespace pilot::contract;

namespace {

class NopKernel : public Kernel {
  public:
    Error validate(const Descriptor&) override { return Error::Ok; }
    Error plan() override { return Error::Ok; }
    void emit() override {}
};

// Descriptors run one at a time, so once the issued work drains all earlier work is done.
class FenceKernel : public Kernel {
  public:
    explicit FenceKernel(KernelServices& svc) : m_svc(svc) {}
    Error validate(const Descriptor&) override { return Error::Ok; }
    Error plan() override { return Error::Ok; }
    void emit() override { m_svc.hal().drain(); }

  private:
    KernelServices& m_svc;
};

template <class K> std::unique_ptr<Kernel> make(KernelServices& svc) {
    return std::make_unique<K>(svc);
}

const OpcodeEntry kOpcodes[] = {
    {Opcode::Nop, [](KernelServices&) -> std::unique_ptr<Kernel> { return std::make_unique<NopKernel>(); }},
    {Opcode::Fence, make<FenceKernel>},
    {Opcode::DecodeAttn, make<DecodeAttentionKernel>},
    {Opcode::DecodeAttnSparse, make<DecodeAttentionKernel>},
    {Opcode::PrefillHybridSparse, make<PrefillAttentionKernel>},
    {Opcode::DecodeAttnAttAcc, make<AttAccDecodeKernel>},
};

} // namespace

std::unique_ptr<Kernel> makeKernel(uint16_t opcode, KernelServices& svc) {
    for (const OpcodeEntry& e : kOpcodes)
        if (uint16_t(e.opcode) == opcode)
            return e.make(svc);
    return nullptr;
}

} // namespace pilot::fw
