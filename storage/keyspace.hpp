// The numbered databases of one server (SELECT 0..15).
#pragma once

#include <array>
#include <utility>
#include <cstddef>

#include "storage/database.hpp"

namespace credis {

class keyspace {
 public:
  static constexpr int db_count = 16;

  // DEBUG SET-ACTIVE-EXPIRE 0 stops the deletion of keys as they expire (a key past its
  // deadline is then deleted when someone looks it up), for tests that need stale keys.
  bool active_expire = true;

  database& db(int index) { return dbs_[index]; }
  const database& db(int index) const { return dbs_[index]; }

  size_t total_keys() const {
    size_t n = 0;
    for (const auto& d : dbs_)
      n += d.size();
    return n;
  }
  void clear() {
    for (auto& d : dbs_)
      d.clear();
  }
  // See database::set_access_time; applies to every database.
  void set_access_time(unix_ms now) {
    const bool lfu = access_tracking().lfu.load(std::memory_order_relaxed);
    if (now == access_time_ && lfu == lfu_)
      return;  // most batches come within the same millisecond as the last
    access_time_ = now;
    lfu_ = lfu;
    for (auto& d : dbs_)
      d.set_access_time(now, lfu);
  }

  // See database::set_expiry_handling; applies to every database.
  void set_expiry_handling(expiry_listener* listener, bool keep_expired) {
    listener_ = listener;
    keep_expired_ = keep_expired;
    for (int i = 0; i < db_count; ++i)
      dbs_[i].set_expiry_handling(i, listener, keep_expired);
  }

  // SWAPDB: the two databases change places (each keeps its deadlines).
  void swap_dbs(int a, int b) {
    std::swap(dbs_[a], dbs_[b]);
    dbs_[a].set_expiry_handling(a, listener_, keep_expired_);
    dbs_[b].set_expiry_handling(b, listener_, keep_expired_);
  }

 private:
  std::array<database, db_count> dbs_;
  expiry_listener* listener_ = nullptr;
  bool keep_expired_ = false;
  unix_ms access_time_ = -1;
  bool lfu_ = false;
};

}  // namespace credis
