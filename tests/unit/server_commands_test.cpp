#include <catch2/catch.hpp>

#include "command_harness.hpp"

using credis::replication_request;
using credis::testing::command_harness;
using Catch::Matchers::Contains;

TEST_CASE("CONFIG GET matches globs over the parameters", "[commands][config]") {
  command_harness h;
  h.server.config.dir = "/data";
  CHECK(h.run({"CONFIG", "GET", "dir"}) == "*2\r\n$3\r\ndir\r\n$5\r\n/data\r\n");
  CHECK(h.run({"CONFIG", "GET", "dbfilename"}) ==
        "*2\r\n$10\r\ndbfilename\r\n$8\r\ndump.rdb\r\n");
  CHECK(h.run({"CONFIG", "GET", "nothing-like-this"}) == "*0\r\n");
  std::string all = h.run({"CONFIG", "GET", "*"});
  for (auto name : {"dir", "dbfilename", "port", "bind", "save", "appendonly", "maxmemory",
                    "databases"})
    CHECK_THAT(all, Contains(std::string("\r\n") + name + "\r\n"));
  CHECK(h.run({"CONFIG", "SET", "maxmemory", "100"}) == "+OK\r\n");
  CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == "*2\r\n$9\r\nmaxmemory\r\n$3\r\n100\r\n");
  CHECK(h.run({"CONFIG", "SET", "nope", "1"}) ==
        "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n");
  // A feature credis lacks is refused at once, and nothing of the same CONFIG SET is applied.
  CHECK(h.run({"CONFIG", "SET", "maxmemory", "200", "appendonly", "yes"}) ==
        "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - append-only files "
        "are not supported: only RDB snapshots\r\n");
  CHECK(h.run({"CONFIG", "GET", "appendonly"}) == "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  CHECK(h.run({"CONFIG", "GET", "maxmemory"}) == "*2\r\n$9\r\nmaxmemory\r\n$3\r\n100\r\n");
  CHECK(h.run({"CONFIG", "SET", "appendonly", "no"}) == "+OK\r\n");
  CHECK(h.run({"CONFIG", "FOO"}) == "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
  CHECK(h.run({"CONFIG", "GET"}) == "-ERR wrong number of arguments for 'config|get' command\r\n");
}

TEST_CASE("INFO reports the fields clients read", "[commands][info]") {
  command_harness h;
  h.replication.replid = std::string(40, 'a');
  h.run({"SET", "a", "1", "EX", "100"});
  h.run({"SET", "b", "1"});
  std::string info = h.run({"INFO"});
  for (auto field : {"redis_version:", "tcp_port:6379", "connected_clients:", "used_memory:",
                     "role:master", "connected_slaves:0", "master_repl_offset:0",
                     "db0:keys=2,expires=1,avg_ttl=100000", "rdb_changes_since_last_save:2"})
    CHECK_THAT(info, Contains(field));
  CHECK_THAT(info, Contains("master_replid:" + std::string(40, 'a')));
  std::string repl = h.run({"INFO", "replication"});
  CHECK_THAT(repl, Contains("# Replication"));
  CHECK_THAT(repl, !Contains("# Server"));
}

TEST_CASE("COMMAND COUNT, INFO and DOCS describe the table", "[commands][introspection]") {
  command_harness h;
  std::string count = h.run({"COMMAND", "COUNT"});
  REQUIRE(count[0] == ':');
  CHECK(std::stoi(count.substr(1)) > 40);
  CHECK(h.run({"COMMAND", "INFO", "get"}).rfind("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n", 0) == 0);
  CHECK(h.run({"COMMAND", "INFO", "nosuch"}) == "*1\r\n*-1\r\n");
  CHECK_THAT(h.run({"COMMAND", "DOCS", "set"}), Contains("summary"));
}

TEST_CASE("CLIENT ID, SETNAME, GETNAME and QUIT", "[commands][client]") {
  command_harness h;
  h.client.id = 7;
  CHECK(h.run({"CLIENT", "ID"}) == ":7\r\n");
  CHECK(h.run({"CLIENT", "GETNAME"}) == "$-1\r\n");
  CHECK(h.run({"CLIENT", "SETNAME", "worker"}) == "+OK\r\n");
  CHECK(h.run({"CLIENT", "GETNAME"}) == "$6\r\nworker\r\n");
  CHECK(h.run({"CLIENT", "SETNAME", "a b"}) ==
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  CHECK_FALSE(h.client.close_after_reply);
  CHECK(h.run({"QUIT"}) == "+OK\r\n");
  CHECK(h.client.close_after_reply);
}

TEST_CASE("WAIT validates its arguments and leaves the rest to the replication manager",
          "[commands][server]") {
  command_harness h;
  CHECK(h.run({"WAIT", "1", "-1"}) == "-ERR timeout is negative\r\n");
  CHECK(h.run({"WAIT", "x", "0"}) == "-ERR value is not an integer or out of range\r\n");
  CHECK(h.client.pending.what == replication_request::kind::none);
  CHECK(h.run({"WAIT", "2", "250"}).empty());  // the manager answers
  CHECK(h.client.pending.what == replication_request::kind::wait);
  CHECK(h.client.pending.count == 2);
  CHECK(h.client.pending.number == 250);
}


TEST_CASE("SWAPDB swaps two databases, their deadlines with them", "[commands][server]") {
  command_harness h;
  h.run({"SET", "a", "in-0", "PX", "100000"});
  h.run({"SELECT", "3"});
  h.run({"SET", "b", "in-3"});
  CHECK(h.run({"SWAPDB", "0", "3"}) == "+OK\r\n");
  CHECK(h.run({"GET", "a"}) == "$4\r\nin-0\r\n");  // (client still in db 3)
  CHECK(h.run({"PTTL", "a"}) == ":100000\r\n");
  CHECK(h.run({"EXISTS", "b"}) == ":0\r\n");
  h.now += 100001;  // the deadline moved with its database
  CHECK(h.run({"GET", "a"}) == "$-1\r\n");
  CHECK(h.run({"SWAPDB", "x", "0"}) == "-ERR invalid first DB index\r\n");
  CHECK(h.run({"SWAPDB", "0", "16"}) == "-ERR DB index is out of range\r\n");
}
