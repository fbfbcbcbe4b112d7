#include "storage/latency_monitor.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "storage/commands/text.hpp"

namespace credis {

std::vector<latency_monitor::sample> latency_monitor::series::history() const {
  std::vector<sample> out;
  for (size_t j = 0; j < samples_kept; ++j) {
    const sample& s = samples[(next + j) % samples_kept];
    if (s.unix_seconds != 0)
      out.push_back(s);
  }
  return out;
}

void latency_monitor::add(std::string_view event, int64_t ms, int64_t unix_seconds) {
  auto it = events_.find(event);
  if (it == events_.end())
    it = events_.emplace(std::string(event), series{}).first;
  series& s = it->second;
  s.max_ms = std::max(s.max_ms, ms);
  sample& prev = s.samples[(s.next + samples_kept - 1) % samples_kept];
  if (prev.unix_seconds == unix_seconds) {  // one sample per second: its worst
    prev.ms = std::max(prev.ms, ms);
    return;
  }
  s.samples[s.next] = {unix_seconds, ms};
  s.next = (s.next + 1) % samples_kept;
}

size_t latency_monitor::reset(std::string_view event) {
  size_t removed = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    if (event.empty() || iequals(event, it->first)) {
      it = events_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

const latency_monitor::series* latency_monitor::find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

namespace {

std::string ago(int64_t seconds) {
  char buf[32];
  if (seconds < 60)
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
  else if (seconds < 3600)
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(seconds / 60));
  else if (seconds < 86400)
    std::snprintf(buf, sizeof buf, "%lldh", static_cast<long long>(seconds / 3600));
  else
    std::snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(seconds / 86400));
  return buf;
}

}  // namespace

std::string latency_monitor::graph(std::string_view event, const series& s, int64_t now_seconds) {
  constexpr int rows = 4, columns = 80;
  const std::vector<sample> samples = s.history();
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    lo = i == 0 ? samples[i].ms : std::min(lo, samples[i].ms);
    hi = i == 0 ? samples[i].ms : std::max(hi, samples[i].ms);
  }
  char head[200];
  std::snprintf(head, sizeof head, "%.*s - high %lld ms, low %lld ms (all time high %lld ms)\n",
                static_cast<int>(event.size()), event.data(), static_cast<long long>(hi),
                static_cast<long long>(lo), static_cast<long long>(s.max_ms));
  std::string out = head;
  out.append(columns, '-');
  out += '\n';
  // The latest `columns` samples, one column each: a bar of `rows` cells, '#' up to its height.
  const size_t first = samples.size() > columns ? samples.size() - columns : 0;
  const int64_t span = hi - lo;
  std::vector<int> heights;
  std::vector<std::string> labels;
  for (size_t i = first; i < samples.size(); ++i) {
    heights.push_back(span == 0 ? rows
                                : 1 + static_cast<int>((samples[i].ms - lo) * (rows - 1) / span));
    labels.push_back(ago(now_seconds - samples[i].unix_seconds));
  }
  for (int r = rows; r >= 1; --r) {
    for (int h : heights)
      out += h >= r ? '#' : ' ';
    out += '\n';
  }
  // The labels written downwards, one character per line.
  size_t longest = 0;
  for (const auto& l : labels)
    longest = std::max(longest, l.size());
  for (size_t line = 0; line < longest; ++line) {
    for (const auto& l : labels)
      out += line < l.size() ? l[line] : ' ';
    out += '\n';
  }
  return out;
}

std::string latency_monitor::doctor(int64_t threshold_ms, int64_t slowlog_threshold_us) const {
  if (events_.empty() && threshold_ms == 0)
    return "Latency monitoring is disabled on this server: CONFIG SET "
           "latency-monitor-threshold <milliseconds> enables it.\n";
  if (events_.empty())
    return "No latency spike was observed since the monitor was enabled or reset "
           "(latency-monitor-threshold " +
           std::to_string(threshold_ms) + " ms).\n";
  std::string out = "Latency events of this server:\n\n";
  int n = 0;
  bool commands_slow = false;
  for (const auto& [event, s] : events_) {
    const std::vector<sample> samples = s.history();
    double sum = 0;
    for (const auto& x : samples)
      sum += static_cast<double>(x.ms);
    const double avg = samples.empty() ? 0 : sum / static_cast<double>(samples.size());
    double deviation = 0;
    for (const auto& x : samples)
      deviation += std::abs(static_cast<double>(x.ms) - avg);
    if (!samples.empty())
      deviation /= static_cast<double>(samples.size());
    const int64_t period = samples.size() > 1
                               ? (samples.back().unix_seconds - samples.front().unix_seconds) /
                                     static_cast<int64_t>(samples.size() - 1)
                               : 0;
    char line[400];
    std::snprintf(line, sizeof line,
                  "%d. %s: %zu latency spikes (average %.0fms, mean deviation %.0fms, period "
                  "%lld sec). Worst all time event %lldms.\n",
                  ++n, event.c_str(), samples.size(), avg, deviation,
                  static_cast<long long>(period), static_cast<long long>(s.max_ms));
    out += line;
    commands_slow = commands_slow || event == "command" || event == "fast-command";
  }
  out += "\nAdvice:\n";
  if (commands_slow && slowlog_threshold_us < 0)
    out +=
        "- Slow commands were seen but the slow log is off: CONFIG SET "
        "slowlog-log-slower-than <microseconds> records them.\n";
  else if (commands_slow)
    out += "- Slow commands were seen: SLOWLOG GET shows which, and with which arguments.\n";
  if (events_.count("fork"))
    out +=
        "- Forking for a snapshot took long: a smaller dataset per process, or fewer "
        "save points, shortens it.\n";
  if (events_.count("expire-cycle"))
    out += "- Many keys expired at once: spreading their deadlines avoids such cycles.\n";
  if (!commands_slow && !events_.count("fork") && !events_.count("expire-cycle"))
    out += "- None for these events.\n";
  return out;
}

}  // namespace credis
