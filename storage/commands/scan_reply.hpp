// What SCAN, HSCAN, SSCAN and ZSCAN share: the cursor, the options and the reply's shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/reply.hpp"
#include "storage/commands/command.hpp"

namespace credis {

// Redis reads the cursor with strtoul: an optional sign, then digits, all of it, in range; no
// leading space; "" is 0 and "-1" wraps to 2^64-1.
bool parse_scan_cursor(std::string_view text, uint64_t& cursor);

struct scan_options {
  std::optional<std::string_view> pattern;  // none: everything (MATCH "" matches only "")
  std::string_view type;                    // SCAN's TYPE; empty: any
  int64_t count = 10;

  bool matches(std::string_view name) const;
};

// [MATCH pattern] [COUNT n] (and [TYPE t] when `with_type`) from argv[first] on; false, with
// Redis's error replied, when they do not parse.
bool parse_scan_options(exec_context& ctx, arg_list argv, size_t first, bool with_type,
                        scan_options& out);

// Collects one SCAN reply: the items as they are added, then the cursor in front.
class scan_reply {
 public:
  void add(std::string_view item) {
    reply::bulk(body_, item);
    ++n_;
  }
  void finish(std::string& out, uint64_t next_cursor) const;

 private:
  std::string body_;
  int64_t n_ = 0;
};

}  // namespace credis
