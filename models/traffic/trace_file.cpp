// SPDX-License-Identifier: MIT
#include "models/traffic/trace_file.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "models/common/config_error.h"

namespace pilot::traffic {

namespace {

constexpr size_t kChunk = 1 << 20;

bool isSpace(char c) {
    return c == ' ' || c == '\t';
}

// Value of a hex digit, or -1.
int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A cursor over one line.
struct Cursor {
    const char* p;
    const char* end;
    void skipSpace() {
        while (p < end && isSpace(*p))
            ++p;
    }
    bool atEnd() const { return p == end || *p == '#'; } // '#' starts a trailing comment
    std::string_view token() {
        const char* b = p;
        while (p < end && !isSpace(*p))
            ++p;
        return {b, size_t(p - b)};
    }
};

std::string quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

} // namespace

TraceTiming traceTimingOf(const std::string& path) {
    const std::string ext = ".rstl";
    bool relative = path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
    return relative ? TraceTiming::Relative : TraceTiming::Absolute;
}

namespace {

// Each field reader of a line: false with `error` set when the field is malformed.

// cycle:
bool readTime(Cursor& c, TraceRequest& out, std::string& error) {
    auto [tp, tec] = std::from_chars(c.p, c.end, out.time, 10);
    if (tec == std::errc::result_out_of_range) {
        error = "time stamp out of range";
        return false;
    }
    if (tec != std::errc() || tp == c.p) {
        error = "expected a time stamp in cycles (a decimal number) at " + quoted(c.token());
        return false;
    }
    c.p = tp;
    if (c.p == c.end || *c.p != ':') {
        error = "expected ':' after the time stamp";
        return false;
    }
    ++c.p;
    c.skipSpace();
    return true;
}

// [(length)]
bool readLength(Cursor& c, TraceRequest& out, std::string& error) {
    out.bytes = 0;
    if (c.p < c.end && *c.p == '(') {
        ++c.p;
        uint32_t len = 0;
        auto [lp, lec] = std::from_chars(c.p, c.end, len, 10);
        if (lec == std::errc::result_out_of_range || (lec == std::errc() && len > kMaxTraceRequestBytes)) {
            error = "length " + quoted(std::string_view(c.p, size_t(std::find(c.p, c.end, ')') - c.p))) +
                    " is above the " + std::to_string(kMaxTraceRequestBytes) +
                    " bytes a trace request may have";
            return false;
        }
        if (lec != std::errc() || lp == c.p || lp == c.end || *lp != ')' || len == 0) {
            error = "expected a length in bytes as \"(N)\" with N > 0";
            return false;
        }
        out.bytes = len;
        c.p = lp + 1;
        c.skipSpace();
    }
    return true;
}

// read | write
bool readCommand(Cursor& c, TraceRequest& out, std::string& error) {
    if (c.atEnd()) {
        error = "missing command (read or write)";
        return false;
    }
    std::string_view cmd = c.token();
    if (cmd == "read") {
        out.write = false;
    } else if (cmd == "write") {
        out.write = true;
    } else {
        error = "unknown command " + quoted(cmd) + " (expected read or write)";
        return false;
    }
    c.skipSpace();
    return true;
}

// hex-address
bool readAddress(Cursor& c, TraceRequest& out, std::string& error) {
    if (c.atEnd()) {
        error = "missing address";
        return false;
    }
    std::string_view addr = c.token();
    std::string_view digits = addr;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        digits.remove_prefix(2);
    auto [ap, aec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.address, 16);
    if (aec == std::errc::result_out_of_range) {
        error = "address " + quoted(addr) + " does not fit 64 bits";
        return false;
    }
    if (aec != std::errc() || ap != digits.data() + digits.size()) {
        error = "bad hexadecimal address " + quoted(addr);
        return false;
    }
    c.skipSpace();
    return true;
}

// [hex-data] (writes only)
bool readData(Cursor& c, TraceRequest& out, std::string& error) {
    out.data.clear();
    if (c.atEnd())
        return true;
    std::string_view data = c.token();
    if (!out.write) {
        error = "unexpected " + quoted(data) + " after the address of a read (data belongs to writes)";
        return false;
    }
    if (data.size() < 4 || data[0] != '0' || (data[1] != 'x' && data[1] != 'X') || (data.size() % 2) != 0) {
        error = "data must be \"0x\" followed by two hex digits per byte (got " + quoted(data) + ")";
        return false;
    }
    const size_t n = (data.size() - 2) / 2;
    out.data.resize(n);
    // Little-endian: the last digit pair is the byte at the lowest address.
    for (size_t i = 0; i < n; ++i) {
        const size_t pos = data.size() - 2 * (i + 1);
        const int hi = hexValue(data[pos]), lo = hexValue(data[pos + 1]);
        if (hi < 0 || lo < 0) {
            error = "bad hex digit in data " + quoted(data);
            return false;
        }
        out.data[i] = uint8_t(hi * 16 + lo);
    }
    c.skipSpace();
    return true;
}

} // namespace

namespace {

// Digit values by character (-1: not a digit of the base), for the shortcut below.
struct DigitTables {
    int8_t dec[256], hex[256];
    constexpr DigitTables() : dec(), hex() {
        for (int c = 0; c < 256; ++c) {
            dec[c] = c >= '0' && c <= '9' ? int8_t(c - '0') : -1;
            hex[c] = c >= '0' && c <= '9'   ? int8_t(c - '0')
                     : c >= 'a' && c <= 'f' ? int8_t(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? int8_t(c - 'A' + 10)
                                            : -1;
        }
    }
};
constexpr DigitTables kDigits;

// The digits of [p, end) from p on, in base 10 or (Hex) 16, at most `maxDigits` of them
// (so that the value cannot overflow): the end of the digits, or nullptr when there are none
// or too many.
template <bool Hex>
const char* readDigits(const char* p, const char* end, size_t maxDigits, uint64_t& value) {
    const int8_t* table = Hex ? kDigits.hex : kDigits.dec;
    const char* b = p;
    uint64_t v = 0;
    for (int d; p < end && (d = table[uint8_t(*p)]) >= 0; ++p)
        v = (Hex ? v << 4 : v * 10) + uint64_t(d);
    if (p == b || size_t(p - b) > maxDigits)
        return nullptr;
    value = v;
    return p;
}

const char* skipBlanks(const char* p, const char* end) {
    while (p < end && isSpace(*p))
        ++p;
    return p;
}

// The shape nearly every line has, "T: [(L)] read|write [0x]ADDR" with nothing after the
// address, read without the field readers' cursor and error strings (this runs for every line
// of a trace). False when the line is not exactly of that shape: the field readers then give
// the same request, or say what is wrong.
bool parseCommonLine(std::string_view line, TraceRequest& out) {
    const char* p = line.data();
    const char* const end = p + line.size();
    uint64_t time = 0, bytes = 0, address = 0;
    // 19 decimal or 16 hex digits always fit 64 bits; longer numbers go the long way.
    if (!(p = readDigits<false>(p, end, 19, time)) || p == end || *p != ':')
        return false;
    p = skipBlanks(p + 1, end);
    if (p < end && *p == '(') {
        if (!(p = readDigits<false>(p + 1, end, 7, bytes)) || p == end || *p != ')' || bytes == 0 ||
            bytes > kMaxTraceRequestBytes)
            return false;
        p = skipBlanks(p + 1, end);
    }
    bool write;
    if (end - p > 4 && std::memcmp(p, "read", 4) == 0 && isSpace(p[4])) {
        write = false;
        p += 4;
    } else if (end - p > 5 && std::memcmp(p, "write", 5) == 0 && isSpace(p[5])) {
        write = true;
        p += 5;
    } else {
        return false;
    }
    p = skipBlanks(p, end);
    if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!(p = readDigits<true>(p, end, 16, address)) || skipBlanks(p, end) != end ||
        (p < end && !isSpace(*p)))
        return false;
    out.time = time;
    out.bytes = uint32_t(bytes);
    out.write = write;
    out.address = address;
    out.data.clear();
    return true;
}

} // namespace

TraceLine parseTraceLine(std::string_view line, TraceRequest& out, std::string& error) {
    if (parseCommonLine(line, out))
        return TraceLine::Request;
    Cursor c{line.data(), line.data() + line.size()};
    c.skipSpace();
    if (c.atEnd())
        return TraceLine::Skip;
    if (!readTime(c, out, error) || !readLength(c, out, error) || !readCommand(c, out, error) ||
        !readAddress(c, out, error) || !readData(c, out, error))
        return TraceLine::Error;
    if (!c.atEnd()) {
        error = "unexpected " + quoted(c.token()) + " at the end of the line";
        return TraceLine::Error;
    }
    if (out.bytes && !out.data.empty() && out.data.size() != out.bytes) {
        error = "the data is " + std::to_string(out.data.size()) + " bytes, the length (" +
                std::to_string(out.bytes) + ") says " + std::to_string(out.bytes);
        return TraceLine::Error;
    }
    return TraceLine::Request;
}

TraceReader::TraceReader(const std::string& path)
    : m_path(path), m_file(std::fopen(path.c_str(), "rb")), m_timing(traceTimingOf(path)) {
    if (!m_file)
        throw common::ConfigError(
            {{path, "", "cannot open trace file: " + std::string(std::strerror(errno))}});
    if (std::fseek(m_file.get(), 0, SEEK_END) == 0) {
        long size = std::ftell(m_file.get());
        if (size > 0)
            m_fileBytes = uint64_t(size);
        std::fseek(m_file.get(), 0, SEEK_SET);
    }
    m_buf.resize(kChunk);
}

bool TraceReader::nextLine(std::string_view& line) {
    for (;;) {
        const char* b = m_buf.data() + m_begin;
        const size_t avail = m_end - m_begin;
        const char* nl = static_cast<const char*>(std::memchr(b, '\n', avail));
        if (nl || (m_eof && avail > 0)) {
            size_t len = nl ? size_t(nl - b) : avail;
            m_begin += nl ? len + 1 : len;
            m_consumed += nl ? len + 1 : len;
            if (len > 0 && b[len - 1] == '\r')
                --len;
            line = std::string_view(b, len);
            ++m_line;
            return true;
        }
        if (m_eof)
            return false;
        // Keep the partial line, make room, read more.
        if (m_begin > 0) {
            std::memmove(m_buf.data(), m_buf.data() + m_begin, avail);
            m_begin = 0;
            m_end = avail;
        }
        if (m_end == m_buf.size()) {
            if (m_buf.size() >= kMaxTraceLineBytes)
                throw common::ConfigError(
                    {{m_path, "line " + std::to_string(m_line + 1),
                      "no line break in the first " + std::to_string(m_buf.size()) +
                          " bytes: a trace line has at most " + std::to_string(kMaxTraceLineBytes)}});
            m_buf.resize(std::min(m_buf.size() * 2, kMaxTraceLineBytes)); // a line longer than the buffer
        }
        const size_t got = std::fread(m_buf.data() + m_end, 1, m_buf.size() - m_end, m_file.get());
        m_end += got;
        if (got == 0) {
            if (std::ferror(m_file.get()))
                throw common::ConfigError({{m_path, "line " + std::to_string(m_line + 1), "read error"}});
            m_eof = true;
        }
    }
}

bool TraceReader::next(TraceRequest& out) {
    std::string_view line;
    while (nextLine(line)) {
        switch (parseTraceLine(line, out, m_error)) {
        case TraceLine::Request:
            return true;
        case TraceLine::Skip:
            continue;
        case TraceLine::Error:
            throw common::ConfigError({{m_path, "line " + std::to_string(m_line), m_error}});
        }
    }
    return false;
}

} // namespace pilot::traffic
