// SPDX-License-Identifier: MIT
#include "tools/pilot/console.h"

#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

#include <systemc>

namespace pilot::tools {

namespace {
Verbosity g_verbosity = Verbosity::Normal;
}

Verbosity verbosity() {
    return g_verbosity;
}

void setVerbosity(Verbosity v) {
    g_verbosity = v;
    if (v == Verbosity::Quiet) {
        std::fflush(stdout);
        const int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) {
            ::dup2(null, STDOUT_FILENO);
            ::close(null);
        }
    }
    sc_core::sc_report_handler::set_actions(
        sc_core::SC_INFO, v == Verbosity::Verbose ? sc_core::SC_DISPLAY : sc_core::SC_DO_NOTHING);
}

void noteCommand(const std::string& what, const std::vector<std::string>& args) {
    if (g_verbosity != Verbosity::Verbose)
        return;
    std::string line = what + ":";
    for (const std::string& a : args)
        line += " " + a;
    std::fprintf(stderr, "%s\n", line.c_str());
}

} // namespace pilot::tools
