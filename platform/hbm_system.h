// SPDX-License-Identifier: MIT
#pragma once
// Assembly of the memory system: backing store, one controller per instantiated
// pseudo-channel, one arbiter per channel granting its command buses to its pseudo-channels,
// the router in front of them, and the protocol checker watching every controller's commands.
#include <memory>
#include <vector>

#include <systemc>

#include "models/hbm/address_mapping.h"
#include "models/hbm/backing_store.h"
#include "models/hbm/controller_config.h"
#include "models/hbm/memspec.h"
#include "models/hbm/pc_controller.h"
#include "models/hbm/protocol_checker.h"
#include "models/interconnect/router.h"

namespace pilot::platform {

class HbmSystem : public sc_core::sc_module {
  public:
    HbmSystem(sc_core::sc_module_name name, const hbm::Memspec& spec, const hbm::AddressMapping& map,
              const hbm::ControllerConfig& cfg, uint32_t pseudoChannels, bool protocolCheck);

    interconnect::Router& router() { return m_router; }
    hbm::BackingStore& store() { return m_store; }
    const hbm::BackingStore& store() const { return m_store; }
    const std::vector<std::unique_ptr<hbm::PseudoChannelController>>& controllers() const { return m_pcs; }
    const hbm::ProtocolChecker* checker() const { return m_checker.get(); }
    // End of simulation: the checker's refresh-deadline pass.
    void finish();
    void trace(sc_core::sc_trace_file* tf) const;

  private:
    hbm::BackingStore m_store;
    interconnect::Router m_router;
    std::vector<std::unique_ptr<hbm::ChannelArbiter>> m_channels; // one per channel: its command buses
    std::vector<std::unique_ptr<hbm::PseudoChannelController>> m_pcs;
    std::unique_ptr<hbm::ProtocolChecker> m_checker;
    const hbm::Memspec& m_spec;
};

} // namespace pilot::platform
