// SPDX-License-Identifier: MIT
#include "models/hbm/backing_store.h"

#include <algorithm>
#include <cstring>

namespace pilot::hbm {

const uint8_t* BackingStore::findPage(uint64_t pageNo) const {
    auto it = m_pages.find(pageNo);
    return it == m_pages.end() ? nullptr : it->second.get();
}

uint8_t* BackingStore::page(uint64_t addr) {
    auto& p = m_pages[addr / kPageBytes];
    if (!p) p = std::make_unique<uint8_t[]>(kPageBytes);   // value-initialised: zeros
    return p.get();
}

void BackingStore::read(uint64_t addr, uint8_t* dst, uint64_t len) const {
    while (len) {
        uint64_t off = addr % kPageBytes;
        uint64_t n = std::min(len, kPageBytes - off);
        const uint8_t* p = findPage(addr / kPageBytes);
        if (p) std::memcpy(dst, p + off, n); else std::memset(dst, 0, n);
        addr += n; dst += n; len -= n;
    }
}

void BackingStore::write(uint64_t addr, const uint8_t* src, uint64_t len) {
    while (len) {
        uint64_t off = addr % kPageBytes;
        uint64_t n = std::min(len, kPageBytes - off);
        std::memcpy(page(addr) + off, src, n);
        addr += n; src += n; len -= n;
    }
}

}  // namespace pilot::hbm
