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

}  // namespace

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
    case movable_keys::geo_store:
      geo_store_positions(argv, cmd.movable.numkeys_at, out);
      return true;
  }
  return true;
}

}  // namespace credis
