// COMMAND [COUNT | LIST [FILTERBY ...] | INFO name... | DOCS name... | GETKEYS command...]
// (Redis's server.c commandCommand), built from the command table so that clients such as
// redis-cli can discover what we support.
#include <string>
#include <vector>

#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"
#include "storage/glob.hpp"

namespace credis {

namespace {

// A container's own flags serve the subcommands without entries of their own; Redis reports
// none for it.
void write_flags(std::string& out, const command_spec& c) {
  if (c.flags & cmd_container) {
    reply::set_header(out, 0);
    return;
  }
  static const std::pair<uint32_t, std::string_view> names[] = {
      {cmd_write, "write"},
      {cmd_readonly, "readonly"},
      {cmd_denyoom, "denyoom"},
      {cmd_admin, "admin"},
      {cmd_noscript, "noscript"},
      {cmd_loading, "loading"},
      {cmd_stale, "stale"},
      {cmd_fast, "fast"},
      {cmd_no_auth, "no_auth"},
      {cmd_no_multi, "no_multi"},
      {cmd_blocking, "blocking"},
      {cmd_pubsub, "pubsub"},
      {cmd_allow_busy, "allow_busy"},
      {cmd_no_async_loading, "no_async_loading"},
      {cmd_skip_slowlog, "skip_slowlog"},
      {cmd_skip_monitor, "skip_monitor"},
  };
  const bool movable = c.movable.how != movable_keys::none;
  // (a command whose keys may number 0: EVAL, FCALL)
  const bool no_mandatory_keys = c.movable.how == movable_keys::numkeys_or_none;
  int64_t n = movable + no_mandatory_keys;
  for (auto [bit, name] : names)
    if (c.flags & bit)
      ++n;
  reply::set_header(out, n);
  for (auto [bit, name] : names)
    if (c.flags & bit)
      reply::simple(out, name);
  if (no_mandatory_keys)
    reply::simple(out, "no_mandatory_keys");
  if (movable)
    reply::simple(out, "movablekeys");
}

// The ACL categories Redis gives a command, from its flags and group, in Redis's order.
std::vector<std::string_view> acl_categories(const command_spec& c) {
  static const std::pair<std::string_view, std::string_view> by_group[] = {
      {"set", "@set"},           {"sorted-set", "@sortedset"},
      {"list", "@list"},         {"hash", "@hash"},       {"string", "@string"},
      {"bitmap", "@bitmap"},     {"hyperloglog", "@hyperloglog"}, {"geo", "@geo"},
      {"stream", "@stream"},     {"pubsub", "@pubsub"},
  };
  std::vector<std::string_view> cats;
  auto group_is = [&](std::string_view g) { return c.group == g; };
  if (group_is("generic"))
    cats.push_back("@keyspace");
  if (c.flags & cmd_readonly)
    cats.push_back("@read");
  if (c.flags & cmd_write)
    cats.push_back("@write");
  for (auto [group, cat] : by_group)
    if (group_is(group))
      cats.push_back(cat);
  if (c.flags & cmd_admin)
    cats.push_back("@admin");
  cats.push_back(c.flags & cmd_fast ? "@fast" : "@slow");
  if (c.flags & cmd_blocking)
    cats.push_back("@blocking");
  if (c.flags & cmd_admin)
    cats.push_back("@dangerous");
  if (group_is("connection"))
    cats.push_back("@connection");
  if (group_is("transactions"))
    cats.push_back("@transaction");
  if (group_is("scripting"))
    cats.push_back("@scripting");
  return cats;
}

// A key spec's flags as Redis names them (addReplyFlagsForKeyArgs).
void write_key_flags(std::string& out, uint16_t flags) {
  static const std::pair<uint16_t, std::string_view> names[] = {
      {kf::ro, "RO"},
      {kf::rw, "RW"},
      {kf::ow, "OW"},
      {kf::rm, "RM"},
      {kf::access, "access"},
      {kf::update, "update"},
      {kf::insert, "insert"},
      {kf::del, "delete"},
      {kf::not_key, "not_key"},
      {kf::incomplete, "incomplete"},
      {kf::variable_flags, "variable_flags"},
  };
  int64_t n = 0;
  for (auto [bit, name] : names)
    n += (flags & bit) != 0;
  reply::set_header(out, n);
  for (auto [bit, name] : names)
    if (flags & bit)
      reply::simple(out, name);
}

// {"type", type, "spec", {name, value, ...}}, as Redis's begin_search and find_keys.
void write_rule(std::string& out, std::string_view type,
                std::initializer_list<std::pair<std::string_view, int64_t>> spec,
                std::string_view keyword = {}) {
  reply::map_header(out, 2);
  reply::bulk(out, "type");
  reply::bulk(out, type);
  reply::bulk(out, "spec");
  reply::map_header(out, static_cast<int64_t>(spec.size() + !keyword.empty()));
  if (!keyword.empty()) {
    reply::bulk(out, "keyword");
    reply::bulk(out, keyword);
  }
  for (auto [name, value] : spec) {
    reply::bulk(out, name);
    reply::integer(out, value);
  }
}

void write_key_spec(std::string& out, const key_spec& k) {
  reply::map_header(out, k.notes.empty() ? 3 : 4);
  if (!k.notes.empty()) {
    reply::bulk(out, "notes");
    reply::bulk(out, k.notes);
  }
  reply::bulk(out, "flags");
  write_key_flags(out, k.flags);
  reply::bulk(out, "begin_search");
  switch (k.search) {
    case key_spec::at_index:
      write_rule(out, "index", {{"index", k.index}});
      break;
    case key_spec::after_keyword:
      write_rule(out, "keyword", {{"startfrom", k.index}}, k.keyword);
      break;
    case key_spec::search_unknown:
      write_rule(out, "unknown", {});
      break;
  }
  reply::bulk(out, "find_keys");
  switch (k.find) {
    case key_spec::range:
      write_rule(out, "range",
                 {{"lastkey", k.lastkey}, {"keystep", k.keystep}, {"limit", k.limit}});
      break;
    case key_spec::keynum:
      write_rule(out, "keynum",
                 {{"keynumidx", k.keynumidx}, {"firstkey", k.firstkey}, {"keystep", k.keystep}});
      break;
    case key_spec::find_unknown:
      write_rule(out, "unknown", {});
      break;
  }
}

void write_info(std::string& out, const command_spec& c) {
  reply::array_header(out, 10);
  reply::bulk(out, c.name);
  reply::integer(out, c.arity);
  write_flags(out, c);
  reply::integer(out, c.first_key);
  reply::integer(out, c.last_key);
  reply::integer(out, c.key_step);
  const auto categories = acl_categories(c);
  reply::set_header(out, static_cast<int64_t>(categories.size()));
  for (auto cat : categories)
    reply::simple(out, cat);
  reply::set_header(out, 0);  // tips
  key_spec derived{};
  const auto specs = key_specs_of(c, derived);
  reply::set_header(out, static_cast<int64_t>(specs.size()));
  for (const auto& k : specs)
    write_key_spec(out, k);
  reply::set_header(out, 0);  // subcommands
}

void write_docs(std::string& out, const command_spec& c) {
  reply::bulk(out, c.name);
  reply::map_header(out, 3);
  reply::bulk(out, "summary");
  reply::bulk(out, c.summary);
  reply::bulk(out, "since");
  reply::bulk(out, c.since);
  reply::bulk(out, "group");
  reply::bulk(out, c.group);
}

// The commands named in argv[2..], or all of them when none are named.
std::vector<const command_spec*> selected(arg_list argv) {
  std::vector<const command_spec*> list;
  if (argv.size() <= 2) {
    for (const auto& c : all_commands())
      list.push_back(&c);
  } else {
    for (size_t i = 2; i < argv.size(); ++i)
      list.push_back(find_command(argv[i]));
  }
  return list;
}

// COMMAND GETKEYS / GETKEYSANDFLAGS command arg...: the keys of that command line (Redis's
// getKeysSubcommandImpl), for a container's subcommand by its entry.
void getkeys(std::string& out, arg_list line, bool with_flags) {
  const command_spec* cmd = resolve_command(line);
  key_spec derived{};
  if (!cmd) {
    reply::error(out, "ERR Invalid command specified");
    return;
  }
  if (key_specs_of(*cmd, derived).empty() && cmd->movable.how == movable_keys::none) {
    reply::error(out, "ERR The command has no key arguments");
    return;
  }
  if (!arity_ok(cmd->arity, line.size())) {
    reply::error(out, "ERR Invalid number of arguments specified for command");
    return;
  }
  const auto keys = keys_with_flags(*cmd, line);
  // (EVAL and FCALL may name no key: Redis's CMD_NO_MANDATORY_KEYS)
  if (keys.empty() && cmd->movable.how != movable_keys::numkeys_or_none) {
    reply::error(out, "ERR Invalid arguments specified for command");
    return;
  }
  reply::array_header(out, static_cast<int64_t>(keys.size()));
  for (auto [pos, flags] : keys) {
    if (with_flags) {
      reply::array_header(out, 2);
      reply::bulk(out, line[pos]);
      write_key_flags(out, flags);
    } else {
      reply::bulk(out, line[pos]);
    }
  }
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: commands and
// subcommands by name; no module is loaded here.
void list(std::string& out, arg_list argv) {
  const bool filtered = argv.size() == 5 && iequals(argv[2], "filterby");
  if (argv.size() != 2 && !(filtered && (iequals(argv[3], "module") ||
                                         iequals(argv[3], "aclcat") ||
                                         iequals(argv[3], "pattern")))) {
    reply::error(out, errors::syntax);
    return;
  }
  std::vector<std::string_view> names;
  for (const auto& c : all_commands_and_subcommands()) {
    bool keep = !filtered;
    if (filtered && iequals(argv[3], "pattern")) {
      keep = glob_match(argv[4], c.name, true);
    } else if (filtered && iequals(argv[3], "aclcat")) {
      for (auto cat : acl_categories(c))
        keep = keep || iequals(cat.substr(1), argv[4]);
    }
    if (keep)
      names.push_back(c.name);
  }
  reply::array_header(out, static_cast<int64_t>(names.size()));
  for (auto name : names)
    reply::bulk(out, name);
}

void command_command(exec_context& ctx, arg_list argv) {
  std::string& out = ctx.out;
  if (argv.size() == 1) {
    reply::array_header(out, static_cast<int64_t>(all_commands().size()));
    for (const auto& c : all_commands())
      write_info(out, c);
    return;
  }
  std::string_view sub = argv[1];
  if (iequals(sub, "count") && argv.size() == 2) {
    reply::integer(out, static_cast<int64_t>(all_commands().size()));
  } else if (iequals(sub, "list")) {
    list(out, argv);
  } else if ((iequals(sub, "getkeys") || iequals(sub, "getkeysandflags")) && argv.size() >= 4) {
    getkeys(out, argv.subspan(2), iequals(sub, "getkeysandflags"));
  } else if (iequals(sub, "info")) {
    auto list = selected(argv);
    reply::array_header(out, static_cast<int64_t>(list.size()));
    for (const auto* c : list) {
      if (c)
        write_info(out, *c);
      else
        reply::null_array(out);
    }
  } else if (iequals(sub, "docs")) {
    auto list = selected(argv);
    std::string body;
    int64_t n = 0;
    for (const auto* c : list) {
      if (c) {
        write_docs(body, *c);
        ++n;
      }
    }
    reply::map_header(out, n);
    out.append(body);
  } else if (iequals(sub, "count") || iequals(sub, "getkeys") || iequals(sub, "getkeysandflags")) {
    reply::error(out, arity_error("command|" + to_lower(sub)));
  } else {
    reply::error(out, unknown_subcommand_error("command", sub));
  }
}

const command_spec specs[] = {
    {"command", -1, cmd_loading | cmd_stale, command_command, nullptr, 0, 0, 0, kf::none,
     "Get array of Redis command details", "server", "2.8.13"},
};

}  // namespace

std::span<const command_spec> introspection_commands() { return specs; }

}  // namespace credis
