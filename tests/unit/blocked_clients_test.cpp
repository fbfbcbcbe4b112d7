#include "storage/blocked_clients.hpp"

#include <catch2/catch.hpp>

using namespace credis;

TEST_CASE("clients waiting for a key are served longest waiting first", "[blocked]") {
  blocked_clients blocked;
  blocked.block(7, 0, {"q", "q"});  // the same key twice: one place in the queue
  blocked.block(3, 0, {"q"}, true);
  blocked.block(9, 1, {"q"});
  CHECK(blocked.size() == 3);
  CHECK(blocked.with_timeout() == 1);
  CHECK(blocked.waiting_for(0, "q") == std::vector<int64_t>{7, 3});
  blocked.touched("q");
  blocked.touched("other");
  auto ready = blocked.take_ready();
  CHECK(ready.size() == 2);  // "q" of both databases someone waits in
  CHECK_FALSE(blocked.has_ready());
  CHECK(blocked.unblock(7));
  CHECK_FALSE(blocked.unblock(7));
  CHECK(blocked.waiting_for(0, "q") == std::vector<int64_t>{3});
}

TEST_CASE("WAIT's clients count as blocked and can be asked to stop", "[blocked]") {
  blocked_clients blocked;
  blocked.block(1, 0, {"k"});
  blocked.block_elsewhere(2, true);
  blocked.block_elsewhere(5, false);
  CHECK(blocked.size() == 3);
  CHECK(blocked.with_timeout() == 1);
  CHECK(blocked.is_blocked(2));
  CHECK(blocked.waits_elsewhere(2));
  CHECK_FALSE(blocked.waits_elsewhere(1));
  blocked.touched("k");
  CHECK(blocked.take_ready().size() == 1);  // a write wakes no WAIT
  blocked.ask_unblock(2, true);
  auto asks = blocked.take_unblock_asks();
  REQUIRE(asks.size() == 1);
  CHECK(asks[0].client == 2);
  CHECK(asks[0].with_error);
  blocked.unblock_elsewhere(2);
  CHECK_FALSE(blocked.is_blocked(2));
  CHECK(blocked.size() == 2);
  CHECK(blocked.with_timeout() == 0);
}
