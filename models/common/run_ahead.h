// SPDX-License-Identifier: MIT
#pragma once
// Temporal decoupling of the DRAM channel from the SystemC kernel (TLM-2.0's "local time", one
// for the whole assembly). A channel that decides every cycle costs one timed kernel step per
// decision (12-14% of a replay's time). Where nothing but the channel and the initiators it calls
// synchronously can act before its next decision, it may decide that cycle at once, ahead of the
// kernel: the models of such an assembly read the current time from nowPs() (the kernel's time,
// or the cycle the channel decides ahead), annotate delays from that local time, and notify
// events relative to the kernel's time (notifyAt, which also tells mayRunTo). The platform allows
// it only for assemblies where that holds (one channel without PEs, initiators on the
// non-blocking path, no waveform sampled at kernel steps). One simulation per process at a time,
// like SystemC itself: the state is static.
#include <algorithm>
#include <cstdint>

#include <systemc>

namespace pilot::common {

class RunAhead {
  public:
    // Local time: what the models take as now. Inside the channel's decision process it is kept
    // here (the kernel's time cannot move while a process runs): a read costs no call into the
    // kernel, and the channel's models read it several times per command.
    static uint64_t nowPs() { return s_inDecision ? s_localPs : sc_core::sc_time_stamp().value(); }
    // The kernel's time, which events count from.
    static uint64_t kernelPs() { return s_inDecision ? s_kernelPs : sc_core::sc_time_stamp().value(); }
    // A channel's decision process runs at kernel time `kernelPs` while a Decision lives (in step
    // until runTo).
    class Decision {
      public:
        explicit Decision(uint64_t kernelPs) {
            s_kernelPs = s_localPs = kernelPs;
            s_inDecision = true;
            s_pendingKnown = false;
        }
        ~Decision() { s_inDecision = false; }
        Decision(const Decision&) = delete;
        Decision& operator=(const Decision&) = delete;
    };
    // Platform: the assembly allows running ahead while an Allowance lives (off otherwise).
    class Allowance {
      public:
        explicit Allowance(bool on) {
            s_allowed = on;
            s_decisionsAhead = 0;
        }
        ~Allowance() { s_allowed = false; }
        Allowance(const Allowance&) = delete;
        Allowance& operator=(const Allowance&) = delete;
    };
    // platform::simulate: the kernel stops at `endPs` (sc_start's duration): never run past it.
    static void beginRun(uint64_t endPs) {
        s_endPs = endPs;
        s_paused = false;
        s_inDecision = false; // (a run that ended in an exception may have left it ahead)
    }
    // An initiator pauses the simulation (its work is done): the kernel stops after this delta,
    // so nothing may run ahead of it any more.
    static void pause() {
        s_paused = true;
        sc_core::sc_pause();
    }
    // Notifies `e` at local time `atPs` (not before the kernel's time): the models that may run
    // within a channel's Decision notify through here, so that mayRunTo knows.
    static void notifyAt(sc_core::sc_event& e, uint64_t atPs) {
        e.notify(sc_core::sc_time::from_value(atPs - kernelPs()));
        s_pendingPs = std::min(s_pendingPs, atPs);
    }
    // The channel, in a Decision at kernel time `kernelPs`: whether it may decide at `targetPs`
    // now, ahead of the kernel (nothing else pending before it, no pause, within this run). The
    // kernel is asked once per Decision; the events notified since come through notifyAt.
    static bool mayRunTo(uint64_t kernelPs, uint64_t targetPs) {
        if (!s_allowed || s_paused || targetPs >= s_endPs)
            return false;
        if (!s_pendingKnown) {
            if (sc_core::sc_pending_activity_at_current_time())
                return false;
            s_pendingPs = kernelPs + sc_core::sc_time_to_pending_activity().value(); // (none: the max)
            s_pendingKnown = true;
        }
        return targetPs < s_pendingPs;
    }
    // Within a Decision, the channel runs ahead to `targetPs` (mayRunTo).
    static void runTo(uint64_t targetPs) {
        s_localPs = targetPs;
        ++s_decisionsAhead;
    }
    // Decisions made ahead of the kernel since the last Allowance began (tests, benchmarks).
    static uint64_t decisionsAhead() { return s_decisionsAhead; }

  private:
    static inline uint64_t s_kernelPs = 0, s_localPs = 0;
    static inline bool s_inDecision = false;
    static inline bool s_pendingKnown = false; // s_pendingPs holds the kernel's next activity
    static inline uint64_t s_pendingPs = 0;
    static inline uint64_t s_endPs = 0;
    static inline bool s_allowed = false;
    static inline bool s_paused = false;
    static inline uint64_t s_decisionsAhead = 0;
};

} // namespace pilot::common
