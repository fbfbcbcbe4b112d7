#include "storage/slowlog.hpp"

#include <algorithm>

namespace credis {

std::string slowlog::logged_form(std::string_view arg) {
  if (arg.size() <= max_arg_bytes)
    return std::string(arg);
  std::string s(arg.substr(0, max_arg_bytes));
  s += "... (" + std::to_string(arg.size() - max_arg_bytes) + " more bytes)";
  return s;
}

void slowlog::record(std::span<const std::string_view> argv, int64_t duration_us,
                     int64_t threshold_us, int64_t max_len, int64_t unix_seconds,
                     std::string_view client_addr, std::string_view client_name,
                     slowlog_redactor redact) {
  if (threshold_us < 0 || duration_us < threshold_us)
    return;
  slowlog_entry e;
  e.id = next_id_++;
  e.unix_seconds = unix_seconds;
  e.duration_us = duration_us;
  const size_t kept = std::min(argv.size(), max_args);
  e.args.reserve(kept);
  for (size_t i = 0; i < kept; ++i) {
    if (kept < argv.size() && i == kept - 1)
      e.args.push_back("... (" + std::to_string(argv.size() - kept + 1) + " more arguments)");
    else
      e.args.push_back(logged_form(argv[i]));
  }
  if (redact)
    redact(e.args);
  e.client_addr = std::string(client_addr);
  e.client_name = std::string(client_name);
  entries_.push_front(std::move(e));
  trim(max_len);
}

void slowlog::trim(int64_t max_len) {
  while (!entries_.empty() && static_cast<int64_t>(entries_.size()) > std::max<int64_t>(max_len, 0))
    entries_.pop_back();
}

}  // namespace credis
