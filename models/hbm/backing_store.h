// SPDX-License-Identifier: MIT
#pragma once
// The bytes the memory holds. Sparse: pages are allocated on first write, so a modelled
// capacity of many GiB costs only the pages touched. Unwritten memory reads as zero.
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace pilot::hbm {

class BackingStore {
public:
    // Small pages: random writes over a large region touch one page each.
    static constexpr uint64_t kPageBytes = 1024;

    explicit BackingStore(uint64_t capacity) : m_capacity(capacity) {}

    uint64_t capacity() const { return m_capacity; }
    void read(uint64_t addr, uint8_t* dst, uint64_t len) const;
    void write(uint64_t addr, const uint8_t* src, uint64_t len);
    // The page holding addr, allocated if needed (for DMI: contiguous for kPageBytes).
    uint8_t* page(uint64_t addr);
    static uint64_t pageBase(uint64_t addr) { return addr & ~(kPageBytes - 1); }
    uint64_t pagesAllocated() const { return m_pages.size(); }

private:
    const uint8_t* findPage(uint64_t pageNo) const;

    uint64_t m_capacity;
    std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> m_pages;
};

}  // namespace pilot::hbm
