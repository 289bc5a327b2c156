// SPDX-License-Identifier: MIT
#include "tools/pilot/child_process.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <set>
#include <spawn.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pilot::tools {

std::string selfExecutable() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        throw std::runtime_error("cannot find this program through /proc/self/exe");
    return std::string(buf, size_t(n));
}

namespace {

volatile sig_atomic_t g_stopSignal = 0;

extern "C" void recordStopSignal(int sig) {
    g_stopSignal = sig;
}

} // namespace

// The pid of the process that started this one, set by spawnLogged in its own environment.
constexpr const char* kParentVar = "PILOT_PARENT_PID";

void endWithParent() {
    const char* parent = std::getenv(kParentVar);
    if (!parent || std::to_string(::getppid()) != parent)
        return; // not started by spawnLogged (or the parent is gone already: then ppid differs)
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (std::to_string(::getppid()) != parent) // the parent ended before prctl took effect
        ::raise(SIGTERM);
}

void catchStopSignals() {
    struct sigaction sa {};
    sa.sa_handler = recordStopSignal;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaction(sig, &sa, nullptr);
}

int stopSignal() {
    return g_stopSignal;
}

void stopChildren(const std::vector<pid_t>& pids, bool groups) {
    for (pid_t pid : pids)
        ::kill(groups ? -pid : pid, SIGTERM);
    std::set<pid_t> left(pids.begin(), pids.end());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!left.empty()) {
        for (auto it = left.begin(); it != left.end();) {
            int ws = 0;
            const pid_t r = waitpid(*it, &ws, WNOHANG);
            it = (r == *it || (r < 0 && errno == ECHILD)) ? left.erase(it) : std::next(it);
        }
        if (left.empty())
            break;
        if (std::chrono::steady_clock::now() > deadline) {
            for (pid_t pid : left) {
                ::kill(groups ? -pid : pid, SIGKILL);
                waitpid(pid, nullptr, 0);
            }
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // A group's members other than its leader may outlive the leader by a moment: make sure.
    if (groups)
        for (pid_t pid : pids)
            ::kill(-pid, SIGKILL);
}

pid_t spawnLogged(const std::vector<std::string>& args, const std::string& log, std::string& error,
                  bool ownGroup) {
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (std::string& a : copy)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // The child starts with the default signal actions (not this process's handlers).
    sigset_t dfl;
    sigemptyset(&dfl);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&dfl, sig);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    short flags = POSIX_SPAWN_SETSIGDEF;
    if (ownGroup) {
        posix_spawnattr_setpgroup(&attr, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(&attr, flags);
    ::setenv(kParentVar, std::to_string(::getpid()).c_str(), 1); // for endWithParent()
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, copy[0].c_str(), &fa, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        error = "cannot start " + copy[0] + ": " + std::strerror(rc);
        return -1;
    }
    return pid;
}

std::vector<int> runAll(const std::vector<std::pair<std::vector<std::string>, std::string>>& commands,
                        unsigned jobs) {
    if (jobs == 0)
        jobs = std::max(1u, std::thread::hardware_concurrency());
    std::vector<int> status(commands.size(), 127);
    std::map<pid_t, size_t> running;
    size_t next = 0;
    while (next < commands.size() || !running.empty()) {
        while (next < commands.size() && running.size() < jobs) {
            std::string error;
            const pid_t pid = spawnLogged(commands[next].first, commands[next].second, error);
            if (pid < 0)
                std::ofstream(commands[next].second, std::ios::app) << error << "\n";
            else
                running[pid] = next;
            ++next;
        }
        if (running.empty())
            continue;
        if (const int sig = stopSignal()) {
            std::vector<pid_t> pids;
            for (const auto& r : running)
                pids.push_back(r.first);
            stopChildren(pids, false);
            throw Interrupted{sig};
        }
        int ws = 0;
        const pid_t pid = waitpid(-1, &ws, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            continue;
        }
        if (pid < 0)
            break;
        auto it = running.find(pid);
        if (it == running.end())
            continue;
        status[it->second] = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
        running.erase(it);
    }
    return status;
}

} // namespace pilot::tools
