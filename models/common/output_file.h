// SPDX-License-Identifier: MIT
#pragma once
// Result files written so that a failed write fails the command (a full disk, /dev/full, a
// folder that vanished), checked before a long run starts so that it never ends in a lost
// result, and never written over one of the run's own inputs.
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pilot::common {

// A file that cannot be read or written; the message is one line, "path: reason".
class FileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Writes `text` to `path` (created or truncated), every write and the close checked.
void writeTextFile(const std::string& path, const std::string& text);
// The same through a temporary file in the same folder renamed over `path`: whoever reads the
// folder (a rerun, a merge) sees the old file or the new one, never a part of one. For files in
// folders the program owns (sweep results), not for paths a user names (they may be devices).
void writeFileAtomically(const std::string& path, const std::string& text);
// Copies a finished file (a waveform SystemC wrote elsewhere) to `path`, checked like writeTextFile.
void copyFileChecked(const std::string& from, const std::string& to);

// One output a command will write: the option that names it and its path.
struct OutputPath {
    std::string option; // "--out", "--vcd", ...
    std::string path;
    bool folder = false; // a folder to create (sweep results) rather than a file
};
// Before anything runs: each output's folder exists (or, for a folder, can be created), a file
// output is not a folder, no output is one of `inputs` (same file, by inode) or named twice.
// Throws FileError listing every problem, one line each: "path: option: reason".
void checkOutputPaths(const std::vector<OutputPath>& outputs, const std::vector<std::string>& inputs);

} // namespace pilot::common
