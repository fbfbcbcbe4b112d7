#include <algorithm>
#include <cctype>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/commands/command.hpp"
#include "storage/commands/command_families.hpp"

namespace credis {

namespace {

struct command_table {
  std::vector<command_spec> specs;
  std::unordered_map<std::string_view, size_t> by_name;

  command_table() {
    const std::span<const command_spec> families[] = {
        string_commands(), key_commands(),           server_commands(),
        client_commands(), config_commands(),        info_commands(),
        introspection_commands(), persistence_commands(),
    };
    for (auto family : families)
      specs.insert(specs.end(), family.begin(), family.end());
    for (size_t i = 0; i < specs.size(); ++i)
      by_name.emplace(specs[i].name, i);
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

const command_spec* find_command(std::string_view name) {
  char lower[32];
  if (name.size() > sizeof(lower))
    return nullptr;
  for (size_t i = 0; i < name.size(); ++i)
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  const auto& t = table();
  auto it = t.by_name.find(std::string_view(lower, name.size()));
  return it == t.by_name.end() ? nullptr : &t.specs[it->second];
}

std::span<const command_spec> all_commands() { return table().specs; }

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
