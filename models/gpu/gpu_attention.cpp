// SPDX-License-Identifier: MIT
#include "models/gpu/gpu_attention.h"

#include <stdexcept>
#include <string>

#include "models/gpu/attention_flash.h"
#include "models/gpu/attention_unfused.h"

namespace pilot::gpu {

std::unique_ptr<GpuAttention> makeGpuAttention(const std::string& name, const GpuConfig& config) {
    if (name == "unfused")
        return std::make_unique<UnfusedAttention>(config);
    if (name == "flash")
        return std::make_unique<FlashAttention>(config);
    return nullptr;
}

const std::vector<const char*>& gpuAttentionNames() {
    static const std::vector<const char*> kNames = {"unfused", "flash"};
    return kNames;
}

void checkDecodeShape(uint64_t heads, uint64_t kvHeads, uint64_t contextLen, uint64_t keysAttended) {
    if (kvHeads == 0 || heads % kvHeads != 0)
        throw std::invalid_argument("decode: kvHeads (" + std::to_string(kvHeads) +
                                    ") must be > 0 and divide heads (" + std::to_string(heads) + ")");
    if (keysAttended > contextLen)
        throw std::invalid_argument("decode: keysAttended (" + std::to_string(keysAttended) +
                                    ") exceeds the context length (" + std::to_string(contextLen) + ")");
}

double curveAt(const Curve& c, double x) {
    if (c.empty())
        return 0.0;
    if (c.size() == 1)
        return c[0].second;
    size_t i = 1;
    while (i + 1 < c.size() && x > c[i].first)
        ++i;
    const auto& [x0, y0] = c[i - 1];
    const auto& [x1, y1] = c[i];
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
}

KernelCost sequence(const std::vector<KernelCost>& kernels) {
    KernelCost s;
    for (const KernelCost& k : kernels) {
        s.computeNs += k.computeNs;
        s.memoryNs += k.memoryNs;
        s.launchNs += k.launchNs;
        s.timeNs += k.timeNs;
        s.flops += k.flops;
        s.bytes += k.bytes;
    }
    s.bound = s.memoryNs > s.computeNs ? Bound::Memory : Bound::Compute;
    return s;
}

} // namespace pilot::gpu
