// SPDX-License-Identifier: MIT
#pragma once
// The two things every run does with the SystemC kernel, in one place: advancing simulated
// time, and the VCD waveform. An exception thrown inside a SystemC process reaches sc_start as
// an sc_report ("Error: (E549) uncaught exception: ... In file: kernel/sc_except.cpp:101 In
// process: ..."); simulate() gives back the plain reason instead. The waveform is written by
// SystemC without any error checking, so it goes to a temporary file that is copied, checked,
// to the path the user named when the run closes it.
#include <memory>
#include <string>

#include <systemc>

namespace pilot::platform {

// sc_start(duration); an error raised inside a process is rethrown as std::runtime_error with
// the thrown exception's message alone (or the report's "type: message").
void simulate(const sc_core::sc_time& duration);

class VcdOutput {
  public:
    // `path` empty: no waveform (get() is nullptr).
    explicit VcdOutput(const std::string& path);
    ~VcdOutput(); // an unclosed waveform (a run that failed) is dropped
    VcdOutput(const VcdOutput&) = delete;
    VcdOutput& operator=(const VcdOutput&) = delete;

    sc_core::sc_trace_file* get() const { return m_file; }
    // Closes the waveform and writes it to the path; throws common::FileError when it cannot.
    void close();

  private:
    std::string m_path, m_tmpBase;
    sc_core::sc_trace_file* m_file = nullptr;
};

} // namespace pilot::platform
