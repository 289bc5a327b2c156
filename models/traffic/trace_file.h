// SPDX-License-Identifier: MIT
#pragma once
// Streaming reader of DRAMSys text traces (tukl-msd/DRAMSys configs/README.md "Trace Files",
// src/DRAMSys/initiators/player/StlPlayer.cpp). One transaction per line:
//
//     cycle: [(length)] read|write hex-address [hex-data]
//
//   31: read 0x400140
//   81: (128) read 0x400180
//   56: write 0x7fff8000 0x0123456789abcdef
//
//  - cycle: decimal, in clock cycles of the trace player (DRAMSys "clkMhz" of the player).
//    A .stl file gives absolute times; a .rstl file gives each delay relative to the end of
//    the previous transaction (DRAMSys tells them apart by extension only; timing()).
//  - (length): optional request length in bytes, at most kMaxTraceRequestBytes; without it the
//    player's default applies.
//  - hex-address: hexadecimal, "0x" optional (DRAMSys parses it with base 16).
//  - hex-data: optional, writes only, "0x" then two hex digits per byte. DRAMSys reads it as
//    one little-endian number: the last two digits are the byte at the lowest address, so
//    data[0] is the last byte pair. DRAMSys does not check it against (length); we do: data
//    must be exactly (length) bytes when both are given (TraceSource checks it against the
//    default length otherwise).
//  - '#' starts a comment (a whole line, or after the fields); blank lines are skipped.
// We require the ':' after the cycle that DRAMSys documents (its parser would tolerate none).
// Malformed lines throw common::ConfigError {file, "line N", reason}; N counts every line. A line
// longer than kMaxTraceLineBytes (a write of the longest request with its data and room to
// spare) is refused before it is read whole: a file without line breaks (/dev/zero) is not read
// into memory without end.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pilot::traffic {

// The longest request a trace line may ask for (1 MiB: 32768 HBM3 bursts), and the longest line.
inline constexpr uint32_t kMaxTraceRequestBytes = 1u << 20;
inline constexpr size_t kMaxTraceLineBytes = 2 * size_t(kMaxTraceRequestBytes) + 256;

struct TraceRequest {
    uint64_t time = 0; // in trace clock cycles: absolute (.stl) or a delay (.rstl)
    bool write = false;
    uint64_t address = 0;
    uint32_t bytes = 0;        // 0 = not given (use the player's default length)
    std::vector<uint8_t> data; // empty = not given; data[0] is the byte at `address`
};

enum class TraceTiming { Absolute, Relative };

// Timing of a trace file by its extension: ".rstl" relative, anything else absolute.
TraceTiming traceTimingOf(const std::string& path);

enum class TraceLine { Request, Skip, Error };
// Parses one line (without its line break). Request: `out` is filled. Skip: blank or
// comment. Error: `error` says what is wrong.
TraceLine parseTraceLine(std::string_view line, TraceRequest& out, std::string& error);

class TraceReader {
  public:
    explicit TraceReader(const std::string& path);
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    // Reads the next request; false at the end of the file. Throws ConfigError on a bad line.
    bool next(TraceRequest& out);

    uint64_t lineNumber() const { return m_line; }     // of the line last read, 1-based
    uint64_t fileBytes() const { return m_fileBytes; } // size of the file when opened
    uint64_t bytesRead() const { return m_consumed; }  // bytes of the lines read so far
    TraceTiming timing() const { return m_timing; }
    const std::string& path() const { return m_path; }

  private:
    bool nextLine(std::string_view& line);

    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::string m_path;
    std::unique_ptr<std::FILE, FileCloser> m_file;
    std::vector<char> m_buf;
    size_t m_begin = 0, m_end = 0; // unread bytes in m_buf
    bool m_eof = false;
    uint64_t m_line = 0, m_fileBytes = 0, m_consumed = 0;
    TraceTiming m_timing;
    std::string m_error;
};

} // namespace pilot::traffic
