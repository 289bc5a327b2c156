// SPDX-License-Identifier: MIT
#pragma once
// The bytes the memory holds. Sparse, and proportional to the bytes written: whole 1 KB pages
// written at once (layouts) or handed out for DMI are kept as pages; smaller writes (random
// 32/64-byte requests) are kept as 64-byte blocks, so a scattered write costs about its own size
// rather than a page; a page whose blocks fill half of it becomes a page (at most twice the bytes
// written). Unwritten memory reads as zero.
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace pilot::hbm {

class BackingStore {
  public:
    // DMI hands out one page at a time: contiguous for kPageBytes.
    static constexpr uint64_t kPageBytes = 1024;
    static constexpr uint64_t kBlockBytes = 64;

    explicit BackingStore(uint64_t capacity) : m_capacity(capacity) {}

    uint64_t capacity() const { return m_capacity; }
    void read(uint64_t addr, uint8_t* dst, uint64_t len) const;
    void write(uint64_t addr, const uint8_t* src, uint64_t len);
    // The page holding addr, allocated if needed (for DMI: contiguous for kPageBytes); the
    // blocks written into it so far move into it.
    uint8_t* page(uint64_t addr);
    static uint64_t pageBase(uint64_t addr) { return addr & ~(kPageBytes - 1); }
    uint64_t pagesAllocated() const { return m_pages.size(); }
    uint64_t blocksAllocated() const { return m_blocks.size(); }

  private:
    using Block = std::array<uint8_t, kBlockBytes>;
    const uint8_t* findPage(uint64_t pageNo) const;
    uint64_t m_capacity;
    std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> m_pages; // by page number
    std::unordered_map<uint64_t, Block> m_blocks;                     // by block number, outside pages
    std::unordered_map<uint64_t, uint8_t> m_blocksInPage;             // blocks held, by page number
};

} // namespace pilot::hbm
