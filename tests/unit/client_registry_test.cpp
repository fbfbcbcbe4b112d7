// The keyspace's record of its clients (CLIENT LIST, INFO clients).
#include <catch2/catch.hpp>

#include "storage/client_registry.hpp"

using credis::client_record;
using credis::client_registry;
using credis::client_report;

namespace {

client_report named(int64_t id, const char* name) {
  client_report r;
  r.id = id;
  r.name = name;
  return r;
}

}  // namespace

TEST_CASE("a client found again, others found between and one removed answer as the map does",
          "[introspection]") {
  client_registry clients;
  for (int64_t id = 1; id <= 100; ++id)  // enough to rehash the map under the kept record
    clients.report(named(id, "c"), 0);
  clients.report(named(7, "seven"), 0);
  REQUIRE(clients.find(7)->self.name == "seven");
  REQUIRE(clients.find(7) == clients.find(7));
  REQUIRE(clients.find(8)->self.id == 8);
  REQUIRE(clients.find(7)->self.name == "seven");
  for (int64_t id = 101; id <= 300; ++id)
    clients.report(named(id, "c"), 0);
  REQUIRE(clients.find(7)->self.name == "seven");
  clients.remove(7);
  REQUIRE(clients.find(7) == nullptr);
  REQUIRE(clients.find(1000) == nullptr);
  clients.report(named(7, "again"), 0);  // a new record under the same id
  REQUIRE(clients.find(7)->self.name == "again");
  REQUIRE(clients.size() == 300);
}
