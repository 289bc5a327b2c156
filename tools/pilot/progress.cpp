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
    // How long the rest takes at the rate so far: a run of 2^40 requests says it needs days.
    char eta[48] = "";
    if (p.share > 0 && p.share < 1 && p.wallSeconds >= 1) {
        const double left = p.wallSeconds * (1 - p.share) / p.share;
        if (left >= 86400)
            std::snprintf(eta, sizeof eta, " | %.1f days left", left / 86400);
        else
            std::snprintf(eta, sizeof eta, " | %dh%02dm%02ds left", int(left / 3600), int(left / 60) % 60,
                          int(left) % 60);
    }
    std::fprintf(stderr, "\r  sim %.3f us | %5.1f%% | %llu requests | %.2f M req/s%s   ", p.simTimeNs * 1e-3,
                 100.0 * p.share, static_cast<unsigned long long>(p.requestsDone),
                 p.wallSeconds > 0 ? double(p.requestsDone) / p.wallSeconds / 1e6 : 0.0, eta);
    std::fflush(stderr);
}

void ProgressLine::finish() {
    if (m_enabled && m_shown)
        std::fprintf(stderr, "\r%80s\r", "");
}

} // namespace pilot::tools
