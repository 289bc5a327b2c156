// SPDX-License-Identifier: MIT
#include "tools/pilot/sweep_resume.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "models/common/json_reader.h"
#include "models/common/output_file.h"
#include "platform/end_to_end_point.h"
#include "platform/shipped_defaults.h"

namespace pilot::tools::sweep {

namespace fs = std::filesystem;

std::string fingerprint(const std::string& bytes) {
    uint64_t h = 14695981039346656037ull; // FNV offset basis
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::vector<std::string> pointInputFiles(const Point& p) {
    std::vector<std::string> files = {p.scenarioPath};
    try {
        const platform::EndToEndPoint e = platform::loadEndToEndPoint(p.scenarioPath, p.setArgs());
        for (const std::string& f : e.inputFiles)
            files.push_back(f);
        files.push_back(platform::defaultsPath("scenario.json"));
    } catch (const std::exception&) {
        // not an end-to-end scenario that loads: its run reports why
    }
    return files;
}

static std::string fileIdentity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return path + " (missing)";
    return path + " " + std::to_string(st.st_size) + " " + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec);
}

std::string pointInputsHash(const Point& p, const std::vector<std::string>& files,
                            const std::string& program) {
    std::string text = "pilot sweep point v1\n" + fileIdentity(program) + "\n";
    for (const std::string& s : p.setArgs())
        text += "--set " + s + "\n";
    for (const std::string& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream buf;
        buf << in.rdbuf();
        text += "file " + f + " " + (in ? fingerprint(buf.str()) : std::string("missing")) + "\n";
    }
    return fingerprint(text);
}

std::string stampPath(const std::string& pointsDir, size_t id) {
    return (fs::path(pointsDir) / (std::to_string(id) + ".done")).string();
}

void writeStamp(const std::string& pointsDir, size_t id, const std::string& hash) {
    const nlohmann::json stamp = {{"point", id}, {"inputs_hash", hash}};
    common::writeFileAtomically(stampPath(pointsDir, id), stamp.dump() + "\n");
}

bool stampMatches(const std::string& pointsDir, size_t id, const std::string& hash) {
    const std::string path = stampPath(pointsDir, id);
    if (!fs::exists(path))
        return false;
    try {
        const nlohmann::json stamp = common::readJsonFile(path);
        return stamp.is_object() && stamp.value("inputs_hash", "") == hash;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace pilot::tools::sweep
