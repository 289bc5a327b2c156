// SPDX-License-Identifier: MIT
#include "firmware/host/sparse_pattern.h"

#include "firmware/include/pilot/contract.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <istream>
#include <limits>
#include <ostream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace pilot::host {

namespace {

using Ranges = std::vector<KeyRange>;

enum Part : unsigned {
    kWindow = 1u,
    kGlobalCol = 2u,
    kRandom = 4u,
    kExplicit = 8u,
    kAll = 15u,
};

uint64_t rangesSize(const Ranges& r) {
    uint64_t s = 0;
    for (const auto& x : r)
        s += x.second - x.first;
    return s;
}

uint32_t ceilDiv(uint32_t a, uint32_t b) {
    return static_cast<uint32_t>((uint64_t{a} + b - 1) / b);
}

// End (exclusive) of the keys row i may see.
uint32_t allowedEnd(const HybridPattern& p, uint32_t i) {
    return p.causal ? i + 1 : p.n;
}

// Number of global tokens in [b, e).
uint64_t globalsIn(const HybridPattern& p, uint32_t b, uint32_t e) {
    if (b >= e)
        return 0;
    auto lo = std::lower_bound(p.globals.begin(), p.globals.end(), b);
    auto hi = std::lower_bound(lo, p.globals.end(), e);
    return static_cast<uint64_t>(hi - lo);
}

// The runs of row i covered by the selected parts (a global row is handled by the caller).
Ranges collect(const HybridPattern& p, uint32_t i, unsigned parts) {
    Ranges r;
    const uint32_t limit = allowedEnd(p, i);
    if (parts & kWindow)
        r.push_back(p.windowRange(i));
    if (parts & kGlobalCol) {
        auto end = std::lower_bound(p.globals.begin(), p.globals.end(), limit);
        for (auto it = p.globals.begin(); it != end; ++it) {
            if (!r.empty() && r.back().second == *it)
                r.back().second = *it + 1; // contiguous globals become one run
            else
                r.emplace_back(*it, *it + 1);
        }
    }
    if ((parts & kRandom) && p.randomBlockSize > 0 && !p.randomBlocks.empty()) {
        const uint64_t bs = p.randomBlockSize;
        for (uint32_t kb : p.randomBlocks[i / p.randomBlockSize]) {
            const uint64_t b = uint64_t{kb} * bs;
            const uint64_t e = std::min<uint64_t>(b + bs, limit);
            if (b < e)
                r.emplace_back(static_cast<uint32_t>(b), static_cast<uint32_t>(e));
        }
    }
    if ((parts & kExplicit) && !p.explicitRows.empty()) {
        for (const auto& x : p.explicitRows[i])
            r.emplace_back(x.first, std::min(x.second, limit));
    }
    mergeKeyRanges(r);
    return r;
}

// Unbiased draw in [0, n) from the engine (documented in the header; n >= 1).
uint64_t boundedDraw(std::mt19937_64& eng, uint64_t n) {
    const uint64_t threshold = (0 - n) % n; // 2^64 mod n
    for (;;) {
        const uint64_t x = eng();
        if (x >= threshold)
            return x % n;
    }
}

// True when key block kb would add an attended cell to some row of block-row br, given the
// window, the globals and causality.
bool blockAddsCell(const HybridPattern& p, uint32_t bs, uint32_t br, uint32_t kb) {
    const uint32_t rowBegin = br * bs;
    const uint32_t rowEnd = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{rowBegin} + bs, p.n));
    const uint32_t keyBegin = kb * bs;
    const uint32_t keyEnd = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{keyBegin} + bs, p.n));
    for (uint32_t i = rowBegin; i < rowEnd; ++i) {
        if (p.isGlobalRow(i))
            continue;
        const uint32_t e = std::min(keyEnd, allowedEnd(p, i));
        if (keyBegin >= e)
            continue;
        const KeyRange band = p.windowRange(i);
        // The parts of [keyBegin, e) outside the band must all be global columns to add nothing.
        KeyRange pieces[2] = {{keyBegin, e}, {0, 0}};
        if (band.first < band.second) {
            pieces[0] = {keyBegin, std::min(e, band.first)};
            pieces[1] = {std::max(keyBegin, band.second), e};
        }
        for (const auto& pc : pieces) {
            if (pc.first < pc.second && globalsIn(p, pc.first, pc.second) < pc.second - pc.first)
                return true;
        }
    }
    return false;
}

void requirePositive(const char* gen, const char* param, uint64_t v) {
    if (v == 0)
        throw std::invalid_argument(std::string(gen) + ": " + param + " must be > 0");
}

} // namespace

void mergeKeyRanges(std::vector<KeyRange>& r) {
    r.erase(std::remove_if(r.begin(), r.end(), [](const KeyRange& x) { return x.first >= x.second; }),
            r.end());
    std::sort(r.begin(), r.end());
    size_t out = 0;
    for (size_t k = 0; k < r.size(); ++k) {
        if (out > 0 && r[k].first <= r[out - 1].second)
            r[out - 1].second = std::max(r[out - 1].second, r[k].second);
        else
            r[out++] = r[k];
    }
    r.resize(out);
}

// ---- generators ------------------------------------------------------------------------------

HybridPattern HybridPattern::longformer(uint32_t n, uint32_t window, std::vector<uint32_t> globals,
                                        bool causal) {
    requirePositive("longformer", "N", n);
    std::sort(globals.begin(), globals.end());
    globals.erase(std::unique(globals.begin(), globals.end()), globals.end());
    if (!globals.empty() && globals.back() >= n)
        throw std::invalid_argument("longformer: global token " + std::to_string(globals.back()) +
                                    " out of range (N = " + std::to_string(n) + ")");
    HybridPattern p;
    p.name = "longformer(N=" + std::to_string(n) + ",w=" + std::to_string(window) +
             ",g=" + std::to_string(globals.size()) + (causal ? ",causal)" : ")");
    p.n = n;
    p.causal = causal;
    p.window = window;
    p.globals = std::move(globals);
    return p;
}

HybridPattern HybridPattern::bigbird(uint32_t n, uint32_t window, uint32_t globalTokens,
                                     uint32_t randomBlocksPerRow, uint32_t blockSize, uint64_t seed,
                                     bool causal) {
    requirePositive("bigbird", "N", n);
    if (globalTokens > n)
        throw std::invalid_argument("bigbird: globalTokens (" + std::to_string(globalTokens) +
                                    ") exceeds N (" + std::to_string(n) + ")");
    if (randomBlocksPerRow > 0)
        requirePositive("bigbird", "blockSize", blockSize);
    HybridPattern p;
    p.name = "bigbird(N=" + std::to_string(n) + ",w=" + std::to_string(window) +
             ",g=" + std::to_string(globalTokens) + ",r=" + std::to_string(randomBlocksPerRow) +
             ",B=" + std::to_string(blockSize) + ",seed=" + std::to_string(seed) +
             (causal ? ",causal)" : ")");
    p.n = n;
    p.causal = causal;
    p.window = window;
    p.globals.resize(globalTokens);
    for (uint32_t g = 0; g < globalTokens; ++g)
        p.globals[g] = g;
    if (randomBlocksPerRow == 0)
        return p;

    p.randomBlockSize = blockSize;
    const uint32_t nb = ceilDiv(n, blockSize);
    p.randomBlocks.assign(nb, {});
    std::mt19937_64 eng(seed);
    std::vector<uint32_t> cand;
    for (uint32_t br = 0; br < nb; ++br) {
        cand.clear();
        for (uint32_t kb = 0; kb < nb; ++kb)
            if (blockAddsCell(p, blockSize, br, kb))
                cand.push_back(kb);
        const size_t take = std::min<size_t>(randomBlocksPerRow, cand.size());
        for (size_t k = 0; k < take; ++k) {
            const size_t j = k + static_cast<size_t>(boundedDraw(eng, cand.size() - k));
            std::swap(cand[k], cand[j]);
        }
        auto& out = p.randomBlocks[br];
        out.assign(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(take));
        std::sort(out.begin(), out.end());
    }
    return p;
}

HybridPattern HybridPattern::streaming(uint32_t n, uint32_t sink, uint32_t window) {
    requirePositive("streaming", "N", n);
    if (sink > n)
        throw std::invalid_argument("streaming: sink (" + std::to_string(sink) + ") exceeds N (" +
                                    std::to_string(n) + ")");
    HybridPattern p;
    p.name = "streaming(N=" + std::to_string(n) + ",sink=" + std::to_string(sink) +
             ",w=" + std::to_string(window) + ")";
    p.n = n;
    p.causal = true;
    p.window = window;
    p.globals.resize(sink);
    for (uint32_t g = 0; g < sink; ++g)
        p.globals[g] = g;
    return p;
}

HybridPattern HybridPattern::dense(uint32_t n, bool causal) {
    requirePositive("dense", "N", n);
    HybridPattern p;
    p.name = std::string("dense(N=") + std::to_string(n) + (causal ? ",causal)" : ")");
    p.n = n;
    p.causal = causal;
    // Causal: w = N covers [i - N + 1, i] = every key <= i; non-causal: w = 2N - 1 covers
    // [i - (N - 1), i + (N - 1)] = every key.
    p.window = causal ? n
                      : static_cast<uint32_t>(
                            std::min<uint64_t>(2 * uint64_t{n} - 1, std::numeric_limits<uint32_t>::max()));
    return p;
}

// ---- validation and queries ------------------------------------------------------------------

void HybridPattern::validate() const {
    std::vector<std::string> errs;
    if (n == 0)
        errs.push_back("n must be > 0");
    for (size_t k = 0; k < globals.size(); ++k) {
        if (globals[k] >= n)
            errs.push_back("globals[" + std::to_string(k) + "] = " + std::to_string(globals[k]) + " >= n");
        if (k > 0 && globals[k] <= globals[k - 1])
            errs.push_back("globals not sorted and unique at " + std::to_string(k));
    }
    if (randomBlockSize == 0 && !randomBlocks.empty())
        errs.push_back("randomBlocks given with randomBlockSize 0");
    if (randomBlockSize > 0 && n > 0) {
        const uint32_t nb = ceilDiv(n, randomBlockSize);
        if (!randomBlocks.empty() && randomBlocks.size() != nb)
            errs.push_back("randomBlocks has " + std::to_string(randomBlocks.size()) +
                           " block-rows, expected " + std::to_string(nb));
        for (size_t br = 0; br < randomBlocks.size(); ++br) {
            const auto& v = randomBlocks[br];
            for (size_t k = 0; k < v.size(); ++k) {
                if (v[k] >= nb)
                    errs.push_back("randomBlocks[" + std::to_string(br) + "] block " + std::to_string(v[k]) +
                                   " >= " + std::to_string(nb));
                if (k > 0 && v[k] <= v[k - 1])
                    errs.push_back("randomBlocks[" + std::to_string(br) + "] not sorted and unique");
            }
        }
    }
    if (!explicitRows.empty() && explicitRows.size() != n)
        errs.push_back("explicitRows has " + std::to_string(explicitRows.size()) + " rows, expected " +
                       std::to_string(n));
    for (size_t i = 0; i < explicitRows.size(); ++i) {
        const auto& r = explicitRows[i];
        for (size_t k = 0; k < r.size(); ++k) {
            const bool bad = r[k].first >= r[k].second || r[k].second > n ||
                             (k > 0 && r[k].first <= r[k - 1].second) || (causal && r[k].second > i + 1);
            if (bad) {
                errs.push_back("explicitRows[" + std::to_string(i) + "] run " + std::to_string(k) +
                               " is empty, out of range, unmerged or non-causal");
                break;
            }
        }
    }
    if (errs.empty())
        return;
    std::string msg = name.empty() ? std::string("pattern") : name;
    msg += ": invalid pattern";
    for (const auto& e : errs)
        msg += "\n  " + e;
    throw std::invalid_argument(msg);
}

bool HybridPattern::isGlobalRow(uint32_t i) const {
    return std::binary_search(globals.begin(), globals.end(), i);
}

KeyRange HybridPattern::windowRange(uint32_t i) const {
    if (window == 0)
        return {i, i};
    const contract::WindowBand band = contract::windowBand(window, causal);
    const uint32_t b = static_cast<uint32_t>(std::max<int64_t>(int64_t{i} - band.lo, 0));
    const uint32_t e = static_cast<uint32_t>(std::min<int64_t>(int64_t{i} + band.hi + 1, n));
    return {b, e};
}

std::vector<KeyRange> HybridPattern::rowRanges(uint32_t i) const {
    if (isGlobalRow(i))
        return {KeyRange{0, allowedEnd(*this, i)}};
    return collect(*this, i, kAll);
}

std::vector<uint32_t> HybridPattern::rowKeys(uint32_t i) const {
    const Ranges r = rowRanges(i);
    std::vector<uint32_t> keys;
    keys.reserve(static_cast<size_t>(rangesSize(r)));
    for (const auto& x : r)
        for (uint32_t j = x.first; j < x.second; ++j)
            keys.push_back(j);
    return keys;
}

uint32_t HybridPattern::rowNnz(uint32_t i) const {
    return static_cast<uint32_t>(rangesSize(rowRanges(i)));
}

uint64_t HybridPattern::nnz() const {
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; ++i)
        s += rowNnz(i);
    return s;
}

double HybridPattern::densityFull() const {
    return n == 0 ? 0.0 : static_cast<double>(nnz()) / (static_cast<double>(n) * n);
}

double HybridPattern::densityCausal() const {
    return n == 0 ? 0.0
                  : static_cast<double>(nnz()) / (static_cast<double>(n) * (static_cast<double>(n) + 1) / 2);
}

double HybridPattern::density() const {
    return causal ? densityCausal() : densityFull();
}

BlockCsr HybridPattern::toBlockCsr(uint32_t blockSize) const {
    if (blockSize == 0)
        throw std::invalid_argument("toBlockCsr: blockSize must be > 0");
    BlockCsr c;
    c.blockSize = blockSize;
    c.blockRows = c.blockCols = ceilDiv(n, blockSize);
    c.rowPtr.assign(size_t{c.blockRows} + 1, 0);
    std::vector<uint64_t> count(c.blockCols, 0);
    std::vector<uint32_t> touched;
    for (uint32_t br = 0; br < c.blockRows; ++br) {
        touched.clear();
        const uint32_t rowEnd =
            static_cast<uint32_t>(std::min<uint64_t>(uint64_t{br} * blockSize + blockSize, n));
        for (uint32_t i = br * blockSize; i < rowEnd; ++i) {
            for (const auto& r : rowRanges(i)) {
                for (uint32_t kb = r.first / blockSize; kb <= (r.second - 1) / blockSize; ++kb) {
                    const uint64_t b = std::max<uint64_t>(r.first, uint64_t{kb} * blockSize);
                    const uint64_t e = std::min<uint64_t>(r.second, uint64_t{kb} * blockSize + blockSize);
                    if (count[kb] == 0)
                        touched.push_back(kb);
                    count[kb] += e - b;
                }
            }
        }
        std::sort(touched.begin(), touched.end());
        for (uint32_t kb : touched) {
            c.colIdx.push_back(kb);
            c.blockNnz.push_back(count[kb]);
            count[kb] = 0;
        }
        c.rowPtr[br + 1] = c.colIdx.size();
    }
    c.nnzBlocks = c.colIdx.size();
    return c;
}

PatternStats HybridPattern::stats() const {
    PatternStats s;
    s.n = n;
    s.minKeysPerRow = std::numeric_limits<uint32_t>::max();
    for (uint32_t i = 0; i < n; ++i) {
        uint64_t all = 0;
        if (isGlobalRow(i)) {
            all = allowedEnd(*this, i);
            ++s.globalRows;
            s.globalNnz += all;
        } else {
            all = rangesSize(collect(*this, i, kAll));
            const uint64_t w = rangesSize(collect(*this, i, kWindow));
            const uint64_t wg = rangesSize(collect(*this, i, kWindow | kGlobalCol));
            const uint64_t wgr = rangesSize(collect(*this, i, kWindow | kGlobalCol | kRandom));
            s.windowNnz += w;
            s.globalNnz += wg - w;
            s.randomNnz += wgr - wg;
            s.explicitNnz += all - wgr;
        }
        s.nnz += all;
        if (all == 0)
            ++s.emptyRows;
        s.minKeysPerRow = std::min(s.minKeysPerRow, static_cast<uint32_t>(all));
        s.maxKeysPerRow = std::max(s.maxKeysPerRow, static_cast<uint32_t>(all));
    }
    if (n == 0)
        s.minKeysPerRow = 0;
    if (n > 0) {
        const double dn = n;
        s.densityFull = static_cast<double>(s.nnz) / (dn * dn);
        s.densityCausal = static_cast<double>(s.nnz) / (dn * (dn + 1) / 2);
        s.meanKeysPerRow = static_cast<double>(s.nnz) / dn;
    }
    if (s.nnz > 0) {
        const double t = static_cast<double>(s.nnz);
        s.globalShare = static_cast<double>(s.globalNnz) / t;
        s.windowShare = static_cast<double>(s.windowNnz) / t;
        s.randomShare = static_cast<double>(s.randomNnz) / t;
        s.explicitShare = static_cast<double>(s.explicitNnz) / t;
    }
    return s;
}

} // namespace pilot::host
