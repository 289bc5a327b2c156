// SPDX-License-Identifier: MIT
#include "test/fuzz/mutator.h"

#include <nlohmann/json.hpp>

namespace pilot::fuzz {

using nlohmann::json;

namespace {

// Values at the edges of what the loaders accept: zero, negative, fractional, beyond 32 and
// 64 bits, beyond double's range, empty and long strings, paths that do not exist.
const char* const kTokens[] = {"0",
                               "-1",
                               "1",
                               "2",
                               "4294967295",
                               "4294967296",
                               "-0",
                               "0.5",
                               "1e308",
                               "1e400",
                               "-1e400",
                               "18446744073709551616",
                               "null",
                               "true",
                               "false",
                               "\"\"",
                               "[]",
                               "{}",
                               "{",
                               "}",
                               "[",
                               "]",
                               ",",
                               ":",
                               "\"",
                               "\\u0000",
                               "\"../nope.json\"",
                               "9007199254740993",
                               "65536",
                               "1024"};

json edgeValue(uint64_t r) {
    switch (r % 16) {
    case 0:
        return 0;
    case 1:
        return -1;
    case 2:
        return 1;
    case 3:
        return 4294967296.0;
    case 4:
        return uint64_t(18446744073709551615ull);
    case 5:
        return 0.5;
    case 6:
        return 1e308;
    case 7:
        return -1e308;
    case 8:
        return "";
    case 9:
        return std::string(300, 'x');
    case 10:
        return "../nope.json";
    case 11:
        return nullptr;
    case 12:
        return true;
    case 13:
        return json::array();
    case 14:
        return json::object();
    default:
        return 65536;
    }
}

void collect(json& j, std::vector<json*>& out) {
    out.push_back(&j);
    if (j.is_object())
        for (auto& [k, v] : j.items())
            collect(v, out);
    else if (j.is_array())
        for (auto& v : j)
            collect(v, out);
}

} // namespace

bool Mutator::mutateJson(std::string& in) {
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded())
        return false;
    std::vector<json*> nodes;
    collect(doc, nodes);
    json& at = *nodes[below(nodes.size())];
    switch (below(8)) {
    case 0:
    case 1: // an edge value of any type
        at = edgeValue(next());
        break;
    case 2: // the number nudged
        if (at.is_number_integer())
            at = at.get<int64_t>() + int64_t(below(5)) - 2;
        else if (at.is_number())
            at = at.get<double>() * (below(2) ? 2.0 : -1.0);
        else
            at = edgeValue(next());
        break;
    case 3: // a key removed
        if (at.is_object() && !at.empty()) {
            auto it = at.begin();
            std::advance(it, below(at.size()));
            at.erase(it);
        } else if (at.is_array() && !at.empty()) {
            at.erase(below(at.size()));
        }
        break;
    case 4: // an unknown or misspelt key added
        if (at.is_object())
            at[below(2) ? "unknown_key" : (at.empty() ? "x" : at.begin().key() + "s")] = edgeValue(next());
        break;
    case 5: { // a copy of another subtree
        const json copy = *nodes[below(nodes.size())];
        at = copy;
        break;
    }
    case 6: // an array grown or emptied
        if (at.is_array()) {
            if (below(2) && !at.empty())
                at.push_back(at[below(at.size())]);
            else
                at = json::array();
        } else {
            at = json::array({at});
        }
        break;
    default: // a string turned into a number and back
        if (at.is_string())
            at = int64_t(below(1u << 20));
        else if (!at.is_structured())
            at = at.dump();
        break;
    }
    in = below(2) ? doc.dump() : doc.dump(2);
    return true;
}

void Mutator::mutateBytes(std::string& s, const std::vector<std::string>& pool) {
    const size_t n = s.size();
    switch (below(8)) {
    case 0: // one bit
        if (n)
            s[below(n)] ^= char(1u << below(8));
        break;
    case 1: // one byte
        if (n)
            s[below(n)] = char(next());
        else
            s.push_back(char(next()));
        break;
    case 2: // a byte inserted
        s.insert(s.begin() + below(n + 1), char(below(2) ? next() : "{}[],:\"0\n "[below(11)]));
        break;
    case 3: // a range erased
        if (n) {
            const size_t at = below(n);
            s.erase(at, 1 + below(std::min<size_t>(n - at, 16)));
        }
        break;
    case 4: // a range duplicated
        if (n) {
            const size_t at = below(n), len = 1 + below(std::min<size_t>(n - at, 64));
            s.insert(below(n + 1), s.substr(at, len));
        }
        break;
    case 5: // a token inserted
        s.insert(below(n + 1), kTokens[below(sizeof kTokens / sizeof kTokens[0])]);
        break;
    case 6: { // a token over a run of digits, or anywhere
        size_t at = n ? below(n) : 0;
        while (at < n && !(s[at] >= '0' && s[at] <= '9'))
            ++at;
        size_t end = at;
        while (end < n && s[end] >= '0' && s[end] <= '9')
            ++end;
        s.replace(std::min(at, n), end - std::min(at, n), kTokens[below(sizeof kTokens / sizeof kTokens[0])]);
        break;
    }
    default: // a splice: our head, another input's tail
        if (!pool.empty()) {
            const std::string& o = pool[below(pool.size())];
            s = s.substr(0, below(n + 1)) + o.substr(below(o.size() + 1));
        }
        break;
    }
}

std::string Mutator::mutate(const std::string& in, const std::vector<std::string>& pool, bool json,
                            size_t maxLen) {
    std::string s = in;
    const uint64_t edits = 1 + below(4);
    for (uint64_t i = 0; i < edits; ++i)
        if (!(json && below(4) != 0 && mutateJson(s))) // JSON targets: mostly tree edits
            mutateBytes(s, pool);
    if (s.size() > maxLen)
        s.resize(maxLen);
    return s;
}

} // namespace pilot::fuzz
