// The numbered databases of one server (SELECT 0..15).
#pragma once

#include <array>
#include <cstddef>

#include "storage/database.hpp"

namespace credis {

class keyspace {
 public:
  static constexpr int db_count = 16;

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
  // See database::set_expiry_handling; applies to every database.
  void set_expiry_handling(expiry_listener* listener, bool keep_expired) {
    for (int i = 0; i < db_count; ++i)
      dbs_[i].set_expiry_handling(i, listener, keep_expired);
  }

 private:
  std::array<database, db_count> dbs_;
};

}  // namespace credis
