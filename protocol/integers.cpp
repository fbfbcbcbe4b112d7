#include "protocol/integers.hpp"

#include <charconv>
#include <limits>

namespace credis {

bool parse_int64(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20)
    return false;
  if (s.size() == 1 && s[0] == '0') {
    out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1)
      return false;
  }
  if (s[i] < '1' || s[i] > '9')
    return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9')
      return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  constexpr uint64_t max_positive = std::numeric_limits<int64_t>::max();
  if (negative) {
    if (v > max_positive + 1)
      return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > max_positive)
      return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

void append_int64(std::string& out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

}  // namespace credis
