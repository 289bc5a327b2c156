// SPDX-License-Identifier: MIT
// Every scheduler by the name the controller config uses.
#include "models/common/registry.h"
#include "models/hbm/scheduler_impls.h"

namespace pilot::hbm {

namespace {
template <class T> std::unique_ptr<Scheduler> make(const ControllerConfig& cfg) {
    return std::make_unique<T>(cfg);
}
const common::Registry<Scheduler, const ControllerConfig&>& registry() {
    static const common::Registry<Scheduler, const ControllerConfig&> r(
        "scheduler", {{"fr-fcfs", make<FrFcfsScheduler>}, {"fcfs", make<FcfsScheduler>}});
    return r;
}
} // namespace

std::unique_ptr<Scheduler> makeScheduler(const std::string& name, const ControllerConfig& cfg) {
    return registry().make(name, cfg);
}
std::vector<std::string> schedulerNames() {
    return registry().names();
}

} // namespace pilot::hbm
