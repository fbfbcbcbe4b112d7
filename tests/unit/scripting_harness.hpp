// command_harness with scripting: EVAL, FCALL and their siblings need the batch's `scripts`
// (EVAL's cache, FUNCTION's libraries and the busy-script watch), which command_harness does
// not set. Same shape otherwise: no actor, commands resolved against the table and run at an
// injected time, the raw reply returned.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "storage/commands/command_batch.hpp"
#include "storage/scripting/scripting.hpp"

namespace credis::testing {

struct scripting_harness {
  keyspace ks;
  server_state server;
  client_state client = first_client();
  replication_info replication;
  unix_ms now = 1'700'000'000'000;
  // When set, the writes that changed the data are collected here as replicas get them.
  command_batch* propagated = nullptr;
  watched_keys watched;
  pubsub channels;
  scripting scripts;
  // Our master's stream (a replica applying it).
  bool from_master = false;

  std::string run(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> argv(args);
    return run_argv(argv);
  }

  std::string run_argv(const std::vector<std::string_view>& argv) {
    command_batch batch;
    batch.client_id = client.id;
    batch.resp = static_cast<uint8_t>(client.resp);
    add_request(batch, argv, client, server);
    std::string out;
    batch_context bc{ks, server, replication, now, from_master, propagated};
    bc.watched = &watched;
    bc.channels = &channels;
    bc.scripts = &scripts;
    execute_batch(bc, batch, out);
    return out;
  }

 private:
  static client_state first_client() {
    client_state c;
    c.id = 1;
    return c;
  }
};

}  // namespace credis::testing
