// SPDX-License-Identifier: MIT
// Prefill sparse attention patterns (firmware/host/sparse_pattern.h). Small masks are checked
// against rows written out by hand; larger ones against a brute-force mask built cell by cell
// from the definition in the header comment (window band, global rows and columns, random
// blocks, causality), independently of the library's range arithmetic.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "firmware/host/sparse_pattern.h"

using pilot::host::BlockCsr;
using pilot::host::HybridPattern;
using pilot::host::KeyRange;
using pilot::host::PatternStats;

namespace {

using Rows = std::vector<std::vector<uint32_t>>;

// Which part covers a cell first, in the order stats() counts them; kNone = not attended.
enum class Cover { kNone, kGlobalRow, kWindow, kGlobalCol, kRandom };

// The definition, cell by cell, in signed arithmetic.
struct Ref {
    int64_t n = 0;
    bool causal = false;
    int64_t w = 0;
    std::set<int64_t> globals;
    int64_t blockSize = 0;
    std::vector<std::vector<uint32_t>> randomBlocks;

    bool inBand(int64_t i, int64_t j) const {
        if (w <= 0)
            return false;
        if (causal)
            return j <= i && j > i - w;
        return j >= i - w / 2 && j <= i + (w - 1) / 2;
    }
    Cover cover(int64_t i, int64_t j) const {
        if (causal && j > i)
            return Cover::kNone;
        if (globals.count(i))
            return Cover::kGlobalRow;
        if (inBand(i, j))
            return Cover::kWindow;
        if (globals.count(j))
            return Cover::kGlobalCol;
        if (blockSize > 0 && !randomBlocks.empty()) {
            const auto& rb = randomBlocks[static_cast<size_t>(i / blockSize)];
            if (std::find(rb.begin(), rb.end(), static_cast<uint32_t>(j / blockSize)) != rb.end())
                return Cover::kRandom;
        }
        return Cover::kNone;
    }
    Rows rows() const {
        Rows r(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                if (cover(i, j) != Cover::kNone)
                    r[static_cast<size_t>(i)].push_back(static_cast<uint32_t>(j));
        return r;
    }
};

Ref refOf(const HybridPattern& p) {
    Ref r;
    r.n = p.n;
    r.causal = p.causal;
    r.w = p.window;
    r.globals.insert(p.globals.begin(), p.globals.end());
    r.blockSize = p.randomBlockSize;
    r.randomBlocks = p.randomBlocks;
    return r;
}

Rows rowsOf(const HybridPattern& p) {
    Rows r;
    for (uint32_t i = 0; i < p.n; ++i)
        r.push_back(p.rowKeys(i));
    return r;
}

// rowRanges must be sorted, non-empty, non-adjacent runs whose expansion is rowKeys.
void checkRangesMatchKeys(const HybridPattern& p) {
    for (uint32_t i = 0; i < p.n; ++i) {
        const auto rr = p.rowRanges(i);
        std::vector<uint32_t> expanded;
        for (size_t k = 0; k < rr.size(); ++k) {
            REQUIRE(rr[k].first < rr[k].second);
            if (k > 0)
                REQUIRE(rr[k].first > rr[k - 1].second);
            for (uint32_t j = rr[k].first; j < rr[k].second; ++j)
                expanded.push_back(j);
        }
        REQUIRE(expanded == p.rowKeys(i));
        REQUIRE(p.rowNnz(i) == expanded.size());
    }
}

void checkAgainstDefinition(const HybridPattern& p) {
    INFO(p.name);
    const Rows expected = refOf(p).rows();
    const Rows got = rowsOf(p);
    for (uint32_t i = 0; i < p.n; ++i) {
        INFO("row " << i);
        REQUIRE(got[i] == expected[i]);
    }
    checkRangesMatchKeys(p);
}

uint64_t countCells(const Rows& r) {
    uint64_t s = 0;
    for (const auto& row : r)
        s += row.size();
    return s;
}

std::string tempPath(const std::string& tag) {
    static int counter = 0;
    return "/tmp/pilot_mask_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
           ".txt";
}

std::string writeTemp(const std::string& tag, const std::string& content) {
    const std::string path = tempPath(tag);
    std::ofstream(path) << content;
    return path;
}

// The message of the runtime_error parsing `content` as a file throws ("" if none).
std::string fileError(const std::string& content, std::string* pathOut = nullptr) {
    const std::string path = writeTemp("bad", content);
    if (pathOut)
        *pathOut = path;
    std::string msg;
    try {
        HybridPattern::fromMaskFile(path);
    } catch (const std::runtime_error& e) {
        msg = e.what();
    }
    std::remove(path.c_str());
    return msg;
}

} // namespace

// ---- hand-checked masks ------------------------------------------------------------------------

TEST_CASE("Longformer: 6 tokens with window 3 and global token 2 match the hand-written rows",
          "[host][pattern]") {
    const auto p = HybridPattern::longformer(6, 3, {2}, false);
    const Rows expected = {
        {0, 1, 2},          // band [-1, 1] clipped + global column 2
        {0, 1, 2},          // band [0, 2]
        {0, 1, 2, 3, 4, 5}, // global row
        {2, 3, 4},          // band [2, 4]
        {2, 3, 4, 5},       // band [3, 5] + global column 2
        {2, 4, 5},          // band [4, 6] clipped + global column 2
    };
    CHECK(rowsOf(p) == expected);
    CHECK(p.isGlobalRow(2));
    CHECK_FALSE(p.isGlobalRow(3));
    CHECK(p.nnz() == 22);
    checkRangesMatchKeys(p);
}

TEST_CASE("Longformer: the causal mask of the same shape keeps only keys at or before the row",
          "[host][pattern]") {
    const auto p = HybridPattern::longformer(6, 3, {2}, true);
    const Rows expected = {
        {0},          // band [-2, 0]
        {0, 1},       // band [-1, 1]
        {0, 1, 2},    // global row: every key <= 2
        {1, 2, 3},    // band [1, 3]
        {2, 3, 4},    // band [2, 4]
        {2, 3, 4, 5}, // band [3, 5] + global column 2
    };
    CHECK(rowsOf(p) == expected);
    for (uint32_t i = 0; i < p.n; ++i)
        for (uint32_t j : p.rowKeys(i))
            CHECK(j <= i);
}

TEST_CASE("Window: w counts the own key and an even w puts the extra key on the past side",
          "[host][pattern]") {
    const auto w1 = HybridPattern::longformer(8, 1, {}, false);
    CHECK(w1.rowKeys(4) == std::vector<uint32_t>{4});
    const auto w4 = HybridPattern::longformer(8, 4, {}, false);
    CHECK(w4.rowKeys(4) == std::vector<uint32_t>{2, 3, 4, 5});
    CHECK(w4.windowRange(4) == KeyRange{2, 6});
    const auto w5 = HybridPattern::longformer(8, 5, {}, false);
    CHECK(w5.rowKeys(4) == std::vector<uint32_t>{2, 3, 4, 5, 6});
    const auto w4c = HybridPattern::longformer(8, 4, {}, true);
    CHECK(w4c.rowKeys(4) == std::vector<uint32_t>{1, 2, 3, 4});
    // w <= 2 is the same band causal or not.
    for (uint32_t w : {1u, 2u})
        CHECK(rowsOf(HybridPattern::longformer(8, w, {}, false)) ==
              rowsOf(HybridPattern::longformer(8, w, {}, true)));
}

TEST_CASE("Streaming: 8 tokens with 2 sinks and window 3 match the hand-written causal rows",
          "[host][pattern]") {
    const auto p = HybridPattern::streaming(8, 2, 3);
    const Rows expected = {
        {0},
        {0, 1},
        {0, 1, 2},
        {0, 1, 2, 3},
        {0, 1, 2, 3, 4},
        {0, 1, 3, 4, 5},
        {0, 1, 4, 5, 6},
        {0, 1, 5, 6, 7},
    };
    CHECK(p.causal);
    CHECK(rowsOf(p) == expected);
    CHECK(p.nnz() == 1 + 2 + 3 + 4 + 5 + 5 + 5 + 5);
}

TEST_CASE("Dense: every key when non-causal and the lower triangle when causal", "[host][pattern]") {
    const auto full = HybridPattern::dense(5, false);
    const auto tri = HybridPattern::dense(5, true);
    for (uint32_t i = 0; i < 5; ++i) {
        CHECK(full.rowRanges(i) == std::vector<KeyRange>{{0, 5}});
        CHECK(tri.rowRanges(i) == std::vector<KeyRange>{{0, i + 1}});
    }
    CHECK(full.nnz() == 25);
    CHECK(tri.nnz() == 15);
    CHECK(full.densityFull() == Approx(1.0));
    CHECK(tri.densityCausal() == Approx(1.0));
    CHECK(tri.density() == Approx(1.0));
}

TEST_CASE("BigBird: a hand-written 8-token mask with random blocks set by hand", "[host][pattern]") {
    // Start from the generator (window 1 and global token 0) and pin the random blocks by hand,
    // so the expected rows are independent of the draw.
    auto p = HybridPattern::bigbird(8, 1, 1, 1, 4, 7, false);
    p.randomBlocks = {{1}, {0}}; // block-row 0 -> keys 4..7, block-row 1 -> keys 0..3
    p.validate();
    const Rows expected = {
        {0, 1, 2, 3, 4, 5, 6, 7}, // global row
        {0, 1, 4, 5, 6, 7},       // own key + global column 0 + block 1
        {0, 2, 4, 5, 6, 7},       {0, 3, 4, 5, 6, 7},
        {0, 1, 2, 3, 4}, // own key + block 0 (global column 0 inside it)
        {0, 1, 2, 3, 5},          {0, 1, 2, 3, 6},
        {0, 1, 2, 3, 7},
    };
    CHECK(rowsOf(p) == expected);
}

// ---- generators against the definition ----------------------------------------------------------

TEST_CASE("Longformer: every row equals the brute-force mask over a sweep of shapes", "[host][pattern]") {
    for (bool causal : {false, true})
        for (uint32_t n : {1u, 2u, 7u, 16u, 33u})
            for (uint32_t w : {0u, 1u, 2u, 3u, 4u, 9u, 40u, 100u}) {
                checkAgainstDefinition(HybridPattern::longformer(n, w, {}, causal));
                checkAgainstDefinition(HybridPattern::longformer(n, w, {0}, causal));
                if (n > 5)
                    checkAgainstDefinition(HybridPattern::longformer(n, w, {n - 1, 3, 4, 3}, causal));
            }
}

TEST_CASE("BigBird: every row equals the brute-force mask with the drawn blocks", "[host][pattern]") {
    for (bool causal : {false, true})
        for (uint32_t n : {1u, 8u, 30u, 64u})
            for (uint32_t bs : {1u, 4u, 7u, 16u})
                for (uint32_t r : {0u, 1u, 3u}) {
                    const auto p = HybridPattern::bigbird(n, 5, std::min(n, 2u), r, bs, 11 + n + bs, causal);
                    checkAgainstDefinition(p);
                    if (r > 0)
                        REQUIRE(p.randomBlocks.size() == (n + bs - 1) / bs);
                }
}

TEST_CASE("BigBird: the same seed gives the same mask and a different seed a different mask",
          "[host][pattern]") {
    for (bool causal : {false, true}) {
        const auto a = HybridPattern::bigbird(256, 9, 4, 2, 8, 1234, causal);
        const auto b = HybridPattern::bigbird(256, 9, 4, 2, 8, 1234, causal);
        const auto c = HybridPattern::bigbird(256, 9, 4, 2, 8, 1235, causal);
        CHECK(a.randomBlocks == b.randomBlocks);
        CHECK(rowsOf(a) == rowsOf(b));
        CHECK(a.randomBlocks != c.randomBlocks);
        CHECK(rowsOf(a) != rowsOf(c));
    }
}

TEST_CASE("BigBird: each block-row draws min of r and the candidates as distinct blocks that add a cell",
          "[host][pattern]") {
    for (bool causal : {false, true})
        for (uint32_t r : {1u, 2u, 5u, 40u}) {
            const uint32_t n = 50, bs = 6, nb = (n + bs - 1) / bs;
            const auto p = HybridPattern::bigbird(n, 7, 3, r, bs, 99, causal);
            Ref noRandom = refOf(p);
            noRandom.randomBlocks.clear();
            for (uint32_t br = 0; br < nb; ++br) {
                // Candidates by brute force: key blocks with an allowed cell not covered otherwise.
                std::vector<uint32_t> cand;
                for (uint32_t kb = 0; kb < nb; ++kb) {
                    bool adds = false;
                    for (uint32_t i = br * bs; i < std::min(n, br * bs + bs) && !adds; ++i)
                        for (uint32_t j = kb * bs; j < std::min(n, kb * bs + bs) && !adds; ++j)
                            adds = !(causal && j > i) && noRandom.cover(i, j) == Cover::kNone;
                    if (adds)
                        cand.push_back(kb);
                }
                const auto& got = p.randomBlocks[br];
                INFO("causal " << causal << " r " << r << " block-row " << br);
                REQUIRE(got.size() == std::min<size_t>(r, cand.size()));
                REQUIRE(std::is_sorted(got.begin(), got.end()));
                REQUIRE(std::adjacent_find(got.begin(), got.end()) == got.end());
                for (uint32_t kb : got)
                    REQUIRE(std::find(cand.begin(), cand.end(), kb) != cand.end());
            }
        }
}

TEST_CASE("BigBird: the first g tokens are global rows and columns", "[host][pattern]") {
    const auto p = HybridPattern::bigbird(40, 3, 4, 1, 8, 5, false);
    CHECK(p.globals == std::vector<uint32_t>{0, 1, 2, 3});
    for (uint32_t i = 0; i < 40; ++i) {
        CHECK(p.isGlobalRow(i) == (i < 4));
        const auto keys = p.rowKeys(i);
        for (uint32_t g = 0; g < 4; ++g)
            CHECK(std::binary_search(keys.begin(), keys.end(), g));
        if (i < 4)
            CHECK(keys.size() == 40);
    }
}

TEST_CASE("Streaming: every row equals the brute-force causal mask over sinks and windows",
          "[host][pattern]") {
    for (uint32_t n : {1u, 5u, 24u})
        for (uint32_t sink : {0u, 1u, 4u})
            for (uint32_t w : {0u, 1u, 3u, 8u, 50u}) {
                if (sink > n)
                    continue;
                const auto p = HybridPattern::streaming(n, sink, w);
                checkAgainstDefinition(p);
                for (uint32_t i = 0; i < n; ++i)
                    for (uint32_t j : p.rowKeys(i))
                        REQUIRE(j <= i);
            }
}

// ---- block CSR ---------------------------------------------------------------------------------

TEST_CASE("Block CSR: stored blocks are exactly the blocks that hold a nonzero with their counts",
          "[host][pattern]") {
    const std::vector<HybridPattern> patterns = {
        HybridPattern::longformer(37, 5, {0, 20}, false),
        HybridPattern::longformer(37, 5, {0, 20}, true),
        HybridPattern::bigbird(45, 6, 2, 2, 4, 3, false),
        HybridPattern::streaming(29, 3, 6),
        HybridPattern::dense(10, true),
        HybridPattern::longformer(12, 0, {}, true),
    };
    for (const auto& p : patterns)
        for (uint32_t bs : {1u, 3u, 4u, 8u, 64u}) {
            INFO(p.name << " block " << bs);
            const BlockCsr c = p.toBlockCsr(bs);
            const uint32_t nb = (p.n + bs - 1) / bs;
            REQUIRE(c.blockSize == bs);
            REQUIRE(c.blockRows == nb);
            REQUIRE(c.blockCols == nb);
            REQUIRE(c.rowPtr.size() == nb + 1);
            REQUIRE(c.rowPtr.front() == 0);
            REQUIRE(c.rowPtr.back() == c.nnzBlocks);
            REQUIRE(c.colIdx.size() == c.nnzBlocks);
            REQUIRE(c.blockNnz.size() == c.nnzBlocks);
            // Brute-force block counts from the rows.
            std::vector<std::vector<uint64_t>> count(nb, std::vector<uint64_t>(nb, 0));
            for (uint32_t i = 0; i < p.n; ++i)
                for (uint32_t j : p.rowKeys(i))
                    ++count[i / bs][j / bs];
            uint64_t total = 0;
            for (uint32_t br = 0; br < nb; ++br) {
                REQUIRE(c.rowPtr[br] <= c.rowPtr[br + 1]);
                std::set<uint32_t> stored;
                for (uint64_t k = c.rowPtr[br]; k < c.rowPtr[br + 1]; ++k) {
                    if (k > c.rowPtr[br])
                        REQUIRE(c.colIdx[k] > c.colIdx[k - 1]);
                    REQUIRE(c.colIdx[k] < nb);
                    REQUIRE(c.blockNnz[k] > 0); // every stored block contains a nonzero
                    REQUIRE(c.blockNnz[k] == count[br][c.colIdx[k]]);
                    stored.insert(c.colIdx[k]);
                    total += c.blockNnz[k];
                }
                for (uint32_t bc = 0; bc < nb; ++bc) // every nonzero lies in a stored block
                    if (count[br][bc] > 0)
                        REQUIRE(stored.count(bc) == 1);
            }
            REQUIRE(total == p.nnz());
        }
}

TEST_CASE("Block CSR: a zero block size is rejected", "[host][pattern]") {
    CHECK_THROWS_AS(HybridPattern::dense(4).toBlockCsr(0), std::invalid_argument);
}

// ---- statistics --------------------------------------------------------------------------------

TEST_CASE("Stats: density over the full square and over the causal triangle", "[host][pattern]") {
    const auto p = HybridPattern::longformer(6, 3, {2}, false); // 3+3+6+3+4+3 = 22 cells (hand-checked above)
    CHECK(p.densityFull() == Approx(22.0 / 36.0));
    CHECK(p.densityCausal() == Approx(22.0 / 21.0)); // above 1: a non-causal mask overfills the triangle
    CHECK(p.density() == Approx(22.0 / 36.0));
    const auto c = HybridPattern::longformer(6, 3, {2}, true); // 1+2+3+3+3+4 = 16 cells
    CHECK(c.nnz() == 16);
    CHECK(c.densityFull() == Approx(16.0 / 36.0));
    CHECK(c.densityCausal() == Approx(16.0 / 21.0));
    CHECK(c.density() == Approx(16.0 / 21.0));
    const PatternStats s = c.stats();
    CHECK(s.nnz == 16);
    CHECK(s.densityFull == Approx(16.0 / 36.0));
    CHECK(s.densityCausal == Approx(16.0 / 21.0));
    CHECK(s.globalRows == 1);
    CHECK(s.minKeysPerRow == 1);
    CHECK(s.maxKeysPerRow == 4);
    CHECK(s.meanKeysPerRow == Approx(16.0 / 6.0));
    CHECK(s.emptyRows == 0);
}

TEST_CASE("Stats: window global and random shares count each cell once and sum to one", "[host][pattern]") {
    const std::vector<HybridPattern> patterns = {
        HybridPattern::bigbird(64, 7, 3, 2, 8, 21, false),
        HybridPattern::bigbird(61, 4, 2, 3, 5, 8, true),
        HybridPattern::longformer(30, 0, {4, 17}, false),
        HybridPattern::streaming(40, 4, 10),
        HybridPattern::dense(9, false),
    };
    for (const auto& p : patterns) {
        INFO(p.name);
        const Ref ref = refOf(p);
        uint64_t byPart[5] = {0, 0, 0, 0, 0};
        for (uint32_t i = 0; i < p.n; ++i)
            for (uint32_t j = 0; j < p.n; ++j)
                ++byPart[static_cast<int>(ref.cover(i, j))];
        const PatternStats s = p.stats();
        CHECK(s.globalNnz ==
              byPart[static_cast<int>(Cover::kGlobalRow)] + byPart[static_cast<int>(Cover::kGlobalCol)]);
        CHECK(s.windowNnz == byPart[static_cast<int>(Cover::kWindow)]);
        CHECK(s.randomNnz == byPart[static_cast<int>(Cover::kRandom)]);
        CHECK(s.explicitNnz == 0);
        CHECK(s.nnz == s.globalNnz + s.windowNnz + s.randomNnz);
        CHECK(s.nnz == p.nnz());
        CHECK(s.globalShare + s.windowShare + s.randomShare + s.explicitShare == Approx(1.0));
        CHECK(s.windowShare == Approx(static_cast<double>(s.windowNnz) / static_cast<double>(s.nnz)));
    }
    // A BigBird mask really has all three parts.
    const PatternStats bb = patterns[0].stats();
    CHECK(bb.windowShare > 0.0);
    CHECK(bb.globalShare > 0.0);
    CHECK(bb.randomShare > 0.0);
}

TEST_CASE("Stats: min max and mean keys per row equal the brute-force counts", "[host][pattern]") {
    const auto p = HybridPattern::bigbird(50, 6, 1, 1, 7, 3, true);
    const Rows rows = refOf(p).rows();
    size_t mn = rows[0].size(), mx = 0;
    for (const auto& r : rows) {
        mn = std::min(mn, r.size());
        mx = std::max(mx, r.size());
    }
    const PatternStats s = p.stats();
    CHECK(s.minKeysPerRow == mn);
    CHECK(s.maxKeysPerRow == mx);
    CHECK(s.meanKeysPerRow == Approx(static_cast<double>(countCells(rows)) / 50.0));
    CHECK(s.nnz == countCells(rows));
}

// ---- mask files --------------------------------------------------------------------------------

TEST_CASE("Mask file: ranges single keys comments and an empty row parse into the written rows",
          "[host][pattern]") {
    const std::string path = writeTemp("ok", "# a 5-token causal mask\n"
                                             "5 1\n"
                                             "0\n"
                                             "\n"
                                             "-            # row 1 is empty\n"
                                             "0-2\n"
                                             " 3 , 0-1 \n"
                                             "0,2-4,3\n");
    const auto p = HybridPattern::fromMaskFile(path);
    std::remove(path.c_str());
    CHECK(p.n == 5);
    CHECK(p.causal);
    const Rows expected = {{0}, {}, {0, 1, 2}, {0, 1, 3}, {0, 2, 3, 4}};
    CHECK(rowsOf(p) == expected);
    CHECK(p.rowRanges(4) == std::vector<KeyRange>{{0, 1}, {2, 5}});
    CHECK_FALSE(p.isGlobalRow(0));
    CHECK(p.stats().explicitShare == Approx(1.0));
    CHECK(p.stats().emptyRows == 1);
    checkRangesMatchKeys(p);
}

TEST_CASE("Mask file: a bad line throws runtime_error naming the file and its line number",
          "[host][pattern]") {
    std::string path;
    std::string msg = fileError("# header next\n4 0\n0-3\n1,9\n0\n0\n", &path);
    CHECK(msg.find(path + ":4:") == 0);
    CHECK(msg.find("out of range") != std::string::npos);

    CHECK(fileError("3 1\n0\n0-2\n0\n").find(":3:") != std::string::npos);  // causal: key 2 in row 1
    CHECK(fileError("3 0\n0\n1,x\n0\n").find(":3:") != std::string::npos);  // bad key
    CHECK(fileError("3 0\n0\n2-1\n0\n").find(":3:") != std::string::npos);  // reversed range
    CHECK(fileError("3 0\n0\n1,\n0\n").find(":3:") != std::string::npos);   // trailing comma
    CHECK(fileError("3 0\n0\n1,,2\n0\n").find(":3:") != std::string::npos); // empty entry
    CHECK(fileError("3 0\n0\n1-\n0\n").find(":3:") != std::string::npos);   // open range
    CHECK(fileError("3 0\n0\n0\n0\n0\n").find(":5:") != std::string::npos); // a row too many
    CHECK(fileError("3 0\n0\n0\n").find(":3: expected 3 row lines, found 2") != std::string::npos);
    CHECK(fileError("\n\n3 maybe\n").find(":3:") != std::string::npos); // bad causal flag
    CHECK(fileError("0 0\n").find(":1:") != std::string::npos);         // N = 0
    CHECK(fileError("3\n").find(":1:") != std::string::npos);           // header short
    CHECK(fileError("# only a comment\n").find("missing header") != std::string::npos);
    CHECK_THROWS_AS(HybridPattern::fromMaskFile("/nonexistent/dir/mask.txt"), std::runtime_error);
}

TEST_CASE("Mask file: writeMask then parseMask reproduces every row of each generator", "[host][pattern]") {
    const std::vector<HybridPattern> patterns = {
        HybridPattern::bigbird(41, 6, 2, 2, 4, 17, false),
        HybridPattern::bigbird(41, 6, 2, 2, 4, 17, true),
        HybridPattern::streaming(20, 2, 5),
        HybridPattern::longformer(15, 0, {}, true),
    };
    for (const auto& p : patterns) {
        std::stringstream ss;
        p.writeMask(ss);
        const auto q = HybridPattern::parseMask(ss, "roundtrip");
        INFO(p.name);
        CHECK(q.n == p.n);
        CHECK(q.causal == p.causal);
        CHECK(rowsOf(q) == rowsOf(p));
    }
}

// ---- edge cases --------------------------------------------------------------------------------

TEST_CASE("Edge: a window larger than N covers every allowed key", "[host][pattern]") {
    for (bool causal : {false, true}) {
        const auto p = HybridPattern::longformer(7, 1000, {}, causal);
        CHECK(rowsOf(p) == rowsOf(HybridPattern::dense(7, causal)));
        CHECK(p.nnz() == (causal ? 28u : 49u));
    }
}

TEST_CASE("Edge: no global tokens means no global rows and window-only rows", "[host][pattern]") {
    const auto p = HybridPattern::bigbird(20, 3, 0, 0, 4, 1, false);
    const PatternStats s = p.stats();
    CHECK(s.globalRows == 0);
    CHECK(s.globalNnz == 0);
    CHECK(s.windowShare == Approx(1.0));
    for (uint32_t i = 0; i < 20; ++i)
        CHECK_FALSE(p.isGlobalRow(i));
    checkAgainstDefinition(p);
}

TEST_CASE("Edge: window 0 leaves rows of global columns only and causal rows before them empty",
          "[host][pattern]") {
    const auto p = HybridPattern::longformer(8, 0, {2, 5}, false);
    CHECK(p.rowKeys(0) == std::vector<uint32_t>{2, 5});
    CHECK(p.rowKeys(7) == std::vector<uint32_t>{2, 5});
    CHECK(p.rowKeys(2).size() == 8);
    const auto c = HybridPattern::longformer(8, 0, {2, 5}, true);
    CHECK(c.rowKeys(0).empty());
    CHECK(c.rowKeys(1).empty());
    CHECK(c.rowKeys(3) == std::vector<uint32_t>{2});
    CHECK(c.rowKeys(7) == std::vector<uint32_t>{2, 5});
    CHECK(c.rowKeys(5) == std::vector<uint32_t>{0, 1, 2, 3, 4, 5});
    const PatternStats s = c.stats();
    CHECK(s.emptyRows == 2);
    CHECK(s.minKeysPerRow == 0);
    CHECK(s.windowNnz == 0);
    checkAgainstDefinition(c);
    // Its block CSR holds no block for the empty rows' block-row.
    const BlockCsr csr = c.toBlockCsr(2);
    CHECK(csr.rowPtr[1] == csr.rowPtr[0]);
}

TEST_CASE("Edge: N not a multiple of the block size gives a short last block", "[host][pattern]") {
    const auto p = HybridPattern::bigbird(23, 3, 1, 2, 5, 4, false); // blocks 0..4, the last holds 3 keys
    REQUIRE(p.randomBlocks.size() == 5);
    checkAgainstDefinition(p);
    const BlockCsr c = HybridPattern::dense(23).toBlockCsr(5);
    CHECK(c.blockRows == 5);
    CHECK(c.nnzBlocks == 25);
    CHECK(c.blockNnz.back() == 9);               // 3 rows x 3 keys
    CHECK(c.blockNnz[c.rowPtr[4] - 1] == 5 * 3); // block-row 3, last column
}

TEST_CASE("Edge: N of 1 works for every generator", "[host][pattern]") {
    const std::vector<HybridPattern> patterns = {HybridPattern::dense(1), HybridPattern::streaming(1, 1, 1),
                                                 HybridPattern::longformer(1, 0, {}),
                                                 HybridPattern::bigbird(1, 2, 0, 1, 4, 0)};
    for (const auto& p : patterns) {
        INFO(p.name);
        checkAgainstDefinition(p);
    }
    CHECK(HybridPattern::longformer(1, 0, {}).nnz() == 0);
    CHECK(HybridPattern::dense(1).nnz() == 1);
}

// ---- parameter checks --------------------------------------------------------------------------

TEST_CASE("Generators: invalid parameters throw invalid_argument naming the generator", "[host][pattern]") {
    auto message = [](auto&& fn) {
        try {
            fn();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message([] { HybridPattern::dense(0); }).find("dense: N") == 0);
    CHECK(message([] { HybridPattern::longformer(8, 2, {8}); }).find("longformer: global token 8") == 0);
    CHECK(message([] { HybridPattern::bigbird(8, 2, 9, 0, 4, 1); }).find("bigbird: globalTokens") == 0);
    CHECK(message([] { HybridPattern::bigbird(8, 2, 1, 1, 0, 1); }).find("bigbird: blockSize") == 0);
    CHECK(message([] { HybridPattern::streaming(4, 5, 2); }).find("streaming: sink") == 0);
}

TEST_CASE("Validate: an inconsistent hand-built pattern lists every problem", "[host][pattern]") {
    HybridPattern p;
    p.name = "hand";
    p.n = 4;
    p.globals = {3, 1, 9};
    p.randomBlockSize = 2;
    p.randomBlocks = {{0}, {5}, {1}};
    std::string msg;
    try {
        p.validate();
    } catch (const std::invalid_argument& e) {
        msg = e.what();
    }
    CHECK(msg.find("hand: invalid pattern") == 0);
    CHECK(msg.find("globals[2] = 9") != std::string::npos);
    CHECK(msg.find("not sorted and unique at 1") != std::string::npos);
    CHECK(msg.find("3 block-rows, expected 2") != std::string::npos);
    CHECK(msg.find("block 5 >= 2") != std::string::npos);
    CHECK_NOTHROW(HybridPattern::bigbird(30, 4, 2, 2, 4, 1, true).validate());
}
