#include "protocol/resp_parser.hpp"

#include <algorithm>
#include <cstring>

#include "protocol/integers.hpp"

namespace credis {

namespace {

// Finds the "\r\n"-terminated line starting at `from`; returns the offset of '\r' or npos.
size_t find_line_end(std::string_view in, size_t from) {
  size_t cr = in.find('\r', from);
  if (cr == std::string_view::npos || cr + 1 >= in.size())
    return std::string_view::npos;
  return cr;
}

// The usual length line: 1 to 18 digits without a leading zero, then '\r' and a byte after
// it. Read in one pass, where the general path (find_line_end, then parse_int64) costs ~70
// instructions per length; false for anything else, which that path then reads.
bool read_plain_length(std::string_view in, size_t from, int64_t& value, size_t& cr) {
  size_t i = from;
  const size_t digits_end = std::min(in.size(), from + 18);
  if (i >= digits_end || in[i] < '1' || in[i] > '9')
    return false;
  int64_t v = in[i++] - '0';
  while (i < digits_end && in[i] >= '0' && in[i] <= '9')
    v = v * 10 + (in[i++] - '0');
  if (i + 1 >= in.size() || in[i] != '\r')
    return false;
  value = v;
  cr = i;
  return true;
}

}  // namespace

void resp_parser::reset() {
  expected_args_ = -1;
  cursor_ = 0;
  args_.clear();
  bulk_len_ = -1;
  inline_scanned_ = 0;
  external_ = {};
}

void resp_parser::add_big_bulk(std::string_view data) {
  external_ = data;
  bulk_len_ = 0;  // what is left of it in the input: its CRLF
}

resp_parser::result resp_parser::fail(std::string msg) {
  error_ = std::move(msg);
  reset();
  return result::error;
}

resp_parser::result resp_parser::parse(std::string_view input, size_t& pos,
                                       std::vector<std::string_view>& argv) {
  for (;;) {
    if (pos >= input.size())
      return result::incomplete;
    result r = input[pos] == '*' ? parse_multibulk(input, pos, argv)
                                 : parse_inline(input, pos, argv);
    // An empty command was consumed: look for the next one.
    if (r == result::command && argv.empty())
      continue;
    return r;
  }
}

resp_parser::result resp_parser::parse_multibulk(std::string_view in, size_t& pos,
                                                 std::vector<std::string_view>& argv) {
  std::string_view cmd = in.substr(pos);
  if (expected_args_ < 0) {
    int64_t n = 0;
    size_t cr = 0;
    bool ok = read_plain_length(cmd, 1, n, cr);
    if (!ok) {
      cr = find_line_end(cmd, 1);
      if (cr == std::string_view::npos) {
        if (cmd.size() > max_inline_size)
          return fail("Protocol error: too big mbulk count string");
        return result::incomplete;
      }
      ok = parse_int64(cmd.substr(1, cr - 1), n);
    }
    if (!ok || n > max_multibulk_length)
      return fail("Protocol error: invalid multibulk length");
    if (n > 10 && unauthenticated_)
      return fail("Protocol error: unauthenticated multibulk length");
    cursor_ = cr + 2;
    if (n <= 0) {
      pos += cursor_;
      reset();
      argv.clear();
      return result::command;
    }
    expected_args_ = n;
    // Reserve modestly: the count is only a claim until the bytes arrive.
    args_.reserve(static_cast<size_t>(n < 1024 ? n : 1024));
  }
  while (static_cast<int64_t>(args_.size()) < expected_args_) {
    if (bulk_len_ < 0) {
      if (cursor_ >= cmd.size())
        return result::incomplete;
      int64_t len = 0;
      size_t cr = 0;
      bool ok = cmd[cursor_] == '$' && read_plain_length(cmd, cursor_ + 1, len, cr);
      if (!ok) {
        cr = find_line_end(cmd, cursor_);
        if (cr == std::string_view::npos) {
          if (cmd.size() - cursor_ > max_inline_size)
            return fail("Protocol error: too big bulk count string");
          return result::incomplete;
        }
        if (cmd[cursor_] != '$')
          return fail(std::string("Protocol error: expected '$', got '") + cmd[cursor_] + "'");
        ok = parse_int64(cmd.substr(cursor_ + 1, cr - cursor_ - 1), len);
      }
      if (!ok || len < 0 || len > max_bulk_)
        return fail("Protocol error: invalid bulk length");
      if (len > 16384 && unauthenticated_)
        return fail("Protocol error: unauthenticated bulk length");
      bulk_len_ = len;
      cursor_ = cr + 2;
    }
    // Like Redis, the two bytes after the data are taken as the CRLF without checking them.
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (cmd.size() - cursor_ < need)
      return result::incomplete;
    if (external_.data()) {
      args_.push_back({0, external_.size(), external_.data()});
      external_ = {};
    } else {
      args_.push_back({cursor_, static_cast<size_t>(bulk_len_), nullptr});
    }
    cursor_ += need;
    bulk_len_ = -1;
  }
  argv.clear();
  for (const arg& a : args_)
    argv.emplace_back(a.external ? a.external : cmd.data() + a.offset, a.length);
  pos += cursor_;
  reset();
  return result::command;
}

resp_parser::result resp_parser::parse_inline(std::string_view in, size_t& pos,
                                              std::vector<std::string_view>& argv) {
  std::string_view cmd = in.substr(pos);
  size_t nl = cmd.find('\n', inline_scanned_);
  if (nl == std::string_view::npos) {
    if (cmd.size() > max_inline_size)
      return fail("Protocol error: too big inline request");
    inline_scanned_ = cmd.size();
    return result::incomplete;
  }
  std::string_view line = cmd.substr(0, nl);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (!split_inline_args(line, inline_args_))
    return fail("Protocol error: unbalanced quotes in request");
  argv.clear();
  for (const auto& a : inline_args_)
    argv.emplace_back(a);
  pos += nl + 1;
  reset();
  return result::command;
}

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return c - 'A' + 10;
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f';
}

// A set of bytes, looked up with one load: the loops below run over every byte of a line.
struct byte_set {
  bool has[256] = {};
  constexpr explicit byte_set(std::string_view chars) {
    for (char c : chars)
      has[static_cast<unsigned char>(c)] = true;
  }
};
constexpr byte_set word_stops(" \n\r\t\v\f\"'");  // end a plain word, or open a quote
constexpr byte_set double_stops("\\\"");              // an escape, or the closing quote
constexpr byte_set single_stops("\\'");

// Where the bytes from `i` that need no special handling end.
size_t plain_run_end(std::string_view line, size_t i, const byte_set& stops) {
  while (i < line.size() && !stops.has[static_cast<unsigned char>(line[i])])
    ++i;
  return i;
}

char unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

}  // namespace

bool split_inline_args(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  const size_t n = line.size();
  for (;;) {
    while (i < n && is_space(line[i]))
      ++i;
    if (i >= n)
      return true;
    std::string word;
    bool in_double = false, in_single = false;
    for (;;) {
      // Plain bytes are taken a run at a time.
      const byte_set& stops = in_double ? double_stops : in_single ? single_stops : word_stops;
      if (size_t end = plain_run_end(line, i, stops); end > i) {
        word.append(line.substr(i, end - i));
        i = end;
        continue;
      }
      if (in_double) {
        if (i >= n)
          return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && is_hex(line[i + 2]) &&
            is_hex(line[i + 3])) {
          word.push_back(static_cast<char>(hex_value(line[i + 2]) * 16 + hex_value(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          word.push_back(unescape(line[i]));
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end of the line.
          if (i + 1 < n && !is_space(line[i + 1]))
            return false;
          in_double = false;
          ++i;
          break;
        } else {
          word.push_back(line[i]);
        }
      } else if (in_single) {
        if (i >= n)
          return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          word.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !is_space(line[i + 1]))
            return false;
          in_single = false;
          ++i;
          break;
        } else {
          word.push_back(line[i]);
        }
      } else {
        if (i >= n || is_space(line[i]))
          break;
        if (line[i] == '"')
          in_double = true;
        else if (line[i] == '\'')
          in_single = true;
        else
          word.push_back(line[i]);
      }
      ++i;
    }
    out.push_back(std::move(word));
  }
}

}  // namespace credis
