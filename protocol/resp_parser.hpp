// Incremental parser for client requests: RESP2 multibulk arrays and inline commands.
//
// The parser never copies argument bytes. It reads from the caller's input buffer, and a
// complete command comes back as views into that buffer. When a command is not complete yet,
// it remembers how far it got (relative to the command's first byte), so the caller may append
// more bytes, or move the unconsumed tail to the front of its buffer, and call again: already
// validated headers and bulk strings are not scanned twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace credis {

// Redis's limits (networking.c): longest inline request or header line, longest bulk string,
// most elements in one multibulk request.
constexpr size_t max_inline_size = 64 * 1024;
constexpr int64_t max_bulk_length = 512LL * 1024 * 1024;
constexpr int64_t max_multibulk_length = 1024 * 1024;

class resp_parser {
 public:
  enum class result { command, incomplete, error };

  // Parses one command starting at input[pos]. On `command`, `argv` holds its arguments (views
  // into `input`) and `pos` is advanced past it. On `incomplete`, `pos` is unchanged. On
  // `error`, error() has Redis's text (without "-ERR " prefix) and the connection must close.
  // Empty commands (a blank inline line, `*0`, `*-1`) are consumed and skipped.
  result parse(std::string_view input, size_t& pos, std::vector<std::string_view>& argv);

  const std::string& error() const { return error_; }

 private:
  result parse_multibulk(std::string_view in, size_t& pos, std::vector<std::string_view>& argv);
  result parse_inline(std::string_view in, size_t& pos, std::vector<std::string_view>& argv);
  result fail(std::string msg);
  void reset();

  // Progress through the current multibulk command, relative to its first byte.
  int64_t expected_args_ = -1;  // -1: the "*<n>" header has not been read yet
  size_t cursor_ = 0;           // first byte not yet parsed
  std::vector<std::pair<size_t, size_t>> args_;  // (offset, length) of each complete bulk
  int64_t bulk_len_ = -1;       // length from a "$<n>" header whose data is still pending
  size_t inline_scanned_ = 0;   // bytes of an inline line already searched for '\n'
  std::string error_;
  std::vector<std::string> inline_args_;  // inline arguments after unquoting
};

// Splits an inline request like Redis's sdssplitargs: whitespace separated words, "double
// quoted" strings with \n \r \t \b \a \\ \" \xHH escapes and 'single quoted' strings.
// Returns false on unbalanced quotes.
bool split_inline_args(std::string_view line, std::vector<std::string>& out);

}  // namespace credis
