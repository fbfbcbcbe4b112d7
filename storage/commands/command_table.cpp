#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "storage/commands/command.hpp"
#include "storage/commands/command_families.hpp"
#include "storage/commands/key_events.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

// FNV-1a over the folded bytes, so a name hashes the same in any case.
inline uint32_t folded_hash(std::string_view name) {
  uint32_t h = 2166136261u;
  for (char c : name)
    h = (h ^ static_cast<unsigned char>(ascii_lower(c))) * 16777619u;
  return h;
}

// Every request looks its name up here, so the table is a small open-addressing array of spec
// indexes probed with a case-insensitive hash and compare: no lowering copy, no node chasing.
struct command_table {
  static constexpr size_t slot_count = 1024;  // a power of two, well above twice the commands
  static constexpr uint16_t empty = 0xffff;
  std::vector<command_spec> specs;  // the commands, then the subcommands ("client|unblock")
  size_t top_level = 0;
  uint16_t slots[slot_count];

  command_table() {
    const std::span<const command_spec> families[] = {
        string_commands(),        string_range_commands(), bit_commands(),
        bitfield_commands(),      list_commands(),         hash_commands(),
        set_commands(),           zset_commands(),         zset_range_commands(),
        zset_setop_commands(),    key_commands(),          key_copy_commands(),
        dump_commands(),          object_commands(),       server_commands(),
        client_commands(),        connection_commands(),   slowlog_commands(),
        latency_commands(),       config_commands(),       info_commands(),
        introspection_commands(), persistence_commands(),  replication_commands(),
        transaction_commands(),   pubsub_commands(),       stream_commands(),
        stream_read_commands(),   stream_group_commands(), stream_info_commands(),
        sort_commands(),          scripting_commands(),    function_commands(),
        cluster_commands(),       hyperloglog_commands(),  geo_commands(),
        migrate_commands(),
    };
    for (auto family : families)
      specs.insert(specs.end(), family.begin(), family.end());
    auto subcommands = std::stable_partition(specs.begin(), specs.end(), [](const command_spec& c) {
      return c.name.find('|') == std::string_view::npos;
    });
    top_level = static_cast<size_t>(subcommands - specs.begin());
    for (size_t i = 0; i < specs.size(); ++i)
      specs[i].index = i;
    assert(specs.size() * 2 < slot_count);
    std::fill(std::begin(slots), std::end(slots), empty);
    for (size_t i = 0; i < specs.size(); ++i) {
      size_t s = folded_hash(specs[i].name) & (slot_count - 1);
      while (slots[s] != empty)
        s = (s + 1) & (slot_count - 1);
      slots[s] = static_cast<uint16_t>(i);
    }
  }

  const command_spec* find(std::string_view name) const {
    for (size_t s = folded_hash(name) & (slot_count - 1);; s = (s + 1) & (slot_count - 1)) {
      if (slots[s] == empty)
        return nullptr;
      const command_spec& spec = specs[slots[s]];
      if (iequals(name, spec.name))
        return &spec;
    }
  }
};

const command_table& table() {
  static const command_table t;
  return t;
}

// Appends `s` with CR and LF shown as spaces, since the text goes into a one-line error reply.
void append_sanitized(std::string& out, std::string_view s, size_t max) {
  for (size_t i = 0; i < s.size() && i < max; ++i)
    out.push_back(s[i] == '\r' || s[i] == '\n' ? ' ' : s[i]);
}

}  // namespace

const command_spec* find_command(std::string_view name) { return table().find(name); }

const command_spec* resolve_command(arg_list argv) {
  const command_spec* cmd = argv.empty() ? nullptr : find_command(argv[0]);
  if (!cmd || cmd->name.find('|') != std::string_view::npos)
    return nullptr;
  if ((cmd->flags & cmd_container) && argv.size() >= 2)
    if (const command_spec* sub = find_command(std::string(cmd->name) + "|" + std::string(argv[1])))
      return sub;
  return cmd;
}

std::span<const command_spec> all_commands_and_subcommands() { return table().specs; }

std::span<const command_spec> all_commands() {
  return std::span<const command_spec>(table().specs).first(table().top_level);
}

const command_spec& command_at(size_t index) { return table().specs[index]; }

std::string arity_error(std::string_view command_name) {
  std::string msg = "ERR wrong number of arguments for '";
  msg.append(command_name);
  msg.append("' command");
  return msg;
}

std::string unknown_command_error(arg_list argv) {
  std::string msg = "ERR unknown command '";
  append_sanitized(msg, argv[0], 128);
  msg.append("', with args beginning with: ");
  size_t args_start = msg.size();
  for (size_t i = 1; i < argv.size() && msg.size() - args_start < 128; ++i) {
    size_t budget = 128 - (msg.size() - args_start);
    msg.push_back('\'');
    append_sanitized(msg, argv[i], budget);
    msg.append("' ");
  }
  return msg;
}

std::string unknown_subcommand_error(std::string_view command, std::string_view sub) {
  std::string msg = "ERR unknown subcommand '";
  append_sanitized(msg, sub, 128);
  msg.append("'. Try ");
  for (char c : command)
    msg.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  msg.append(" HELP.");
  return msg;
}

}  // namespace credis
