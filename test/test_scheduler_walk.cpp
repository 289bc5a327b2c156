// SPDX-License-Identifier: MIT
// The scheduler's walk over the banks (scheduler_scan.h) without a SystemC kernel: a hand-built
// pseudo-channel state, the timing table, and FR-FCFS's proposal for one cycle. The walk sets
// banks aside in groups (banks with a wait hint, banks sure to need a bus that is taken); these
// tests check that a set-aside bank comes back when its state changes, and the cycles a bank
// set aside waits for, against values written from the state built here.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "models/hbm/memspec.h"
#include "models/hbm/pc_state.h"
#include "models/hbm/refresh_manager.h"
#include "models/hbm/scheduler.h"
#include "models/hbm/timing_table.h"

using namespace pilot::hbm;

namespace {

const Memspec& hbm3() {
    static const Memspec spec =
        loadMemspec(std::string(PILOT_SOURCE_DIR) + "/workloads/memspecs/hbm3-5200.json");
    return spec;
}

// One pseudo-channel as the controller keeps it: requests in one queue per bank (unified), the
// bank masks in step.
struct Channel {
    const Memspec& spec = hbm3();
    PcState s;
    TimingState timing{spec, spec.org.banksPerPc(), spec.org.bankGroupsPerPc()};
    std::unique_ptr<RefreshManager> refresh = makeRefreshManager("none", spec, 0);
    std::unique_ptr<Scheduler> sched = makeScheduler("fr-fcfs", ControllerConfig{});
    uint64_t seq = 0;

    Channel() {
        s.banks.resize(spec.org.banksPerPc());
        s.slots.resize(16);
        s.unified = true;
    }
    uint32_t group(uint32_t bank) const { return timing.groupOf(bank); }
    void open(uint32_t bank, uint32_t row, uint64_t cycle) {
        timing.record(Command::ACT, bank, group(bank), cycle);
        s.banks[bank].open = true;
        s.banks[bank].row = row;
        s.syncMasks(bank);
        sched->bankChanged(bank);
    }
    // Queues a read of `row` in `bank`, arrived at `arrival`, in slot `slot`.
    void queue(uint32_t slot, uint32_t bank, uint32_t row, uint64_t arrival) {
        Request& r = s.slots[slot];
        r = Request{};
        r.seq = seq++;
        r.arrival = arrival;
        r.row = row;
        r.bank = uint16_t(bank);
        r.group = uint16_t(group(bank));
        BankState& bk = s.banks[bank];
        bk.queue[0].push_back(slot);
        bk.latestArrival = std::max(bk.latestArrival, arrival);
        if (bk.open && bk.row == row)
            ++bk.hits[0];
        s.pendingBanks[0] |= uint64_t(1) << bank;
        s.syncMasks(bank);
        sched->bankChanged(bank);
    }
    uint64_t propose(uint64_t now, uint64_t rowFree, uint64_t colFree, Candidate& row, Candidate& col) {
        row = col = Candidate{};
        return sched->propose(s, timing, *refresh, now, rowFree, colFree, row, col);
    }
};

constexpr uint64_t kBase = 1000;

// Bank 0 is open at row 3 and waits with a request for another row: a read of row 3 (slot 1)
// joins its queue at `now`, and FR-FCFS must serve it at once, alone.
void checkOpenRowReadServed(Channel& ch, uint64_t now) {
    ch.queue(1, 0, 3, now);
    Candidate row, col;
    ch.propose(now, 0, 0, row, col);
    REQUIRE(col.valid());
    CHECK(col.cmd == Command::RD);
    CHECK(col.slot == 1);
    CHECK(col.bank == 0);
    CHECK_FALSE(row.valid());
}

} // namespace

TEST_CASE("Scheduler walk: a bank waiting on a hint is walked again once its queue changes",
          "[hbm][scheduler]") {
    Channel ch;
    ch.open(0, 3, kBase);
    ch.queue(0, 0, 5, kBase); // another row: needs a PRE, which waits for tRAS
    const uint64_t pre = ch.timing.earliest(Command::PRE, 0, 0);
    const uint64_t now = ch.timing.earliest(Command::RD, 0, 0); // a read of the open row may issue
    REQUIRE(pre > now);
    Candidate row, col;
    // The PRE must wait: nothing now, wake when it may issue (the walk leaves a hint for bank 0).
    CHECK(ch.propose(now, 0, 0, row, col) == pre);
    CHECK_FALSE(row.valid());
    CHECK_FALSE(col.valid());
    // A read of the open row joins the queue: FR-FCFS serves it first, now, despite the hint.
    checkOpenRowReadServed(ch, now);
}

TEST_CASE("Scheduler walk: a bank's kept choice is made again once its queue changes", "[hbm][scheduler]") {
    Channel ch;
    ch.open(0, 3, kBase);
    ch.queue(0, 0, 5, kBase); // another row: a PRE
    const uint64_t now =
        std::max(ch.timing.earliest(Command::PRE, 0, 0), ch.timing.earliest(Command::RD, 0, 0));
    Candidate row, col;
    // The PRE may issue now (the walk keeps bank 0's choice); asked again, the same.
    for (int i = 0; i < 2; ++i) {
        ch.propose(now, 0, 0, row, col);
        REQUIRE(row.valid());
        CHECK(row.cmd == Command::PRE);
        CHECK(row.slot == 0);
        CHECK_FALSE(col.valid());
    }
    // A read of the open row joins the queue: FR-FCFS now serves it, and the PRE is no longer
    // proposed (a kept choice that outlived the change would still propose it).
    checkOpenRowReadServed(ch, now);
}

TEST_CASE("Scheduler walk: banks sure to need a taken bus wait for it; others still propose",
          "[hbm][scheduler]") {
    Channel ch;
    ch.open(4, 7, kBase);
    ch.queue(0, 4, 7, kBase); // a hit in open bank 4 (column bus)
    ch.queue(1, 8, 2, kBase); // closed bank 8: an ACT (row bus)
    ch.queue(2, 9, 2, kBase); // closed bank 9: an ACT
    const uint64_t now = std::max(ch.timing.earliest(Command::RD, 4, ch.group(4)),
                                  ch.timing.earliest(Command::ACT, 8, ch.group(8)));
    REQUIRE(ch.timing.earliest(Command::ACT, 9, ch.group(9)) <= now);
    Candidate row, col;
    // Row bus taken for two more cycles: the ACTs wait for it; the read issues.
    CHECK(ch.propose(now, now + 2, 0, row, col) == now + 2);
    CHECK_FALSE(row.valid());
    REQUIRE(col.valid());
    CHECK(col.slot == 0);
    // Column bus taken instead: the read waits for it; the older ACT (bank 8) is proposed.
    CHECK(ch.propose(now, 0, now + 1, row, col) == now + 1);
    CHECK_FALSE(col.valid());
    REQUIRE(row.valid());
    CHECK(row.cmd == Command::ACT);
    CHECK(row.bank == 8);
}

TEST_CASE("Scheduler walk: with group bounds, reads of other banks wait for tCCDS, not only for the bus",
          "[hbm][scheduler]") {
    // Two open banks in different bank groups, a hit queued in each; a read of bank 0 issues at t
    // and holds the column bus one cycle. HBM3-5200: tCCDS = 2, tCCDL = 4 (the memspec).
    for (bool bounds : {false, true}) {
        Channel ch;
        ch.sched->useGroupBounds(bounds);
        REQUIRE(ch.group(0) != ch.group(5));
        ch.open(0, 3, kBase);
        ch.open(5, 3, kBase);
        ch.queue(0, 0, 3, kBase);
        ch.queue(1, 5, 3, kBase);
        const uint64_t t = std::max(ch.timing.earliest(Command::RD, 0, ch.group(0)),
                                    ch.timing.earliest(Command::RD, 5, ch.group(5)));
        ch.timing.record(Command::RD, 0, ch.group(0), t);
        Candidate row, col;
        // Both hits wait: without bounds for the bus (t + 1), with them for tCCDS (t + 2).
        CHECK(ch.propose(t, 0, t + 1, row, col) == (bounds ? t + 2 : t + 1));
        CHECK_FALSE(col.valid());
        // At t + 1 the bus is free but tCCDS is not over: nothing in either mode.
        ch.propose(t + 1, 0, t + 1, row, col);
        CHECK_FALSE(col.valid());
        // At t + 2 bank 5 (another group) may read; bank 0 waits for tCCDL (t + 4).
        ch.propose(t + 2, 0, t + 1, row, col);
        REQUIRE(col.valid());
        CHECK(col.bank == 5);
        CHECK(col.cmd == Command::RD);
    }
}
