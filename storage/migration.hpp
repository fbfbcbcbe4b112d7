// MIGRATE's work as data: its arguments checked as Redis 7.0 checks them, the job the keyspace
// hands to the actors layer (the keys already dumped), and what comes back. No sockets here:
// the actors layer talks to the target, migrate_exchange (migrate_exchange.hpp) says what to
// send it and what its replies mean.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/entry_table.hpp"

namespace credis {

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
// [AUTH2 username password] [KEYS key [key ...]], parsed.
struct migrate_args {
  bool copy = false;
  bool replace = false;
  bool auth = false;     // AUTH or AUTH2 was given
  std::string username;  // AUTH2's; empty with AUTH
  std::string password;
  int64_t db = 0;
  int64_t timeout_ms = 1000;  // 0 or less given: 1000, as Redis
  size_t first_key = 3;       // the keys: argv[first_key .. first_key + key_count)
  size_t key_count = 1;
};

// Parses argv (the whole command line, at least 6 arguments) in Redis's order: the options,
// then the timeout, then the database. Empty on success, else the error reply's text.
std::string parse_migrate_args(std::span<const std::string_view> argv, migrate_args& out);

// The argument positions whose values MONITOR and the slow log hide (AUTH's password, AUTH2's
// username and password), as Redis redacts them while parsing: none after KEYS or after an
// option it stops at.
std::vector<size_t> migrate_secret_positions(std::span<const std::string_view> argv);

// One key to move: its name, the TTL the target gets (0: none), and its DUMP payload; and the
// deadline it had here, to tell whether it changed before the source deletes it.
struct migrate_key {
  std::string name;
  int64_t ttl_ms = 0;
  std::string payload;
  unix_ms deadline = no_expiry;
};

// What the keyspace hands to the actors layer: where to, how, and the dumped keys.
struct migrate_job {
  std::string host;
  std::string port;  // as given: the connection cache is by "host:port", as Redis's
  migrate_args args;
  std::vector<migrate_key> keys;
};

// What the actors layer hands back: the error reply (empty: +OK) and which of the job's keys
// the target restored; how many target connections are cached now (INFO).
struct migrate_outcome {
  std::string error;
  std::vector<size_t> accepted;
  int64_t cached_sockets = 0;
};

// Where MIGRATE leaves its job for the actors layer (the batch stops at it until the outcome
// is back), and where it finds the outcome when it runs again to finish.
struct migrate_handoff {
  bool wanted = false;
  std::shared_ptr<const migrate_job> job;  // shared with the actors layer while it works
  std::optional<migrate_outcome> outcome;
  std::vector<std::string> deleted;  // the keys the finishing run deleted (propagated as DEL)
};

}  // namespace credis
