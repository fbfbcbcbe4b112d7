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
    // (Overflow checks without a division: every RESP length goes through here.)
    if (__builtin_mul_overflow(v, 10u, &v) ||
        __builtin_add_overflow(v, static_cast<uint64_t>(c - '0'), &v))
      return false;
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

void append_uint64(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

bool parse_memory_size(std::string_view text, int64_t& bytes) {
  static const std::pair<std::string_view, int64_t> units[] = {
      {"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024LL * 1024 * 1024},
      {"k", 1000},  {"m", 1000 * 1000},  {"g", 1000LL * 1000 * 1000}, {"b", 1}};
  int64_t mul = 1;
  for (const auto& [suffix, factor] : units) {
    if (text.size() <= suffix.size())
      continue;
    bool match = true;
    for (size_t i = 0; i < suffix.size(); ++i) {
      char c = text[text.size() - suffix.size() + i];
      match = match && (c == suffix[i] || c == suffix[i] - 32);
    }
    if (match) {
      text.remove_suffix(suffix.size());
      mul = factor;
      break;
    }
  }
  int64_t n = 0;
  if (!parse_int64(text, n) || n < 0 || n > INT64_MAX / mul)
    return false;
  bytes = n * mul;
  return true;
}

}  // namespace credis
