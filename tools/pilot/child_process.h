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
// `log`. Returns the pid, or -1 with `error` set. `ownGroup`: the child leads a new process
// group, so that stopChildren() reaches everything it starts in turn (a sweep point's own
// sub-simulations), and a terminal's Ctrl-C reaches only the parent, which stops it.
pid_t spawnLogged(const std::vector<std::string>& args, const std::string& log, std::string& error,
                  bool ownGroup = false);

// For a `pilot` started by spawnLogged (a sweep's point, an end-to-end run's sub-simulation):
// receive SIGTERM when that parent ends, even killed outright (SIGKILL gives it no chance to stop
// its children), so that no orphan goes on writing into its folder. Does nothing otherwise.
void endWithParent();

// SIGINT, SIGTERM and SIGHUP are recorded instead of ending the program at once: whoever runs
// children stops them (stopChildren) and leaves its files consistent, then ends with
// exitStatusForSignal(). Returns the signal received so far, 0 when none.
void catchStopSignals();
int stopSignal();
inline int exitStatusForSignal(int sig) {
    return 128 + sig;
}

// Sends SIGTERM to each child (to its whole group when it leads one), SIGKILL to those still
// running after a grace period, and reaps them all.
void stopChildren(const std::vector<pid_t>& pids, bool groups);

// Thrown by runAll when a stop signal arrived: its children are stopped already.
struct Interrupted {
    int signal;
};

// Runs every command (each `args`, `log`) with at most `jobs` at once (0: hardware threads);
// returns each one's exit status (127 when it could not start; its error is appended to the log).
// Throws Interrupted (children stopped) on a stop signal, when catchStopSignals() was called.
std::vector<int> runAll(const std::vector<std::pair<std::vector<std::string>, std::string>>& commands,
                        unsigned jobs);

} // namespace pilot::tools
