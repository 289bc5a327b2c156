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
#include <vector>

#include "models/common/flat_index.h"

namespace pilot::hbm {

class BackingStore {
  public:
    // DMI hands out one page at a time: contiguous for kPageBytes.
    static constexpr uint64_t kPageBytes = 1024;
    static constexpr uint64_t kBlockBytes = 64;

    explicit BackingStore(uint64_t capacity) : m_capacity(capacity) {}

    uint64_t capacity() const { return m_capacity; }
    // Off: the store keeps nothing (DRAMSys's StoreMode NoStorage): writes are dropped, reads
    // return zeros, and no page is handed out for DMI. For traffic whose data nothing reads back
    // (trace replay, synthetic traffic); the PEs need the data (scenario.cpp refuses it there).
    void keepData(bool on) { m_keepData = on; }
    bool keepsData() const { return m_keepData; }
    void read(uint64_t addr, uint8_t* dst, uint64_t len) const;
    void write(uint64_t addr, const uint8_t* src, uint64_t len);
    // The page holding addr, allocated if needed (for DMI: contiguous for kPageBytes); the
    // blocks written into it so far move into it.
    uint8_t* page(uint64_t addr);
    static uint64_t pageBase(uint64_t addr) { return addr & ~(kPageBytes - 1); }
    uint64_t pagesAllocated() const { return m_pages.size(); }
    uint64_t blocksAllocated() const { return m_blockIndex.size(); }

  private:
    using Block = std::array<uint8_t, kBlockBytes>;
    uint8_t* findPage(uint64_t pageNo) const {
        const uint32_t* i = m_pageIndex.find(pageNo);
        return i ? m_pages[*i].get() : nullptr;
    }
    uint64_t m_capacity;
    bool m_keepData = true;
    // Flat indexes rather than node maps: every access looks its page and block up.
    common::FlatIndex m_pageIndex;                   // page number -> m_pages
    std::vector<std::unique_ptr<uint8_t[]>> m_pages; // each page apart: DMI hands its address out
    // Blocks are kept in chunks, not one vector: a vector's doubling would copy them all and
    // hold twice their size.
    static constexpr uint32_t kChunkBlocks = 1024;
    Block& blockAt(uint32_t i) const { return m_chunks[i / kChunkBlocks][i % kChunkBlocks]; }
    uint32_t newBlock();
    common::FlatIndex m_blockIndex; // block number, outside pages -> blockAt
    std::vector<std::unique_ptr<Block[]>> m_chunks;
    uint32_t m_blocksUsed = 0;          // blocks handed out of m_chunks
    std::vector<uint32_t> m_freeBlocks; // handed-out blocks whose block moved into a page
    common::FlatIndex m_blocksInPage;   // blocks held, by page number
};

} // namespace pilot::hbm
