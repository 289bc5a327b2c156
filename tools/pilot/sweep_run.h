// SPDX-License-Identifier: MIT
#pragma once
// `pilot sweep` and `pilot merge` on the command line: the two subcommands, the child
// processes (one `pilot run` per point), the progress bar and the result files. The logic they
// share with the tests is in sweep.h.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pilot::tools {

// Runs the points of `sweepFile` in shard `shard` ("K/N") with up to `jobs` children at once
// (0: one per CPU this process may use), each `<pilot> run ...` (empty: this program). Returns 0, or 1
// when a point failed; bad input throws (common::ConfigError, std::invalid_argument).
// Finished points of a previous run into the same folder are kept when their inputs are unchanged
// (tools/pilot/sweep_resume.h), unless `force`. SIGINT/SIGTERM/SIGHUP stop the running points (and
// their sub-simulations), write the results of the finished ones and return 128 + the signal.
int runSweep(const std::string& sweepFile, const std::string& outDir, unsigned jobs, const std::string& shard,
             const std::string& pilot, bool force = false);

// Joins shard folders (or their results.json files) into outDir. Returns 0, or 1 when a shard
// recorded a failed point; bad or inconsistent shards throw common::ConfigError.
int mergeShards(const std::string& outDir, const std::vector<std::string>& inputs);

// Registers `sweep` and `merge` on the `pilot` command line.
class SweepCommands {
  public:
    explicit SweepCommands(CLI::App& app);
    bool selected() const { return m_sweep->parsed() || m_merge->parsed(); }
    int run() const;

  private:
    CLI::App* m_sweep;
    CLI::App* m_merge;
    std::string m_sweepFile, m_out, m_shard = "1/1", m_pilot, m_mergeOut;
    unsigned m_jobs = 0;
    bool m_force = false;
    std::vector<std::string> m_inputs;
};

} // namespace pilot::tools
