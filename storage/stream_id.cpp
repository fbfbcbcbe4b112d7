#include "storage/stream_id.hpp"

#include <cerrno>
#include <cstdlib>

#include "protocol/integers.hpp"

namespace credis {

bool stream_id::increment() {
  if (seq != UINT64_MAX) {
    ++seq;
    return true;
  }
  if (ms == UINT64_MAX) {
    ms = seq = 0;
    return false;
  }
  ++ms;
  seq = 0;
  return true;
}

bool stream_id::decrement() {
  if (seq != 0) {
    --seq;
    return true;
  }
  if (ms == 0) {
    ms = seq = UINT64_MAX;
    return false;
  }
  --ms;
  seq = UINT64_MAX;
  return true;
}

void stream_id::append_to(std::string& out) const {
  append_uint64(out, ms);
  out.push_back('-');
  append_uint64(out, seq);
}

std::string stream_id::str() const {
  std::string s;
  append_to(s);
  return s;
}

namespace {

// Redis's string2ull: a canonical integer that is not negative, or what strtoull takes whole
// (leading zeros, spaces, a sign, numbers past INT64_MAX).
bool parse_unsigned(const std::string& s, uint64_t& out) {
  int64_t v;
  if (parse_int64(s, v)) {
    if (v < 0)
      return false;
    out = static_cast<uint64_t>(v);
    return true;
  }
  if (s.empty())
    return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long u = std::strtoull(s.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0')
    return false;
  out = u;
  return true;
}

}  // namespace

bool parse_stream_id(std::string_view s, stream_id& id, uint64_t missing_seq, bool strict,
                     bool* seq_given) {
  if (s.size() > 127)
    return false;
  // Redis parses a copy as a C string: it ends at the first NUL byte ("5\0x" is 5).
  s = s.substr(0, s.find('\0'));
  if (strict && (s == "-" || s == "+"))
    return false;
  if (seq_given)
    *seq_given = true;
  if (s == "-") {
    id = {0, 0};
    return true;
  }
  if (s == "+") {
    id = stream_id::max();
    return true;
  }
  size_t dash = s.find('-');
  uint64_t ms, seq = missing_seq;
  if (!parse_unsigned(std::string(s.substr(0, dash)), ms))
    return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = s.substr(dash + 1);
    if (seq_given && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!parse_unsigned(std::string(rest), seq)) {
      return false;
    }
  }
  id = {ms, seq};
  return true;
}

}  // namespace credis
