// The clients blocked in BLPOP, BLMOVE, BZPOPMIN and the other blocking commands: which keys
// each waits for, in the order they blocked (Redis serves the longest waiting first), the keys
// a write has made worth another look, and the CLIENT UNBLOCKs asked for. The keyspace actor
// keeps each blocked client's requests; this only says who waits for what.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "storage/string_hash.hpp"

namespace credis {

// What a blocking command that found nothing asks for: to wait for these keys (of its
// client's database) until `deadline` (0: forever).
struct block_request {
  // Set by the keyspace when a waiting command runs again: a key of another type is then as
  // good as missing (Redis serves a waiter only from a key of its type), not an error.
  bool retry = false;
  bool wanted = false;
  int db = 0;
  std::vector<std::string> keys;
  int64_t deadline = 0;
  // What the command settled on its first run and needs on the later ones, kept by the
  // keyspace while it waits (XREAD's "$" as the IDs the streams had then).
  std::vector<std::string> state;
};

class blocked_clients {
 public:
  // `client` waits from now on for `keys` of `db`, until a timeout when `timed`.
  void block(int64_t client, int db, const std::vector<std::string>& keys, bool timed = false);
  // `client` waits no more (served, timed out, unblocked or gone); false when it did not wait.
  bool unblock(int64_t client);
  bool is_blocked(int64_t client) const {
    return waits_.contains(client) || elsewhere_.contains(client);
  }
  size_t size() const { return waits_.size() + elsewhere_.size(); }
  // Those with a timeout (INFO's clients_in_timeout_table).
  size_t with_timeout() const;

  // WAIT's clients wait in the replication manager, not for keys: they are blocked clients all
  // the same (INFO, CLIENT LIST, CLIENT UNBLOCK), so the keyspace is told who they are.
  void block_elsewhere(int64_t client, bool timed) { elsewhere_[client] = timed; }
  void unblock_elsewhere(int64_t client) { elsewhere_.erase(client); }
  bool waits_elsewhere(int64_t client) const { return elsewhere_.contains(client); }

  // A write touched `key` (in any database): the clients waiting for it are worth serving.
  // Cheap when nobody waits for that name.
  void touched(std::string_view key);
  // Every key someone waits for in `db` (SWAPDB brought another database there).
  void touched_db(int db);
  bool has_ready() const { return !ready_.empty(); }
  // The (db, key) pairs touched since the last call, in the order they were first touched.
  std::vector<std::pair<int, std::string>> take_ready();
  // The clients waiting for `key` of `db`, longest waiting first.
  std::vector<int64_t> waiting_for(int db, std::string_view key) const;

  // CLIENT UNBLOCK: `client` is to stop waiting, with an error or as if it had timed out.
  void ask_unblock(int64_t client, bool with_error) { unblock_asked_.push_back({client, with_error}); }
  struct unblock_ask {
    int64_t client;
    bool with_error;
  };
  std::vector<unblock_ask> take_unblock_asks() { return std::exchange(unblock_asked_, {}); }

 private:
  struct db_key {
    int db;
    std::string key;
    bool operator==(const db_key&) const = default;
  };
  struct db_key_hash {
    size_t operator()(const db_key& k) const {
      return string_hash{}(k.key) ^ static_cast<size_t>(k.db);
    }
  };
  struct wait {
    int db;
    std::vector<std::string> keys;
    bool timed = false;
  };

  std::unordered_map<int64_t, wait> waits_;
  std::unordered_map<int64_t, bool> elsewhere_;  // client -> timed
  std::unordered_map<db_key, std::deque<int64_t>, db_key_hash> queues_;
  // How many (db, key) queues each key name has: touched() looks here first.
  std::unordered_map<std::string, int, string_hash, std::equal_to<>> names_;
  std::vector<db_key> ready_;
  std::vector<unblock_ask> unblock_asked_;
};

}  // namespace credis
