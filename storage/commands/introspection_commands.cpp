// COMMAND [COUNT | LIST | INFO name... | DOCS name...] (Redis's server.c commandCommand), built
// from the command table so that clients such as redis-cli can discover what we support.
#include <string>
#include <vector>

#include "protocol/reply.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

void write_flags(std::string& out, const command_spec& c) {
  static const std::pair<uint32_t, std::string_view> names[] = {
      {cmd_write, "write"},     {cmd_readonly, "readonly"}, {cmd_denyoom, "denyoom"},
      {cmd_admin, "admin"},     {cmd_noscript, "noscript"}, {cmd_loading, "loading"},
      {cmd_stale, "stale"},     {cmd_fast, "fast"},         {cmd_no_auth, "no_auth"},
      {cmd_no_multi, "no_multi"}, {cmd_blocking, "blocking"},
  };
  int64_t n = 0;
  for (auto [bit, name] : names)
    if (c.flags & bit)
      ++n;
  reply::array_header(out, n);
  for (auto [bit, name] : names)
    if (c.flags & bit)
      reply::simple(out, name);
}

void write_info(std::string& out, const command_spec& c) {
  reply::array_header(out, 10);
  reply::bulk(out, c.name);
  reply::integer(out, c.arity);
  write_flags(out, c);
  reply::integer(out, c.first_key);
  reply::integer(out, c.last_key);
  reply::integer(out, c.key_step);
  reply::array_header(out, 1);
  std::string category = "@";  // not "@" + string: GCC 12 warns falsely on that (-Wrestrict)
  category += c.group;
  reply::simple(out, category);
  reply::array_header(out, 0);  // tips
  reply::array_header(out, 0);  // key specs
  reply::array_header(out, 0);  // subcommands
}

void write_docs(std::string& out, const command_spec& c) {
  reply::bulk(out, c.name);
  reply::array_header(out, 6);
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
  } else if (iequals(sub, "list") && argv.size() == 2) {
    reply::array_header(out, static_cast<int64_t>(all_commands().size()));
    for (const auto& c : all_commands())
      reply::bulk(out, c.name);
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
        n += 2;
      }
    }
    reply::array_header(out, n);
    out.append(body);
  } else if (iequals(sub, "count") || iequals(sub, "list")) {
    reply::error(out, arity_error("command|" + to_lower(sub)));
  } else {
    reply::error(out, unknown_subcommand_error("command", sub));
  }
}

const command_spec specs[] = {
    {"command", -1, cmd_loading | cmd_stale, command_command, nullptr, 0, 0, 0,
     "Get array of Redis command details", "server", "2.8.13"},
};

}  // namespace

std::span<const command_spec> introspection_commands() { return specs; }

}  // namespace credis
