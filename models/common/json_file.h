// SPDX-License-Identifier: MIT
#pragma once
// The one way every loader reads JSON (configs, scenarios, sweeps, results, `--set` values;
// readJsonFile in json_reader.h is the same function). Malformed JSON, numbers out of range and
// nesting deeper than kMaxJsonDepth become a ConfigError of one line, "file: /: reason" (with
// the line and column where the parser knows them), never nlohmann's raw message. The depth is
// limited while parsing: a document nested 100,000 deep would otherwise overflow the stack in
// the recursive copies, comparisons, merges and dumps that follow.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pilot::common {

inline constexpr int kMaxJsonDepth = 64;

nlohmann::ordered_json readOrderedJsonFile(const std::string& path); // key order kept
// `text` parsed as a document of `file` (errors name `file` and `pointer`).
nlohmann::json parseJsonText(const std::string& text, const std::string& file,
                             const std::string& pointer = "");
// A `--set` value: JSON when it parses, nullopt when it is not JSON at all (then taken as a
// string); still a ConfigError when it is too deep or a number out of range.
std::optional<nlohmann::json> parseJsonValue(const std::string& text, const std::string& file,
                                             const std::string& pointer);
// An exception's message without nlohmann's "[json.exception.type_error.302] " prefix.
std::string plainReason(const std::string& what);

} // namespace pilot::common
