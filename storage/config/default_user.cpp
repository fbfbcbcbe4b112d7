#include "storage/config/default_user.hpp"

#include "storage/hex_digest.hpp"

#include <algorithm>

#include "storage/commands/text.hpp"

namespace credis {

namespace {

std::string sha256_hex(std::string_view text) { return hex_digest(text, EVP_sha256()); }

}  // namespace

std::string default_user_directive(const server_config& config) {
  const std::string password =
      config.requirepass.empty() ? "nopass" : "#" + sha256_hex(config.requirepass);
  return "user default on " + password + " ~* &* +@all";
}

std::string apply_default_user(server_config& config, const std::vector<std::string>& words) {
  if (words.size() < 2 || !iequals(words[1], "default"))
    return "ACL users other than 'default' are not supported";
  static constexpr std::string_view full_access[] = {
      "on", "~*", "&*", "+@all", "allkeys", "allchannels", "allcommands",
      "sanitize-payload", "skip-sanitize-payload"};
  std::string password = config.requirepass, digest;
  for (size_t i = 2; i < words.size(); ++i) {
    const std::string& rule = words[i];
    if (iequals(rule, "nopass") || iequals(rule, "resetpass")) {
      password.clear();
      digest.clear();
    } else if (rule.starts_with(">")) {
      password = rule.substr(1);
      digest.clear();
    } else if (rule.starts_with("#") && rule.size() == 65) {
      digest = to_lower(rule.substr(1));
    } else if (std::none_of(std::begin(full_access), std::end(full_access),
                            [&](std::string_view r) { return iequals(rule, r); })) {
      return "ACL rule '" + rule + "' is not supported: the default user has full access";
    }
  }
  config.requirepass = password;
  config.requirepass_digest = digest;
  return {};
}

std::string password_mismatch(const server_config& config) {
  if (config.requirepass_digest.empty() ||
      config.requirepass_digest == sha256_hex(config.requirepass))
    return {};
  return "user default: a password digest (#...) is only taken for the password requirepass "
         "sets";
}

}  // namespace credis
