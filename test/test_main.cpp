// SPDX-License-Identifier: MIT
// Catch2 runs inside sc_main (after SCC); main() is tools/pilot/systemc_entry.cpp. CTest runs each test case
// in its own process (catch_discover_tests), because SystemC elaborates once per process.
#define CATCH_CONFIG_RUNNER
// Long test names must not wrap: CTest discovers cases from the listing, one per line.
#define CATCH_CONFIG_CONSOLE_WIDTH 400
#include <catch2/catch.hpp>
#include <systemc>

int sc_main(int argc, char* argv[]) {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    return Catch::Session().run(argc, argv);
}
