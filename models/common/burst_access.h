// SPDX-License-Identifier: MIT
#pragma once
// A loosely-timed access of any length, split into transactions that never cross a burst
// boundary (what the memory controllers accept), each waited for in the caller's thread.
#include <algorithm>
#include <cstdint>

#include <systemc>
#include <tlm>

namespace pilot::common {

// Returns the address of the first transaction that failed, or UINT64_MAX when all succeeded.
template <typename Socket>
uint64_t burstAccess(Socket& socket, uint64_t addr, uint8_t* data, uint32_t len, bool write,
                     uint32_t burstBytes) {
    tlm::tlm_generic_payload t;
    while (len) {
        const uint32_t n = std::min<uint32_t>(len, burstBytes - uint32_t(addr % burstBytes));
        t.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        t.set_address(addr);
        t.set_data_ptr(data);
        t.set_data_length(n);
        t.set_streaming_width(n);
        t.set_byte_enable_ptr(nullptr);
        t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        socket->b_transport(t, d);
        sc_core::wait(d);
        if (t.is_response_error())
            return addr;
        addr += n;
        data += n;
        len -= n;
    }
    return UINT64_MAX;
}

} // namespace pilot::common
