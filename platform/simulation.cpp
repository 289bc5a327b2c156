// SPDX-License-Identifier: MIT
#include "platform/simulation.h"

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

#include "models/common/config_error.h"
#include "models/common/output_file.h"
#include "models/common/run_ahead.h"

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace pilot::platform {

namespace fs = std::filesystem;

namespace {

// libsystemc calls ASan's fiber API on every coroutine switch when the program has it (weak
// symbols). Back on the main thread after sc_start, ASan can still take a coroutine's stack for
// the current one: it then ignores the stack unpoisoning of the next C++ throw ("ASan is
// ignoring requested __asan_handle_no_return") and reports a false stack-use-after-scope at a
// later one, so an error found after a run (a failed write, say) aborted the sanitizer build
// instead of being reported. Telling ASan again which stack the main thread is on fixes that;
// without ASan this is nothing.
void mainStackAgain() {
#if defined(__SANITIZE_ADDRESS__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    void* bottom = nullptr;
    size_t size = 0;
    const bool ok = pthread_attr_getstack(&attr, &bottom, &size) == 0;
    pthread_attr_destroy(&attr);
    if (!ok)
        return;
    void* fakeStack = nullptr;
    __sanitizer_start_switch_fiber(&fakeStack, bottom, size);
    __sanitizer_finish_switch_fiber(fakeStack, nullptr, nullptr);
#endif
}

} // namespace

void simulate(const sc_core::sc_time& duration) {
    try {
        common::RunAhead::beginRun((sc_core::sc_time_stamp() + duration).value());
        sc_core::sc_start(duration);
        mainStackAgain();
    } catch (const sc_core::sc_report& r) {
        mainStackAgain();
        // sc_handle_exception() wraps a std::exception thrown in a process as an
        // SC_ID_SIMULATION_UNCAUGHT_EXCEPTION_ report whose message is the exception's what().
        const std::string type = r.get_msg_type() ? r.get_msg_type() : "";
        const std::string msg = r.get_msg() ? r.get_msg() : "";
        if (type == sc_core::SC_ID_SIMULATION_UNCAUGHT_EXCEPTION_) {
            // Bad input found while running (a trace line): its `file: line N: reason` as it was
            // (the campaign found it printed as "error: file: line N: ...").
            const std::vector<common::ConfigIssue> last = common::lastConfigIssues();
            if (!last.empty() && common::ConfigError(last).what() == msg)
                throw common::ConfigError(last);
            throw std::runtime_error(msg);
        }
        throw std::runtime_error(type.empty() ? msg : type + ": " + msg);
    }
}

VcdOutput::VcdOutput(const std::string& path) : m_path(path) {
    if (path.empty())
        return;
    static std::atomic<unsigned> count{0};
    m_tmpBase = (fs::temp_directory_path() /
                 ("pilot-vcd-" + std::to_string(::getpid()) + "-" + std::to_string(count++)))
                    .string();
    m_file = sc_core::sc_create_vcd_trace_file(m_tmpBase.c_str()); // SystemC appends ".vcd"
    m_file->set_time_unit(1, sc_core::SC_PS);
}

VcdOutput::~VcdOutput() {
    if (m_file)
        sc_core::sc_close_vcd_trace_file(m_file);
    if (!m_tmpBase.empty()) {
        std::error_code ec;
        fs::remove(m_tmpBase + ".vcd", ec);
    }
}

void VcdOutput::close() {
    if (!m_file)
        return;
    sc_core::sc_close_vcd_trace_file(m_file);
    m_file = nullptr;
    common::copyFileChecked(m_tmpBase + ".vcd", m_path);
}

} // namespace pilot::platform
