// SPDX-License-Identifier: MIT
#pragma once
// Child processes of `pilot`: sub-simulations run as separate processes (SystemC elaborates
// one design per process), each `pilot run ...` with its output in a log file.
#include <string>
#include <sys/types.h>
#include <vector>

namespace pilot::tools {

// The running executable (/proc/self/exe); throws std::runtime_error when it cannot be read.
std::string selfExecutable();

// Starts `args` (args[0] is the program) with stdin from /dev/null and stdout and stderr to
// `log`. Returns the pid, or -1 with `error` set.
pid_t spawnLogged(const std::vector<std::string>& args, const std::string& log, std::string& error);

// Runs every command (each `args`, `log`) with at most `jobs` at once (0: hardware threads);
// returns each one's exit status (127 when it could not start; its error is appended to the log).
std::vector<int> runAll(const std::vector<std::pair<std::vector<std::string>, std::string>>& commands,
                        unsigned jobs);

} // namespace pilot::tools
