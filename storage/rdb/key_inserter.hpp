// Puts the keys an RDB load decodes into the keyspace, in file order, in batches. For a big
// load the batches are put on a thread of their own: the decoding of the next keys and values
// then overlaps what putting a key waits on (the hash table's cache miss, the first touch of
// the key's new node), which is most of a big load's time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/keyspace.hpp"

namespace credis {

class key_inserter {
 public:
  // A key already in its database when put again (an RDB file never holds one twice).
  struct duplicate {
    size_t type_at;   // where the second one's record starts in the file
    std::string key;  // at most its first 64 bytes
  };

  // `threaded`: put the batches on a thread of this object's, else in the caller's.
  key_inserter(keyspace& ks, unix_ms now, bool threaded);
  ~key_inserter();
  key_inserter(const key_inserter&) = delete;
  key_inserter& operator=(const key_inserter&) = delete;

  // Makes room for `n` more keys in database `db` (RDB RESIZEDB), in order with the puts.
  void reserve(int db, size_t n);
  // `idle` / `frequency`: the key's RDB IDLE or FREQ (-1: none).
  void put(int db, std::string_view key, value v, unix_ms deadline, int64_t idle, int64_t frequency,
           size_t type_at);
  // Whether a key put so far was a duplicate (the load can stop early); may lag behind.
  bool failed() const;
  // Puts everything added and waits for it; the first duplicate, if any (nothing after it is
  // put). Rethrows what putting threw (out of memory). Once called, add nothing more.
  std::optional<duplicate> finish();

 private:
  struct record {
    bool is_reserve;
    int db;
    size_t key_at, key_len;  // in the batch's bytes; for a reserve, key_len is the count
    value val;
    unix_ms deadline;
    int64_t idle, frequency;
    size_t type_at;
    size_t hash;  // of the key, once its slot is prefetched
  };
  struct batch {
    std::string bytes;
    std::vector<record> records;
    void clear() {
      bytes.clear();
      records.clear();
    }
  };

  void submit();
  // Puts the batch's records in order, unless a duplicate (or an error) came before.
  void apply(batch& b);
  void work();

  keyspace& ks_;
  unix_ms now_;
  batch filling_;

  // Shared with the thread, guarded by mu_.
  std::mutex mu_;
  std::condition_variable ready_, drained_;
  std::deque<batch> queue_;
  std::vector<batch> spare_;  // put batches, for reuse
  bool closing_ = false;

  // Written by whichever thread puts, read by the caller after finish() joined it.
  std::atomic<bool> failed_{false};
  std::optional<duplicate> duplicate_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace credis
