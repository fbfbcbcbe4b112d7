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
// A bulk argument this long or longer is "big" (Redis's PROTO_MBULK_BIG_ARG): its bytes may be
// collected outside the input buffer, straight into the memory that will keep them.
constexpr size_t big_bulk_size = 32 * 1024;

class resp_parser {
 public:
  enum class result { command, incomplete, error };

  // Parses one command starting at input[pos]. On `command`, `argv` holds its arguments (views
  // into `input`) and `pos` is advanced past it. On `incomplete`, `pos` is only advanced past
  // empty commands it skipped (callers that count bytes must count those). On
  // `error`, error() has Redis's text (without "-ERR " prefix) and the connection must close.
  // Empty commands (a blank inline line, `*0`, `*-1`) are consumed and skipped.
  result parse(std::string_view input, size_t& pos, std::vector<std::string_view>& argv);

  const std::string& error() const { return error_; }

  // What a client may claim in a request: a bulk's longest length (proto-max-bulk-len), and,
  // while it has yet to authenticate, at most 10 arguments of 16 KB each (as Redis 7.0).
  void set_limits(int64_t max_bulk, bool unauthenticated) {
    max_bulk_ = max_bulk;
    unauthenticated_ = unauthenticated;
  }

  // After `incomplete`: true when what is missing is the data of a big bulk argument, which
  // starts at input[pos + big_bulk_offset()] and is big_bulk_length() bytes long. The caller may
  // then take those bytes out of its input (the ones already there and the rest as it arrives)
  // and hand them over with add_big_bulk(), so its input never holds them.
  bool big_bulk_pending() const {
    return bulk_len_ >= static_cast<int64_t>(big_bulk_size) && !external_.data();
  }
  size_t big_bulk_offset() const { return cursor_; }
  size_t big_bulk_length() const { return static_cast<size_t>(bulk_len_); }
  // The pending big bulk's data, which must stay valid until the command is complete. The input
  // then goes on at big_bulk_offset() with the bytes after the data (its CRLF).
  void add_big_bulk(std::string_view data);

 private:
  result parse_multibulk(std::string_view in, size_t& pos, std::vector<std::string_view>& argv);
  result parse_inline(std::string_view in, size_t& pos, std::vector<std::string_view>& argv);
  result fail(std::string msg);
  void reset();

  // Progress through the current multibulk command, relative to its first byte.
  int64_t expected_args_ = -1;  // -1: the "*<n>" header has not been read yet
  size_t cursor_ = 0;           // first byte not yet parsed
  struct arg {
    size_t offset;          // in the command, or
    size_t length;
    const char* external;   // where a big bulk collected by the caller lives
  };
  std::vector<arg> args_;       // each complete bulk
  std::string_view external_;   // a big bulk handed over, waiting for its CRLF
  int64_t bulk_len_ = -1;       // length from a "$<n>" header whose data is still pending
  size_t inline_scanned_ = 0;   // bytes of an inline line already searched for '\n'
  std::string error_;
  int64_t max_bulk_ = max_bulk_length;
  bool unauthenticated_ = false;
  std::vector<std::string> inline_args_;  // inline arguments after unquoting
};

// Splits an inline request like Redis's sdssplitargs: whitespace separated words, "double
// quoted" strings with \n \r \t \b \a \\ \" \xHH escapes and 'single quoted' strings.
// Returns false on unbalanced quotes.
bool split_inline_args(std::string_view line, std::vector<std::string>& out);

}  // namespace credis
