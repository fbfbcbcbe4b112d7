// INFO commandstats and errorstats: per command Redis's calls, time, rejected_calls and
// failed_calls, and per error code (an error reply's first word) how many were sent.
//
// Every command runs on the multiplexer thread (connections and keyspace alike), so the
// counters are plain.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/latency_histogram.hpp"
#include "storage/tick_clock.hpp"

namespace credis {

struct command_counters {
  uint64_t calls = 0;
  uint64_t ticks = 0;  // storage/tick_clock.hpp
  uint64_t rejected = 0;
  uint64_t failed = 0;
  latency_histogram latency;  // while latency-tracking is on
};

class command_stats {
 public:
  // The command numbered `index` (its place in the command table) ran, replying `reply`.
  // `error_counted`: an error reply another command counted already (a script's, which
  // Redis's errorstats do not count twice); the call still failed.
  void called(size_t index, uint64_t ticks, std::string_view reply, bool error_counted = false) {
    command_counters& c = at(index);
    ++c.calls;
    c.ticks += ticks;
    if (latency_tracking)
      c.latency.record(to_ns(ticks));
    if (is_error(reply)) {
      ++c.failed;
      if (!error_counted)
        count_error(reply);
    }
  }
  // It was refused before it ran (wrong arity, NOAUTH, READONLY...).
  void rejected(size_t index, std::string_view reply) {
    ++at(index).rejected;
    count_error(reply);
  }
  // An error reply that belongs to no command (an unknown one).
  void count_error(std::string_view reply);

  uint64_t total_error_replies() const { return total_errors_; }
  // Calls `f(index, counters)` for each command with any count.
  void for_each_command(const std::function<void(size_t, const command_counters&)>& f) const;
  // The counters of one command; null when it has none.
  const command_counters* find(size_t index) const {
    return index < commands_.size() ? &commands_[index] : nullptr;
  }
  const std::map<std::string, uint64_t, std::less<>>& errors() const { return errors_; }
  void reset();

  static bool is_error(std::string_view reply) { return !reply.empty() && reply[0] == '-'; }

  // Ticks to nanoseconds at the rate the clock kept so far, measured again every 4096 calls
  // (a clock read each time would cost more than the histogram).
  int64_t to_ns(uint64_t ticks) {
    if ((conversions_++ & 4095) == 0)
      ns_per_tick_ = 1000.0 / ticks_per_microsecond();
    const double ns = static_cast<double>(ticks) * ns_per_tick_;
    return ns < 9e18 ? static_cast<int64_t>(ns) : INT64_MAX;  // a clock that went back
  }
  // The other way, at the rate to_ns last measured.
  uint64_t ticks_of_us(int64_t us) {
    if (conversions_ == 0)
      to_ns(0);
    return static_cast<uint64_t>(static_cast<double>(us) * 1000.0 / ns_per_tick_);
  }

  // latency-tracking: each call's time goes into its command's histogram (CONFIG SET and
  // start-up copy the setting here).
  bool latency_tracking = true;

 private:
  command_counters& at(size_t index) {
    if (index >= commands_.size())
      commands_.resize(index + 1);
    return commands_[index];
  }

  std::vector<command_counters> commands_;
  std::map<std::string, uint64_t, std::less<>> errors_;
  uint64_t total_errors_ = 0;
  uint64_t conversions_ = 0;
  double ns_per_tick_ = 1.0;
};

}  // namespace credis
