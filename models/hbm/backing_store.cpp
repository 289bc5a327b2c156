// SPDX-License-Identifier: MIT
#include "models/hbm/backing_store.h"

#include <algorithm>
#include <cstring>

namespace pilot::hbm {

namespace {

bool isZero(const uint8_t* p, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i)
        if (p[i])
            return false;
    return true;
}

} // namespace

uint32_t BackingStore::newBlock() {
    uint32_t i;
    if (!m_freeBlocks.empty()) {
        i = m_freeBlocks.back();
        m_freeBlocks.pop_back();
    } else {
        if (m_blocksUsed % kChunkBlocks == 0)
            m_chunks.push_back(std::make_unique<Block[]>(kChunkBlocks));
        i = m_blocksUsed++;
    }
    blockAt(i).fill(0);
    return i;
}

uint8_t* BackingStore::page(uint64_t addr) {
    const uint64_t pageNo = addr / kPageBytes;
    bool fresh;
    const uint32_t index = m_pageIndex.insert(pageNo, uint32_t(m_pages.size()), fresh);
    if (!fresh)
        return m_pages[index].get();
    m_pages.push_back(std::make_unique<uint8_t[]>(kPageBytes)); // value-initialised: zeros
    uint8_t* p = m_pages.back().get();
    constexpr uint64_t kBlocksPerPage = kPageBytes / kBlockBytes;
    if (!m_blocksInPage.erase(pageNo))
        return p;
    for (uint64_t b = 0; b < kBlocksPerPage; ++b) {
        const uint32_t* block = m_blockIndex.find(pageNo * kBlocksPerPage + b);
        if (!block)
            continue;
        std::memcpy(p + b * kBlockBytes, blockAt(*block).data(), kBlockBytes);
        m_freeBlocks.push_back(*block);
        m_blockIndex.erase(pageNo * kBlocksPerPage + b);
    }
    return p;
}

void BackingStore::read(uint64_t addr, uint8_t* dst, uint64_t len) const {
    if (!m_keepData)
        return void(std::memset(dst, 0, len));
    while (len) {
        const uint64_t off = addr % kBlockBytes;
        const uint64_t n = std::min(len, kBlockBytes - off); // never crosses a block (or a page)
        if (const uint8_t* p = findPage(addr / kPageBytes)) {
            std::memcpy(dst, p + addr % kPageBytes, n);
        } else if (const uint32_t* block = m_blockIndex.find(addr / kBlockBytes)) {
            std::memcpy(dst, blockAt(*block).data() + off, n);
        } else {
            std::memset(dst, 0, n);
        }
        addr += n;
        dst += n;
        len -= n;
    }
}

void BackingStore::write(uint64_t addr, const uint8_t* src, uint64_t len) {
    if (!m_keepData)
        return;
    while (len) {
        const uint64_t pageOff = addr % kPageBytes;
        if (pageOff == 0 && len >= kPageBytes) { // a whole page: keep it as one
            std::memcpy(page(addr), src, kPageBytes);
            addr += kPageBytes;
            src += kPageBytes;
            len -= kPageBytes;
            continue;
        }
        const uint64_t off = addr % kBlockBytes;
        const uint64_t n = std::min(len, kBlockBytes - off);
        if (uint8_t* p = findPage(addr / kPageBytes)) {
            std::memcpy(p + pageOff, src, n);
        } else if (isZero(src, n) && !m_blockIndex.find(addr / kBlockBytes)) {
            // Zeros into memory never written: it reads as zero already (timing-only runs write
            // their layouts as zeros; keeping them would cost their size for nothing).
        } else {
            bool fresh;
            uint32_t& block = m_blockIndex.insert(addr / kBlockBytes, 0, fresh);
            if (fresh)
                block = newBlock();
            std::memcpy(blockAt(block).data() + off, src, n);
            // Half a page in blocks: one page costs less than its blocks from here on.
            bool first;
            if (fresh && ++m_blocksInPage.insert(addr / kPageBytes, 0, first) >= kPageBytes / kBlockBytes / 2)
                page(addr);
        }
        addr += n;
        src += n;
        len -= n;
    }
}

} // namespace pilot::hbm
