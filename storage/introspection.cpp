#include "storage/introspection.hpp"

#include <cstdio>

#include "storage/quoted.hpp"

namespace credis {

std::string monitor_line(int64_t unix_us, int db, std::string_view addr,
                         std::span<const std::string_view> argv, slowlog_redactor redact) {
  char head[96];
  std::snprintf(head, sizeof head, "+%lld.%06lld [%d ", static_cast<long long>(unix_us / 1000000),
                static_cast<long long>(unix_us % 1000000), db);
  std::string line = head;
  line.append(addr);
  line += ']';
  std::vector<std::string> hidden;
  if (redact) {
    hidden.assign(argv.begin(), argv.end());
    redact(hidden);
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    line += ' ';
    line += quoted_repr(redact ? std::string_view(hidden[i]) : argv[i]);
  }
  line += "\r\n";
  return line;
}

}  // namespace credis
