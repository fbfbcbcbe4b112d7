#include "storage/commands/float_text.hpp"

#include <cctype>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace credis {

namespace {

// Redis's string2d and string2ld: all of `s`, no leading space, no NaN, no overflow or
// underflow. `convert` is strtod or strtold.
template <class Float, class Convert>
bool parse_float(std::string_view s, Float& out, Convert convert) {
  constexpr size_t max_chars = 5 * 1024;  // Redis's MAX_LONG_DOUBLE_CHARS
  if (s.empty() || s.size() >= max_chars || std::isspace(static_cast<unsigned char>(s[0])))
    return false;
  std::string text(s);  // strtod needs the terminating zero
  char* end = nullptr;
  errno = 0;
  Float v = convert(text.c_str(), &end);
  if (end != text.c_str() + text.size() || std::isnan(v))
    return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0))
    return false;
  out = v;
  return true;
}

}  // namespace

bool parse_long_double(std::string_view s, long double& out) {
  return parse_float(s, out, [](const char* p, char** end) { return std::strtold(p, end); });
}

bool parse_double(std::string_view s, double& out) {
  // The usual decimal forms through from_chars (correctly rounded, as strtod is, and without
  // copying); anything it does not take whole ("+1", hex, overflow, underflow) goes the slow
  // way, which decides as strtod does.
  if (!s.empty() && s.size() < 64 && (s[0] == '-' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) {
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc{} && r.ptr == s.data() + s.size() && std::isnormal(v)) {
      out = v;
      return true;
    }
  }
  return parse_float(s, out, [](const char* p, char** end) { return std::strtod(p, end); });
}

std::string format_long_double(long double v) {
  char buf[5 * 1024];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf))
    return {};
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0')
      s.pop_back();
    if (s.back() == '.')
      s.pop_back();
  }
  if (s == "-0")
    s = "0";
  return s;
}

std::string format_trimmed_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.')
      s.pop_back();
  }
  return s;
}

}  // namespace credis
