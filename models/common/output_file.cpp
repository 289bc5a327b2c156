// SPDX-License-Identifier: MIT
#include "models/common/output_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace pilot::common {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
    throw FileError(path + ": cannot " + what + ": " + std::strerror(err));
}

// POSIX calls rather than a stream: each failure keeps its errno (ENOSPC, EACCES...).
void writeAll(int fd, const std::string& path, const char* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = n < 0 ? errno : EIO;
            ::close(fd);
            fail(path, "write", err);
        }
        data += n;
        size -= size_t(n);
    }
}

int openForWriting(const std::string& path, int flags) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    if (fd < 0)
        fail(path, "create", errno);
    return fd;
}

void closeChecked(int fd, const std::string& path) {
    if (::close(fd) != 0)
        fail(path, "write", errno);
}

} // namespace

void writeTextFile(const std::string& path, const std::string& text) {
    const int fd = openForWriting(path, O_TRUNC);
    writeAll(fd, path, text.data(), text.size());
    closeChecked(fd, path);
}

void writeFileAtomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    try {
        const int fd = openForWriting(tmp, O_TRUNC);
        writeAll(fd, tmp, text.data(), text.size());
        if (::fsync(fd) != 0 && errno != EINVAL) {
            const int err = errno;
            ::close(fd);
            fail(tmp, "write", err);
        }
        closeChecked(fd, tmp);
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            fail(path, "replace", errno);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

void copyFileChecked(const std::string& from, const std::string& to) {
    const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0)
        fail(from, "read", errno);
    const int out = openForWriting(to, O_TRUNC);
    char buf[1 << 16];
    for (;;) {
        const ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            ::close(in);
            ::close(out);
            fail(from, "read", err);
        }
        if (n == 0)
            break;
        try {
            writeAll(out, to, buf, size_t(n));
        } catch (...) {
            ::close(in);
            throw;
        }
    }
    ::close(in);
    closeChecked(out, to);
}

void checkOutputPaths(const std::vector<OutputPath>& outputs, const std::vector<std::string>& inputs) {
    std::string problems;
    auto add = [&](const OutputPath& o, const std::string& reason) {
        problems += (problems.empty() ? "" : "\n") + o.path + ": " + o.option + ": " + reason;
    };
    auto same = [](const std::string& a, const std::string& b) {
        std::error_code ec;
        if (fs::exists(a, ec) && fs::exists(b, ec))
            return fs::equivalent(a, b, ec);
        return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
    };
    for (size_t i = 0; i < outputs.size(); ++i) {
        const OutputPath& o = outputs[i];
        if (o.path.empty())
            continue;
        std::error_code ec;
        const fs::path p(o.path);
        const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
        bool ok = true;
        for (const std::string& in : inputs)
            if (!in.empty() && same(o.path, in)) {
                add(o, "is an input of this command (" + in + "): refusing to write over it");
                ok = false;
            }
        for (size_t j = 0; j < i; ++j)
            if (!outputs[j].path.empty() && same(o.path, outputs[j].path)) {
                add(o, "also named by " + outputs[j].option + ": give each output its own file");
                ok = false;
            }
        if (!ok)
            continue;
        if (o.folder) {
            // The nearest existing folder on the way must take new entries (create_directories
            // makes the rest).
            fs::path at = fs::absolute(p, ec);
            while (!fs::exists(at, ec) && at.has_parent_path() && at != at.parent_path())
                at = at.parent_path();
            if (!fs::is_directory(at, ec))
                add(o, "cannot be a folder: " + at.string() + " is not one");
            else if (::access(at.c_str(), W_OK | X_OK) != 0)
                add(o, "cannot be written: " + at.string() + ": " + std::strerror(errno));
            continue;
        }
        if (fs::is_directory(p, ec))
            add(o, "is a folder, not a file");
        else if (!fs::is_directory(parent, ec))
            add(o, "no such folder: " + parent.string());
        else if (fs::exists(p, ec) ? ::access(o.path.c_str(), W_OK) != 0
                                   : ::access(parent.c_str(), W_OK | X_OK) != 0)
            add(o, std::string("cannot be written: ") + std::strerror(errno));
    }
    if (!problems.empty())
        throw FileError(problems);
}

} // namespace pilot::common
