// SPDX-License-Identifier: MIT
// The refresh policies: all-bank (REFAB every tREFI after closing every bank), per-bank (REFPB
// to one bank every tREFI / banks, round robin, the others keep serving) and none (focused
// timing experiments only: the checker reports tREFI on long runs). Registered by name below.
#include <algorithm>

#include "models/common/registry.h"
#include "models/hbm/refresh_manager.h"

namespace pilot::hbm {

namespace {

// Pseudo-channels of a stack start their refresh staggered across the interval, as controllers
// do to spread the refresh current, rather than all at once.
uint64_t staggeredStart(uint64_t interval, const Memspec& spec, uint32_t pcIndex) {
    const uint32_t pcs = spec.org.pcsPerStack();
    return interval + interval * (pcIndex % pcs) / pcs;
}

// An all-bank refresh's next command: PREA while any bank is open, then REFAB.
void proposeAllBank(const PcState& s, const TimingState& timing, uint64_t now, uint64_t rowBusFree,
                    uint64_t due, Candidate& rowCmd, uint64_t& next) {
    const bool anyOpen = s.anyOpen();
    Candidate c;
    c.cmd = anyOpen ? Command::PREA : Command::REFAB;
    c.age = due;
    uint64_t e = rowBusFree;
    for (uint32_t b = 0; b < s.banks.size(); ++b)
        if (!anyOpen || s.banks[b].open)
            e = std::max(e, timing.earliest(c.cmd, b, timing.groupOf(b)));
    if (e <= now)
        rowCmd = c;
    else
        next = std::min(next, e);
}

class AllBankRefresh final : public RefreshManager {
  public:
    AllBankRefresh(const Memspec& spec, uint32_t pcIndex) : m_interval(spec.t.REFI) {
        m_due = staggeredStart(spec.t.REFI, spec, pcIndex);
    }

    void propose(const PcState& s, const TimingState& timing, uint64_t now, uint64_t rowBusFree, bool,
                 Candidate& rowCmd, uint64_t& next) override {
        if (!becameDue(now, next))
            return;
        proposeAllBank(s, timing, now, rowBusFree, m_due, rowCmd, next);
    }
    bool blocksBank(uint32_t) const override { return m_pending; }
    bool blocksAll() const override { return m_pending; }
    void onRefresh(Command) override {
        m_pending = false;
        m_due += m_interval;
    }

  private:
    bool becameDue(uint64_t now, uint64_t& next) {
        if (!m_pending && now < m_due) {
            next = std::min(next, m_due);
            return false;
        }
        m_pending = true;
        return true;
    }
    const uint64_t m_interval;
};

class PerBankRefresh final : public RefreshManager {
  public:
    PerBankRefresh(const Memspec& spec, uint32_t pcIndex)
        : m_interval(spec.refiPerBank()), m_banks(spec.org.banksPerPc()) {
        m_due = staggeredStart(spec.refiPerBank(), spec, pcIndex);
    }

    void propose(const PcState& s, const TimingState& timing, uint64_t now, uint64_t rowBusFree,
                 bool allBankWork, Candidate& rowCmd, uint64_t& next) override {
        if (!m_pending) {
            if (now < m_due) {
                next = std::min(next, m_due);
                return;
            }
            m_pending = true;
        }
        // All-bank PIM work needs every bank: refreshing one bank every tREFI / banks, each busy
        // for tRFCpb, would keep one bank away from it for good (tRFCpb > tREFI / banks in HBM3).
        // Refresh them all at once instead (PREA, REFAB), which covers the whole interval.
        m_allBank = allBankWork;
        if (m_allBank)
            return proposeAllBank(s, timing, now, rowBusFree, m_due, rowCmd, next);
        Candidate c;
        c.bank = m_bank;
        c.cmd = s.banks[m_bank].open ? Command::PRE : Command::REFPB;
        c.age = m_due;
        const uint64_t e = std::max(rowBusFree, timing.earliest(c.cmd, m_bank, timing.groupOf(m_bank)));
        if (e <= now)
            rowCmd = c;
        else
            next = std::min(next, e);
    }
    bool blocksBank(uint32_t bank) const override { return m_pending && (m_allBank || bank == m_bank); }
    bool blocksAll() const override { return m_pending && m_allBank; }
    void onRefresh(Command cmd) override {
        m_pending = false;
        if (cmd == Command::REFAB) {
            m_due += uint64_t(m_interval) * m_banks; // every bank refreshed: a whole tREFI
            return;
        }
        m_due += m_interval;
        m_bank = (m_bank + 1) % m_banks;
    }

  private:
    const uint64_t m_interval;
    const uint32_t m_banks;
    uint32_t m_bank = 0;    // the bank whose turn it is
    bool m_allBank = false; // this refresh is an all-bank one (all-bank PIM work)
};

class NoRefresh final : public RefreshManager {
  public:
    NoRefresh(const Memspec&, uint32_t) {}
    void propose(const PcState&, const TimingState&, uint64_t, uint64_t, bool, Candidate&,
                 uint64_t&) override {}
    bool blocksBank(uint32_t) const override { return false; }
    bool blocksAll() const override { return false; }
    void onRefresh(Command) override {}
};

template <class T> std::unique_ptr<RefreshManager> make(const Memspec& spec, uint32_t pc) {
    return std::make_unique<T>(spec, pc);
}
const common::Registry<RefreshManager, const Memspec&, uint32_t>& registry() {
    static const common::Registry<RefreshManager, const Memspec&, uint32_t> r(
        "refresh policy",
        {{"all-bank", make<AllBankRefresh>}, {"per-bank", make<PerBankRefresh>}, {"none", make<NoRefresh>}});
    return r;
}

} // namespace

std::unique_ptr<RefreshManager> makeRefreshManager(const std::string& name, const Memspec& spec,
                                                   uint32_t pcIndex) {
    return registry().make(name, spec, pcIndex);
}
std::vector<std::string> refreshNames() {
    return registry().names();
}

} // namespace pilot::hbm
