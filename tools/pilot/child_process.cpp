// SPDX-License-Identifier: MIT
#include "tools/pilot/child_process.h"

#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <spawn.h>
#include <stdexcept>
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

pid_t spawnLogged(const std::vector<std::string>& args, const std::string& log, std::string& error) {
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
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, copy[0].c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
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
        int ws = 0;
        const pid_t pid = waitpid(-1, &ws, 0);
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
