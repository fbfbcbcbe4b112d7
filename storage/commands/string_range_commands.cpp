// Commands that read or write part of a string (Redis's t_string.c): GETRANGE, SUBSTR,
// SETRANGE, and LCS (the longest common subsequence of two strings).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/index_range.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/shared_strings.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;

namespace {

// GETRANGE key start end (and SUBSTR): inclusive, negative indexes count from the end.
void getrange_command(exec_context& ctx, arg_list argv) {
  int64_t start = 0, end = 0;
  if (!parse_integer_arg(ctx, argv[2], start) || !parse_integer_arg(ctx, argv[3], end))
    return;
  bool wrong = false;
  entry* e = lookup_typed(ctx, argv[1], value_type::string, wrong);
  if (wrong)
    return;
  std::string_view s = e ? e->val.str() : std::string_view();
  auto len = static_cast<int64_t>(s.size());
  // Both negative with start past end: empty, before the clamping below could make them meet.
  if (start < 0 && end < 0 && start > end) {
    reply::bulk(ctx.out, {});
    return;
  }
  if (!clamp_index_range(start, end, len))
    reply::bulk(ctx.out, {});
  else
    reply::bulk(ctx.out,
                s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value: overwrites from `offset`, padding with zero bytes; replies the
// new length.
void setrange_command(exec_context& ctx, arg_list argv) {
  int64_t offset = 0;
  if (!parse_int64(argv[2], offset)) {
    reply::error(ctx.out, errors::not_integer);
    return;
  }
  if (offset < 0) {
    reply::error(ctx.out, "ERR offset is out of range");
    return;
  }
  std::string_view piece = argv[3];
  entry* e = ctx.db().find(argv[1], ctx.expiry_now);
  if (e && e->val.type() != value_type::string) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  std::string_view old = e ? e->val.str() : std::string_view();
  if (piece.empty()) {  // nothing to write: nothing is created either
    reply::integer(ctx.out, static_cast<int64_t>(old.size()));
    return;
  }
  if (string_too_long(ctx, static_cast<uint64_t>(offset), piece.size()))
    return;
  const size_t at = static_cast<size_t>(offset);
  if (!e)
    e = &ctx.db().put(argv[1], value(), no_expiry);
  std::memcpy(e->val.writable_str(at + piece.size()) + at, piece.data(), piece.size());
  mark_dirty(ctx);
  reply::integer(ctx.out, static_cast<int64_t>(e->val.str().size()));
}

// LCS's table: at (i, j) the length of the longest common subsequence of a[0..i) and b[0..j).
class lcs_table {
 public:
  lcs_table(std::string_view a, std::string_view b) : width_(b.size() + 1) {
    cells_.resize((a.size() + 1) * width_);
    for (size_t i = 1; i <= a.size(); ++i)
      for (size_t j = 1; j <= b.size(); ++j)
        at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1
                                        : std::max(at(i - 1, j), at(i, j - 1));
  }
  uint32_t at(size_t i, size_t j) const { return cells_[i * width_ + j]; }

 private:
  uint32_t& at(size_t i, size_t j) { return cells_[i * width_ + j]; }
  size_t width_;
  std::vector<uint32_t> cells_;
};

// One run of matching bytes, as LCS IDX reports it: inclusive ranges in a and in b.
struct lcs_match {
  uint32_t a_start, a_end, b_start, b_end;
};

// Walks the table back from its end as Redis does, collecting the subsequence and the runs of
// contiguous matches (from the ends of the strings towards their starts). A run is closed when
// the walk leaves it, or reaches the first byte of either string.
void lcs_walk(const lcs_table& t, std::string_view a, std::string_view b, std::string& text,
              std::vector<lcs_match>& matches) {
  uint32_t left = t.at(a.size(), b.size());
  text.assign(left, '\0');
  const auto none = static_cast<uint32_t>(a.size());  // no run open
  lcs_match run{none, 0, 0, 0};
  for (size_t i = a.size(), j = b.size(); i > 0 && j > 0;) {
    bool close = false;
    if (a[i - 1] == b[j - 1]) {
      text[--left] = a[i - 1];
      if (run.a_start == none) {
        run = {static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i - 1),
               static_cast<uint32_t>(j - 1), static_cast<uint32_t>(j - 1)};
      } else if (run.a_start == i && run.b_start == j) {
        --run.a_start;  // contiguous with the run: it grows backwards
        --run.b_start;
      } else {
        close = true;
      }
      if (run.a_start == 0 || run.b_start == 0)
        close = true;
      --i;
      --j;
    } else {
      if (t.at(i - 1, j) > t.at(i, j - 1))
        --i;
      else
        --j;
      close = run.a_start != none;
    }
    if (close) {
      matches.push_back(run);
      run.a_start = none;
    }
  }
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
void lcs_command(exec_context& ctx, arg_list argv) {
  entry* ea = lookup_read(ctx, argv[1]);
  entry* eb = lookup_read(ctx, argv[2]);
  if ((ea && ea->val.type() != value_type::string) ||
      (eb && eb->val.type() != value_type::string)) {
    reply::error(ctx.out, "ERR The specified keys must contain string values");
    return;
  }
  bool len_only = false, with_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (iequals(argv[i], "idx")) {
      with_idx = true;
    } else if (iequals(argv[i], "len")) {
      len_only = true;
    } else if (iequals(argv[i], "withmatchlen")) {
      with_match_len = true;
    } else if (iequals(argv[i], "minmatchlen") && i + 1 < argv.size()) {
      if (!parse_integer_arg(ctx, argv[++i], min_match_len))
        return;
    } else {
      reply::error(ctx.out, errors::syntax);
      return;
    }
  }
  if (len_only && with_idx) {
    reply::error(ctx.out, "ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  const std::string a(ea ? ea->val.str() : ""), b(eb ? eb->val.str() : "");
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    reply::error(ctx.out, "ERR String too long for LCS");
    return;
  }
  const uint64_t table_bytes = (uint64_t{a.size()} + 1) * (b.size() + 1) * sizeof(uint32_t);
  if (table_bytes > static_cast<uint64_t>(ctx.server.config.proto_max_bulk_len)) {
    reply::error(ctx.out, "ERR Insufficient memory, transient memory for LCS exceeds "
                          "proto-max-bulk-len");
    return;
  }
  const lcs_table table(a, b);
  const uint32_t length = table.at(a.size(), b.size());
  if (len_only) {
    reply::integer(ctx.out, length);
    return;
  }
  std::string text;
  std::vector<lcs_match> matches;
  lcs_walk(table, a, b, text, matches);
  if (!with_idx) {
    reply::bulk(ctx.out, text);
    return;
  }
  std::string body;
  int64_t kept = 0;
  for (const lcs_match& m : matches) {
    const uint32_t match_len = m.a_end - m.a_start + 1;
    if (min_match_len > 0 && match_len < min_match_len)
      continue;
    reply::array_header(body, with_match_len ? 3 : 2);
    reply::array_header(body, 2);
    reply::integer(body, m.a_start);
    reply::integer(body, m.a_end);
    reply::array_header(body, 2);
    reply::integer(body, m.b_start);
    reply::integer(body, m.b_end);
    if (with_match_len)
      reply::integer(body, match_len);
    ++kept;
  }
  reply::array_header(ctx.out, 4);
  reply::bulk(ctx.out, "matches");
  reply::array_header(ctx.out, kept);
  ctx.out.append(body);
  reply::bulk(ctx.out, "len");
  reply::integer(ctx.out, length);
}

const command_spec specs[] = {
    {"getrange", 4, cmd_readonly, getrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get a substring of the string stored at a key", "string", "2.4.0"},
    {"substr", 4, cmd_readonly, getrange_command, nullptr, 1, 1, 1, kf::ro | kf::access,
     "Get a substring of the string stored at a key", "string", "1.0.0"},
    with_event(
        {"setrange", 4, cmd_write | cmd_denyoom, setrange_command, nullptr, 1, 1, 1,
         kf::rw | kf::update, "Overwrite part of a string at key starting at the specified offset",
         "string", "2.2.0"},
        {ev::string, "setrange"}),
    {"lcs", -3, cmd_readonly, lcs_command, nullptr, 1, 2, 1, kf::ro | kf::access,
     "Find longest common substring", "string", "7.0.0"},
};

}  // namespace

std::span<const command_spec> string_range_commands() { return specs; }

}  // namespace credis
