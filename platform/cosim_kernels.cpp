// SPDX-License-Identifier: MIT
#include "platform/cosim_kernels.h"

#include <algorithm>
#include <cmath>

namespace pilot::platform {

CosimKernel CosimGpuKernels::launch(const gpu::KernelCost& k, const std::string& name,
                                    const std::string& phase, double writeBytes) const {
    gpu::GpuKernelLaunch l;
    l.name = name;
    l.phase = phase;
    l.computeNs = k.computeNs;
    l.memoryFloorNs = k.memoryNs;
    l.launchNs = k.launchNs;
    const double writes = std::min(writeBytes, k.bytes);
    l.readBytes = uint64_t(std::llround((k.bytes - writes) * m_share));
    l.writeBytes = uint64_t(std::llround(writes * m_share));
    return {l, k.flops, k.bytes};
}

void CosimGpuKernels::gemms(const gpu::KernelCostModel& g, const ModelConfig& m, uint64_t tokens,
                            const std::string& phase, std::vector<CosimKernel>& before,
                            std::vector<CosimKernel>& after) const {
    // C [tokens x n] = A [tokens x k] B [k x n]: C is written, A and B read.
    auto gemm = [&](const char* name, uint64_t n, uint64_t k) {
        return launch(g.gemm(tokens, n, k), name, phase, double(tokens) * n * gpu::kFp16Bytes);
    };
    const uint64_t qkv = uint64_t(m.heads + 2 * m.kvHeads) * m.headDim;
    before.push_back(gemm("qkv_proj", qkv, m.hidden));
    after.push_back(gemm("o_proj", m.hidden, uint64_t(m.heads) * m.headDim));
    after.push_back(gemm("ffn_up", m.ffn, m.hidden));
    if (m.ffnKind == FfnKind::SwiGlu)
        after.push_back(gemm("ffn_gate", m.ffn, m.hidden));
    after.push_back(gemm("ffn_down", m.hidden, m.ffn));
}

} // namespace pilot::platform
