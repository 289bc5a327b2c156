// SPDX-License-Identifier: MIT
#pragma once
// The sub-simulations of an end-to-end point: each is `pilot run` on a derived scenario (a
// timing-only or functional decode or prefill on the PIM, or a sequential stream measuring the
// bandwidth the HBM model sustains). Platform builds their documents; who runs them is the
// caller's choice (SubSimulator): the `pilot` CLI runs each in a child process, since SystemC
// elaborates one design per process.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/end_to_end_point.h"

namespace pilot::platform {

struct SubSimulation {
    std::string key; // names its files and its results
    nlohmann::json doc;
};

// Runs every sub-simulation (their files under `dir`) and returns each one's results JSON, in
// order; throws std::runtime_error naming the one that failed.
using SubSimulator = std::function<std::vector<nlohmann::json>(const std::vector<SubSimulation>& subs,
                                                               const std::string& dir)>;

// Where the systems' sub-simulations are collected: the scenario documents, and memspecs
// derived from the point's (written once into the sub-simulations' folder).
class SubSimulationPlan {
  public:
    SubSimulationPlan(const EndToEndPoint& p, std::vector<uint32_t> contexts, std::string dir)
        : m_point(p), m_contexts(std::move(contexts)), m_dir(std::move(dir)) {}
    const EndToEndPoint& point() const { return m_point; }
    // Decode contexts sampled over the L_out steps.
    const std::vector<uint32_t>& contexts() const { return m_contexts; }
    void add(std::string key, nlohmann::json doc) { m_subs.push_back({std::move(key), std::move(doc)}); }
    // The point's memspec with `patch` merged in, written as memspec-<tag>.json; its path.
    std::string derivedMemspec(const std::string& tag, const nlohmann::json& patch);
    const std::vector<SubSimulation>& subs() const { return m_subs; }
    const std::string& dir() const { return m_dir; }

  private:
    const EndToEndPoint& m_point;
    std::vector<uint32_t> m_contexts;
    std::string m_dir;
    std::vector<SubSimulation> m_subs;
};

// How a PIM sub-simulation's kernel runs.
struct PimSubOptions {
    std::string memspec; // the point's, or a derived one
    bool naive = false;  // no I/O-aware tiling
    bool attacc = false; // AttAcc's kernel (GEMV units, buffer-die softmax, no GQA reuse)
};
// Decode attention of one step at `context` keys.
nlohmann::json decodeSubScenario(const EndToEndPoint& p, uint32_t context, const PimSubOptions& o);
// One layer's prefill attention of the sparse heads.
nlohmann::json prefillSubScenario(const EndToEndPoint& p, bool naive);
// One stack's pseudo-channels streaming sequential reads (sizes in the shipped defaults).
nlohmann::json streamSubScenario(const EndToEndPoint& p);

} // namespace pilot::platform
