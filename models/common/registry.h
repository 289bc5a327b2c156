// SPDX-License-Identifier: MIT
#pragma once
// Implementations of an interface looked up by name (after Ramulator2's registered
// implementations, without its static self-registration: a static library drops object files
// nothing refers to, so each interface keeps its table in one registry .cpp that names every
// implementation). Adding one is a new file and one line in that table.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pilot::common {

template <class Interface, class... Args> class Registry {
  public:
    using Factory = std::function<std::unique_ptr<Interface>(Args...)>;
    Registry(const char* what, std::vector<std::pair<std::string, Factory>> entries)
        : m_what(what), m_entries(std::move(entries)) {}

    std::unique_ptr<Interface> make(const std::string& name, Args... args) const {
        for (const auto& [n, f] : m_entries)
            if (n == name)
                return f(std::forward<Args>(args)...);
        std::string known;
        for (const auto& e : m_entries)
            known += (known.empty() ? "" : ", ") + e.first;
        throw std::invalid_argument(std::string("unknown ") + m_what + " \"" + name + "\" (known: " + known +
                                    ")");
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : m_entries)
            out.push_back(e.first);
        return out;
    }

  private:
    const char* m_what;
    std::vector<std::pair<std::string, Factory>> m_entries;
};

} // namespace pilot::common
