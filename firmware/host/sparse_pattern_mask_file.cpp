// SPDX-License-Identifier: MIT
// The mask text format of HybridPattern (sparse_pattern.h): reading a mask file, writing one.
#include "firmware/host/sparse_pattern.h"

#include <charconv>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace pilot::host {

namespace {

using Ranges = std::vector<KeyRange>;

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

bool parseU32(const std::string& s, uint32_t& v) {
    if (s.empty())
        return false;
    const char* end = s.data() + s.size();
    auto res = std::from_chars(s.data(), end, v);
    return res.ec == std::errc() && res.ptr == end;
}

[[noreturn]] void parseError(const std::string& source, uint64_t line, const std::string& reason) {
    throw std::runtime_error(source + ":" + std::to_string(line) + ": " + reason);
}

} // namespace

HybridPattern HybridPattern::fromMaskFile(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(path + ": cannot open mask file");
    HybridPattern p = parseMask(in, path);
    p.name = "file(" + path + ")";
    return p;
}

HybridPattern HybridPattern::parseMask(std::istream& in, const std::string& source) {
    HybridPattern p;
    p.name = "mask(" + source + ")";
    bool haveHeader = false;
    uint32_t row = 0;
    uint64_t lineNo = 0;
    std::string raw;
    while (std::getline(in, raw)) {
        ++lineNo;
        const auto hash = raw.find('#');
        const std::string line = trim(hash == std::string::npos ? raw : raw.substr(0, hash));
        if (line.empty())
            continue;
        if (!haveHeader) {
            std::istringstream ss(line);
            std::string nTok, cTok, extra;
            ss >> nTok >> cTok;
            if (cTok.empty() || (ss >> extra))
                parseError(source, lineNo,
                           "header must be \"N C\" (N rows, C = 0 or 1), got \"" + line + "\"");
            if (!parseU32(nTok, p.n) || p.n == 0)
                parseError(source, lineNo, "N must be a positive integer, got \"" + nTok + "\"");
            if (cTok == "0" || cTok == "noncausal")
                p.causal = false;
            else if (cTok == "1" || cTok == "causal")
                p.causal = true;
            else
                parseError(source, lineNo,
                           "causal flag must be 0, 1, noncausal or causal, got \"" + cTok + "\"");
            p.explicitRows.reserve(p.n);
            haveHeader = true;
            continue;
        }
        if (row >= p.n)
            parseError(source, lineNo, "more than N = " + std::to_string(p.n) + " row lines");
        Ranges ranges;
        if (line != "-") {
            std::string tok;
            std::istringstream ss(line);
            while (std::getline(ss, tok, ',')) {
                tok = trim(tok);
                if (tok.empty())
                    parseError(source, lineNo, "row " + std::to_string(row) + ": empty entry");
                uint32_t a = 0, b = 0;
                const auto dash = tok.find('-');
                if (dash == std::string::npos) {
                    if (!parseU32(tok, a))
                        parseError(source, lineNo,
                                   "row " + std::to_string(row) + ": bad key \"" + tok + "\"");
                    b = a;
                } else if (!parseU32(trim(tok.substr(0, dash)), a) ||
                           !parseU32(trim(tok.substr(dash + 1)), b)) {
                    parseError(source, lineNo, "row " + std::to_string(row) + ": bad range \"" + tok + "\"");
                }
                if (a > b)
                    parseError(source, lineNo,
                               "row " + std::to_string(row) + ": range \"" + tok +
                                   "\" ends before it begins");
                if (b >= p.n)
                    parseError(source, lineNo,
                               "row " + std::to_string(row) + ": key " + std::to_string(b) +
                                   " out of range (N = " + std::to_string(p.n) + ")");
                if (p.causal && b > row)
                    parseError(source, lineNo,
                               "row " + std::to_string(row) + ": key " + std::to_string(b) +
                                   " after the row in a causal mask");
                ranges.emplace_back(a, b + 1);
            }
            // A trailing comma leaves no token for getline; catch it here.
            if (line.back() == ',')
                parseError(source, lineNo, "row " + std::to_string(row) + ": empty entry");
        }
        mergeKeyRanges(ranges);
        p.explicitRows.push_back(std::move(ranges));
        ++row;
    }
    if (!haveHeader)
        parseError(source, lineNo, "missing header \"N C\"");
    if (row != p.n)
        parseError(source, lineNo,
                   "expected " + std::to_string(p.n) + " row lines, found " + std::to_string(row));
    return p;
}

void HybridPattern::writeMask(std::ostream& out) const {
    out << "# " << name << "\n" << n << ' ' << (causal ? 1 : 0) << "\n";
    for (uint32_t i = 0; i < n; ++i) {
        const Ranges r = rowRanges(i);
        if (r.empty())
            out << '-';
        for (size_t k = 0; k < r.size(); ++k) {
            if (k)
                out << ',';
            out << r[k].first;
            if (r[k].second - r[k].first > 1)
                out << '-' << (r[k].second - 1);
        }
        out << "\n";
    }
}

} // namespace pilot::host
