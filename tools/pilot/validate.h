// SPDX-License-Identifier: MIT
#pragma once
// `pilot validate FILE`: recognises which kind of file it is by its keys (scenario, end-to-end
// scenario, sweep, memspec and mapping in our format or DRAMSys's, model, GPU, energy, DRAMSys
// mcconfig), checks it with the loader that kind's users call, and prints one line. A file of
// no known kind is refused with the kinds it could be.
#include <string>

namespace pilot::tools {

// Returns 0 when valid; bad input throws common::ConfigError (one line per problem).
int validateFile(const std::string& path, const std::string& memspecForMappings);

} // namespace pilot::tools
