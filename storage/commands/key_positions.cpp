// Where a command line's keys are (COMMAND GETKEYS), by the table's positions and movable-key
// rules, as Redis's getKeysFromCommand finds them (db.c's *GetKeys procedures).
#include <cstdlib>
#include <initializer_list>

#include "protocol/integers.hpp"
#include "storage/commands/command.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

bool numkeys_positions(size_t count_at, arg_list argv, std::vector<size_t>& out,
                       int64_t at_least = 1) {
  int64_t n = 0;
  if (count_at >= argv.size() || !parse_int64(argv[count_at], n) || n < at_least ||
      static_cast<uint64_t>(n) > argv.size() - count_at - 1)
    return false;
  for (size_t i = 0; i < static_cast<size_t>(n); ++i)
    out.push_back(count_at + 1 + i);
  return true;
}

// XREAD [COUNT n] [BLOCK ms] STREAMS k... id..., XREADGROUP GROUP g c [...] STREAMS ...: as
// Redis 7's key spec, the first STREAMS (past GROUP's names), then half of what follows.
bool stream_positions(arg_list argv, std::vector<size_t>& out) {
  size_t streams_at = 0;
  for (size_t i = 1; i < argv.size() && streams_at == 0; ++i) {
    if (iequals(argv[i], "group"))
      i += 2;
    else if (iequals(argv[i], "streams"))
      streams_at = i;
  }
  const size_t keys = streams_at ? (argv.size() - streams_at - 1) / 2 : 0;
  for (size_t i = 0; i < keys; ++i)
    out.push_back(streams_at + 1 + i);
  return keys > 0;
}

// SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest]: the last STORE wins.
void store_position(arg_list argv, std::vector<size_t>& out) {
  size_t store_at = 0;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (iequals(argv[i], "limit"))
      i += 2;
    else if (iequals(argv[i], "get") || iequals(argv[i], "by"))
      ++i;
    else if (iequals(argv[i], "store") && i + 1 < argv.size())
      store_at = ++i;
  }
  if (store_at)
    out.push_back(store_at);
}

// GEORADIUS key lon lat radius unit ... / GEORADIUSBYMEMBER key member radius unit ...: as
// Redis 7 finds them by the key specs, the argument after the first STORE, then the one after
// the first STOREDIST, each keyword looked for from `from` up to the next-to-last argument.
void geo_store_positions(arg_list argv, size_t from, std::vector<size_t>& out) {
  for (std::string_view keyword : {"store", "storedist"}) {
    for (size_t i = from; i + 1 < argv.size(); ++i) {
      if (iequals(argv[i], keyword)) {
        out.push_back(i + 1);
        break;
      }
    }
  }
}

// MIGRATE host port key db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS k...]: the
// keys after KEYS, looked for past the options' values; none when the key argument is not
// empty then (a syntax error MIGRATE reports); else the key argument.
void migrate_positions(arg_list argv, std::vector<size_t>& out) {
  for (size_t i = 6; i < argv.size(); ++i) {
    if (iequals(argv[i], "keys")) {
      if (argv[3].empty())
        for (size_t k = i + 1; k < argv.size(); ++k)
          out.push_back(k);
      return;
    }
    if (iequals(argv[i], "auth"))
      i += 1;
    else if (iequals(argv[i], "auth2"))
      i += 2;
  }
  out.push_back(3);
}

// Redis's getKeysUsingKeySpecs: false for an unknown or incomplete spec, or keys past the end.
bool keys_by_specs(std::span<const key_spec> specs, arg_list argv,
                   std::vector<key_reference>& out) {
  const int64_t argc = static_cast<int64_t>(argv.size());
  for (const auto& k : specs) {
    if (k.flags & kf::not_key)
      continue;
    int64_t first = 0;
    if (k.search == key_spec::at_index) {
      first = k.index;
    } else if (k.search == key_spec::after_keyword) {
      // From startfrom towards the end, or from the end backwards; as in Redis, the argument
      // at the far end is not looked at (no key could follow it).
      const int64_t start = k.index > 0 ? k.index : argc + k.index;
      const int64_t end = k.index > 0 ? argc - 1 : 1;
      const std::string keyword = to_lower(k.keyword);
      for (int64_t i = start; i != end && i >= 1 && i < argc; i += start <= end ? 1 : -1) {
        if (iequals(argv[static_cast<size_t>(i)], keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first)
        continue;
    } else {
      return false;
    }
    int64_t last = 0;
    if (k.find == key_spec::range) {
      if (k.lastkey >= 0)
        last = first + k.lastkey;
      else if (k.limit == 0)
        last = argc + k.lastkey;
      else
        last = first + ((argc - first) / k.limit + k.lastkey);
    } else if (k.find == key_spec::keynum) {
      int64_t n = 0;
      if (first + k.keynumidx >= argc ||
          !parse_int64(argv[static_cast<size_t>(first + k.keynumidx)], n) || n < 0 || n > argc)
        return false;
      first += k.firstkey;
      last = first + n - 1;
    } else {
      return false;
    }
    if (last >= argc || last < first || first >= argc)
      return false;
    for (int64_t i = first; i <= last; i += k.keystep)
      out.push_back({static_cast<size_t>(i), k.flags});
    if (k.flags & kf::incomplete)
      return false;
  }
  return true;
}

}  // namespace

std::span<const key_spec> key_specs_of(const command_spec& cmd, key_spec& derived) {
  if (!cmd.key_specs.empty())
    return cmd.key_specs;
  if (cmd.first_key <= 0)
    return {};
  const int lastkey = cmd.last_key < 0 ? cmd.last_key : cmd.last_key - cmd.first_key;
  derived = keys_at(cmd.key_flags, cmd.first_key, lastkey, cmd.key_step);
  return {&derived, 1};
}

std::vector<key_reference> keys_with_flags(const command_spec& cmd, arg_list argv) {
  std::vector<key_reference> keys;
  key_spec derived{};
  const auto specs = key_specs_of(cmd, derived);
  const key_spec* variable = nullptr;
  bool names_keys = false;
  for (const auto& k : specs) {
    names_keys = names_keys || !(k.flags & kf::not_key);
    if (k.flags & kf::variable_flags)
      variable = &k;
  }
  if (names_keys && keys_by_specs(specs, argv, keys)) {
    // (SET, BITFIELD: the flags depend on the arguments, as their procedures tell)
    if (variable && variable->flags_of) {
      const uint16_t flags = variable->flags_of(argv);
      for (auto& key : keys)
        key.flags = flags;
    }
    return keys;
  }
  keys.clear();
  std::vector<size_t> positions;
  if (cmd.movable.how == movable_keys::none || !key_positions(cmd, argv, positions))
    return keys;
  // Redis's procedures flag SORT's and SORT_RO's keys (the source read, a STORE written) and
  // no others.
  const size_t fixed = positions.empty() || cmd.first_key <= 0 ? 0 : 1;
  const bool flagged = (cmd.movable.how == movable_keys::store ||
                        cmd.movable.how == movable_keys::fixed_by_procedure ||
                        cmd.movable.how == movable_keys::migrate) &&
                       !specs.empty();
  // (MIGRATE's procedure gives every key its first spec's flags, without INCOMPLETE)
  const uint16_t later_flags = !flagged                                   ? uint16_t{kf::none}
                               : cmd.movable.how == movable_keys::migrate ? specs.front().flags
                                                                          : specs.back().flags;
  for (size_t i = 0; i < positions.size(); ++i)
    keys.push_back({positions[i], !flagged    ? uint16_t{kf::none}
                                  : i < fixed ? specs.front().flags
                                              : later_flags});
  return keys;
}

bool key_positions(const command_spec& cmd, arg_list argv, std::vector<size_t>& out) {
  out.clear();
  for_each_key_position(cmd, argv.size(), [&](size_t i) { out.push_back(i); });
  switch (cmd.movable.how) {
    case movable_keys::none: return true;
    case movable_keys::numkeys: return numkeys_positions(cmd.movable.numkeys_at, argv, out);
    case movable_keys::fixed_by_procedure: return true;
    case movable_keys::numkeys_or_none:
      return numkeys_positions(cmd.movable.numkeys_at, argv, out, 0);
    case movable_keys::streams: return stream_positions(argv, out);
    case movable_keys::store: store_position(argv, out); return true;
    case movable_keys::migrate:
      out.clear();  // the key argument is one only without KEYS
      migrate_positions(argv, out);
      return true;
    case movable_keys::geo_store:
      geo_store_positions(argv, cmd.movable.numkeys_at, out);
      return true;
  }
  return true;
}

}  // namespace credis
