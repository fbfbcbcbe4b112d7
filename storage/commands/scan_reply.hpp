// What SCAN, HSCAN, SSCAN and ZSCAN share: the cursor, the options and the reply's shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "protocol/reply.hpp"
#include "storage/commands/command.hpp"
#include "storage/commands/lookup.hpp"

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


// HSCAN, SSCAN and ZSCAN: key cursor [MATCH pattern] [COUNT n] over the aggregate of `type` at
// argv[1] (`of` gives it from the value). A small one is replied whole with cursor 0, as Redis
// does; a big one by its members' hashes (slot_table::scan). add(found, options, item) adds an
// item (an element, a field and value pair, a zset_entry).
template <class Of, class Add>
void scan_aggregate(exec_context& ctx, arg_list argv, value_type type, Of of, Add add) {
  uint64_t cursor = 0;
  if (!parse_scan_cursor(argv[2], cursor)) {
    reply::error(ctx.out, "ERR invalid cursor");
    return;
  }
  bool failed = false;
  entry* e = lookup_typed(ctx, argv[1], type, failed);
  if (failed)
    return;
  if (!e) {
    ctx.out.append("*2\r\n$1\r\n0\r\n*0\r\n");
    return;
  }
  scan_options options;
  if (!parse_scan_options(ctx, argv, 3, false, options))
    return;
  const auto& agg = of(e->val);
  scan_reply found;
  uint64_t next = 0;
  using traits = typename std::decay_t<decltype(agg)>::traits;
  if (const auto* big = agg.unpacked())
    next = big->slots().scan(cursor, static_cast<size_t>(options.count),
                             [&](const auto* n) { add(found, options, traits::from_node(n)); });
  else
    for (const auto& item : agg)
      add(found, options, item);
  found.finish(ctx.out, next);
}

}  // namespace credis
