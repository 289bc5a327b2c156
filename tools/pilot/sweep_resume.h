// SPDX-License-Identifier: MIT
#pragma once
// Resuming an interrupted sweep: a finished point leaves a stamp next to its result naming the
// hash of everything its result depends on (the program, the base scenario and each file it
// names, the overrides). A rerun with the same arguments keeps a point whose stamp matches and
// whose result still reads back into rows; it reruns every other one. The stamp is written
// atomically after the result, and removed before a point starts, so a point cut short never
// passes for finished.
#include <string>
#include <utility>
#include <vector>

#include "tools/pilot/sweep.h"

namespace pilot::tools::sweep {

// FNV-1a, 64 bits, as 16 hex digits: a fingerprint, not a defence against tampering.
std::string fingerprint(const std::string& bytes);

// The files a point reads, resolved like `pilot run` resolves them: its base scenario with
// its overrides applied and, for an end-to-end scenario that loads, the model, GPU, energy,
// memspec and mapping files and the shipped defaults. A point that does not load names only
// its scenario (its run fails anyway, and is never kept).
std::vector<std::string> pointInputFiles(const Point& p);

// The hash of a point's inputs: `program` (path, size and modification time of the executable
// each point runs), the point's overrides, and the path and contents of each input file.
std::string pointInputsHash(const Point& p, const std::vector<std::string>& files,
                            const std::string& program);

// The stamp of point `id` in a sweep's points folder.
std::string stampPath(const std::string& pointsDir, size_t id);
void writeStamp(const std::string& pointsDir, size_t id, const std::string& hash);
// True when the stamp exists and names `hash`.
bool stampMatches(const std::string& pointsDir, size_t id, const std::string& hash);

} // namespace pilot::tools::sweep
