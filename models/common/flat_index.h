// SPDX-License-Identifier: MIT
#pragma once
// A hash index from 64-bit keys to 32-bit values in one flat table (open addressing, linear
// probing, at most half full): a lookup reads one or two neighbouring slots, and an insert
// allocates nothing but the table's occasional doubling. std::unordered_map allocates a node
// per entry and follows a pointer per lookup, a cache miss each on a large scattered key set
// (the backing store's blocks under random writes, looked up on every access).
#include <cstdint>
#include <vector>

namespace pilot::common {

class FlatIndex {
  public:
    // The one key that cannot be stored (it marks an empty slot).
    static constexpr uint64_t kNoKey = ~uint64_t(0);

    FlatIndex() : m_keys(kInitialSlots, kNoKey), m_values(kInitialSlots) {}

    size_t size() const { return m_size; }
    // The value stored for `key`, or nullptr.
    uint32_t* find(uint64_t key) {
        for (size_t i = home(key);; i = (i + 1) & mask()) {
            if (m_keys[i] == key)
                return &m_values[i];
            if (m_keys[i] == kNoKey)
                return nullptr;
        }
    }
    const uint32_t* find(uint64_t key) const { return const_cast<FlatIndex*>(this)->find(key); }
    // The value of `key`, stored as `value` first if the key was absent (then `fresh` is set).
    uint32_t& insert(uint64_t key, uint32_t value, bool& fresh) {
        if (2 * (m_size + 1) > m_keys.size())
            grow();
        size_t i = home(key);
        for (; m_keys[i] != kNoKey; i = (i + 1) & mask())
            if (m_keys[i] == key) {
                fresh = false;
                return m_values[i];
            }
        fresh = true;
        ++m_size;
        m_keys[i] = key;
        m_values[i] = value;
        return m_values[i];
    }
    // Removes `key`; false if it was absent.
    bool erase(uint64_t key);

  private:
    static constexpr size_t kInitialSlots = 16;
    size_t mask() const { return m_keys.size() - 1; }
    // Fibonacci hashing: the top bits of key x 2^64/phi, so that keys in arithmetic progression
    // (block numbers of a stride) spread over the table.
    size_t home(uint64_t key) const { return size_t((key * 0x9e3779b97f4a7c15ull) >> m_shift); }
    void grow();

    std::vector<uint64_t> m_keys;
    std::vector<uint32_t> m_values;
    size_t m_size = 0;
    unsigned m_shift = 64 - 4; // 64 - log2(slots)
};

inline bool FlatIndex::erase(uint64_t key) {
    size_t i = home(key);
    for (; m_keys[i] != key; i = (i + 1) & mask())
        if (m_keys[i] == kNoKey)
            return false;
    // Backward-shift deletion: move later keys of the probe run into the hole when their home
    // slot does not lie (cyclically) after it, so that every key stays reachable from its home.
    for (size_t j = (i + 1) & mask();; j = (j + 1) & mask()) {
        if (m_keys[j] == kNoKey)
            break;
        const size_t h = home(m_keys[j]);
        const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (stays)
            continue;
        m_keys[i] = m_keys[j];
        m_values[i] = m_values[j];
        i = j;
    }
    m_keys[i] = kNoKey;
    --m_size;
    return true;
}

inline void FlatIndex::grow() {
    std::vector<uint64_t> keys(m_keys.size() * 2, kNoKey);
    std::vector<uint32_t> values(keys.size());
    keys.swap(m_keys);
    values.swap(m_values);
    --m_shift;
    for (size_t k = 0; k < keys.size(); ++k) {
        if (keys[k] == kNoKey)
            continue;
        size_t i = home(keys[k]);
        while (m_keys[i] != kNoKey)
            i = (i + 1) & mask();
        m_keys[i] = keys[k];
        m_values[i] = values[k];
    }
}

} // namespace pilot::common
