// SPDX-License-Identifier: MIT
#include "platform/hbm_system.h"

namespace pilot::platform {

HbmSystem::HbmSystem(sc_core::sc_module_name name, const hbm::Memspec& spec, const hbm::AddressMapping& map,
                     const hbm::ControllerConfig& cfg, uint32_t pseudoChannels, bool protocolCheck)
    : sc_module(name), m_store(map.capacity()), m_router("router", map, pseudoChannels), m_spec(spec) {
    if (protocolCheck)
        m_checker = std::make_unique<hbm::ProtocolChecker>(spec, pseudoChannels);
    for (uint32_t pc = 0; pc < pseudoChannels; ++pc) {
        if (pc % spec.org.pseudoChannels == 0) {
            const std::string c = "channel" + std::to_string(pc / spec.org.pseudoChannels);
            m_channels.push_back(std::make_unique<hbm::ChannelArbiter>(c.c_str(), spec, cfg.busArbitration));
        }
        const std::string n = "pc" + std::to_string(pc);
        m_pcs.push_back(std::make_unique<hbm::PseudoChannelController>(n.c_str(), spec, map, cfg, m_store, pc,
                                                                       m_channels.back().get()));
        m_router.iSocket.bind(m_pcs.back()->tSocket);
        if (m_checker)
            m_pcs.back()->addObserver(m_checker.get());
    }
}

void HbmSystem::finish() {
    if (!m_checker)
        return;
    const uint64_t ps = sc_core::sc_time_stamp().value();
    m_checker->finish(ps / m_spec.t.tCKps);
}

void HbmSystem::trace(sc_core::sc_trace_file* tf) const {
    for (const auto& pc : m_pcs)
        pc->trace(tf);
}

} // namespace pilot::platform
