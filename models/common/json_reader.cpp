// SPDX-License-Identifier: MIT
#include "models/common/json_reader.h"

#include "models/common/json_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace pilot::common {

using nlohmann::json;

// nlohmann's messages start with "[json.exception.parse_error.101] " (for programmers) and
// parse errors repeat the position; people get the reason alone.
std::string plainReason(const std::string& what) {
    std::string s = what;
    if (s.rfind("[json.exception.", 0) == 0 && s.find("] ") != std::string::npos)
        s = s.substr(s.find("] ") + 2);
    if (s.rfind("parse error at line ", 0) == 0 && s.find(": ") != std::string::npos)
        s = s.substr(s.find(": ") + 2);
    return s;
}

namespace {

struct TooDeep {};
struct DuplicateKey {
    std::string pointer;
};

// Where the parser is, as a JSON pointer, and the keys each open object has had: a key given
// twice would silently keep the last value (found by the campaign, tools/dev/campaign.py).
class KeyTracker {
  public:
    void open(bool object) { m_frames.push_back({object, {}, {}, 0}); }
    void close() {
        m_frames.pop_back();
        advance();
    }
    void value() { advance(); }
    void key(const std::string& k) {
        Frame& f = m_frames.back();
        f.key = k;
        if (!f.keys.insert(k).second)
            throw DuplicateKey{pointer()};
    }

  private:
    struct Frame {
        bool object;
        std::set<std::string> keys;
        std::string key;
        size_t index;
    };
    void advance() {
        if (!m_frames.empty() && !m_frames.back().object)
            ++m_frames.back().index;
    }
    std::string pointer() const {
        std::string p;
        for (const Frame& f : m_frames) {
            std::string c = f.object ? f.key : std::to_string(f.index);
            for (size_t at = 0; (at = c.find_first_of("~/", at)) != std::string::npos; at += 2)
                c.replace(at, 1, c[at] == '~' ? "~0" : "~1");
            p += "/" + c;
        }
        return p;
    }
    std::vector<Frame> m_frames;
};

std::string lineColumn(const std::string& text, size_t byte) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

// Errors other than syntax (a number out of range) carry no position: the line of the quoted token.
std::string whereToken(const std::string& text, const std::string& reason) {
    const size_t a = reason.find('\''), b = reason.rfind('\'');
    if (a == std::string::npos || b <= a + 1)
        return "";
    const size_t at = text.find(reason.substr(a + 1, b - a - 1));
    return at == std::string::npos ? "" : " at " + lineColumn(text, at);
}

// Parses with the nesting limited; `notJson` (when given) is set instead of throwing on a syntax error.
template <class Json>
Json parseChecked(const std::string& text, const std::string& file, const std::string& pointer,
                  bool* notJson) {
    KeyTracker keys;
    auto limit = [&keys](int depth, typename Json::parse_event_t event, Json& parsed) {
        using E = typename Json::parse_event_t;
        if (depth >= kMaxJsonDepth && (event == E::object_start || event == E::array_start))
            throw TooDeep{};
        if (event == E::object_start || event == E::array_start)
            keys.open(event == E::object_start);
        else if (event == E::object_end || event == E::array_end)
            keys.close();
        else if (event == E::key)
            keys.key(parsed.template get<std::string>());
        else if (event == E::value)
            keys.value();
        return true;
    };
    try {
        return Json::parse(text, limit);
    } catch (const DuplicateKey& d) {
        throw ConfigError(
            {{file, pointer + d.pointer, "duplicate key (JSON would keep only the last value)"}});
    } catch (const TooDeep&) {
        throw ConfigError(
            {{file, pointer,
              "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels: refused"}});
    } catch (const typename Json::parse_error& e) {
        if (notJson) {
            *notJson = true;
            return Json();
        }
        throw ConfigError({{file, pointer,
                            "malformed JSON at " + lineColumn(text, e.byte) + ": " + plainReason(e.what())}});
    } catch (const typename Json::exception& e) {
        const std::string reason = plainReason(e.what());
        throw ConfigError({{file, pointer, "malformed JSON" + whereToken(text, reason) + ": " + reason}});
    }
}

template <class Json> Json readChecked(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in || std::filesystem::is_directory(path))
        throw ConfigError({{path, "", "cannot open file"}});
    std::stringstream buf;
    buf << in.rdbuf();
    if (in.bad())
        throw ConfigError({{path, "", "cannot read file"}});
    return parseChecked<Json>(buf.str(), path, "", nullptr);
}

} // namespace

json readJsonFile(const std::string& path) {
    return readChecked<json>(path);
}

nlohmann::ordered_json readOrderedJsonFile(const std::string& path) {
    return readChecked<nlohmann::ordered_json>(path);
}

json parseJsonText(const std::string& text, const std::string& file, const std::string& pointer) {
    return parseChecked<json>(text, file, pointer, nullptr);
}

std::optional<json> parseJsonValue(const std::string& text, const std::string& file,
                                   const std::string& pointer) {
    bool notJson = false;
    json v = parseChecked<json>(text, file, pointer, &notJson);
    if (notJson)
        return std::nullopt;
    return v;
}

JsonObject::JsonObject(const json& obj, std::string pointer, IssueList& issues)
    : m_obj(obj), m_pointer(std::move(pointer)), m_issues(issues) {
    if (!m_obj.is_object()) {
        m_issues.add(m_pointer, "must be an object");
        m_valid = false;
    }
}

bool JsonObject::has(const std::string& key) const {
    return m_valid && m_obj.contains(key);
}

const json* JsonObject::field(const std::string& key, bool required) {
    m_seen.insert(key);
    if (!m_valid)
        return nullptr;
    auto it = m_obj.find(key);
    if (it == m_obj.end()) {
        if (required)
            m_issues.add(pointerOf(key), "missing required field");
        return nullptr;
    }
    return &*it;
}

static std::string typeName(const json& j) {
    return j.type_name();
}

std::optional<uint64_t> JsonObject::optU64(const std::string& key, uint64_t min, uint64_t max) {
    const json* j = field(key, false);
    if (!j)
        return std::nullopt;
    // Numbers built in code (--set, tests) may be stored signed: a non-negative one is fine.
    if (j->is_number_unsigned() || (j->is_number_integer() && j->get<int64_t>() >= 0)) {
        uint64_t v = j->get<uint64_t>();
        if (v < min || v > max) {
            m_issues.add(pointerOf(key), "must be in [" + std::to_string(min) + ", " + std::to_string(max) +
                                             "] (got " + std::to_string(v) + ")");
            return std::nullopt;
        }
        return v;
    }
    if (j->is_number_integer()) {
        m_issues.add(pointerOf(key), "must not be negative (got " + j->dump() + ")");
    } else {
        m_issues.add(pointerOf(key),
                     "must be a non-negative integer (got " + typeName(*j) + " " + j->dump() + ")");
    }
    return std::nullopt;
}

uint64_t JsonObject::u64(const std::string& key, uint64_t min, uint64_t max) {
    if (!field(key, true))
        return min;
    return optU64(key, min, max).value_or(min);
}

uint32_t JsonObject::u32(const std::string& key, uint32_t min, uint32_t max) {
    return static_cast<uint32_t>(u64(key, min, max));
}

double JsonObject::number(const std::string& key, double min, double max) {
    const json* j = field(key, true);
    if (!j)
        return min;
    if (!j->is_number()) {
        m_issues.add(pointerOf(key), "must be a number (got " + typeName(*j) + ")");
        return min;
    }
    double v = j->get<double>();
    if (!std::isfinite(v) || v < min || v > max) {
        std::ostringstream os;
        os << "must be in [" << min << ", " << max << "] (got " << v << ")";
        m_issues.add(pointerOf(key), os.str());
        return min;
    }
    return v;
}

bool JsonObject::boolean(const std::string& key) {
    const json* j = field(key, true);
    if (!j)
        return false;
    if (!j->is_boolean()) {
        m_issues.add(pointerOf(key), "must be true or false (got " + typeName(*j) + ")");
        return false;
    }
    return j->get<bool>();
}

std::string JsonObject::string(const std::string& key) {
    const json* j = field(key, true);
    if (!j)
        return {};
    if (!j->is_string()) {
        m_issues.add(pointerOf(key), "must be a string (got " + typeName(*j) + ")");
        return {};
    }
    return j->get<std::string>();
}

std::optional<std::string> JsonObject::optString(const std::string& key) {
    if (!field(key, false))
        return std::nullopt;
    return string(key);
}

std::string JsonObject::oneOf(const std::string& key, std::initializer_list<const char*> choices) {
    return oneOf(key, std::vector<const char*>(choices));
}

std::string JsonObject::oneOf(const std::string& key, const std::vector<const char*>& choices) {
    std::string v = string(key);
    if (!field(key, false))
        return v;
    std::string list;
    for (const char* c : choices) {
        if (v == c)
            return v;
        list += (list.empty() ? "" : ", ") + std::string("\"") + c + "\"";
    }
    if (field(key, false)->is_string())
        m_issues.add(pointerOf(key), "must be one of " + list + " (got \"" + v + "\")");
    return {};
}

std::vector<uint32_t> JsonObject::u32List(const std::string& key, uint32_t max) {
    std::vector<uint32_t> out;
    const json* j = field(key, true);
    if (!j)
        return out;
    if (!j->is_array()) {
        m_issues.add(pointerOf(key), "must be an array of integers (got " + typeName(*j) + ")");
        return out;
    }
    for (size_t i = 0; i < j->size(); ++i) {
        const json& e = (*j)[i];
        if (!e.is_number_integer() || e.get<int64_t>() < 0 || e.get<uint64_t>() > max) {
            m_issues.add(pointerOf(key) + "/" + std::to_string(i),
                         "must be an integer in [0, " + std::to_string(max) + "] (got " + e.dump() + ")");
            continue;
        }
        out.push_back(e.get<uint32_t>());
    }
    return out;
}

static const json& nullJson() {
    static const json n = json::object();
    return n;
}

JsonObject JsonObject::object(const std::string& key) {
    const json* j = field(key, true);
    if (!j) {
        JsonObject o(nullJson(), pointerOf(key), m_issues);
        o.m_valid = false;
        return o;
    }
    return JsonObject(*j, pointerOf(key), m_issues);
}

std::optional<JsonObject> JsonObject::optObject(const std::string& key) {
    if (!field(key, false))
        return std::nullopt;
    return object(key);
}

static size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closestKey(const std::string& key, const std::set<std::string>& known) {
    std::string best;
    size_t bestD = SIZE_MAX;
    for (const auto& k : known) {
        size_t d = editDistance(key, k);
        if (d < bestD) {
            bestD = d;
            best = k;
        }
    }
    return bestD <= std::max<size_t>(2, key.size() / 3) ? best : std::string();
}

void JsonObject::rejectUnknownKeys() {
    if (!m_valid)
        return;
    for (auto it = m_obj.begin(); it != m_obj.end(); ++it) {
        if (m_seen.count(it.key()))
            continue;
        std::string hint = closestKey(it.key(), m_seen);
        m_issues.add(pointerOf(it.key()),
                     "unknown key" + (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
    }
}

void JsonObject::source(const std::string& key, std::map<std::string, std::string>& sources,
                        const std::string& sourcesPointer) {
    const std::string text = string(key);
    const bool isString = has(key) && m_obj.at(key).is_string();
    if (isString && text.find_first_not_of(" \t\r\n") == std::string::npos) {
        m_issues.add(pointerOf(key), "must name the value's public source (got an empty string)");
        return;
    }
    if (isString)
        sources[pointerOf(key).substr(sourcesPointer.size())] = text;
}

} // namespace pilot::common
