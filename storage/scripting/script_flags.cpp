#include "storage/scripting/script_flags.hpp"

#include "storage/config/config_file.hpp"

namespace credis {

namespace {

struct named_flag {
  uint32_t flag;
  std::string_view name;
};
constexpr named_flag flag_names[] = {
    {script_no_writes, "no-writes"},     {script_allow_oom, "allow-oom"},
    {script_allow_stale, "allow-stale"}, {script_no_cluster, "no-cluster"},
    {script_allow_cross_slot, "allow-cross-slot-keys"},
};

}  // namespace

uint32_t script_flag_named(std::string_view name) {
  for (const auto& f : flag_names)
    if (f.name == name)
      return f.flag;
  return 0;
}

std::vector<std::string_view> script_flag_names(uint32_t flags) {
  std::vector<std::string_view> out;
  for (const auto& f : flag_names)
    if (flags & f.flag)
      out.push_back(f.name);
  return out;
}

bool parse_shebang(std::string_view body, shebang& out, std::string& error) {
  out = {};
  if (!body.starts_with("#!"))
    return true;
  const size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    error = "ERR Invalid script shebang";
    return false;
  }
  std::vector<std::string> parts;
  if (!split_config_line(body.substr(0, end), parts) || parts.empty()) {
    error = "ERR Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    error = "ERR Unexpected engine in script shebang: " + parts[0];
    return false;
  }
  out.flags = 0;
  out.length = end;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (!part.starts_with("flags=")) {
      error = "ERR Unknown lua shebang option: " + parts[i];
      return false;
    }
    part.remove_prefix(6);
    if (part.empty())
      continue;
    // Split as sdssplitlen: a trailing comma names an empty (unknown) flag.
    for (size_t from = 0;;) {
      const size_t comma = part.find(',', from);
      const std::string_view name = part.substr(from, comma - from);
      const uint32_t flag = script_flag_named(name);
      if (!flag) {
        error = "ERR Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      out.flags |= flag;
      if (comma == std::string_view::npos)
        break;
      from = comma + 1;
    }
  }
  return true;
}

}  // namespace credis
