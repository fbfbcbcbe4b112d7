// Runs commands the way a connection and the keyspace do together, without any actor: parse
// nothing, resolve against the table, execute at an injected time, return the raw reply.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "storage/commands/command_batch.hpp"

namespace credis::testing {

// The reply every command gives a key of another type.
inline const std::string wrongtype =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

struct command_harness {
  keyspace ks;
  server_state server;
  client_state client;
  replication_info replication;
  unix_ms now = 1'700'000'000'000;
  // When set, the writes that changed the data are collected here as replicas get them.
  command_batch* propagated = nullptr;

  std::string run(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> argv(args);
    command_batch batch;
    add_request(batch, argv, client, server);
    std::string out;
    execute_batch({ks, server, replication, now, false, propagated}, batch, out);
    return out;
  }
};

}  // namespace credis::testing
