// SPDX-License-Identifier: MIT
#include "platform/simulation.h"

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

#include "models/common/output_file.h"

namespace pilot::platform {

namespace fs = std::filesystem;

void simulate(const sc_core::sc_time& duration) {
    try {
        sc_core::sc_start(duration);
    } catch (const sc_core::sc_report& r) {
        // sc_handle_exception() wraps a std::exception thrown in a process as an
        // SC_ID_SIMULATION_UNCAUGHT_EXCEPTION_ report whose message is the exception's what().
        const std::string type = r.get_msg_type() ? r.get_msg_type() : "";
        const std::string msg = r.get_msg() ? r.get_msg() : "";
        if (type == sc_core::SC_ID_SIMULATION_UNCAUGHT_EXCEPTION_)
            throw std::runtime_error(msg);
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
