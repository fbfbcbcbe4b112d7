#include "replication/replication_id.hpp"

#include <random>

namespace credis {

std::string make_replication_id() {
  static const char hex[] = "0123456789abcdef";
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  std::string id(40, '0');
  for (auto& c : id)
    c = hex[gen() & 15];
  return id;
}

void replication_ids::shift(int64_t offset) {
  replid2 = replid;
  second_offset = offset + 1;
  replid = make_replication_id();
}

void replication_ids::restart() {
  replid = make_replication_id();
  replid2 = std::string(40, '0');
  second_offset = -1;
}

}  // namespace credis
