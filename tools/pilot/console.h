// SPDX-License-Identifier: MIT
#pragma once
// How much the `pilot` command says (--quiet, --verbose). Results always go where they are
// asked to (--out files); errors always go to stderr. Quiet: nothing on stdout, no progress
// lines. Verbose: also SystemC's info messages and each child process's command and log.
#include <string>
#include <vector>

namespace pilot::tools {

enum class Verbosity { Quiet, Normal, Verbose };

Verbosity verbosity();
// Sets it for this process; Quiet also points stdout at /dev/null (so no summary line of any
// subcommand can slip through) and Verbose lets SystemC's SC_INFO reports through.
void setVerbosity(Verbosity v);

// Verbose only: "<what>: <command line>" on stderr.
void noteCommand(const std::string& what, const std::vector<std::string>& args);

} // namespace pilot::tools
