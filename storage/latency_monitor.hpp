// LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR: for each kind of event that took at least
// latency-monitor-threshold milliseconds ("command", "fast-command", "expire-cycle", "fork"),
// the worst latency of each second, the last 160 such seconds (Redis's latency.c).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace credis {

class latency_monitor {
 public:
  static constexpr size_t samples_kept = 160;

  struct sample {
    int64_t unix_seconds = 0;  // 0: unused
    int64_t ms = 0;
  };
  struct series {
    std::array<sample, samples_kept> samples{};
    size_t next = 0;      // where the next second's sample goes
    int64_t max_ms = 0;   // the worst since the event was first seen (or reset)
    const sample& latest() const { return samples[(next + samples_kept - 1) % samples_kept]; }
    // The samples in use, oldest first.
    std::vector<sample> history() const;
  };

  // Records `ms` for `event` when the threshold (0: off) asks for it.
  void record(std::string_view event, int64_t ms, int64_t threshold_ms, int64_t unix_seconds) {
    if (threshold_ms > 0 && ms >= threshold_ms)
      add(event, ms, unix_seconds);
  }
  void add(std::string_view event, int64_t ms, int64_t unix_seconds);
  // Forgets one event (any case), or all of them when `event` is empty; returns how many.
  size_t reset(std::string_view event = {});

  const std::map<std::string, series, std::less<>>& events() const { return events_; }
  const series* find(std::string_view event) const;

  // LATENCY GRAPH's text: the event's samples as an ASCII chart, oldest to the left, each
  // labelled with how long ago it was.
  static std::string graph(std::string_view event, const series& s, int64_t now_seconds);
  // LATENCY DOCTOR's text: each event's spikes, average, deviation and worst, then advice.
  std::string doctor(int64_t threshold_ms, int64_t slowlog_threshold_us) const;

 private:
  std::map<std::string, series, std::less<>> events_;
};

}  // namespace credis
