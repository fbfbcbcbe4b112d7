// SORT and SORT_RO (Redis's sort.c): the elements of a list, set or sorted set, sorted as
// numbers or (ALPHA) as bytes, by themselves or by the keys a BY pattern names, cut by LIMIT,
// each replied as itself or as the keys GET patterns name; or, with STORE, a list of those.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "protocol/integers.hpp"
#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/lookup.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace ev = keyspace_events;
namespace {

struct sort_options {
  bool desc = false, alpha = false, dont_sort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string_view> by, store;
  std::vector<std::string_view> gets;
};

bool parse_sort_options(exec_context& ctx, arg_list argv, bool read_only, sort_options& o) {
  for (size_t j = 2; j < argv.size(); ++j) {
    const size_t left = argv.size() - j - 1;
    std::string_view a = argv[j];
    if (iequals(a, "asc")) {
      o.desc = false;
    } else if (iequals(a, "desc")) {
      o.desc = true;
    } else if (iequals(a, "alpha")) {
      o.alpha = true;
    } else if (iequals(a, "limit") && left >= 2) {
      if (!parse_integer_arg(ctx, argv[j + 1], o.limit_start) ||
          !parse_integer_arg(ctx, argv[j + 2], o.limit_count))
        return false;
      j += 2;
    } else if (!read_only && iequals(a, "store") && left >= 1) {
      o.store = argv[++j];
    } else if (iequals(a, "by") && left >= 1) {
      o.by = argv[++j];
      // A constant pattern names one key for every element: nothing to sort by.
      o.dont_sort = o.by->find('*') == std::string_view::npos;
    } else if (iequals(a, "get") && left >= 1) {
      o.gets.push_back(argv[++j]);
    } else {
      reply::error(ctx.out, errors::syntax);
      return false;
    }
  }
  return true;
}

// Redis's lookupKeyByPattern: "#" is the element; otherwise the first '*' of the key part
// becomes the element, and "key->field" reads a hash field. Missing, or of another type: none.
std::optional<std::string> lookup_by_pattern(exec_context& ctx, std::string_view pattern,
                                             std::string_view item) {
  if (pattern == "#")
    return std::string(item);
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos)
    return std::nullopt;
  size_t arrow = pattern.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 == pattern.size())
    arrow = std::string_view::npos;  // "->" with no field name after it is part of the key
  const std::string_view key_part = pattern.substr(0, arrow);
  std::string key(key_part.substr(0, star));
  key.append(item);
  key.append(key_part.substr(star + 1));
  entry* e = ctx.db().find(key, ctx.expiry_now);
  if (!e)
    return std::nullopt;
  if (arrow != std::string_view::npos) {
    if (e->val.type() != value_type::hash)
      return std::nullopt;
    std::optional<element> v = e->val.hash().get(pattern.substr(arrow + 2));
    return v ? std::optional<std::string>(v->str()) : std::nullopt;
  }
  if (e->val.type() != value_type::string)
    return std::nullopt;
  return std::string(e->val.str());
}

struct sort_item {
  std::string element;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: what it is compared by
};

// The elements in their own order: a list's, a set's iteration, a sorted set's by score.
std::vector<sort_item> elements_of(const value& v) {
  std::vector<sort_item> items;
  auto add = [&](std::string_view s) { items.push_back({std::string(s), 0, std::nullopt}); };
  switch (v.type()) {
    case value_type::list:
      for (const element& e : v.list())
        add(e.view());
      break;
    case value_type::set:
      for (const element& e : v.set())
        add(e.view());
      break;
    case value_type::zset:
      for (const zset_entry& e : v.zset())
        add(e.member.view());
      break;
    default:
      break;
  }
  return items;
}

// As strtod in Redis's SORT: the whole string (an empty one reads 0), no overflow, no NaN.
bool sort_score(const std::string& s, double& out) {
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(out);
}

void sort_generic(exec_context& ctx, arg_list argv, bool read_only) {
  sort_options o;
  if (!parse_sort_options(ctx, argv, read_only, o))
    return;
  entry* e = lookup_read(ctx, argv[1]);
  if (e && e->val.type() != value_type::list && e->val.type() != value_type::set &&
      e->val.type() != value_type::zset) {
    reply::error(ctx.out, errors::wrong_type);
    return;
  }
  std::vector<sort_item> items = e ? elements_of(e->val) : std::vector<sort_item>{};
  // A set's own order is no order: stored, replicated or given to a script (whose writes
  // replicas repeat), it is sorted as bytes.
  if (o.dont_sort && e && e->val.type() == value_type::set && (o.store || ctx.from_script)) {
    o.dont_sort = false;
    o.alpha = true;
    o.by.reset();
  }
  const auto n = static_cast<int64_t>(items.size());
  int64_t start = std::min(std::max<int64_t>(o.limit_start, 0), n);
  const int64_t count = std::min(std::max<int64_t>(o.limit_count, -1), n);
  int64_t end = count < 0 ? n - 1 : start + count - 1;
  if (start >= n) {
    start = n - 1;
    end = n - 2;
  }
  if (end >= n)
    end = n - 1;
  if (o.dont_sort && o.desc && e && e->val.type() != value_type::set)
    std::reverse(items.begin(), items.end());  // a list or sorted set backwards

  bool not_a_number = false;
  if (!o.dont_sort) {
    for (sort_item& item : items) {
      std::optional<std::string> by =
          o.by ? lookup_by_pattern(ctx, *o.by, item.element) : std::optional(item.element);
      if (!by)
        continue;
      if (o.alpha) {
        if (o.by)
          item.by = std::move(by);
      } else if (!sort_score(*by, item.score)) {
        not_a_number = true;
      }
    }
    const bool alpha = o.alpha, by_pattern = o.by.has_value(), desc = o.desc;
    std::stable_sort(items.begin(), items.end(), [&](const sort_item& a, const sort_item& b) {
      int cmp;
      if (!alpha) {
        cmp = a.score < b.score ? -1 : a.score > b.score ? 1 : a.element.compare(b.element);
      } else if (by_pattern) {
        if (!a.by || !b.by)
          cmp = a.by.has_value() == b.by.has_value() ? 0 : a.by ? 1 : -1;
        else
          cmp = a.by->compare(*b.by);
      } else {
        cmp = a.element.compare(b.element);
      }
      return desc ? cmp > 0 : cmp < 0;
    });
  }
  if (not_a_number) {
    reply::error(ctx.out, "ERR One or more scores can't be converted into double");
    return;
  }
  const int64_t per_item = o.gets.empty() ? 1 : static_cast<int64_t>(o.gets.size());
  const int64_t output = end >= start ? per_item * (end - start + 1) : 0;
  if (!o.store) {
    reply::array_header(ctx.out, output);
    for (int64_t j = start; j <= end; ++j) {
      if (o.gets.empty())
        reply::bulk(ctx.out, items[static_cast<size_t>(j)].element);
      for (std::string_view get : o.gets) {
        std::optional<std::string> v = lookup_by_pattern(ctx, get, items[static_cast<size_t>(j)].element);
        v ? reply::bulk(ctx.out, *v) : reply::null_bulk(ctx.out);
      }
    }
    return;
  }
  list_value result;
  for (int64_t j = start; j <= end; ++j) {
    if (o.gets.empty())
      result.push_back(items[static_cast<size_t>(j)].element);
    for (std::string_view get : o.gets)
      result.push_back(lookup_by_pattern(ctx, get, items[static_cast<size_t>(j)].element).value_or(""));
  }
  entry* old = ctx.db().find(*o.store, ctx.expiry_now);
  if (output > 0) {
    if (old)
      ctx.db().erase(*old);
    ctx.db().put(*o.store, value(std::move(result)), no_expiry);
    notify(ctx, keyspace_events::list, "sortstore", *o.store);
    mark_dirty(ctx, output);
    signal_modified(ctx, ctx.db_index, *o.store);
  } else if (old) {
    ctx.db().erase(*old);
    notify(ctx, keyspace_events::generic, "del", *o.store);
    mark_dirty(ctx);
    signal_modified(ctx, ctx.db_index, *o.store);
  }
  reply::integer(ctx.out, output);
}

void sort_command(exec_context& ctx, arg_list argv) { sort_generic(ctx, argv, false); }
void sort_ro_command(exec_context& ctx, arg_list argv) { sort_generic(ctx, argv, true); }

// Key specs as Redis 7.0 declares them (COMMAND INFO, COMMAND GETKEYSANDFLAGS).
constexpr key_spec sort_keys[] = {
    keys_at(kf::ro | kf::access, 1),
    keys_unknown(kf::ro | kf::access,
                 "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                 "derive from the content of the key we sort"),
    keys_unknown(kf::ow | kf::update,
                 "For the optional STORE keyword. It is marked 'unknown' because the keyword can "
                 "appear anywhere in the argument array"),
};

constexpr key_spec sort_ro_keys[] = {
    keys_at(kf::ro | kf::access, 1),
    keys_unknown(kf::ro | kf::access,
                 "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                 "derive from the content of the key we sort"),
};

const command_spec specs[] = {
    with_key_specs(
        with_movable_keys(
            with_event({"sort", -2, cmd_write | cmd_denyoom | cmd_signals_itself, sort_command,
                        nullptr, 1, 1, 1, kf::none,
                        "Sort the elements in a list, set or sorted set", "generic", "1.0.0"},
                       {ev::list, "", key_event::by_command}),
            {movable_keys::store}),
        sort_keys),
    with_key_specs(
        with_movable_keys({"sort_ro", -2, cmd_readonly, sort_ro_command, nullptr, 1, 1, 1, kf::none,
                           "Sort the elements in a list, set or sorted set. Read-only variant of "
                           "SORT.",
                           "generic", "7.0.0"},
                          {movable_keys::fixed_by_procedure}),
        sort_ro_keys),
};

}  // namespace

std::span<const command_spec> sort_commands() { return specs; }

}  // namespace credis
