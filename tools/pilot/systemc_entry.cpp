// SPDX-License-Identifier: MIT
// The process entry of every program here that runs SystemC (pilot, pilot_tests). libsystemc
// provides a main() that prints the SystemC banner in sc_elab_and_sim, before sc_main runs, so
// sc_main is too late to silence it: this main() sets SystemC's own switch first, then enters
// SystemC as its main() would. Results go to stdout; a banner there is noise in every result.
#include <cstdlib>

#include <systemc>

int main(int argc, char* argv[]) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return sc_core::sc_elab_and_sim(argc, argv);
}
