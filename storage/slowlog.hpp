// SLOWLOG: the latest commands that ran longer than slowlog-log-slower-than microseconds, at
// most slowlog-max-len of them, newest first (Redis's slowlog.c).
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace credis {

struct slowlog_entry {
  int64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t duration_us = 0;
  // At most 32, each cut to 128 bytes, as Redis keeps them ("... (N more bytes)").
  std::vector<std::string> args;
  std::string client_addr;  // "ip:port"
  std::string client_name;
};

// Replaces the arguments an entry must not show (a password) with "(redacted)".
using slowlog_redactor = void (*)(std::vector<std::string>& args);

class slowlog {
 public:
  static constexpr size_t max_args = 32;
  static constexpr size_t max_arg_bytes = 128;

  // Logs a command that ran `duration_us` when `threshold_us` (slowlog-log-slower-than) asks for
  // it: -1 logs nothing, 0 everything. Keeps the newest `max_len` entries.
  void record(std::span<const std::string_view> argv, int64_t duration_us, int64_t threshold_us,
              int64_t max_len, int64_t unix_seconds, std::string_view client_addr,
              std::string_view client_name, slowlog_redactor redact = nullptr);
  // Drops the oldest entries beyond `max_len` (CONFIG SET slowlog-max-len).
  void trim(int64_t max_len);
  void reset() { entries_.clear(); }

  const std::deque<slowlog_entry>& entries() const { return entries_; }  // newest first

  // An argument as an entry keeps it: cut to max_arg_bytes, "... (N more bytes)" after.
  static std::string logged_form(std::string_view arg);

 private:
  std::deque<slowlog_entry> entries_;
  int64_t next_id_ = 0;
};

}  // namespace credis
