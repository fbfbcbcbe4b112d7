// When the event loop should poll without sleeping, and for how long. No CAF: unit-tested alone.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>

namespace credis {

// A sleep in epoll_wait costs the thread a wake-up later (the scheduler, a context switch,
// caches gone cold): `wake_cost` of CPU. A spin avoids it when work comes within the spin, and
// costs its whole length on top of the sleep when none does. So each candidate spin length keeps
// a balance of what spinning that long would have saved in the last rounds: the wake-up less the
// time spun when the gap before the work was shorter, the length when it was longer. Gaps are
// measured whether the loop spun or slept, so the balances follow the load either way; the loop
// spins with the length that saved the most, and not at all while none saved.
class spin_policy {
 public:
  using nanos = std::chrono::nanoseconds;

  // Gaps shorter than this found work at once: nothing to spin or sleep for, not counted.
  static constexpr nanos at_once{1000};

  // Candidate lengths are an eighth, a quarter, half of `longest` and `longest`; of two that
  // saved as much, the shorter is taken (it wastes less when the load changes).
  spin_policy(nanos wake_cost, nanos longest) : wake_cost_(wake_cost.count()) {
    for (size_t i = 0; i < lengths_.size(); ++i)
      lengths_[i] = longest.count() >> (lengths_.size() - 1 - i);
    // A balance saturates at a few wake-ups either way, so a change of load is followed within
    // tens of rounds, and no spell of one kind of load outweighs the next.
    cap_ = 16 * wake_cost_;
  }

  // How long to spin before sleeping now (0: sleep at once).
  nanos length() const { return nanos{best_ < 0 ? 0 : lengths_[best_]}; }

  // The loop was idle for `gap` before it found work.
  void record_gap(nanos gap) {
    const int64_t g = gap.count();
    if (g < at_once.count())
      return;
    best_ = -1;
    int64_t best_balance = 0;
    for (size_t i = 0; i < lengths_.size(); ++i) {
      int64_t& b = balance_[i];
      b += g < lengths_[i] ? wake_cost_ - g : -lengths_[i];
      b = std::clamp(b, -cap_, cap_);
      if (b > best_balance) {
        best_balance = b;
        best_ = static_cast<int>(i);
      }
    }
  }

 private:
  int64_t wake_cost_;
  int64_t cap_;
  std::array<int64_t, 4> lengths_{};
  std::array<int64_t, 4> balance_{};
  int best_ = -1;  // index into lengths_, -1: no spin
};

}  // namespace credis
