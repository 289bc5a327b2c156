// SPDX-License-Identifier: MIT
#include "tools/pilot/progress.h"

#include "tools/pilot/console.h"

#include <cstdio>
#include <unistd.h>

namespace pilot::tools {

ProgressLine::ProgressLine() : m_enabled(isatty(fileno(stderr)) != 0 && verbosity() != Verbosity::Quiet) {}

void ProgressLine::update(const platform::Progress& p) {
    // At most a few redraws per second: the line is for people, not a log.
    if (!m_enabled || p.wallSeconds - m_lastWall < 0.25)
        return;
    m_lastWall = p.wallSeconds;
    m_shown = true;
    std::fprintf(stderr, "\r  sim %.3f us | %5.1f%% | %llu requests | %.2f M req/s   ", p.simTimeNs * 1e-3,
                 100.0 * p.share, static_cast<unsigned long long>(p.requestsDone),
                 p.wallSeconds > 0 ? double(p.requestsDone) / p.wallSeconds / 1e6 : 0.0);
    std::fflush(stderr);
}

void ProgressLine::finish() {
    if (m_enabled && m_shown)
        std::fprintf(stderr, "\r%80s\r", "");
}

} // namespace pilot::tools
