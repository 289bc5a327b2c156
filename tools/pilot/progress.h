// SPDX-License-Identifier: MIT
#pragma once
// Progress line for long runs: shown on a terminal (stderr), silent otherwise.
#include "platform/scenario_runner.h"

namespace pilot::tools {

class ProgressLine {
  public:
    ProgressLine();
    void update(const platform::Progress& p);
    void finish();
    bool enabled() const { return m_enabled; }

  private:
    bool m_enabled;
    double m_lastWall = -1;
    bool m_shown = false;
};

} // namespace pilot::tools
