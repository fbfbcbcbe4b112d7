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
  client_state client = first_client();
  replication_info replication;
  unix_ms now = 1'700'000'000'000;
  // When set, the writes that changed the data are collected here as replicas get them.
  command_batch* propagated = nullptr;
  watched_keys watched;
  pubsub channels;
  // EVAL's cache and FUNCTION's libraries, for the tests that give one (null: none, and the
  // script commands answer that scripting is not available).
  scripting* scripts = nullptr;
  // What CONFIG SET changes outside the configuration (null: nothing).
  config_targets* config = nullptr;

  command_harness() { ks.set_expiry_handling(&expiry, false); }

  std::string run(std::initializer_list<std::string_view> args) { return run_as(client, args); }

  // Another client's command (WATCH and EXEC are per client).
  std::string run_as(client_state& who, std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> argv(args);
    command_batch batch;
    batch.client_id = who.id;
    batch.resp = static_cast<uint8_t>(who.resp);
    add_request(batch, argv, who, server);
    std::string out;
    batch_context bc{ks, server, replication, now, false, propagated};
    bc.watched = &watched;
    bc.channels = &channels;
    bc.scripts = scripts;
    bc.config = config;
    execute_batch(bc, batch, out);
    return out;
  }

 private:
  // Keys deleted as they expire are changes the watchers of them see, and DELs for replicas
  // that outlive the rollback of the command that found them, as in the keyspace actor.
  struct expiry_to_watchers : expiry_listener {
    command_harness& h;
    explicit expiry_to_watchers(command_harness& harness) : h(harness) {}
    void key_expired(int db, std::string_view key) override {
      h.watched.expired(db, key);
      if (h.propagated) {
        std::string_view argv[] = {"DEL", key};
        h.propagated->add_command(nullptr, db, argv);
        h.propagated->keep_last();
      }
    }
  } expiry{*this};

  static client_state first_client() {
    client_state c;
    c.id = 1;
    return c;
  }
};

}  // namespace credis::testing
