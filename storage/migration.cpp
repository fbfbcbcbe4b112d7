#include "storage/migration.hpp"

#include "protocol/integers.hpp"
#include "storage/commands/text.hpp"

namespace credis {

namespace {

constexpr std::string_view syntax_error = "ERR syntax error";
constexpr std::string_view not_integer = "ERR value is not an integer or out of range";

// Walks the options from argv[6] on as Redis's migrateCommand does, telling `on_secret` each
// argument it would redact. Returns the error reply's text, or empty.
template <class F>
std::string walk_options(std::span<const std::string_view> argv, migrate_args& out, F on_secret) {
  for (size_t j = 6; j < argv.size(); ++j) {
    const size_t more = argv.size() - 1 - j;
    if (iequals(argv[j], "copy")) {
      out.copy = true;
    } else if (iequals(argv[j], "replace")) {
      out.replace = true;
    } else if (iequals(argv[j], "auth")) {
      if (more < 1)
        return std::string(syntax_error);
      out.auth = true;
      out.username.clear();
      out.password = argv[++j];
      on_secret(j);
    } else if (iequals(argv[j], "auth2")) {
      if (more < 2)
        return std::string(syntax_error);
      out.auth = true;
      out.username = argv[++j];
      on_secret(j);
      out.password = argv[++j];
      on_secret(j);
    } else if (iequals(argv[j], "keys")) {
      if (!argv[3].empty())
        return "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
               "string";
      out.first_key = j + 1;
      out.key_count = argv.size() - j - 1;
      break;  // the rest are keys
    } else {
      return std::string(syntax_error);
    }
  }
  return {};
}

}  // namespace

std::string parse_migrate_args(std::span<const std::string_view> argv, migrate_args& out) {
  out = migrate_args{};
  if (std::string error = walk_options(argv, out, [](size_t) {}); !error.empty())
    return error;
  int64_t timeout = 0;
  if (!parse_int64(argv[5], timeout) || !parse_int64(argv[4], out.db))
    return std::string(not_integer);
  out.timeout_ms = timeout <= 0 ? 1000 : timeout;
  return {};
}

std::vector<size_t> migrate_secret_positions(std::span<const std::string_view> argv) {
  std::vector<size_t> secrets;
  migrate_args ignored;
  walk_options(argv, ignored, [&](size_t j) { secrets.push_back(j); });
  return secrets;
}

}  // namespace credis
