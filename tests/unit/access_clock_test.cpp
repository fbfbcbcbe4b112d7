// OBJECT IDLETIME and OBJECT FREQ: the access stamps kept with each value (LRU clock, or LFU
// minute and counter), which lookups renew and TYPE/EXISTS/TTL/OBJECT leave alone.
#include <catch2/catch.hpp>

#include "command_harness.hpp"
#include "storage/access_clock.hpp"
#include "storage/value.hpp"

using credis::access_tracking;
using credis::testing::command_harness;

namespace {

// Leaves the process-wide policy as it found it (LRU) whatever the test does.
struct lfu_policy {
  lfu_policy() { access_tracking().lfu = true; }
  ~lfu_policy() {
    access_tracking().lfu = false;
    access_tracking().lfu_log_factor = 10;
  }
};

}  // namespace

TEST_CASE("the access bits live beside every kind of value and survive its replacement",
          "[access]") {
  credis::value v("twelve bytes");  // the longest string kept inline
  v.set_access(0xABCDEF);
  CHECK(v.str() == "twelve bytes");
  v = credis::value("a longer string, on the heap");
  CHECK(v.access() == 0xABCDEF);
  CHECK(v.str() == "a longer string, on the heap");
  v.append_str("!");
  CHECK(v.access() == 0xABCDEF);
  credis::value moved(std::move(v));
  CHECK(moved.access() == 0xABCDEF);
}

TEST_CASE("OBJECT IDLETIME counts seconds since the last access", "[access]") {
  command_harness h;
  h.run({"SET", "k", "v"});
  h.now += 5'400;
  CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == ":5\r\n");
  // Looking without touching, as Redis's NOTOUCH lookups.
  h.run({"TYPE", "k"});
  h.run({"EXISTS", "k"});
  h.run({"TTL", "k"});
  h.run({"OBJECT", "ENCODING", "k"});
  CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == ":5\r\n");
  h.run({"GET", "k"});
  CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == ":0\r\n");
  h.now += 3'000;
  h.run({"TOUCH", "k"});
  CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == ":0\r\n");
  h.now += 2'000;
  h.run({"APPEND", "k", "w"});  // a write is an access too
  CHECK(h.run({"OBJECT", "IDLETIME", "k"}) == ":0\r\n");
  CHECK(h.run({"OBJECT", "IDLETIME", "missing"}) == "$-1\r\n");
}

TEST_CASE("RESTORE IDLETIME and FREQ set the stamps", "[access]") {
  command_harness h;
  h.run({"SET", "src", "v"});
  const std::string payload = h.run({"DUMP", "src"});
  const std::string bytes = payload.substr(payload.find("\r\n") + 2, payload.size() - payload.find("\r\n") - 4);
  h.run({"RESTORE", "idle", "0", bytes, "IDLETIME", "1000"});
  CHECK(h.run({"OBJECT", "IDLETIME", "idle"}) == ":1000\r\n");
  lfu_policy lfu;
  h.run({"RESTORE", "hot", "0", bytes, "FREQ", "100"});
  CHECK(h.run({"OBJECT", "FREQ", "hot"}) == ":100\r\n");
  CHECK(h.run({"OBJECT", "IDLETIME", "hot"}).rfind("-ERR An LFU maxmemory policy is selected", 0) ==
        0);
}

TEST_CASE("OBJECT FREQ grows logarithmically and decays by the minute", "[access]") {
  command_harness h;
  CHECK(h.run({"OBJECT", "FREQ", "k"}) == "$-1\r\n");
  h.run({"SET", "k", "v"});
  CHECK(h.run({"OBJECT", "FREQ", "k"}).rfind("-ERR An LFU maxmemory policy is not selected", 0) ==
        0);
  lfu_policy lfu;
  h.run({"SET", "f", "v"});  // a new key starts at LFU_INIT_VAL
  CHECK(h.run({"OBJECT", "FREQ", "f"}) == ":5\r\n");
  access_tracking().lfu_log_factor = 0;  // every access counts
  for (int i = 0; i < 10; ++i)
    h.run({"GET", "f"});
  CHECK(h.run({"OBJECT", "FREQ", "f"}) == ":15\r\n");
  access_tracking().lfu_log_factor = 10;
  for (int i = 0; i < 100; ++i)
    h.run({"GET", "f"});
  const std::string freq = h.run({"OBJECT", "FREQ", "f"});
  const int counter = std::stoi(freq.substr(1));
  CHECK(counter > 15);
  CHECK(counter < 30);  // 100 accesses near 15 raise it by a few, not by 100
  h.now += 3 * 60'000;  // lfu-decay-time 1: one less per minute
  CHECK(h.run({"OBJECT", "FREQ", "f"}) == ":" + std::to_string(counter - 3) + "\r\n");
}

TEST_CASE("an overwrite keeps the LFU counter and RENAME/MOVE keep the stamps", "[access]") {
  command_harness h;
  lfu_policy lfu;
  access_tracking().lfu_log_factor = 0;
  h.run({"SET", "k", "v"});
  for (int i = 0; i < 10; ++i)
    h.run({"GET", "k"});
  CHECK(h.run({"OBJECT", "FREQ", "k"}) == ":15\r\n");
  h.run({"MSET", "k", "w"});  // as Redis's dbOverwrite: the counter stays
  CHECK(h.run({"OBJECT", "FREQ", "k"}) == ":15\r\n");
  h.run({"RENAME", "k", "r"});  // the lookup counts once, the object moves
  CHECK(h.run({"OBJECT", "FREQ", "r"}) == ":16\r\n");
  h.run({"MOVE", "r", "1"});
  h.run({"SELECT", "1"});
  CHECK(h.run({"OBJECT", "FREQ", "r"}) == ":17\r\n");
}

TEST_CASE("a policy set inside a transaction stamps the writes after it", "[access]") {
  command_harness h;
  h.run({"MULTI"});
  h.run({"CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"});
  h.run({"SET", "k", "v"});
  h.run({"OBJECT", "FREQ", "k"});
  CHECK(h.run({"EXEC"}) == "*3\r\n+OK\r\n+OK\r\n:5\r\n");
  h.run({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  CHECK_FALSE(access_tracking().lfu);
}
