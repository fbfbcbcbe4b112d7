// Pub/Sub routing: who gets a message (channel, pattern and shard subscribers), in what frames,
// one shared text per channel message, and the bookkeeping PUBSUB reports; the connection's
// side (replies, counts, the RESP2 subscribed context) through the command harness.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "command_harness.hpp"
#include "storage/pubsub.hpp"

using credis::pubsub;
using credis::subscription_kind;
using credis::testing::command_harness;

TEST_CASE("pubsub routes channel, pattern and shard messages to their subscribers",
          "[pubsub]") {
  pubsub ps;
  ps.subscribe(subscription_kind::channel, 1, "news");
  ps.subscribe(subscription_kind::channel, 2, "news");
  ps.subscribe(subscription_kind::channel, 2, "news");  // once only
  ps.subscribe(subscription_kind::pattern, 3, "n*");
  ps.subscribe(subscription_kind::shard, 4, "news");

  CHECK(ps.publish(false, "news", "hi") == 3);
  auto d = ps.take_deliveries();
  REQUIRE(d.size() == 2);
  CHECK(d[0].bytes == "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  CHECK(d[0].clients == std::vector<int64_t>{1, 2});
  CHECK(d[1].bytes == "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  CHECK(d[1].clients == std::vector<int64_t>{3});
  CHECK(ps.take_deliveries().empty());

  CHECK(ps.publish(true, "news", "s") == 1);  // shard channels: their own namespace
  d = ps.take_deliveries();
  REQUIRE(d.size() == 1);
  CHECK(d[0].bytes == "*3\r\n$8\r\nsmessage\r\n$4\r\nnews\r\n$1\r\ns\r\n");
  CHECK(d[0].clients == std::vector<int64_t>{4});

  CHECK(ps.publish(false, "other", "x") == 0);
  CHECK(ps.take_deliveries().empty());

  CHECK(ps.subscriber_count(false, "news") == 2);
  CHECK(ps.subscriber_count(true, "news") == 1);
  CHECK(ps.pattern_count() == 1);
  CHECK(ps.channels(false, "") == std::vector<std::string>{"news"});
  CHECK(ps.channels(false, "x*").empty());

  ps.unsubscribe(subscription_kind::channel, 1, "news");
  ps.remove_client(3);
  ps.unsubscribe_all(subscription_kind::shard, 4);
  CHECK(ps.publish(false, "news", "again") == 1);
  CHECK(ps.pattern_count() == 0);
  CHECK(ps.channels(true, "").empty());
  CHECK_FALSE(ps.has_subscriptions(1));
  CHECK(ps.has_subscriptions(2));
  ps.remove_client(2);
  CHECK(ps.empty());
}

TEST_CASE("SUBSCRIBE replies and the subscribed client's RESP2 context", "[pubsub]") {
  command_harness h;
  CHECK(h.run({"SUBSCRIBE", "a", "b"}) ==
        "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
  CHECK(h.run({"PSUBSCRIBE", "p*"}) == "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
  CHECK(h.run({"GET", "k"}) ==
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
        "RESET are allowed in this context\r\n");
  CHECK(h.run({"PING"}) == "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  CHECK(h.run({"UNSUBSCRIBE", "a"}) == "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n");
  CHECK(h.run({"PUNSUBSCRIBE"}) == "*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:1\r\n");
  CHECK(h.run({"UNSUBSCRIBE"}) == "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n");
  CHECK(h.run({"UNSUBSCRIBE"}) == "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  CHECK(h.run({"PING"}) == "+PONG\r\n");
  CHECK(h.run({"GET", "k"}) == "$-1\r\n");
}

TEST_CASE("PUBLISH counts its receivers and leaves one message per text", "[pubsub]") {
  command_harness h;
  credis::client_state listener;
  listener.id = 7;
  h.run_as(listener, {"SUBSCRIBE", "c"});
  h.run_as(listener, {"SSUBSCRIBE", "c"});
  CHECK(h.run({"PUBLISH", "c", "m"}) == ":1\r\n");
  CHECK(h.run({"SPUBLISH", "c", "m"}) == ":1\r\n");
  CHECK(h.run({"PUBLISH", "nobody", "m"}) == ":0\r\n");
  auto d = h.channels.take_deliveries();
  REQUIRE(d.size() == 2);
  CHECK(d[0].clients == std::vector<int64_t>{7});
  CHECK(h.run({"PUBSUB", "NUMSUB", "c", "x"}) == "*4\r\n$1\r\nc\r\n:1\r\n$1\r\nx\r\n:0\r\n");
  CHECK(h.run({"PUBSUB", "SHARDNUMSUB", "c"}) == "*2\r\n$1\r\nc\r\n:1\r\n");
  CHECK(h.run({"PUBSUB", "NUMPAT", "x"}) ==
        "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n");
  CHECK(h.run({"PUBSUB", "NOPE"}) == "-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n");
  // Inside a transaction too.
  h.run({"MULTI"});
  h.run({"PUBLISH", "c", "in multi"});
  CHECK(h.run({"EXEC"}) == "*1\r\n:1\r\n");
}
