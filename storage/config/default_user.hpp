// The `user` directive of redis.conf for the one user credis has, `default`, as Redis's CONFIG
// REWRITE writes it ("user default on nopass ~* &* +@all", or "#<sha256>" for a password), so
// that a file Redis rewrote loads here and one rewritten here loads in Redis.
#pragma once

#include <string>
#include <vector>

#include "storage/server_state.hpp"

namespace credis {

// The directive for the configuration's password (requirepass).
std::string default_user_directive(const server_config& config);

// Applies `user default <rules...>` (words[0] is "user"): on, nopass, resetpass, >password,
// #digest of the password requirepass sets, and the rules that give every key, channel and
// command. Empty on success, else why the line cannot be had.
std::string apply_default_user(server_config& config, const std::vector<std::string>& words);

// Why the password does not match a `#digest` the file gave, or empty (checked once every line
// is read: requirepass may come after the user line).
std::string password_mismatch(const server_config& config);

}  // namespace credis
