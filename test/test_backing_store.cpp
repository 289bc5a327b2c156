// SPDX-License-Identifier: MIT
// The backing store keeps what was written, reads zeros elsewhere, and costs memory in
// proportion to the bytes written (a scattered 64-byte write is not a 1 KB page).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "models/hbm/backing_store.h"

using pilot::hbm::BackingStore;

TEST_CASE("Backing store: scattered 64-byte writes are kept as blocks and read back", "[hbm][store]") {
    BackingStore store(uint64_t(1) << 34);
    std::mt19937_64 rng(3);
    std::vector<uint64_t> addrs;
    for (int i = 0; i < 5000; ++i)
        addrs.push_back((rng() % (uint64_t(1) << 28)) * 64); // 16 GiB apart at most
    for (uint64_t a : addrs) {
        uint8_t data[64];
        for (int b = 0; b < 64; ++b)
            data[b] = uint8_t(a >> 6) ^ uint8_t(b);
        store.write(a, data, 64);
    }
    // Random addresses in 2^28 blocks: hardly two in one page, so no page is allocated.
    CHECK(store.pagesAllocated() <= 5);
    CHECK(store.blocksAllocated() >= addrs.size() - 10);
    for (uint64_t a : addrs) {
        uint8_t data[64];
        store.read(a, data, 64);
        for (int b = 0; b < 64; ++b)
            REQUIRE(data[b] == (uint8_t(a >> 6) ^ uint8_t(b)));
    }
    uint8_t zero[32];
    store.read(uint64_t(1) << 33, zero, 32);
    for (uint8_t z : zero)
        CHECK(z == 0);
}

TEST_CASE("Backing store: a page half filled with blocks becomes one page, contents kept", "[hbm][store]") {
    BackingStore store(1 << 20);
    const uint64_t blocks = BackingStore::kPageBytes / BackingStore::kBlockBytes;
    for (uint64_t b = 0; b + 1 < blocks / 2; ++b) {
        const uint8_t v = uint8_t(b + 1);
        store.write(4096 + b * BackingStore::kBlockBytes + 3, &v, 1);
    }
    CHECK(store.pagesAllocated() == 0);
    const uint8_t last = 99;
    store.write(4096 + (blocks / 2 - 1) * BackingStore::kBlockBytes + 3, &last, 1);
    CHECK(store.pagesAllocated() == 1);
    CHECK(store.blocksAllocated() == 0);
    for (uint64_t b = 0; b < blocks / 2; ++b) {
        uint8_t v = 0;
        store.read(4096 + b * BackingStore::kBlockBytes + 3, &v, 1);
        CHECK(v == (b + 1 < blocks / 2 ? uint8_t(b + 1) : 99));
    }
}

TEST_CASE("Backing store: a DMI page takes the blocks written before it", "[hbm][store]") {
    BackingStore store(1 << 20);
    const uint8_t v[3] = {7, 8, 9};
    store.write(2048 + 130, v, 3);
    uint8_t* p = store.page(2048 + 5);
    CHECK(p[130] == 7);
    CHECK(p[132] == 9);
    CHECK(store.blocksAllocated() == 0);
    p[0] = 42; // writes through DMI are what reads see
    uint8_t r = 0;
    store.read(2048, &r, 1);
    CHECK(r == 42);
    // A write spanning pages and blocks reads back whole.
    std::vector<uint8_t> big(3000);
    for (size_t i = 0; i < big.size(); ++i)
        big[i] = uint8_t(i * 7);
    store.write(10000, big.data(), big.size());
    std::vector<uint8_t> back(big.size());
    store.read(10000, back.data(), back.size());
    CHECK(back == big);
}

TEST_CASE("Backing store: keeping no data (DRAMSys's NoStorage) drops writes, reads zeros, hands out no page",
          "[hbm][store]") {
    BackingStore store(uint64_t(1) << 30);
    const std::vector<uint8_t> ones(64, 0xff);
    store.write(4096, ones.data(), ones.size()); // kept: written before the store stops keeping
    store.keepData(false);
    CHECK_FALSE(store.keepsData());
    store.write(8192, ones.data(), ones.size());
    std::vector<uint8_t> got(64, 0x5a);
    store.read(8192, got.data(), got.size());
    CHECK(got == std::vector<uint8_t>(64, 0));
    store.read(4096, got.data(), got.size()); // reads return zeros whatever was kept
    CHECK(got == std::vector<uint8_t>(64, 0));
    CHECK(store.blocksAllocated() == 1);
    CHECK(store.pagesAllocated() == 0);
    store.keepData(true);
    store.read(4096, got.data(), got.size());
    CHECK(got == ones);
}
