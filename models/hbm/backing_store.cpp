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

const uint8_t* BackingStore::findPage(uint64_t pageNo) const {
    auto it = m_pages.find(pageNo);
    return it == m_pages.end() ? nullptr : it->second.get();
}

uint8_t* BackingStore::page(uint64_t addr) {
    const uint64_t pageNo = addr / kPageBytes;
    auto& p = m_pages[pageNo];
    if (!p) {
        p = std::make_unique<uint8_t[]>(kPageBytes); // value-initialised: zeros
        constexpr uint64_t kBlocksPerPage = kPageBytes / kBlockBytes;
        if (m_blocksInPage.erase(pageNo) == 0)
            return p.get();
        for (uint64_t b = 0; b < kBlocksPerPage; ++b) {
            auto it = m_blocks.find(pageNo * kBlocksPerPage + b);
            if (it == m_blocks.end())
                continue;
            std::memcpy(p.get() + b * kBlockBytes, it->second.data(), kBlockBytes);
            m_blocks.erase(it);
        }
    }
    return p.get();
}

void BackingStore::read(uint64_t addr, uint8_t* dst, uint64_t len) const {
    while (len) {
        const uint64_t off = addr % kBlockBytes;
        const uint64_t n = std::min(len, kBlockBytes - off); // never crosses a block (or a page)
        if (const uint8_t* p = findPage(addr / kPageBytes)) {
            std::memcpy(dst, p + addr % kPageBytes, n);
        } else {
            auto it = m_blocks.find(addr / kBlockBytes);
            if (it != m_blocks.end())
                std::memcpy(dst, it->second.data() + off, n);
            else
                std::memset(dst, 0, n);
        }
        addr += n;
        dst += n;
        len -= n;
    }
}

void BackingStore::write(uint64_t addr, const uint8_t* src, uint64_t len) {
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
        auto pit = m_pages.find(addr / kPageBytes);
        if (pit != m_pages.end()) {
            std::memcpy(pit->second.get() + pageOff, src, n);
        } else if (isZero(src, n) && !m_blocks.count(addr / kBlockBytes)) {
            // Zeros into memory never written: it reads as zero already (timing-only runs write
            // their layouts as zeros; keeping them would cost their size for nothing).
        } else {
            auto [it, fresh] = m_blocks.try_emplace(addr / kBlockBytes);
            if (fresh)
                it->second.fill(0);
            std::memcpy(it->second.data() + off, src, n);
            // Half a page in blocks: one page costs less than its blocks from here on.
            if (fresh && ++m_blocksInPage[addr / kPageBytes] >= kPageBytes / kBlockBytes / 2)
                page(addr);
        }
        addr += n;
        src += n;
        len -= n;
    }
}

} // namespace pilot::hbm
